"""`feeds serve` facing clients and crashes: gunicorn only behind a proxy, granian
unmoved by slow clients, workers respawned however often they die."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SAMPLE, Server, free_port, wait_until, write_posts

SLOW = 50  # slow-header connections: many times gunicorn's 2 workers x 4 threads
POST = "---\ntitle: {0}\ndate: 2024-01-01\n---\nBody of {0}.\n"
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"  # never ended by a blank line


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    return subprocess.run([sys.executable, "-m", "feeds", "serve", "--posts", str(SAMPLE),
                           "--port", str(free_port()), *args], capture_output=True, text=True,
                          timeout=60, env=env, check=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "blog.example.org", "192.0.2.1"])
def test_gunicorn_facing_the_network_without_a_proxy_is_refused(host: str) -> None:
    result = _serve("--server", "gunicorn", "--host", host)
    assert result.returncode == 2
    assert f"--server gunicorn on {host} needs --behind-proxy" in result.stderr
    assert "buffering proxy" in result.stderr


def _slow_clients(server: Server, count: int) -> list[socket.socket]:
    port = int(server.base.rsplit(":", 1)[1].strip("/"))
    return [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(count)]


@pytest.mark.e2e
def test_granian_answers_while_slow_clients_hold_connections(serve) -> None:  # type: ignore[no-untyped-def]
    server: Server = serve(SAMPLE)
    clients = _slow_clients(server, SLOW)
    try:
        for index in range(len(REQUEST)):  # a byte at a time on every connection
            for client in clients:
                client.sendall(REQUEST[index:index + 1])
            if index % 10 == 0:
                status, _, body = server.get("/healthz")  # on a connection of its own
                assert status == 200, body
        assert server.get("/rss.xml")[0] == 200
    finally:
        for client in clients:
            client.close()
    assert server.process.poll() is None


def test_loopback_hosts_are_recognised() -> None:
    from feeds.cli import _loopback

    assert all(map(_loopback, ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"]))
    assert not any(map(_loopback, ["0.0.0.0", "::", "10.0.0.1", "example.org"]))


def _leaders(server: Server) -> list[int]:
    """The worker processes that took the lead, in order (from the server's log)."""
    return [int(pid) for pid in re.findall(r"\[(\d+)\] \[INFO\] this worker now watches",
                                           server.log.read_text(errors="replace"))]


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.e2e
@pytest.mark.parametrize(("name", "workers"), [("granian", 2), ("granian", 1), ("gunicorn", 2)])
def test_the_server_outlives_its_leader_killed_three_times(
        serve, tmp_path: Path, name: str, workers: int) -> None:  # type: ignore[no-untyped-def]
    posts = write_posts(tmp_path / "posts", {"2024-01-01-a.md": POST.format("Alpha")})
    server: Server = serve(posts, workers=workers, server=name)
    killed: list[int] = []
    for _ in range(3):
        wait_until(lambda: bool(_leaders(server)) and _leaders(server)[-1] not in killed, 20)
        leader = _leaders(server)[-1]
        assert _parent(leader) == server.process.pid  # a worker of the server we started
        os.kill(leader, signal.SIGKILL)
        killed.append(leader)
    wait_until(lambda: _leaders(server)[-1] not in killed, 30)  # a new leader watches
    assert server.process.poll() is None
    assert server.get("/healthz")[0] == 200
    (posts / "2024-01-02-b.md").write_text(POST.format("Bravo after the crashes"))
    wait_until(lambda: all(b"Bravo after the crashes" in server.get("/rss.xml")[2]
                      for _ in range(8)), 30)


def _alive(group: int) -> bool:
    """Whether any process of the group is left (a killed worker holds its locks until
    it is really gone)."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _started(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["granian", "gunicorn"])
def test_run_folders_go_on_exit_and_after_a_kill(
        serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:  # type: ignore[no-untyped-def]
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.setenv("TMPDIR", str(run))  # the servers' temporary folder: ours alone
    first: Server = serve(SAMPLE, workers=1, server=name)
    (left,) = run.glob("feeds-run-*")
    assert (left / "owner").read_text().split()[0] == str(first.process.pid)
    os.killpg(first.process.pid, signal.SIGKILL)  # the server and its workers: no clean-up
    first.process.wait(timeout=10)
    wait_until(lambda: not _alive(first.process.pid), 10, "the killed workers gone")
    with open(tmp_path / "held.lock", "wb") as lock:
        planted = _plant(run, tmp_path, lock.fileno())
        second: Server = serve(SAMPLE, workers=1, server=name)
    assert not left.exists() and not (run / "feeds-run-old").exists()
    assert all(path.is_symlink() or path.exists() for path in planted)
    assert (tmp_path / "target" / "keep").exists()
    (own,) = set(run.glob("feeds-run-*")) - set(planted)
    second.stop()  # SIGTERM
    assert second.process.returncode == 0
    assert not own.exists()


def _plant(run: Path, tmp_path: Path, lock: int) -> list[Path]:
    """Folders no sweep may remove (a live owner, a held leader lock, a link, another
    name), and one it must (no owner, old, lock free)."""
    (run / "feeds-run-live").mkdir()
    (run / "feeds-run-live" / "owner").write_text(f"{os.getpid()} {_started(os.getpid())}\n")
    held = run / "feeds-run-held"
    held.mkdir()
    (held / "owner").write_text("999999999 1\n")
    os.link(tmp_path / "held.lock", held / "leader.lock")  # the file `lock` holds
    fcntl.flock(lock, fcntl.LOCK_EX)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep").write_text("x")
    (run / "feeds-run-link").symlink_to(tmp_path / "target")
    (run / "other").mkdir()
    (run / "feeds-run-old").mkdir()
    os.utime(run / "feeds-run-old", (time.time() - 3600, time.time() - 3600))
    return [run / "feeds-run-live", held, run / "feeds-run-link", run / "other"]


def test_a_stop_while_the_workers_start_ends_the_server(tmp_path: Path) -> None:
    # A SIGTERM that reaches a worker before granian has set its signals up was lost, and
    # the server waited for that worker for ever (bench/compare stopping a 10,000-post
    # blog as soon as it answered). Stopped the moment the first worker answers.
    posts = write_posts(tmp_path / "posts", {f"p{n}.md": POST.format(f"Post {n}")
                                             for n in range(STARTING_POSTS)})
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp_path / "cache")
    for attempt in range(4):
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "feeds", "serve", "--posts", str(posts), "--port",
             str(port), "--workers", "2"], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            wait_until(functools.partial(_answers, port), 60, "the first worker answering")
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pytest.fail(f"still running 15 s after a SIGTERM (attempt {attempt + 1})")
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


STARTING_POSTS = 3000


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            return sock.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
