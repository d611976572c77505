"""The folder `feeds build` writes (OUT), reached without following a link.

Every file is reached from a descriptor of OUT one folder at a time, each opened
with O_NOFOLLOW, so a link planted in OUT or a forged manifest cannot make a build
read, write or delete anything outside it. A file is replaced through a temporary
file and a rename: a link in the place of a file is replaced, never written
through; a link in the place of a folder is removed and the folder made.

Two files record what builds wrote (docs/deploy.md, "Static export"): the
manifest (each file with the key of its document and the SHA-256 of its bytes,
replaced atomically at the end of a build) and the journal (a line per file,
appended before the file is written, removed after the manifest). A build killed
midway leaves its journal, so the next one can remove what that build wrote and
no longer wants. Only a regular file inside OUT holding the bytes recorded for
it is ever removed. A lock file keeps two builds from writing one OUT together.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from feeds.errors import OutputError

MANIFEST = ".feeds-build.json"
JOURNAL = ".feeds-build.journal"
LOCK = ".feeds-build.lock"
_OWN = frozenset({MANIFEST, JOURNAL, LOCK})  # never removed as a stale file: the lock held
_FORMAT = 2  # manifests of format 1 (no digests) verify nothing, so remove nothing
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_NOT_A_FOLDER = (errno.ELOOP, errno.ENOTDIR)


Stat = tuple[int, int, int, int]  # size, modification and change time (ns), inode


@dataclass(frozen=True)
class Entry:
    """One file a build wrote: the key of its document ("" if none), its SHA-256, and
    what `stat` said of it once written (None: not recorded)."""

    key: str
    digest: str
    stat: Stat | None = None


def digest(body: bytes) -> str:
    """The SHA-256 of a file's bytes, as the manifest records it."""
    return hashlib.sha256(body).hexdigest()


