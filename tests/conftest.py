"""Shared fixtures: a fake clock, temporary posts folders, a real server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "posts"
# After every sample post, long before the scheduled one (2099).
SAMPLE_NOW = datetime(2026, 1, 1, tzinfo=UTC)
SAMPLE_BASE = "http://127.0.0.1:8000/"


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, now: datetime = SAMPLE_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Commands the tests run keep their index here, not in the user's cache folder."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("FEEDS_CACHE")
    os.environ["FEEDS_CACHE"] = str(folder)
    yield folder
    if before is None:
        del os.environ["FEEDS_CACHE"]
    else:
        os.environ["FEEDS_CACHE"] = before


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


BLOG_MD = """---
title: Test Blog
link: https://blog.example.org/
timezone: Europe/Oslo
author: ann
authors:
  ann: {name: Ann Example, email: ann@example.org}
  bo: {name: Bo Example, uri: "https://bo.example.org/", aliases: [B. Example]}
---
A test blog about testing.

Second paragraph.
"""


def write_posts(root: Path, files: dict[str, str | bytes], blog: str | None = BLOG_MD) -> Path:
    """Write a posts folder: {relative path: text or bytes}."""
    root.mkdir(parents=True, exist_ok=True)
    if blog is not None:
        (root / "_blog.md").write_text(blog, encoding="utf-8")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def age(root: Path, seconds: float = 60) -> Path:
    """Date every file under `root` back by `seconds`: a file just written is read again
    on the next look (its key could miss a second write in the same clock tick)."""
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            back = int(seconds * 1e9)
            os.utime(path, ns=(stat.st_atime_ns - back, stat.st_mtime_ns - back))
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A real `feeds serve` (gunicorn) on a loopback port."""

    process: subprocess.Popen[bytes]
    base: str
    log: Path

    def get(self, path: str, headers: dict[str, str] | None = None,
            method: str = "GET") -> tuple[int, Message, bytes]:
        """Status, headers (case-insensitive) and body of one request on a new connection."""
        request = urllib.request.Request(self.base + path.lstrip("/"), headers=headers or {},
                                         method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start_server(posts: Path, tmp: Path, base_url: str | None = None,
                 workers: int = 2, server: str = "granian") -> Server:
    """Start `feeds serve` and wait (bounded) until /healthz answers."""
    port = free_port()
    base = base_url or f"http://127.0.0.1:{port}/"
    log = tmp / f"serve-{port}.log"
    command = [sys.executable, "-m", "feeds", "serve", "--posts", str(posts), "--port",
               str(port), "--workers", str(workers), "--base-url", base, "--server", server]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp / "cache")  # not the user's cache folder
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    server = Server(process, f"http://127.0.0.1:{port}/", log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"feeds serve exited: {log.read_text()}")
        try:
            if server.get("/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"feeds serve did not start: {log.read_text()}")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    """Start servers on demand; every one is stopped at the end of the test."""
    started: list[Server] = []

    def _start(posts: Path, base_url: str | None = None, workers: int = 2,
               server: str = "granian") -> Server:
        server = start_server(posts, tmp_path, base_url, workers, server)
        started.append(server)
        return server

    yield _start
    for server in started:
        server.stop()
