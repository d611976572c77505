"""`feeds build --ping` (docs/deploy.md, "Static export"): after a build, each hub
of the blog hears of every feed whose bytes changed since the last build, from a
real hub stand-in over HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from conftest import copy_sample

BASE = "https://blog.example.org/"


class Hub(ThreadingHTTPServer):
    """A WebSub hub stand-in: records each publish request; answers `status`."""

    status = 204
    published: list[dict[str, list[str]]]


class _Handler(BaseHTTPRequestHandler):
    server: Hub

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.published.append(parse_qs(self.rfile.read(length).decode()))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub(("127.0.0.1", 0), _Handler)
    server.published = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _blog(tmp_path: Path, hub: Hub) -> Path:
    posts = copy_sample(tmp_path / "posts")
    blog = (posts / "_blog.md").read_text()
    url = f"http://127.0.0.1:{hub.server_address[1]}/"
    (posts / "_blog.md").write_text(blog.replace("---\n", f"---\nhub: {url}\n", 1))
    return posts


def _build(posts: Path, out: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp / "cache")
    return subprocess.run([sys.executable, "-m", "feeds", "build", "--ping", "--posts",
                           str(posts), "--base-url", BASE, str(out)], capture_output=True,
                          text=True, timeout=120, env=env, check=False)


def _feeds(hub: Hub) -> list[str]:
    assert all(p["hub.mode"] == ["publish"] for p in hub.published)
    return sorted(p["hub.url"][0] for p in hub.published)


def test_each_build_pings_the_feeds_it_changed(tmp_path: Path, hub: Hub) -> None:
    posts, out = _blog(tmp_path, hub), tmp_path / "out"
    first = _build(posts, out, tmp_path)
    assert first.returncode == 0, first.stderr
    feeds = _feeds(hub)
    assert BASE + "rss.xml" in feeds and BASE + "tags/weather/atom.xml" in feeds
    assert len(feeds) == len(set(feeds)) == len(list(out.rglob("rss.xml"))) * 3
    hub.published.clear()
    assert _build(posts, out, tmp_path).returncode == 0 and hub.published == []
    (posts / "2026-02-01-new.md").write_text("---\ntitle: New\ntags: [storms]\n"
                                            "author: Maria Lind\n---\nNews.\n")
    assert _build(posts, out, tmp_path).returncode == 0
    changed = _feeds(hub)
    assert BASE + "rss.xml" in changed and BASE + "tags/storms/feed.json" in changed
    assert BASE + "tags/weather/rss.xml" not in changed  # not the new post's tag
    assert len(changed) == len(set(changed)) < len(list(out.rglob("rss.xml"))) * 3


def test_a_hub_that_refuses_fails_the_build(tmp_path: Path, hub: Hub) -> None:
    hub.status = 500
    result = _build(_blog(tmp_path, hub), tmp_path / "out", tmp_path)
    assert result.returncode == 1
    assert "more feeds not notified (status 500)" in result.stderr
    assert len(hub.published) == 3  # three attempts at the first feed, then no more
