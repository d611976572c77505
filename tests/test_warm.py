"""Warm restarts (docs/reference.md §6.6): the front documents kept in the index, when
they are valid, and the worker app that answers with them while it loads the blog."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from conftest import (
    SAMPLE_NOW,
    FakeClock,
    Server,
    copy_sample,
    free_port,
    post,
    start_server,
    wait_until,
)

from feeds.library import Library, Options, front
from feeds.sources.listing import list_files
from feeds.web.served import AHEAD, render_ahead
from feeds.web.warm import WarmApp, keep

BASE = "http://blog.example.org/"


def _options(blog: Path, tmp_path: Path, **given: Any) -> Options:
    return Options(blog, given.pop("base_url", BASE), cache=tmp_path / "cache",
                   lazy=given.pop("lazy", True), **given)


def _kept(blog: Path, tmp_path: Path, clock: FakeClock, **given: Any) -> Library:
    """The blog loaded and its front documents kept, as `feeds serve` does."""
    library = Library(_options(blog, tmp_path, **given), clock)
    keep(library, render_ahead(library))
    return library


def test_the_kept_documents_are_the_rendered_ones(blog: Path, tmp_path: Path,
                                                  clock: FakeClock) -> None:
    library = _kept(blog, tmp_path, clock)
    site = render_ahead(library)
    found = front.load(_options(blog, tmp_path), clock)
    assert found is not None
    assert found.base_url == BASE
    assert {doc.path for doc in found.documents} == set(AHEAD)
    for doc in found.documents:
        rendered = site.document(doc.path)
        assert (doc.body, doc.content_type, doc.last_modified, doc.kind) == (
            rendered.body, rendered.content_type, rendered.last_modified, rendered.kind)
    rss = next(doc for doc in found.documents if doc.path == "rss.xml")
    assert rss.has_view and rss.browser_type == "application/xml; charset=utf-8"
    assert feedparser.parse(rss.body).bozo == 0


def _rewrite(path: Path) -> None:
    path.write_text(path.read_text().replace("Fog", "Mist", 1))


CHANGES: dict[str, Callable[[Path], object]] = {
    "a post rewritten": lambda blog: _rewrite(blog / "2024-06-01-fog-week.html"),
    "a post added": lambda blog: (blog / "new.md").write_text(post("New")),
    "a post removed": lambda blog: (blog / "2024-06-01-fog-week.html").unlink(),
    "the blog file changed": lambda blog: (blog / "_blog.md").write_text(
        (blog / "_blog.md").read_text() + "\nMore about us.\n"),
    "an asset added": lambda blog: (blog / "images" / "new.png").write_bytes(b"\x89PNG"),
    "a post renamed": lambda blog: (blog / "2024-06-01-fog-week.html").rename(
        blog / "2024-06-01-fog.md"),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_to_the_folder_makes_them_invalid(change: str, blog: Path,
                                                     tmp_path: Path, clock: FakeClock) -> None:
    _kept(blog, tmp_path, clock)
    assert front.load(_options(blog, tmp_path), clock) is not None
    CHANGES[change](blog)
    assert front.load(_options(blog, tmp_path), clock) is None


@pytest.mark.parametrize("given", [
    {"base_url": "http://other.example.org/"},
    {"environ": {"FEEDS_FEED_LIMIT": "3"}},
    {"environ": {"TZ": "Europe/Oslo"}},
    {"lazy": False},
])
def test_other_settings_make_them_invalid(given: dict[str, Any], blog: Path, tmp_path: Path,
                                          clock: FakeClock) -> None:
    _kept(blog, tmp_path, clock)
    assert front.load(_options(blog, tmp_path, **given), clock) is None


def test_where_things_are_is_no_setting(blog: Path, tmp_path: Path, clock: FakeClock) -> None:
    _kept(blog, tmp_path, clock, environ={"FEEDS_RUN_DIR": "/tmp/a"})
    assert front.load(_options(blog, tmp_path, environ={"FEEDS_RUN_DIR": "/tmp/b"}),
                      clock) is not None


def test_a_scheduled_post_coming_due_makes_them_invalid(blog: Path, tmp_path: Path,
                                                        clock: FakeClock) -> None:
    library = _kept(blog, tmp_path, clock)
    due = library.snapshot().next_change
    assert due is not None and due > SAMPLE_NOW  # the sample's post of 2099
    clock.now = due - timedelta(seconds=1)
    assert front.load(_options(blog, tmp_path), clock) is not None
    clock.now = due
    assert front.load(_options(blog, tmp_path), clock) is None


def test_a_large_blog_keeps_none(blog: Path, tmp_path: Path, clock: FakeClock,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Above FRONT_MAX_POSTS files a worker's load outlasts the front's second: the
    documents kept before are dropped, and none are kept."""
    _kept(blog, tmp_path, clock)
    monkeypatch.setattr(front, "FRONT_MAX_POSTS", 3)
    assert front.load(_options(blog, tmp_path), clock) is None  # kept when it was small
    _kept(blog, tmp_path, clock)
    monkeypatch.setattr(front, "FRONT_MAX_POSTS", 20_000)
    assert front.load(_options(blog, tmp_path), clock) is None


