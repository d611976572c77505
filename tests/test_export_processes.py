"""`feeds build --processes` renders the same files under every multiprocessing
start method (forkserver and spawn are the default on Linux from Python 3.14)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_posts
from test_export_safety import tree

BASE = "https://many.example.org/"
BLOG = "---\ntitle: Many\nlink: https://many.example.org/\nfeed_limit: 7\narchive_size: 5\n---\n"
# Small chunks, so that every process of the pool gets several.
SNIPPET = """import multiprocessing, sys
multiprocessing.set_start_method(sys.argv[1])
import feeds.export.build
feeds.export.build._CHUNK = 20
from feeds.cli import main
main(sys.argv[2:])
"""


def _build(posts: Path, out: Path, method: str, processes: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(out.parent / f"cache-{method}")
    result = subprocess.run([sys.executable, "-c", SNIPPET, method, "build", "--posts",
                             str(posts), "--processes", str(processes), str(out)],
                            capture_output=True, text=True, timeout=180, env=env, check=False)
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def blog(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes | str]]:
    tmp = tmp_path_factory.mktemp("processes")
    posts = write_posts(tmp / "posts", {
        f"{n:03}.md": f"---\ntitle: Post {n}\ndate: 2024-01-01T00:{n // 60:02}:{n % 60:02}Z\n"
                      f"tags: [t{n % 4}, all]\n---\nBody {n}.\n" for n in range(120)}, BLOG)
    _build(posts, tmp / "serial", "fork", 1)
    return posts, tree(tmp / "serial")


@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_every_start_method_builds_the_same_files(
        blog: tuple[Path, dict[str, bytes | str]], tmp_path: Path, method: str) -> None:
    posts, serial = blog
    _build(posts, tmp_path / "out", method, 3)
    assert tree(tmp_path / "out") == serial
    assert len(serial) > 200
