"""The persistent index of post metadata: SQLite in a cache folder.

One row per post file: its stat key (size, modification and change time, inode) and what
reading it gave (the normalised post without its body, or its problems), for a
given fingerprint of everything else the reading depends on (the blog's
settings, its assets, this version of feeds). A restart reads only `stat()`
for files whose row still matches; every worker of a server shares the rows.

Rows are plain data (`feeds.library.records`), never pickles: a row that does not
decode is a miss. The folder and its files must belong to the user running
feeds and be writable by no one else (`check_private`), since whoever can write
them decides what is published. A database that fails (a full disk, a file
made read-only) is switched off for the process with one warning: the blog is
then served from memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

from feeds.errors import CacheError

SCHEMA = ("""
CREATE TABLE posts (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    ctime INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    state BLOB NOT NULL
)""", """
CREATE TABLE texts (
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    source BLOB NOT NULL,
    PRIMARY KEY (path, digest)
)""", """
CREATE TABLE bodies (
    path TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    body BLOB NOT NULL
)""", """
CREATE TABLE front (
    path TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    meta TEXT NOT NULL,
    body BLOB NOT NULL
)""")
# 6: the front documents of a warm restart (`feeds.library.front`); 5: bodies rendered
# by `feeds build`, kept across builds; 3: keys without the change time; 2: posts carried
# their digests; older (0: none set) held pickles
SCHEMA_VERSION = 6
TABLES = ("posts", "texts", "bodies", "front")
Key = tuple[int, int, int, int]
T = TypeVar("T")
log = logging.getLogger("feeds")
_FAILURES = (sqlite3.Error, OSError, ValueError, UnicodeError, OverflowError)


def default_cache() -> Path:
    """The user's cache folder for feeds ($XDG_CACHE_HOME/feeds, else ~/.cache/feeds)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feeds"


