"""Processes bench/compare starts: servers in their own process group, measured builds."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from compare_lib.common import Failed

# Run in a fresh interpreter around one build: wall time, and the peak RSS and
# CPU of the command's process tree (RUSAGE_CHILDREN of a process with no other
# children).
WRAPPER = r"""
import json, resource, subprocess, sys, time
with open(sys.argv[1], "ab") as log:
    start = time.perf_counter()
    rc = subprocess.call(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "wall": wall, "maxrss_kb": ru.ru_maxrss,
                  "cpu": ru.ru_utime + ru.ru_stime}))
"""


STARTED: list[subprocess.Popen[bytes]] = []


def spawn(cmd: list[str], log: Path, cwd: Path | None = None,
          env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a server in its own process group (so it and its workers can be stopped)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.Popen(cmd, cwd=cwd, env={**os.environ, **(env or {})},
                                stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    STARTED.append(proc)
    return proc


def stop(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM to the process we started; SIGKILL to its own group if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired, ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
    # the group is the one start_new_session gave it: only what we started
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)
    if proc in STARTED:
        STARTED.remove(proc)


def stop_all() -> None:
    """Stop every process still running that bench/compare started."""
    for proc in list(STARTED):
        stop(proc, grace=5)


def measured(cmd: list[str], log: Path, timeout: float, cwd: Path | None = None,
             env: dict[str, str] | None = None) -> dict[str, float]:
    """Run one build: {"wall", "cpu", "mb"}; Failed on timeout or a non-zero exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(("$ " + " ".join(cmd) + "\n").encode())
    proc = subprocess.Popen([sys.executable, "-c", WRAPPER, str(log), *cmd], cwd=cwd,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    STARTED.append(proc)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        stop(proc, grace=0)
        raise Failed("timeout", f"{cmd[0]} over {timeout:g} s") from exc
    finally:
        if proc in STARTED:
            STARTED.remove(proc)
    return measurement(stdout, stderr, cmd, log)


def measurement(stdout: bytes, stderr: bytes, cmd: list[str], log: Path) -> dict[str, float]:
    """The WRAPPER's report (its last line of output) as {"wall", "cpu", "mb"}; Failed
    when there is none or the command failed."""
    try:
        result = json.loads(stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError) as exc:
        raise Failed("error", f"wrapper: {stderr.decode()[-500:]}") from exc
    if result["rc"] != 0:
        raise Failed("error", f"{Path(cmd[0]).name} exited {result['rc']}, see {log}")
    return {"wall": result["wall"], "cpu": result["cpu"], "mb": result["maxrss_kb"] / 1024}


def tail(path: Path, lines: int = 8) -> str:
    """The last `lines` lines of a log ('' if it cannot be read)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def capture(cmd: list[str], timeout: float = 60) -> tuple[int, str]:
    """Exit status and output of a short command (127: it could not run)."""
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")
