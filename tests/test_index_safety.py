"""The persistent index and the run folder hold data, never code, and only our own."""

from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import age, write_posts

from feeds.errors import CacheError
from feeds.library.index import Index
from feeds.library.shared import Shared

BASE = "https://blog.example.org/"


class Planted:
    """Unpickling this opens (so creates) a marker file: code run from a cache row."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (str(self.marker), "w"))


def build(posts: Path, cache: Path, out: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    return subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                           "--base-url", BASE, "--cache", str(cache), str(out)],
                          capture_output=True, text=True, timeout=120, env=env, check=False)


def blog(tmp_path: Path) -> Path:
    return age(write_posts(tmp_path / "posts", {
        f"p{i}.md": f"---\ntitle: Post {i}\ndate: 2024-01-0{i + 1}\n---\nBody {i}.\n"
        for i in range(3)}))


def database(cache: Path) -> Path:
    (found,) = cache.glob("index-*.sqlite")
    return found


def test_a_planted_pickle_in_the_index_is_never_run(tmp_path: Path) -> None:
    posts, cache, marker = blog(tmp_path), tmp_path / "cache", tmp_path / "ran"
    assert build(posts, cache, tmp_path / "out").returncode == 0
    with sqlite3.connect(database(cache)) as db:
        db.execute("UPDATE posts SET state = ?", (pickle.dumps(Planted(marker)),))
    result = build(posts, cache, tmp_path / "out2")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    assert b"Body 2." in (tmp_path / "out2" / "rss.xml").read_bytes()  # read anew


def test_an_index_of_the_pickle_era_is_started_anew(tmp_path: Path) -> None:
    posts, cache, marker = blog(tmp_path), tmp_path / "cache", tmp_path / "ran"
    cache.mkdir(mode=0o700)
    index = Index(cache, posts)
    index.close()
    with sqlite3.connect(index.path) as db:  # as an older feeds left it: schema 0
        db.execute("PRAGMA user_version = 0")
        db.execute("INSERT INTO posts VALUES ('p0.md', 1, 2, 3, 4, 'x', ?)",
                   (pickle.dumps(Planted(marker)),))
    result = build(posts, cache, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert not marker.exists()
    with sqlite3.connect(index.path) as db:
        assert all(not blob.startswith(b"\x80") for (blob,) in
                   db.execute("SELECT state FROM posts"))


def test_a_row_that_does_not_decode_is_a_miss(tmp_path: Path) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    assert build(posts, cache, tmp_path / "out").returncode == 0
    with sqlite3.connect(database(cache)) as db:
        db.execute("UPDATE posts SET state = x'c1ffff' WHERE path = 'p1.md'")
        db.execute("UPDATE posts SET state = x'93010203' WHERE path = 'p2.md'")
    result = build(posts, cache, tmp_path / "out2")
    assert result.returncode == 0, result.stderr
    rss = (tmp_path / "out2" / "rss.xml").read_bytes()
    assert b"Body 1." in rss and b"Body 2." in rss


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o702])
def test_a_cache_folder_others_can_write_is_refused(tmp_path: Path, mode: int) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    cache.mkdir()
    cache.chmod(mode)
    result = build(posts, cache, tmp_path / "out")
    assert result.returncode == 1
    assert str(cache) in result.stderr and "writable by other users" in result.stderr
    assert not list(cache.iterdir())  # no database made in it


def test_an_index_database_others_can_write_is_refused(tmp_path: Path) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    assert build(posts, cache, tmp_path / "out").returncode == 0
    database(cache).chmod(0o666)
    result = build(posts, cache, tmp_path / "out2")
    assert result.returncode == 1
    assert str(database(cache)) in result.stderr and "writable by other" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder away needs root")
def test_a_cache_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    cache.mkdir(mode=0o700)
    os.chown(cache, 65534, 65534)
    result = build(posts, cache, tmp_path / "out")
    assert result.returncode == 1
    assert str(cache) in result.stderr and "belongs to user 65534" in result.stderr
    with pytest.raises(CacheError, match="belongs to user 65534"):
        Index(cache, posts)


def test_a_run_folder_not_ours_alone_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    folder.chmod(0o777)
    with pytest.raises(CacheError, match="run folder is writable by other users"):
        Shared(folder)
    if os.geteuid() == 0:
        folder.chmod(0o700)
        os.chown(folder, 65534, 65534)
        with pytest.raises(CacheError, match="belongs to user 65534"):
            Shared(folder)


def test_records_between_workers_are_data(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    shared = Shared(tmp_path / "run")
    (shared.folder / f"{1:012d}.full").write_bytes(pickle.dumps(Planted(marker)))
    with pytest.raises(ValueError, match="does not decode"):
        shared.since(None, 1)
    assert not marker.exists()
    shared.close()


def test_serve_refuses_a_cache_folder_others_can_write(tmp_path: Path) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o777)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    result = subprocess.run([sys.executable, "-m", "feeds", "serve", "--posts", str(posts),
                             "--port", "0", "--cache", str(cache)], capture_output=True,
                            text=True, timeout=60, env=env, check=False)
    assert result.returncode == 1
    assert f"error: {cache}: the cache folder is writable by other users" in result.stderr
