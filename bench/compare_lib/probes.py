"""HTTP on 127.0.0.1: waiting for a server, polling for a new post and its CPU cost."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compare_lib.common import POLL, SETTLE, Failed
from compare_lib.processes import spawn, stop, tail
from compare_lib.procfs import cpu_seconds, process_tree

if TYPE_CHECKING:
    from compare_lib.run import Run


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes] | None:
    """One GET on a new connection to 127.0.0.1; None when nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def wait_until(check: Callable[[], bool], deadline: float, proc: subprocess.Popen[bytes],
               log: Path, what: str) -> float:
    """Poll `check` every POLL s until true; the perf_counter time it became true."""
    while True:
        if check():
            return time.perf_counter()
        if proc.poll() is not None:
            raise Failed("error", f"{what}: the server exited ({proc.returncode}):\n{tail(log)}")
        if time.perf_counter() > deadline:
            raise Failed("timeout", what)
        time.sleep(POLL)


def status_is_200(port: int, path: str) -> Callable[[], bool]:
    """A check that `path` answers 200."""
    def check() -> bool:
        answer = get(port, path)
        return answer is not None and answer[0] == 200
    return check


class Shows:
    """A check that `path` answers 200 with `text` in it; counts its requests."""

    def __init__(self, port: int, path: str, text: bytes) -> None:
        self.port, self.path, self.text, self.calls = port, path, text, 0

    def __call__(self) -> bool:
        self.calls += 1
        answer = get(self.port, self.path)
        return answer is not None and answer[0] == 200 and self.text in answer[1]


def polling_cpu(port: int, path: str, pids: list[int], seconds: float = 1.0) -> float:
    """CPU seconds the server spends per poll (GET `path` every POLL s, no change)."""
    probe = Shows(port, path, b"\0never\0")
    for _ in range(10):  # every worker has rendered it: what remains is the polling
        probe()
    probe.calls = 0
    before = cpu_seconds(pids)
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        probe()
        time.sleep(POLL)
    time.sleep(0.05)
    return max(0.0, cpu_seconds(pids) - before) / max(1, probe.calls)


def new_post_in_server(run: Run, system: str, proc: subprocess.Popen[bytes], *, port: int,
                       path: str, log: Path) -> None:
    """Write one post; seconds until its title is in `path`, and the server's CPU for it."""
    corpus = run.corpora[system]
    pids = process_tree(proc.pid)
    per_poll = polling_cpu(port, path, pids)
    cpu_before = cpu_seconds(pids)
    _, title, written = corpus.add_post()
    probe = Shows(port, path, title)
    seen = wait_until(probe, written + run.args.poll_timeout, proc, log, f"{system} new post")
    run.record(system, "new_post_server", seen - written)
    time.sleep(SETTLE)
    cpu = cpu_seconds(pids) - cpu_before
    run.record(system, "new_post_cpu", max(0.0, cpu - per_poll * probe.calls))
    run.record(system, "new_post_cpu_raw", cpu)
    run.record(system, "new_post_polls", probe.calls)
    run.record(system, "cpu_per_poll", per_poll)


def warm_restart(run: Run, system: str, command: list[str], *, port: int, path: str,
                 rep: int, log: Path, env: dict[str, str] | None = None) -> None:
    """Start the server again (its cache as the cold run left it) until `path` answers,
    then time a new post in it; both recorded for `system`."""
    started = time.perf_counter()
    proc = spawn(command, log, env=env)
    try:
        end = wait_until(status_is_200(port, path), started + run.args.timeout, proc, log,
                         f"{system} warm {path}")
        run.record(system, "warm", end - started)
        new_post_in_server(run, system, proc, port=port, path=path, log=log)
    except Failed as exc:
        done = len(run.results[system]["warm"]) >= rep
        run.failed(system, (["new_post_server", "new_post_cpu"] if done else
                            ["warm", "new_post_server", "new_post_cpu"]), exc)
    finally:
        stop(proc)
        run.corpora[system].drop_added()