def fingerprint(*parts: object) -> str:
    """A short, stable digest of what the reading of every post depends on."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


def check_private(path: Path, kind: str = "cache folder") -> None:
    """CacheError unless `path` (not a link) belongs to this user and no one else may
    write to it; a missing file is fine (it will be made so)."""
    try:
        found = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise CacheError(path, f"cannot be checked ({exc.strerror})") from exc
    if stat.S_ISLNK(found.st_mode):
        raise CacheError(path, f"the {kind} is a symbolic link")
    if found.st_uid != os.geteuid():
        raise CacheError(path, f"the {kind} belongs to user {found.st_uid}, not to the "
                               f"user running feeds ({os.geteuid()})")
    if found.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise CacheError(path, f"the {kind} is writable by other users (mode "
                               f"{stat.S_IMODE(found.st_mode):o}); make it private "
                               f"(chmod go-w) or choose another")


class Index:
    """The rows of one posts folder (a file per folder in the cache folder)."""

    def __init__(self, cache: Path, posts: Path) -> None:
        """Open (or make) the index; CacheError when the folder is not private."""
        name = hashlib.sha256(str(posts.resolve()).encode()).hexdigest()[:16]
        self.path = cache / f"index-{name}.sqlite"
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._check(cache)
        try:
            self._db = self._open()
        except _FAILURES as exc:
            self._off(exc)

    def _check(self, cache: Path) -> None:
        check_private(cache)
        try:
            cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise CacheError(cache, f"cannot be made ({exc.strerror})") from exc
        check_private(cache)
        for suffix in ("", "-wal", "-shm"):
            check_private(Path(f"{self.path}{suffix}"), "index database")

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                             isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                with _transaction(db):
                    for name in TABLES:
                        db.execute(f"DROP TABLE IF EXISTS {name}")
                    for table in SCHEMA:
                        db.execute(table)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            db.close()
            raise
        return db

    @property
    def working(self) -> bool:
        """Whether the index is still in use (False once it failed)."""
        return self._db is not None

    def rows(self, prints: tuple[str, ...], decode: Callable[[str, Key, bytes], T | None]
             ) -> dict[str, T]:
        """Every row made with one of these fingerprints that decodes: path -> what
        `decode` makes of its path, stat key and record (None: nothing)."""
        marks = ", ".join("?" * len(prints))

        def decoded(db: sqlite3.Connection) -> dict[str, T]:
            # Row by row, each decoded as it comes, not all fetched first: at 100,000
            # posts the records held at once took 100 MB more at the peak of a start.
            rows = {}
            for path, size, mtime, inode, ctime, blob in db.execute(
                    "SELECT path, size, mtime, inode, ctime, state FROM posts WHERE "
                    f"fingerprint IN ({marks})", prints):
                if isinstance(path, str) and isinstance(blob, bytes):
                    state = decode(path, (size, mtime, inode, ctime), blob)
                    if state is not None:
                        rows[path] = state
            return rows
        return self._run(decoded) or {}

    def store(self, states: Iterable[tuple[str, str, Key, bytes]],
              texts: Iterable[tuple[str, str, bytes, str]] = ()) -> None:
        """Record what reading these files gave (fingerprint, path, stat key, encoded
        record), and the last good text of some (path, its digest, the packed text, the
        digest of the version before, whose text is kept too), all or nothing. A name
        that is not valid UTF-8 has no row."""
        rows = [(path, *key, print_, blob) for print_, path, key, blob in states
                if _storable(path)]
        kept = [text for text in texts if _storable(text[0])]
        if rows or kept:
            self._run(lambda db: _many(db, [
                ("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?, ?)", rows),
                ("INSERT OR REPLACE INTO texts VALUES (?, ?, ?)", [t[:3] for t in kept]),
                ("DELETE FROM texts WHERE path = ? AND digest NOT IN (?, ?)",
                 [(path, digest, before) for path, digest, _, before in kept])]))

    def text(self, path: str, digest: str) -> bytes | None:
        """The packed text kept for `path` if it is the one of `digest`."""
        if not _storable(path):
            return None
        found = self._run(lambda db: db.execute(
            "SELECT source FROM texts WHERE path = ? AND digest = ?", (path, digest)
        ).fetchone())
        return found[0] if found and isinstance(found[0], bytes) else None

    def body(self, path: str, key: str) -> bytes | None:
        """The encoded body kept for `path` if it was rendered under `key`."""
        if not _storable(path):
            return None
        found = self._run(lambda db: db.execute(
            "SELECT body FROM bodies WHERE path = ? AND key = ?", (path, key)).fetchone())
        return found[0] if found and isinstance(found[0], bytes) else None

    def store_bodies(self, bodies: Iterable[tuple[str, str, bytes]]) -> None:
        """Keep rendered bodies (path, the key they were rendered under, encoded body),
        one per path: the newest replaces the one before."""
        rows = [row for row in bodies if _storable(row[0])]
        if rows:
            self._run(lambda db: _many(db, [
                ("INSERT OR REPLACE INTO bodies VALUES (?, ?, ?)", rows)]))

    def store_front(self, key: str, documents: Sequence[tuple[str, str, bytes]]) -> None:
        """Keep these front documents (path, meta, body) under `key`, in place of any
        kept before."""
        rows = [(path, key, meta, body) for path, meta, body in documents if _storable(path)]
        self._run(lambda db: _many(db, [("DELETE FROM front", [()]),
                                        ("INSERT INTO front VALUES (?, ?, ?, ?)", rows)]))

    def front(self) -> tuple[str, list[tuple[str, str, bytes]]] | None:
        """The key and the front documents (path, meta, body) kept; None if there are
        none, or not all of one key."""
        found = self._run(lambda db: db.execute(
            "SELECT key, path, meta, body FROM front ORDER BY path").fetchall()) or []
        keys = {row[0] for row in found}
        if len(keys) != 1 or not all(isinstance(row[3], bytes) for row in found):
            return None
        return keys.pop(), [(path, meta, body) for _, path, meta, body in found]

    def shrink(self) -> None:
        """Give back the connection's page cache (a load fills it: 2 MB, which every
        worker forked afterwards would hold resident as its own)."""
        self._run(lambda db: db.execute("PRAGMA shrink_memory"))

    def forget(self, paths: Iterable[str]) -> None:
        """Drop the rows of files that are gone."""
        rows = [(p,) for p in paths if _storable(p)]
        if rows:
            self._run(lambda db: _many(db, [("DELETE FROM posts WHERE path = ?", rows),
                                            ("DELETE FROM texts WHERE path = ?", rows),
                                            ("DELETE FROM bodies WHERE path = ?", rows)]))

    def _run(self, work: Callable[[sqlite3.Connection], T]) -> T | None:
        """`work` on the database; on a failure, one warning and no index from then on."""
        with self._lock:
            if self._db is None:
                return None
            try:
                return work(self._db)
            except _FAILURES as exc:
                self._off(exc)
                return None

    def _off(self, exc: BaseException) -> None:
        log.warning("the index %s failed (%s); it is off for this process, which serves "
                    "from memory", self.path, exc)
        if self._db is not None:
            self._db.close()
        self._db = None

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def _storable(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _many(db: sqlite3.Connection,
          writes: Sequence[tuple[str, Sequence[tuple[object, ...]]]]) -> None:
    with _transaction(db):
        for sql, rows in writes:
            if rows:
                db.executemany(sql, rows)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """BEGIN ... COMMIT, or ROLLBACK on any error: a failed write leaves nothing open."""
    db.execute("BEGIN")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.rollback()
        raise
    db.execute("COMMIT")
