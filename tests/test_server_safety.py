"""`feeds serve` facing clients: gunicorn only behind a proxy, granian unmoved by
slow clients."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE, Server, free_port

SLOW = 50  # slow-header connections: many times gunicorn's 2 workers x 4 threads
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