def test_no_cache_folder_no_front(blog: Path, clock: FakeClock) -> None:
    assert front.load(Options(blog, BASE, lazy=True), clock) is None


def test_rows_that_do_not_decode_are_a_miss(blog: Path, tmp_path: Path, clock: FakeClock,
                                            caplog: pytest.LogCaptureFixture) -> None:
    _kept(blog, tmp_path, clock)
    [database] = (tmp_path / "cache").glob("index-*.sqlite")
    with sqlite3.connect(database) as db:
        db.execute("UPDATE front SET meta = '{\"base_url\": 1}' WHERE path = 'rss.xml'")
    assert front.load(_options(blog, tmp_path), clock) is None
    assert "do not decode" in caplog.text


def test_an_incomplete_listing_has_no_key(blog: Path, tmp_path: Path) -> None:
    """A folder that could not be listed keeps its posts of before: what is on disk is
    not known, so no front documents are kept or taken."""
    complete = front.Basis(list_files(blog), None)
    assert front.front_key(_options(blog, tmp_path), complete) is not None
    partial = front.Basis(replace(complete.listing, unreadable=("images/",)), None)
    assert front.front_key(_options(blog, tmp_path), partial) is None


def test_the_package_names_what_its_facade_exports() -> None:
    """`feeds.library` imports its facade on first use, by the names it lists."""
    import feeds.library
    from feeds.library import core

    assert feeds.library.__all__ == core.__all__
    assert all(getattr(feeds.library, name) is getattr(core, name) for name in core.__all__)