def parts(rel: str) -> list[str] | None:
    """The folders and name of a path inside OUT; None for anything that could lead
    out of it (absolute, `..`, empty parts) or that is not a plain string."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\0" in rel:
        return None
    pieces = rel.split("/")
    return None if any(p in ("", ".", "..") for p in pieces) else pieces


def _temporary(name: str) -> str:
    return f".{name}.feeds-tmp"


class Tree:
    """OUT, opened once: every access goes through its descriptor."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.root = os.open(out, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._last: tuple[str, int] | None = None  # files come folder by folder
        self._journal: int | None = None
        self._lock: int | None = None
        self._manifest: dict[str, Entry] | None = None

    def __enter__(self) -> Tree:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close every descriptor (releasing the lock, if held)."""
        for fd in (self._last[1] if self._last else None, self._journal, self._lock, self.root):
            if fd is not None:
                os.close(fd)
        self._last = self._journal = self._lock = None

    def lock(self) -> None:
        """Hold OUT's lock for this build; OutputError if another build holds it."""
        fd = os.open(LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644,
                     dir_fd=self.root)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(str(self.out / LOCK), "another feeds build is writing to "
                              "this folder; try again when it has finished") from None
        self._lock = fd

    def folder(self, rel: str, create: bool = False) -> int | None:
        """A descriptor of folder `rel` ("" for OUT; owned by the tree, do not close),
        no link followed; None if it is missing or not a folder and `create` is false."""
        if self._last is not None and self._last[0] == rel:
            return self._last[1]
        fd: int | None = os.dup(self.root)
        for part in rel.split("/") if rel else ():
            fd = self._step(fd, part, create) if fd is not None else None
        if fd is not None:
            if self._last is not None:
                os.close(self._last[1])
            self._last = (rel, fd)
        return fd

    def _step(self, fd: int, part: str, create: bool) -> int | None:
        """The folder `part` in `fd` (closing `fd`), made if asked (in place of a link)."""
        try:
            try:
                return os.open(part, _DIR, dir_fd=fd)
            except FileNotFoundError:
                pass
            except OSError as error:
                if error.errno not in _NOT_A_FOLDER or not create:
                    return None
                if not stat.S_ISLNK(os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode):
                    raise OutputError(str(self.out / part), "a file is where a folder of "
                                      "the blog goes") from None
                os.unlink(part, dir_fd=fd)  # the link itself, never what it points to
            if not create:
                return None
            with contextlib.suppress(FileExistsError):  # made by another build process
                os.mkdir(part, 0o755, dir_fd=fd)
            return os.open(part, _DIR, dir_fd=fd)
        finally:
            os.close(fd)

    def read(self, rel: str) -> bytes | None:
        """The bytes of a regular file inside OUT; None if it is anything else."""
        pieces = parts(rel)
        fd = self.folder("/".join(pieces[:-1])) if pieces else None
        return _read(fd, pieces[-1]) if fd is not None and pieces else None

    def holds(self, rel: str, digests: set[str] | str) -> bool:
        """Whether `rel` is a regular file with one of these digests."""
        data = self.read(rel)
        return data is not None and digest(data) in ({digests} if isinstance(digests, str)
                                                       else digests)

    def unchanged(self, rel: str, entry: Entry) -> bool:
        """Whether `rel` is still the file `entry` records: the same stat (a write, a
        rename or a change of mode always changes the change time, which no one can set),
        else the same bytes. Only to keep a file; a removal checks the bytes."""
        if entry.stat is not None and self.stat(rel) == entry.stat:
            return True
        return self.holds(rel, entry.digest)

    def stat(self, rel: str) -> Stat | None:
        """What `stat` says of the regular file `rel` (no link followed); None if it is
        not one."""
        pieces = parts(rel)
        fd = self.folder("/".join(pieces[:-1])) if pieces else None
        if fd is None or pieces is None:
            return None
        try:
            found = os.stat(pieces[-1], dir_fd=fd, follow_symlinks=False)
        except OSError:
            return None
        if not stat.S_ISREG(found.st_mode):
            return None
        return (found.st_size, found.st_mtime_ns, found.st_ctime_ns, found.st_ino)

    def write(self, rel: str, body: bytes, sha: str) -> bool:
        """Write `body` at `rel` unless it holds it already; True if written."""
        pieces = parts(rel)
        if pieces is None:
            raise OutputError(rel, "not a path inside the output folder")
        fd = self.folder("/".join(pieces[:-1]), create=True)
        assert fd is not None  # made, or OutputError
        name = pieces[-1]
        if _read(fd, name, len(body)) == body:
            return False
        self._note(rel, sha)  # before the file: a build killed now still tracks it
        _replace(fd, name, body)
        return True

    def _note(self, rel: str, sha: str) -> None:
        if self._journal is None:
            self._journal = os.open(JOURNAL, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                                    | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644, dir_fd=self.root)
        # one write of one line: lines of several processes do not mix
        os.write(self._journal, (json.dumps([rel, sha]) + "\n").encode())

    def remove(self, rel: str, digests: set[str]) -> bool:
        """Remove `rel` if it is a regular file inside OUT with one of `digests`; True
        if it was removed."""
        pieces = parts(rel)
        fd = self.folder("/".join(pieces[:-1])) if pieces and rel not in _OWN else None
        if fd is None or pieces is None:
            return False
        data = _read(fd, pieces[-1])
        if data is None or digest(data) not in digests:
            return False
        os.unlink(pieces[-1], dir_fd=fd)
        return True

    def sweep(self, rel: str) -> None:
        """Remove the temporary file a killed build may have left for `rel`."""
        pieces = parts(rel)
        fd = self.folder("/".join(pieces[:-1])) if pieces else None
        if fd is not None and pieces and _read(fd, _temporary(pieces[-1])) is not None:
            os.unlink(_temporary(pieces[-1]), dir_fd=fd)

    def prune(self, rel: str) -> None:
        """Remove the folder `rel` and its parents inside OUT while they are empty."""
        pieces = parts(rel) or []
        if self._last is not None:  # it may be one of those
            os.close(self._last[1])
            self._last = None
        while pieces:
            fd = self.folder("/".join(pieces[:-1]))
            if fd is None:
                return
            try:
                os.rmdir(pieces[-1], dir_fd=fd)  # only an empty folder; never a link's target
            except OSError:
                return
            pieces.pop()

    def tracked(self) -> dict[str, set[str]]:
        """Every file earlier builds recorded (manifest and journal) -> its digests."""
        found = {rel: {entry.digest} for rel, entry in self.manifest().items()}
        for rel, sha in self.journaled():
            found.setdefault(rel, set()).add(sha)
        return found

    def journaled(self) -> list[tuple[str, str]]:
        """The files a killed build was writing (the journal's lines), with their digests:
        the only ones that may have left a temporary file."""
        found = []
        for line in (self.read(JOURNAL) or b"").decode("utf-8", "replace").splitlines():
            with contextlib.suppress(ValueError):
                rel, sha = json.loads(line)
                if isinstance(rel, str) and isinstance(sha, str):
                    found.append((rel, sha))
        return found

    def manifest(self) -> dict[str, Entry]:
        """What the last finished build wrote (nothing, for a manifest without digests),
        read once."""
        if self._manifest is None:
            self._manifest = self._read_manifest()
        return self._manifest

    def _read_manifest(self) -> dict[str, Entry]:
        try:
            found = json.loads(self.read(MANIFEST) or b"")
        except ValueError:
            return {}
        if not isinstance(found, dict) or found.get("format") != _FORMAT:
            return {}
        files = found.get("files")
        if not isinstance(files, dict):
            return {}
        return {rel: Entry(value[0], value[1], _stat(value[2:])) for rel, value
                in files.items() if isinstance(value, list) and len(value) in (2, 3)
                and all(isinstance(v, str) for v in value[:2])}

    def finish(self, files: dict[str, Entry]) -> None:
        """Record this build (atomically, synced), then drop the journal it supersedes."""
        text = json.dumps({"format": _FORMAT, "files": {  # compact: C's encoder, not Python's
            rel: [e.key, e.digest, *([list(e.stat)] if e.stat else [])]
            for rel, e in sorted(files.items())}}, separators=(",", ":"))
        _replace(self.root, MANIFEST, text.encode(), sync=True)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(JOURNAL, dir_fd=self.root)
        os.fsync(self.root)


