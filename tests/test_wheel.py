"""A wheel of feeds carries every template and static file, and `feeds build` runs
from it (not from this source tree)."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from conftest import ROOT, write_posts


def _setuptools() -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in metadata.version("setuptools").split(".")[:2])
    except (metadata.PackageNotFoundError, ValueError):
        return (0,)


def _wheel(tmp_path: Path) -> Path:
    """A wheel built from a copy of the sources (a build leaves files in its tree)."""
    source, out = tmp_path / "src", tmp_path / "dist"
    source.mkdir()
    shutil.copytree(ROOT / "feeds", source / "feeds",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # The build backend of this environment when it is recent enough (no download),
    # else pip's isolated build, which fetches one.
    isolation = ["--no-build-isolation"] if _setuptools() >= (68,) else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation,
                    "-w", str(out), str(source)], check=True, timeout=120,
                   capture_output=True, cwd=tmp_path)
    (wheel,) = out.glob("feeds-*.whl")
    return wheel


def test_the_wheel_has_every_data_file_and_builds_a_blog(tmp_path: Path) -> None:
    wheel = _wheel(tmp_path)
    data = {str(p.relative_to(ROOT)) for folder in ("feeds/templates", "feeds/static")
            for p in (ROOT / folder).rglob("*") if p.is_file()}
    assert "feeds/templates/feed.xsl" in data
    assert data <= set(zipfile.ZipFile(wheel).namelist())
    venv = tmp_path / "venv"  # this wheel's feeds; its dependencies from the test venv
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    (own,) = venv.glob("lib/python*/site-packages")
    # A plain path: the test venv's .pth files (its editable feeds) are not run from it.
    (own / "parent.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--force-reinstall", str(wheel)], check=True, timeout=60,
                   capture_output=True)
    posts = write_posts(tmp_path / "posts", {"2026-01-02-one.md": "---\ntitle: One\n"
                                             "date: 2026-01-02\n---\nHello.\n"})
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["FEEDS_CACHE"] = str(tmp_path / "cache")
    done = subprocess.run([str(python), "-c", "import feeds; print(feeds.__file__)"],
                          capture_output=True, text=True, check=True, timeout=30, cwd=tmp_path,
                          env=env)
    assert str(venv) in done.stdout  # the installed copy, not the editable source
    subprocess.run([str(venv / "bin" / "feeds"), "build", "--posts", str(posts),
                    str(tmp_path / "out")], check=True, timeout=60, cwd=tmp_path, env=env,
                   capture_output=True)
    assert (tmp_path / "out" / "feed.xsl").read_bytes() == \
        (ROOT / "feeds/templates/feed.xsl").read_bytes()
