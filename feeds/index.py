"""The persistent index of post metadata: SQLite in a cache folder.

One row per post file: its stat key (size, modification time, inode) and what
reading it gave (the normalised post without its body, or its problems), for a
given fingerprint of everything else the reading depends on (the blog's
settings, its assets, this version of feeds). A restart reads only `stat()`
for files whose row still matches; every worker of a server shares the rows.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    state BLOB NOT NULL
)
"""
Key = tuple[int, int, int]


def default_cache() -> Path:
    """The user's cache folder for feeds ($XDG_CACHE_HOME/feeds, else ~/.cache/feeds)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "feeds"


def fingerprint(*parts: object) -> str:
    """A short, stable digest of what the reading of every post depends on."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


class Index:
    """The rows of one posts folder (a file per folder in the cache folder)."""

    def __init__(self, cache: Path, posts: Path) -> None:
        cache.mkdir(parents=True, exist_ok=True, mode=0o700)
        name = hashlib.sha256(str(posts.resolve()).encode()).hexdigest()[:16]
        self.path = cache / f"index-{name}.sqlite"
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False,
                                   isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(SCHEMA)

    def rows(self, print_: str) -> dict[str, tuple[Key, object]]:
        """Every row made with this fingerprint: path -> (stat key, state)."""
        with self._lock:
            found = self._db.execute("SELECT path, size, mtime, inode, state FROM posts "
                                     "WHERE fingerprint = ?", (print_,)).fetchall()
        rows = {}
        for path, size, mtime, inode, blob in found:
            try:
                rows[path] = ((size, mtime, inode), pickle.loads(blob))  # our own cache file
            except Exception:
                continue
        return rows

    def store(self, print_: str, states: Iterable[tuple[str, Key, object, bytes | None]]
              ) -> None:
        """Record what reading these files gave (with each state's pickle, when made)."""
        rows = [(path, *key, print_, blob or pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
                for path, key, state, blob in states]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?, ?)",
                                 rows)
            self._db.execute("COMMIT")

    def forget(self, paths: Iterable[str]) -> None:
        """Drop the rows of files that are gone."""
        with self._lock:
            self._db.executemany("DELETE FROM posts WHERE path = ?", [(p,) for p in paths])

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()