def _stat(found: list[object]) -> Stat | None:
    """A recorded stat, if it is one (a manifest is read as untrusted)."""
    value = found[0] if found else None
    if isinstance(value, list) and len(value) == 4 and \
            all(type(v) is int for v in value):
        return (value[0], value[1], value[2], value[3])
    return None


def _read(fd: int, name: str, size: int | None = None) -> bytes | None:
    """A regular file's bytes (None if it is not one, or not of `size` bytes when given)."""
    try:
        handle = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                         dir_fd=fd)
    except OSError:
        return None
    info = os.fstat(handle)  # before open(): a folder (`about`, now about/) would raise
    if not stat.S_ISREG(info.st_mode) or size not in (None, info.st_size):
        os.close(handle)
        return None
    with open(handle, "rb") as file:
        return file.read()


def _replace(fd: int, name: str, body: bytes, sync: bool = False) -> None:
    """Put `body` at `name` in folder `fd` through a temporary file and a rename."""
    temporary = _temporary(name)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary, dir_fd=fd)  # left by a killed build (or planted: a link)
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
                     | os.O_CLOEXEC, 0o644, dir_fd=fd)
    with open(handle, "wb") as file:
        file.write(body)
        os.fchmod(file.fileno(), 0o644)  # whatever the umask: a web server reads it
        if sync:
            os.fsync(file.fileno())
    os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
