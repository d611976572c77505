"""One version for every worker of a server.

One worker at a time is the leader (it holds an exclusive lock on a file in the
server's run folder). Only the leader watches and reads the posts folder; it
writes each new load to a record file and then raises a generation counter kept
in a small memory-mapped file. Every worker reads the counter on every request
(a memory read, no system call) and, when it has moved, takes the leader's load.

A record is usually an update record (`UpdateRecord`, a file `N.update`): the
files that changed since the generation before, a few kilobytes whatever the
size of the blog. When the blog file or an asset changed, it is a whole record
(`WholeRecord`, a file `N.full`): everything the leader knows. Every
WHOLE_EVERY generations the leader also writes a whole record beside the update
(a checkpoint), after appending it. A worker that holds the generation before
applies the updates; one that does not (it started late, or lost track) starts
from the newest whole record. Records older than the whole record before the
newest are removed.

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
import struct
import tempfile
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from feeds.library.index import check_private

if TYPE_CHECKING:  # the records' modules are imported on first use: see `_codecs`
    from feeds.library import records
    from feeds.library.core import UpdateRecord, WholeRecord

    Record = WholeRecord | UpdateRecord

_COUNTER = struct.Struct("<Q")
WHOLE_EVERY = 64  # updates between whole records: a worker far behind reads few files
# The file name's suffix of each kind of record (kept as they were: run folders of a
# running server stay readable across an upgrade).
WHOLE, UPDATE = "full", "update"


@cache
def _codecs() -> dict[str, records.Codec[WholeRecord] | records.Codec[UpdateRecord]]:
    """The decoder of each kind of record. Made on first use: a warm restart's server
    makes its run folder before (and without) loading the blog (`feeds.library.front`)."""
    from feeds.library import records  # noqa: PLC0415 - see above
    from feeds.library.core import UpdateRecord, WholeRecord  # noqa: PLC0415

    return {WHOLE: records.Codec(WholeRecord), UPDATE: records.Codec(UpdateRecord)}


def _encode(record: Record) -> bytes:
    from feeds.library import records  # noqa: PLC0415 - loaded with the record

    return records.encode(record)


def _suffix(record: Record) -> str:
    from feeds.library.core import WholeRecord  # noqa: PLC0415 - loaded with the record

    return WHOLE if isinstance(record, WholeRecord) else UPDATE


class Shared:
    """The run folder of one server: leader lock, generation counter, state files."""

    def __init__(self, folder: Path) -> None:
        """Open (or make) a run folder; CacheError unless it is this user's alone."""
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        check_private(folder, "run folder")
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

    def append(self, record: Record) -> int:
        """Write a record as the next generation, then count it (leader only); return its
        number."""
        generation = self.generation() + 1
        self._write(generation, record)
        _COUNTER.pack_into(self._counter, 0, generation)
        if _suffix(record) == WHOLE:
            self._prune()
        return generation

    def checkpoint_due(self, generation: int) -> bool:
        """Whether WHOLE_EVERY generations have passed since the last whole record."""
        wholes = [g for g, suffixes in self._records().items() if WHOLE in suffixes]
        return generation - max(wholes, default=0) >= WHOLE_EVERY

    def checkpoint(self, generation: int, record: WholeRecord) -> None:
        """Write the whole load of `generation` beside its update (leader only): for
        workers that start late or lost track. Workers in step go on applying updates."""
        self._write(generation, record)
        self._prune()

    def _write(self, generation: int, record: Record) -> None:
        suffix = _suffix(record)
        if generation > self.generation():  # a leader that died before counting it left it
            other = UPDATE if suffix == WHOLE else WHOLE
            (self.folder / f"{generation:012d}.{other}").unlink(missing_ok=True)
        with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".", delete=False) as handle:
            handle.write(_encode(record))
        os.replace(handle.name, self.folder / f"{generation:012d}.{suffix}")

    def since(self, have: int | None, upto: int) -> list[Record]:
        """The records that take the load of generation `have` (None: a load of one's
        own) to `upto`: the update of each generation after it (or its whole record,
        when it has only that), or else the newest whole record and what follows.
        OSError, LookupError or ValueError when they are not (or no longer) there, or
        do not decode: try again on a later request."""
        names = self._records()
        chain = range(have + 1, upto + 1) if have is not None else range(0)
        if have is not None and all(g in names for g in chain):
            return [self._read(g, _cheapest(names[g])) for g in chain]
        wholes = [g for g, suffixes in names.items() if WHOLE in suffixes and g <= upto]
        if not wholes:
            raise LookupError(f"no whole record up to generation {upto}")
        start = max(wholes)
        return [self._read(start, WHOLE),
                *(self._read(g, _cheapest(names.get(g, {UPDATE})))
                  for g in range(start + 1, upto + 1))]

    def newest(self) -> tuple[list[Record], int] | None:
        """What a worker starting up reads: the records to the newest generation from the
        newest whole record, and that generation; None if nothing was appended."""
        generation = self.generation()
        return (self.since(None, generation), generation) if generation else None

    def _read(self, generation: int, suffix: str) -> Record:
        with open(self.folder / f"{generation:012d}.{suffix}", "rb") as handle:
            record = _codecs()[suffix].decode(handle.read())
        if record is None:
            raise ValueError(f"record {generation} ({suffix}) does not decode")
        return record

    def _records(self) -> dict[int, set[str]]:
        """Generation -> suffixes (WHOLE, UPDATE) of every record in the folder."""
        found: dict[int, set[str]] = {}
        for name in os.listdir(self.folder):
            number, _, suffix = name.partition(".")
            if number.isdigit() and suffix in (WHOLE, UPDATE):
                found.setdefault(int(number), set()).add(suffix)
        return found

    def _prune(self) -> None:
        """Remove the records older than the whole record before the newest one."""
        names = self._records()
        wholes = sorted(g for g, suffixes in names.items() if WHOLE in suffixes)
        if len(wholes) < 2:
            return
        for generation, suffixes in names.items():
            for suffix in suffixes if generation < wholes[-2] else ():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.folder / f"{generation:012d}.{suffix}")

    def close(self) -> None:
        """Release the lock and the counter (the folder stays for other workers)."""
        self.resign()
        self._counter.close()
        self._counter_file.close()


def _cheapest(suffixes: set[str]) -> str:
    """An update when there is one: a whole record of a large blog takes long to read."""
    return UPDATE if UPDATE in suffixes else WHOLE
