"""Live posts through a real `feeds serve --workers 2` on loopback (bounded in time)."""

from __future__ import annotations

import http.server
import threading
import time
import typing
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import Server, write_posts

pytestmark = pytest.mark.e2e
BLOG = ("---\ntitle: Live\nlink: https://live.example.org/\nauthor: Ann <ann@example.org>\n"
        "{}---\nA.\n")


def post(title: str, date: str = "2024-01-01") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n---\nBody of {title}.\n"


def wait_for(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check()` holds (bounded); raises if it never does."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if check():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s")


def every_worker_sees(server: Server, text: bytes, present: bool = True) -> bool:
    # urllib opens a new connection per request: the kernel spreads them over workers
    return all((text in server.get("/rss.xml")[2]) == present for _ in range(12))


@pytest.fixture(params=["granian", "gunicorn"])
def live_blog(request: pytest.FixtureRequest, tmp_path: Path, serve  # type: ignore[no-untyped-def]
              ) -> tuple[Path, Server]:
    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": post("Alpha")},
                       blog=BLOG.format(""))
    return root, serve(root, server=request.param)


def test_additions_edits_renames_and_deletions_show_within_a_second(live_blog) -> None:  # type: ignore[no-untyped-def]
    root, server = live_blog
    (root / "2024-01-02-b.md").write_text(post("Bravo", "2024-01-02"))
    assert wait_for(lambda: every_worker_sees(server, b"Bravo"), 1.0) < 1.0
    (root / "2024-01-02-b.md").write_text(post("Bravo edited", "2024-01-02"))
    wait_for(lambda: every_worker_sees(server, b"Bravo edited"), 1.0)
    (root / "2024-01-02-b.md").rename(root / "2024-01-02-c.md")
    wait_for(lambda: every_worker_sees(server, b"/posts/c/"), 1.0)
    assert b"/posts/b/" not in server.get("/rss.xml")[2]
    (root / "2024-01-02-c.md").unlink()
    wait_for(lambda: every_worker_sees(server, b"Bravo", present=False), 1.0)
    assert server.get("/posts/c/")[0] == 404
    log = server.log.read_text()
    assert "reload: 1 files read, 0 errors" in log
    assert "GET /" not in log  # no line per request


def test_folders_moved_in_assets_and_settings_show_too(live_blog) -> None:  # type: ignore[no-untyped-def]
    # events the leader cannot place by path alone: it lists the folder instead
    root, server = live_blog
    staged = root.parent / "staged"
    staged.mkdir()
    (staged / "2024-01-03-d.md").write_text(post("Delta", "2024-01-03"))
    staged.rename(root / "2024")  # a whole folder of posts appears at once
    wait_for(lambda: every_worker_sees(server, b"Delta"), 1.0)
    (root / "2024-01-04-e.md").write_text(post("Echo", "2024-01-04") + "![p](pic.png)\n")
    wait_for(lambda: every_worker_sees(server, b"Echo"), 1.0)
    assert b"/files/pic.png" not in server.get("/rss.xml")[2]
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    wait_for(lambda: every_worker_sees(server, b"/files/pic.png"), 1.0)
    (root / "_blog.md").write_text(BLOG.format("").replace("title: Live", "title: Renamed"))
    wait_for(lambda: every_worker_sees(server, b"<title>Renamed</title>"), 1.0)


def test_etags_never_go_back_while_posts_change(live_blog) -> None:  # type: ignore[no-untyped-def]
    root, server = live_blog
    sequences: list[list[str]] = [[] for _ in range(4)]
    stop = threading.Event()

    def poll(seen: list[str]) -> None:  # one poller: one request after another
        while not stop.is_set():
            seen.append(server.get("/atom.xml")[1]["ETag"])

    pollers = [threading.Thread(target=poll, args=(seen,)) for seen in sequences]
    for thread in pollers:
        thread.start()
    for i in range(6):
        (root / "2024-01-02-b.md").write_text(post(f"Version {i}", "2024-01-02"))
        time.sleep(0.25)
    stop.set()
    for thread in pollers:
        thread.join(timeout=10)
    for seen in sequences:
        # collapse runs: A A B B C -> A B C; a tag that comes back after another is A, B, A
        runs = [tag for i, tag in enumerate(seen) if i == 0 or tag != seen[i - 1]]
        assert len(seen) > 20 and len(runs) >= 3
        assert len(runs) == len(set(runs)), runs


def test_a_save_in_several_steps_never_hides_the_post(live_blog) -> None:  # type: ignore[no-untyped-def]
    root, server = live_blog
    path = root / "2024-01-01-a.md"
    missing = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            if b"Alpha" not in server.get("/rss.xml")[2]:
                missing.append(time.monotonic())

    poller = threading.Thread(target=poll)
    poller.start()
    text = post("Alpha, rewritten")
    for _ in range(3):  # truncate, then the text in pieces, as some editors do
        with open(path, "w") as handle:
            for start in range(0, len(text), 9):
                handle.write(text[start:start + 9])
                handle.flush()
                time.sleep(0.03)
        time.sleep(0.2)
    stop.set()
    poller.join(timeout=10)
    assert missing == []
    wait_for(lambda: every_worker_sees(server, b"Alpha, rewritten"), 1.0)


def test_a_scheduled_post_appears_at_its_time_without_a_file_event(
        tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    due = datetime.now(UTC) + timedelta(seconds=2.5)
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": post("Alpha"),
        "soon.md": post("Soon", due.isoformat()),
    }, blog=BLOG.format(""))
    server = serve(root)
    before = server.get("/rss.xml")
    assert b"Soon" not in before[2]
    wait_for(lambda: every_worker_sees(server, b"Soon"), 5.0)
    assert datetime.now(UTC) >= due
    assert server.get("/rss.xml")[1]["ETag"] != before[1]["ETag"]


class Hub(http.server.BaseHTTPRequestHandler):
    """A WebSub hub on loopback that fails the first request, then accepts."""

    received: typing.ClassVar[list[dict[str, list[str]]]] = []
    failures_left = 1

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        if Hub.failures_left > 0:
            Hub.failures_left -= 1
            self.send_response(503)
        else:
            Hub.received.append(form)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    Hub.received, Hub.failures_left = [], 1
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_websub_publish_per_changed_feed_with_retries(tmp_path: Path, serve, hub: str) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": post("Alpha")},
                       blog=BLOG.format(f"hub: {hub}\n"))
    server = serve(root, base_url="https://live.example.org/")
    _, headers, body = server.get("/rss.xml")
    assert f'<{hub}>; rel="hub"'.encode() in headers["Link"].encode()
    assert f'<atom:link href="{hub}" rel="hub"/>'.encode() in body
    assert hub.encode() in server.get("/atom.xml")[2] and hub.encode() in server.get(
        "/feed.json")[2]
    start = time.monotonic()
    (root / "2024-01-02-b.md").write_text(post("Bravo", "2024-01-02"))
    wait_for(lambda: len(Hub.received) >= 6, 8.0)
    time.sleep(0.3)  # no notification for a feed that did not change
    assert sorted(f["hub.url"][0] for f in Hub.received) == sorted(  # the blog's, Ann's
        f"https://live.example.org/{folder}{name}" for folder in ("", "authors/ann/")
        for name in ("atom.xml", "feed.json", "rss.xml"))
    assert all(f["hub.mode"] == ["publish"] for f in Hub.received)
    assert time.monotonic() - start < 8
    log = server.log.read_text()
    assert "failed for" in log and "retry 2" in log  # the first attempt met a 503
    assert log.count("websub: " + hub + " notified of") == 6
