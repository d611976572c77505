"""One version for every worker of a server.

One worker at a time is the leader (it holds an exclusive lock on a file in the
server's run folder). Only the leader watches and reads the posts folder; it
writes each new load to a state file and then raises a generation counter kept
in a small memory-mapped file. Every worker reads the counter on every request
(a memory read, no system call) and, when it has moved, takes the leader's load.

So all workers serve loads in the same order, and once one worker has served a
version, every later request to any worker sees it or a newer one: a poller
never sees ETags go A, B, A. If the leader dies, its lock is released and
another worker takes over.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import pickle
import struct
import tempfile
from pathlib import Path

from feeds.library import Shareable

_COUNTER = struct.Struct("<Q")
_KEEP = 3  # state files kept: a worker may still be reading an older one


class Shared:
    """The run folder of one server: leader lock, generation counter, state files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        counter = folder / "generation"
        with contextlib.suppress(FileExistsError), open(counter, "xb") as handle:
            handle.write(_COUNTER.pack(0))
        self._counter_file = open(counter, "r+b")  # noqa: SIM115 - kept open for the mmap
        self._counter = mmap.mmap(self._counter_file.fileno(), _COUNTER.size)
        self._lock_fd: int | None = None

    @classmethod
    def create(cls, parent: Path | None = None) -> Shared:
        """A new run folder (under `parent`, else the system's temporary folder)."""
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        return cls(Path(tempfile.mkdtemp(prefix="feeds-run-", dir=parent)))

    def generation(self) -> int:
        """The newest published generation (0: nothing published yet)."""
        return int(_COUNTER.unpack_from(self._counter)[0])

    def try_lead(self) -> bool:
        """Become the leader if no live process is; True if this process leads."""
        if self._lock_fd is not None:
            return True
        fd = os.open(self.folder / "leader.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        return True

    def resign(self) -> None:
        """Stop leading: release the lock for another process."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def publish(self, loaded: Shareable) -> int:
        """Write a load as the next generation (leader only); return its number."""
        generation = self.generation() + 1
        target = self.folder / f"state-{generation}.pickle"
        with tempfile.NamedTemporaryFile(dir=self.folder, delete=False) as handle:
            pickle.dump(loaded, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, target)
        _COUNTER.pack_into(self._counter, 0, generation)
        stale = self.folder / f"state-{generation - _KEEP}.pickle"
        stale.unlink(missing_ok=True)
        return generation

    def read(self, generation: int) -> Shareable:
        """The load published as `generation` (written by our own leader only)."""
        with open(self.folder / f"state-{generation}.pickle", "rb") as handle:
            loaded: Shareable = pickle.load(handle)  # our own private run folder
        return loaded

    def newest(self) -> Shareable | None:
        """The newest published load, if any (for a worker starting up)."""
        generation = self.generation()
        return self.read(generation) if generation else None

    def close(self) -> None:
        """Release the lock and the counter (the folder stays for other workers)."""
        self.resign()
        self._counter.close()
        self._counter_file.close()
