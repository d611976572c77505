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

import feedparser
import pytest
from conftest import Server, post, wait_until, write_posts

pytestmark = pytest.mark.e2e
BLOG = ("---\ntitle: Live\nlink: https://live.example.org/\nauthor: Ann <ann@example.org>\n"
        "{}---\nA.\n")


def every_worker_sees(server: Server, text: bytes, present: bool = True,
                      path: str = "/rss.xml") -> bool:
    # urllib opens a new connection per request: the kernel spreads them over workers
    return all((text in server.get(path)[2]) == present for _ in range(12))


def entries(server: Server) -> list[tuple[str, str]]:
    """(title, link) of each entry of one answer's RSS feed, as a reader parses it."""
    feed = feedparser.parse(server.get("/rss.xml")[2])
    return [(e.title, e.link.rsplit("/posts/", 1)[1]) for e in feed.entries]


def every_worker_has(server: Server, expected: list[tuple[str, str]]) -> Callable[[], bool]:
    return lambda: all(entries(server) == expected for _ in range(12))


@pytest.fixture(params=["granian", "gunicorn"])
def live_blog(request: pytest.FixtureRequest, tmp_path: Path, serve  # type: ignore[no-untyped-def]
              ) -> tuple[Path, Server]:
    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": post("Alpha")},
                       blog=BLOG.format(""))
    return root, serve(root, server=request.param)


def test_additions_edits_renames_and_deletions_show_within_a_second(live_blog) -> None:  # type: ignore[no-untyped-def]
    root, server = live_blog
    alpha = ("Alpha", "a/")
    assert entries(server) == [alpha]
    (root / "2024-01-02-b.md").write_text(post("Bravo", "2024-01-02"))
    # the README's promise: a change shows within a second, on every worker
    wait_until(every_worker_has(server, [("Bravo", "b/"), alpha]), 1.0, "the addition")
    (root / "2024-01-02-b.md").write_text(post("Bravo edited", "2024-01-02"))
    wait_until(every_worker_has(server, [("Bravo edited", "b/"), alpha]), 1.0, "the edit")
    assert b"Body of Bravo edited." in server.get("/posts/b/")[2]
    (root / "2024-01-02-b.md").rename(root / "2024-01-02-c.md")
    wait_until(every_worker_has(server, [("Bravo edited", "c/"), alpha]), 1.0, "the rename")
    assert all(server.get("/posts/b/")[0] == 404 for _ in range(6))
    (root / "2024-01-02-c.md").unlink()
    wait_until(every_worker_has(server, [alpha]), 1.0, "the deletion")
    assert all(server.get("/posts/c/")[0] == 404 for _ in range(6))
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
    wait_until(lambda: every_worker_sees(server, b"Delta"), 1.0, "a folder moved in")
    (root / "2024-01-04-e.md").write_text(post("Echo", "2024-01-04") + "![p](pic.png)\n")
    wait_until(lambda: every_worker_sees(server, b"Echo"), 1.0, "a post")
    assert b"/files/pic.png" not in server.get("/rss.xml")[2]
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    wait_until(lambda: every_worker_sees(server, b"/files/pic.png"), 1.0, "an asset")
    (root / "_blog.md").write_text(BLOG.format("").replace("title: Live", "title: Renamed"))
    wait_until(lambda: every_worker_sees(server, b"<title>Renamed</title>"), 1.0,
               "the settings")


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
        shown = f"Version {i}".encode()
        wait_until(lambda shown=shown: every_worker_sees(server, shown, path="/atom.xml"), 5,
                   shown.decode())
        count = [len(seen) for seen in sequences]  # every poller asks again after that
        wait_until(lambda count=count: all(len(seen) > n for seen, n in
                                           zip(sequences, count, strict=True)), 5,
                   "every poller's next answer")
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
            answers.append(None)

    answers: list[None] = []
    poller = threading.Thread(target=poll)
    poller.start()
    for round in range(3):  # truncate, then the text in pieces, as some editors do
        text = post(f"Alpha, rewritten {round}")
        with open(path, "w") as handle:
            for start in range(0, len(text), 9):
                handle.write(text[start:start + 9])
                handle.flush()
                asked = len(answers)  # the half-written file is asked for, twice over
                wait_until(lambda asked=asked: len(answers) >= asked + 2, 5, "the poller's answers")
        shown = f"Alpha, rewritten {round}".encode()
        wait_until(lambda shown=shown: every_worker_sees(server, shown), 5, shown.decode())
    stop.set()
    poller.join(timeout=10)
    assert missing == []
    assert "1 errors" in server.log.read_text()  # a half-written file was read, and refused


def test_a_scheduled_post_appears_at_its_time_without_a_file_event(
        tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    due = datetime.now(UTC) + timedelta(seconds=6)  # well after a start on a loaded machine
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": post("Alpha"),
        "soon.md": post("Soon", due.isoformat()),
    }, blog=BLOG.format(""))
    server = serve(root)
    before = server.get("/rss.xml")
    assert b"Soon" not in before[2]
    wait_until(lambda: every_worker_sees(server, b"Soon"), 12.0, "the scheduled post")
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
    (root / "2024-01-02-b.md").write_text(post("Bravo", "2024-01-02"))
    blogs = {f"https://live.example.org/{name}" for name in ("atom.xml", "feed.json", "rss.xml")}
    anns = {url.replace(".org/", ".org/authors/ann/") for url in blogs}
    urls = lambda: [f["hub.url"][0] for f in Hub.received]  # noqa: E731
    wait_until(lambda: blogs | anns <= set(urls()), 8.0, "the first change's notifications")
    # Cy's first post changes the blog's feeds and makes Cy's: notified after every
    # notification of the first change (one sender, in order), so once one of Cy's is
    # in, a notification of a feed the first change left alone would be in too.
    (root / "2024-01-03-c.md").write_text(post("Charlie", "2024-01-03").replace(
        "date:", "author: Cy <cy@example.org>\ndate:"))
    cys = {url.replace(".org/", ".org/authors/cy/") for url in blogs}
    wait_until(lambda: blogs | cys <= set(urls()[6:]), 8.0, "the second change's")
    assert sorted(urls()[:6]) == sorted(blogs | anns)  # not Cy's, not yet there
    assert sorted(urls()[6:12]) == sorted(blogs | cys)  # not Ann's: the change left them alone
    assert all(f["hub.mode"] == ["publish"] for f in Hub.received)
    notified = lambda: server.log.read_text().count(f"websub: {hub} notified of")  # noqa: E731
    wait_until(lambda: notified() >= 12, 5, "the log lines of the notifications")
    assert notified() == 12
    log = server.log.read_text()
    assert "failed for" in log and "retry 2" in log  # the first attempt met a 503
