"""`feeds build` keeps rendered bodies in the index (feeds/library/bodies.py): a rebuild
after one new post renders one body, and gives the bytes a build from nothing gives;
a row that is not one of ours is rendered again, never trusted or run."""

from __future__ import annotations

import os
import pickle
import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from conftest import age, write_posts
from test_index_safety import Planted, database

from feeds.library import records
from feeds.library.bodies import KeptBody

BASE = "https://blog.example.org/"
COUNT = 24


def build(posts: Path, cache: Path, out: Path, processes: int = 1) -> str:
    """`feeds build`; its summary line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    result = subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                             "--base-url", BASE, "--cache", str(cache), "--processes",
                             str(processes), str(out)],
                            capture_output=True, text=True, timeout=120, env=env, check=True)
    return result.stdout.strip().splitlines()[-1]


def blog(tmp_path: Path) -> Path:
    return age(write_posts(tmp_path / "posts", {
        f"2024-01-{i + 1:02}-p{i}.md": f"---\ntitle: Post {i}\ntags: [t{i % 3}, all]\n---\n"
        f"Body *{i}* with [a link](https://example.org/{i}).\n" for i in range(COUNT)}))


def files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and not p.name.startswith(".feeds-build")}


def add_post(posts: Path) -> None:
    (posts / "2024-02-01-new.md").write_text("---\ntitle: The New One\ntags: [t1]\n---\n"
                                             "A *new* body.\n", encoding="utf-8")


@pytest.mark.parametrize("processes", [1, 2])
def test_a_rebuild_after_one_new_post_renders_one_body(tmp_path: Path,
                                                       processes: int) -> None:
    posts, cache, out = blog(tmp_path), tmp_path / "cache", tmp_path / "out"
    assert build(posts, cache, out, processes).endswith(f"; {COUNT} bodies rendered")
    assert build(posts, cache, out, processes).endswith("; 0 bodies rendered")
    add_post(posts)
    assert build(posts, cache, out, processes).endswith("; 1 body rendered")
    assert b"The New One" in (out / "rss.xml").read_bytes()
    fresh = tmp_path / "fresh"
    assert build(posts, tmp_path / "cache2", fresh).endswith(f"; {COUNT + 1} bodies rendered")
    assert files(out) == files(fresh)  # kept bodies give the bytes of rendered ones


def _rows(cache: Path) -> list[tuple[str, str, bytes]]:
    with sqlite3.connect(database(cache)) as db:
        return db.execute("SELECT path, key, body FROM bodies ORDER BY path").fetchall()


def test_every_body_is_kept_as_plain_data(tmp_path: Path) -> None:
    posts, cache = blog(tmp_path), tmp_path / "cache"
    build(posts, cache, tmp_path / "out")
    rows = _rows(cache)
    assert [path for path, _, _ in rows] == sorted(p.name for p in posts.glob("2024-*.md"))
    assert all(body[:1] == b"\x78" for _, _, body in rows)  # a zlib stream, not a pickle


def test_a_tampered_body_row_is_rendered_again(tmp_path: Path) -> None:
    posts, cache, marker = blog(tmp_path), tmp_path / "cache", tmp_path / "ran"
    build(posts, cache, tmp_path / "out")
    path, key, _ = _rows(cache)[0]
    forged = records.encode(KeptBody("<p>forged</p>", "forged", ()))
    with sqlite3.connect(database(cache)) as db:
        db.execute("UPDATE bodies SET body = ?", (pickle.dumps(Planted(marker)),))
        db.execute("UPDATE bodies SET body = ? WHERE path = ?", (b"\x78\x01garbage", path))
        # a body of ours, kept under another key: not the body of this version
        db.execute("UPDATE bodies SET body = ?, key = ? WHERE path = ?",
                   (zlib.compress(forged), key + "x", rows_second(db)))
    out = tmp_path / "out2"
    assert build(posts, cache, out).endswith(f"; {COUNT} bodies rendered")
    assert not marker.exists()
    assert b"forged" not in b"".join(files(out).values())
    assert files(out) == files(tmp_path / "out")


def rows_second(db: sqlite3.Connection) -> str:
    return str(db.execute("SELECT path FROM bodies ORDER BY path LIMIT 1 OFFSET 1")
               .fetchone()[0])
