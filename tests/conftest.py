"""Shared fixtures, in the shape of Flask's tutorial: the fake `clock`, the `posts`
folder of a test and a `blog` copy of the sample, the `app` and its `client`, a
`runner` of the real command line, the `leader` of a live blog, and a real server
(`serve`). `wait_until` waits on a condition, never for a fixed time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feeds.library import Library, Options, Reload, ReloadStats
from feeds.library.live import Live
from feeds.library.shared import Shared
from feeds.web.app import create_app

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


def wait_until(predicate: Callable[[], object], timeout: float, what: str = "the condition"
               ) -> float:
    """Seconds until `predicate()` is true, polled until a bounded deadline; raises
    AssertionError naming `what` if it never is."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        if predicate():
            return time.monotonic() - start
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.02)  # the polling pace, not a wait for an outcome


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


def post(title: str, date: str = "2024-01-01", body: str | None = None, extra: str = "") -> str:
    """A post file's text: a title, a date, `extra` front matter lines, and a body."""
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body or f'Body of {title}.'}\n"


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
        """SIGTERM, then SIGKILL after 10 s; then whatever is left of its process group
        (a worker orphaned by a test that killed the server) goes too."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # the group this test started


def start_server(posts: Path, tmp: Path, base_url: str | None = None, workers: int = 2,
                 server: str = "granian", *, give_base_url: bool = True,
                 port: int | None = None, ready: str = "/healthz") -> Server:
    """Start `feeds serve` and wait (bounded) until `ready` answers 200. Without
    `give_base_url`, no --base-url is passed: the server falls back on its settings;
    `port`: the one to bind (a free one by default), as a restart would."""
    port = port or free_port()
    base = base_url or f"http://127.0.0.1:{port}/"
    log = tmp / f"serve-{port}-{time.monotonic_ns()}.log"
    command = [sys.executable, "-m", "feeds", "serve", "--posts", str(posts), "--port",
               str(port), "--workers", str(workers), "--server", server]
    if give_base_url:
        command += ["--base-url", base]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp / "cache")  # not the user's cache folder
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)  # its own group: see stop()
    started = Server(process, f"http://127.0.0.1:{port}/", log)
    try:
        wait_until(lambda: _answering(started, ready), 20, f"feeds serve answering {ready}")
    except AssertionError:
        started.stop()
        raise RuntimeError(f"feeds serve did not start: {log.read_text()}") from None
    return started


def _answering(server: Server, path: str) -> bool:
    if server.process.poll() is not None:
        raise RuntimeError(f"feeds serve exited: {server.log.read_text()}")
    try:
        return server.get(path)[0] == 200
    except OSError:  # not listening yet
        return False


@contextlib.contextmanager
def running(posts: Path, tmp: Path, base_url: str | None = None, **options: Any
            ) -> Iterator[Server]:
    """A server for a `with` block (e.g. in a module-scoped fixture): `start_server`'s
    arguments; stopped at the end of the block."""
    started = start_server(posts, tmp, base_url, **options)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start servers on demand (`start_server`'s arguments); every one is stopped at the
    end of the test."""
    started: list[Server] = []

    def _start(posts: Path, base_url: str | None = None, workers: int = 2,
               server: str = "granian", **options: bool) -> Server:
        one = start_server(posts, tmp_path, base_url, workers, server, **options)
        started.append(one)
        return one

    yield _start
    for one in started:
        one.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "posts(files, blog=BLOG_MD): what the `posts` "
                            "fixture writes (`write_posts` arguments)")


@pytest.fixture
def posts(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """The test's posts folder, written before `app` loads it: what the test's
    `@pytest.mark.posts(files, blog=...)` says, else the test blog with no post."""
    marker = request.node.get_closest_marker("posts")
    args, kwargs = (marker.args, marker.kwargs) if marker else (({},), {})
    return write_posts(tmp_path / "posts", *args, **kwargs)


def copy_sample(folder: Path) -> Path:
    """A copy of the sample blog at `folder` (tests may change it)."""
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    """A copy of the sample blog (tests may change it)."""
    return copy_sample(tmp_path / "blog")


@pytest.fixture
def app(posts: Path, clock: FakeClock, tmp_path: Path) -> Iterator[Flask]:
    """The feeds app on `posts`, on the fake clock, not watching (as `feeds serve` makes
    it before forking)."""
    shared = Shared.create(tmp_path)
    yield create_app(Options(posts), clock, shared=shared, start=False)
    shared.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def run_feeds(*args: str, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    """The real `python -m feeds ARGS` (bounded in time), in an environment with no
    FEEDS_ setting but the private cache."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("FEEDS_") or k == "FEEDS_CACHE"}
    return subprocess.run([sys.executable, "-m", "feeds", *args], capture_output=True,
                          text=True, timeout=120, env={**clean, **(env or {})}, check=False)


@pytest.fixture
def runner() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the real command line: `runner("check", "--posts", DIR)`."""
    return run_feeds


class Leader:
    """A `Live` that leads its run folder, reloaded as its watcher thread does."""

    def __init__(self, options: Options, clock: FakeClock, run: Path) -> None:
        self.live = Live(Library(options, clock), Shared(run))
        assert self.live.shared.try_lead()

    def reload(self, paths: set[str] | None = None) -> ReloadStats:
        """`Live.reload(paths)` (None: the periodic full listing); what the loader did."""
        loader = self.live.library.loader
        seen: list[Reload] = []
        for name in ("load", "update"):
            setattr(loader, name, _recording(getattr(loader, name), seen))
        try:
            self.live.reload(paths)
        finally:
            del loader.load, loader.update
        return seen[-1].stats

    def titles(self) -> list[str]:
        return [p.title for p in self.live.snapshot().posts]


def _recording(method: Callable[..., Reload | None], seen: list[Reload]
               ) -> Callable[..., Reload | None]:
    def call(*args: object) -> Reload | None:
        result = method(*args)
        if result is not None:
            seen.append(result)
        return result
    return call


@pytest.fixture
def leader(tmp_path: Path, clock: FakeClock) -> Iterator[Callable[..., Leader]]:
    """Makes the leader of a live blog: `leader(root, **Options fields)`; its run folder
    is closed at the end of the test."""
    made: list[Leader] = []

    def _make(root: Path, **options: object) -> Leader:
        made.append(Leader(Options(root, **options), clock,  # type: ignore[arg-type]
                           tmp_path / f"run-{len(made)}"))
        return made[-1]

    yield _make
    for one in made:
        one.live.shared.close()