class _Full:
    """A full app that is made only when the test says so."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []

    def make(self) -> Callable[..., Iterable[bytes]]:
        assert self.release.wait(10)
        return self.app

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]
            ) -> Iterable[bytes]:
        self.calls.append(environ["PATH_INFO"])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"full"]


def _call(app: Callable[..., Iterable[bytes]], path: str, **headers: str
          ) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        seen.update(status=status, headers=dict(headers))

    environ = {"PATH_INFO": path, "REQUEST_METHOD": "GET",
               **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}
    body = b"".join(app(environ, start_response))
    return seen["status"], seen["headers"], body


def _warm(blog: Path, tmp_path: Path, clock: FakeClock, fresh: float, full: _Full) -> WarmApp:
    _kept(blog, tmp_path, clock)
    kept = front.load(_options(blog, tmp_path), clock)
    assert kept is not None
    return WarmApp(kept, time.monotonic() + fresh, full.make)


def test_the_warm_app_answers_from_the_front_until_the_full_app_is_made(
        blog: Path, tmp_path: Path, clock: FakeClock) -> None:
    full = _Full()
    app = _warm(blog, tmp_path, clock, 60, full)
    status, headers, body = _call(app, "/rss.xml")
    assert status == "200 OK" and feedparser.parse(body).bozo == 0
    assert _call(app, "/rss.xml", if_none_match=headers["ETag"])[0] == "304 Not Modified"
    assert _call(app, "/feed.json", accept_encoding="gzip")[1]["Content-Encoding"] == "gzip"
    answered: list[tuple[str, dict[str, str], bytes]] = []
    waiting = threading.Thread(target=lambda: answered.append(_call(app, "/healthz")))
    waiting.start()  # not a front document: it waits for the full app
    waiting.join(0.2)
    assert not answered
    full.release.set()
    waiting.join(10)
    assert answered[0][2] == b"full"
    wait_until(lambda: _call(app, "/rss.xml")[2] == b"full", 10, "the full app answering")
    assert full.calls[0] == "/healthz"


def test_the_front_is_not_answered_past_its_freshness(blog: Path, tmp_path: Path,
                                                      clock: FakeClock) -> None:
    full = _Full()
    app = _warm(blog, tmp_path, clock, -1, full)
    threading.Timer(0.1, full.release.set).start()
    assert _call(app, "/rss.xml")[2] == b"full"


def _serve(posts: Path, tmp: Path, port: int) -> Server:
    """`feeds serve` on `port`, ready when /rss.xml answers (a warm start answers it first)."""
    return start_server(posts, tmp, BASE, port=port, ready="/rss.xml")


PATHS = ("/rss.xml", "/atom.xml", "/feed.json", "/")


@pytest.mark.e2e
def test_a_restart_serves_the_same_bytes_before_and_after_its_load(tmp_path: Path) -> None:
    posts = copy_sample(tmp_path / "posts")
    port = free_port()
    cold = _serve(posts, tmp_path, port)
    try:
        before = {path: cold.get(path, {"Accept-Encoding": "gzip"}) for path in PATHS}
    finally:
        cold.stop()
    assert "warm start" not in cold.log.read_text()
    warm = _serve(posts, tmp_path, port)
    try:
        first = {path: warm.get(path, {"Accept-Encoding": "gzip"}) for path in PATHS}
        wait_until(lambda: warm.get("/healthz")[0] == 200, 20, "the full app")
        after = {path: warm.get(path, {"Accept-Encoding": "gzip"}) for path in PATHS}
    finally:
        warm.stop()
    assert "warm start" in warm.log.read_text()
    for path in PATHS:
        for seen in (first, after):
            assert seen[path][0] == 200
            assert seen[path][2] == before[path][2], path
            assert seen[path][1]["ETag"] == before[path][1]["ETag"], path


@pytest.mark.e2e
def test_a_post_written_just_after_a_warm_start_is_served(tmp_path: Path) -> None:
    posts = copy_sample(tmp_path / "posts")
    port = free_port()
    _serve(posts, tmp_path, port).stop()
    warm = _serve(posts, tmp_path, port)
    try:
        (posts / "2026-11-30-just-now.md").write_text(post("Just Now", "2026-11-30"))
        wait_until(lambda: all(b"Just Now" in warm.get("/rss.xml")[2] for _ in range(8)), 10,
                   "the new post in every worker's feed")
    finally:
        warm.stop()
    assert "warm start" in warm.log.read_text()


def test_the_server_and_command_line_import_no_stage_of_the_load() -> None:
    """What a warm restart runs before its workers answer: no flask, no readers, no
    renderers (each would cost its imports on every restart)."""
    code = ("import sys, feeds.cli, feeds.web.server, feeds.web.warm;"
            "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, timeout=60).stdout.split())
    heavy = {"flask", "yaml", "feedgen", "feeds.library.core", "feeds.render.site",
             "feeds.sources.files", "feeds.normalize.post", "feeds.export.hosts"}
    assert not loaded & heavy
