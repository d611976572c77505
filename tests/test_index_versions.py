"""A post's version is what its file says, not its stat key; its last good version
keeps its body."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import FakeClock, Leader, Server, age, post, wait_until, write_posts
from test_live_server import every_worker_sees

from feeds.library import Library, Options

BROKEN = "---\ntitle: [not closed\ndate: 2024-01-01\n---\nHalf saved.\n"


def rewrite_in_place(path: Path, text: str) -> None:
    """New bytes of the same length, and the old modification time (as rsync -t or tar
    leave them): the same size, modification time and inode; only the change time,
    which no one can set, tells."""
    before = path.stat()
    data = text.encode()
    assert len(data) == before.st_size
    with open(path, "r+b") as handle:
        handle.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == \
        (before.st_size, before.st_mtime_ns, before.st_ino)


def healthz(server: Server) -> str:
    return server.get("/healthz")[2].decode()


@pytest.mark.e2e
def test_a_rewrite_that_keeps_the_stat_key_is_served_by_every_worker(
        tmp_path: Path, serve: Any) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text AAAA.\n"}))
    server: Server = serve(root, workers=2)
    assert every_worker_sees(server, b"Text AAAA.")  # each worker has rendered its body
    before = healthz(server).split("version: ")[1].split()[0]
    rewrite_in_place(root / "a.md", post("Alpha") + "Text BBBB.\n")
    wait_until(lambda: every_worker_sees(server, b"Text BBBB."), 5.0)
    assert before not in healthz(server)
    assert all(b"Text AAAA." not in server.get("/rss.xml")[2] for _ in range(12))


@pytest.mark.e2e
def test_a_post_that_stops_parsing_keeps_its_body_unrendered_till_then(
        tmp_path: Path, serve: Any) -> None:
    root = age(write_posts(tmp_path / "posts", {"b.md": post("Bravo")}))
    server: Server = serve(root, workers=2)  # renders what it has before it serves
    (root / "a.md").write_text(post("Alpha") + "The unique text of Alpha.\n")
    wait_until(lambda: all("posts: 2" in healthz(server) for _ in range(6)), 5.0)
    (root / "a.md").write_text(BROKEN)  # no document with its body was asked for
    (root / "c.md").write_text(post("Charlie", "2024-01-03"))  # after the break: its sign
    wait_until(lambda: all("posts: 3" in healthz(server) for _ in range(6)), 5.0)
    for _ in range(12):
        status, _, body = server.get("/rss.xml")
        assert status == 200 and b"The unique text of Alpha." in body
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    check = subprocess.run([sys.executable, "-m", "feeds", "check", "--posts", str(root)],
                           capture_output=True, text=True, timeout=60, env=env, check=False)
    assert check.returncode == 1 and "a.md:" in check.stdout and "error" in check.stdout


def test_without_an_index_the_last_good_text_is_kept_in_memory(
        tmp_path: Path, leader: Callable[..., Leader]) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text of Alpha.\n"}))
    lead = leader(root, base_url="https://a.example.org/", lazy=True)
    library = lead.live.library
    (root / "a.md").write_text(BROKEN)
    lead.reload()
    assert any(p.path == "a.md" for p in library.problems)
    snapshot = library.snapshot()
    (shown,) = snapshot.posts
    assert "Text of Alpha." in (snapshot.with_body(shown).content_html or "")


def test_a_body_is_never_served_for_other_bytes(tmp_path: Path, clock: FakeClock) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text AAAA.\n"}))
    library = Library(Options(root, "https://a.example.org/", lazy=True), clock)
    before = library.snapshot()
    (old,) = before.posts
    assert "AAAA" in (before.with_body(old).content_html or "")
    rewrite_in_place(root / "a.md", post("Alpha") + "Text BBBB.\n")
    reload = library.loader.update(["a.md"])  # the event of the rewrite names it
    assert reload is not None and reload.changed
    library.replace(reload.loaded)
    after = library.snapshot()
    (new,) = after.posts
    assert after.digest_of(new) != before.digest_of(old)
    assert "BBBB" in (after.with_body(new).content_html or "")
    assert "AAAA" in (before.with_body(old).content_html or "")  # the old version's own text


def test_a_restart_reads_a_rewrite_that_kept_size_and_modification_time(
        tmp_path: Path, clock: FakeClock) -> None:
    """No file event names the rewrite (no one was watching): the index's row for the
    old bytes must not be taken for the new ones."""
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text AAAA.\n"}))
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache")
    first = Library(options, clock).snapshot()
    assert "AAAA" in (first.with_body(first.posts[0]).content_html or "")
    rewrite_in_place(root / "a.md", post("Alpha") + "Text BBBB.\n")
    again = Library(options, clock)
    assert again.last_reload.files_read == 1
    after = again.snapshot()
    assert "BBBB" in (after.with_body(after.posts[0]).content_html or "")


def test_a_worker_behind_still_renders_the_version_it_serves(
        tmp_path: Path, clock: FakeClock, leader: Callable[..., Leader]) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text AAAA.\n"}))
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    behind = Library(options, clock)
    lead = leader(root, base_url=options.base_url, cache=options.cache, lazy=True)
    (root / "a.md").write_text(post("Alpha") + "Text BBBB, longer.\n")
    lead.reload()  # the leader has read (and kept) the new version
    ahead = lead.live.library
    theirs = ahead.snapshot()
    assert "BBBB" in (theirs.with_body(theirs.posts[0]).content_html or "")
    mine = behind.snapshot()  # a worker yet to take it
    assert "AAAA" in (mine.with_body(mine.posts[0]).content_html or "")


def test_an_old_version_never_rendered_before_a_rewrite_shows_its_own_text(
        tmp_path: Path, clock: FakeClock) -> None:
    """As above, but the old body was not rendered (so not kept) before the rewrite:
    it comes from the old version's text, not from the file as it is now."""
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha") + "Text AAAA.\n"}))
    library = Library(Options(root, "https://a.example.org/", lazy=True), clock)
    before = library.snapshot()
    rewrite_in_place(root / "a.md", post("Alpha") + "Text BBBB.\n")
    reload = library.loader.update(["a.md"])
    assert reload is not None and reload.changed
    library.replace(reload.loaded)
    old = before.with_body(before.posts[0]).content_html or ""
    assert "AAAA" in old and "BBBB" not in old
