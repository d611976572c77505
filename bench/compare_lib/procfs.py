"""What /proc says of the processes measured: their tree, CPU time, peak memory."""

from __future__ import annotations

import os
from collections.abc import Iterable


def children_map() -> dict[int, list[int]]:
    """Every process's children, by parent pid, from /proc."""
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        kids.setdefault(parent_of(stat), []).append(int(entry.name))
    return kids


def parent_of(stat: str) -> int:
    """The parent's pid in a /proc/PID/stat line (the name in parentheses may hold
    spaces and parentheses of its own)."""
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    kids = children_map()
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(kids.get(p, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """CPU seconds of these processes: each live thread's time on a CPU in nanoseconds
    (/proc/PID/task/TID/schedstat; /proc's utime and stime count 10 ms ticks, too
    coarse for a new post's few milliseconds), plus their waited-for children's.
    A thread that ends between two readings takes its time with it: the servers
    measured here keep their threads."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        own = _threads_cpu(pid)
        if own is None:  # no schedstat: ticks it is
            own = (int(fields[11]) + int(fields[12])) / ticks
        total += own + (int(fields[13]) + int(fields[14])) / ticks  # cutime, cstime
    return total


def _threads_cpu(pid: int) -> float | None:
    """Seconds on a CPU of the live threads of `pid`, from schedstat (None: not there)."""
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            if task == str(pid):
                return None
    return total / 1e9


def vm_hwm_mb(pid: int) -> float | None:
    """Peak resident memory of `pid` in MB (None: gone, or not said)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return hwm_mb(f)
    except OSError:
        return None


def hwm_mb(status: Iterable[str]) -> float | None:
    """The VmHWM line of a /proc/PID/status, in MB."""
    for line in status:
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None
