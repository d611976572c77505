"""`feeds build` writes and removes only inside OUT, never through a link, never the
author's posts; a build killed at any point is repaired by the next one. Every
attack goes through the real `feeds build` in a subprocess."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

BASE = "http://127.0.0.1:8000/"
CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


def run_build(posts: Path, out: Path, *extra: str,
              base: str = BASE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(out.parent / "cache")
    return subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                           "--base-url", base, *extra, str(out)], capture_output=True,
                          text=True, timeout=180, env=env, check=False)


def tree(root: Path) -> dict[str, bytes | str]:
    """Every entry under `root`: a file's bytes (the manifest without the stats it records),
    a link's target, "dir" for a folder."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[rel] = "dir"
        elif rel == ".feeds-build.json":  # each file's stat is this tree's own
            files = json.loads(path.read_bytes())["files"]
            found[rel] = json.dumps({name: entry[:2] for name, entry in files.items()})
        else:
            found[rel] = path.read_bytes()
    return found


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    shutil.copytree(SAMPLE, tmp_path / "posts")
    return tmp_path / "posts"


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside OUT that no build may touch."""
    folder = tmp_path / "outside"
    (folder / "deep").mkdir(parents=True)
    (folder / "file").write_text("precious\n")
    (folder / "index.html").write_text("not the blog's\n")
    (folder / "deep" / "rss.xml").write_text("mine\n")
    return folder


def test_links_in_out_are_replaced_never_followed(blog: Path, outside: Path,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").symlink_to(outside / "index.html")  # a file's place
    (out / "posts").symlink_to(outside)  # a folder's place, before the first build
    before = tree(outside)
    assert run_build(blog, out).returncode == 0
    assert tree(outside) == before
    assert not (out / "index.html").is_symlink() and not (out / "posts").is_symlink()
    (out / "rss.xml").unlink()
    (out / "rss.xml").symlink_to(outside / "file")
    shutil.rmtree(out / "tags")
    (out / "tags").symlink_to(outside / "deep")
    result = run_build(blog, out)
    assert result.returncode == 0, result.stderr
    assert tree(outside) == before
    assert not (out / "rss.xml").is_symlink() and (out / "tags").is_dir()
    clean = tmp_path / "clean"
    assert run_build(blog, clean).returncode == 0
    assert tree(out) == tree(clean)


def _forged(outside: Path) -> dict[str, list[str]]:
    """Manifest entries for files outside OUT, with their true digests (the worst
    forgery: a check of the digest alone would pass)."""
    def entry(path: Path) -> list[str]:
        return ["", hashlib.sha256(path.read_bytes()).hexdigest()]
    return {"../outside/file": entry(outside / "file"),
            str(outside / "index.html"): entry(outside / "index.html"),
            "posts/../../outside/deep/rss.xml": entry(outside / "deep" / "rss.xml"),
            "deep/rss.xml": entry(outside / "deep" / "rss.xml"),  # reached through a link
            "mine.txt": ["", "0" * 64],  # a file in OUT that is not as recorded
            ".feeds-build.lock": ["", hashlib.sha256(b"").hexdigest()]}  # the lock held


def test_a_forged_manifest_removes_nothing_outside_or_unverified(
        blog: Path, outside: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_build(blog, out).returncode == 0
    (out / "deep").symlink_to(outside / "deep")
    (out / "mine.txt").write_text("the publisher's own\n")
    manifest = out / ".feeds-build.json"
    before = tree(outside)
    for forged in ({"format": 2, "files": _forged(outside)},
                   list(_forged(outside)),  # the old format: names only
                   {"files": _forged(outside)}, "not a manifest"):
        manifest.write_text(json.dumps(forged))
        result = run_build(blog, out)
        assert result.returncode == 0, result.stderr
        assert tree(outside) == before
        assert (out / "mine.txt").read_text() == "the publisher's own\n"
        assert (out / "deep").is_symlink()  # not ours: left as it is
        assert (out / ".feeds-build.lock").exists()


def test_a_manifest_that_is_a_link_is_not_followed(blog: Path, outside: Path,
                                                   tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_build(blog, out).returncode == 0
    (out / ".feeds-build.json").unlink()
    (out / ".feeds-build.json").symlink_to(outside / "file")
    assert run_build(blog, out).returncode == 0
    assert (outside / "file").read_text() == "precious\n"
    assert not (out / ".feeds-build.json").is_symlink()


@pytest.mark.parametrize("where", ["posts", "posts/out", "."])
def test_out_overlapping_the_posts_folder_is_refused(blog: Path, tmp_path: Path,
                                                     where: str) -> None:
    before = tree(blog)
    result = run_build(blog, tmp_path / where)
    assert result.returncode == 2
    assert "posts folder" in result.stderr and "give it a folder of its own" in result.stderr
    assert tree(blog) == before


def test_out_reaching_the_posts_folder_through_a_link_is_refused(blog: Path,
                                                                 tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(blog)
    before = tree(blog)
    assert run_build(blog, tmp_path / "alias").returncode == 2
    assert tree(blog) == before


def test_a_second_build_into_one_out_fails_clearly(blog: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_build(blog, out).returncode == 0
    before = tree(out)
    with open(out / ".feeds-build.lock", "r+b") as lock:  # as a build in progress holds it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_build(blog, out, base="http://other.example/")
    assert result.returncode == 1
    assert "another feeds build is writing to this folder" in result.stderr
    assert tree(out) == before


def _corpus(tmp_path: Path, count: int, start: int = 0) -> Path:
    subprocess.run([sys.executable, str(CORPUS), "--layout", "plain", "-n", str(count),
                    "--start", str(start), "-o", str(tmp_path / "corpus")], check=True,
                   timeout=120, capture_output=True)
    return tmp_path / "corpus" / "posts"


def _kill_after(posts: Path, out: Path, files: int, base: str) -> int:
    """Start a build and kill -9 it once it has begun writing its `files`-th file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(out.parent / "cache")
    process = subprocess.Popen([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                                "--base-url", base, str(out)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal, deadline = out / ".feeds-build.journal", time.monotonic() + 120
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if journal.exists() and journal.read_bytes().count(b"\n") >= files:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)  # a poll of the build's progress, not a wait for time
    finally:
        if process.poll() is None and time.monotonic() >= deadline:
            process.kill()
        process.wait(timeout=30)
    return process.returncode


@pytest.mark.skipif(not CORPUS.exists() and not os.environ.get("CI"),
                    reason="shared/bench/make_corpus.py not beside the repository")
@pytest.mark.parametrize("seed", [1, 2])
def test_a_build_killed_midway_is_repaired_by_the_next(tmp_path: Path, seed: int) -> None:
    posts = _corpus(tmp_path, 300)
    first = set(posts.glob("*.md"))
    out = tmp_path / "out"
    assert run_build(posts, out).returncode == 0
    _corpus(tmp_path, 30, start=300)  # new posts and archive pages; every page changes
    # (with another base URL) of about 940 files to write, after its first new pages
    killed_at = random.Random(seed).randrange(500, 900)
    assert _kill_after(posts, out, killed_at, "http://other.example/") == -signal.SIGKILL
    for extra in set(posts.glob("*.md")) - first:  # back to the 300: what the killed
        extra.unlink()  # build wrote for the 30 is now an orphan
    clean = tmp_path / "clean"
    assert run_build(posts, clean).returncode == 0
    orphans = set(tree(out)) - set(tree(clean)) - {".feeds-build.journal"}
    assert any(name.startswith("archive/") for name in orphans)  # the case to repair
    result = run_build(posts, out)
    assert result.returncode == 0, result.stderr
    assert tree(out) == tree(clean)
