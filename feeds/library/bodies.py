"""Rendered bodies kept in the persistent index across builds (`feeds build`).

Rendering a body (Markdown, sanitising) is most of an export's work; a rebuild after
one new post should render one body, not every body its feeds show. A body is
kept under a key of everything its rendering depends on: the post's version and
the digest of its file (`Entry.digest`, `Entry.source`), the load's blog and assets
(`Bodies.key`) and this version of feeds. A row is plain data (`feeds.library.records`),
never a pickle: one that does not decode, or was kept under another key, is a miss
and the body is rendered again (tests/test_index_safety.py).
"""

from __future__ import annotations

import threading
import zlib
from dataclasses import dataclass

from isal import isal_zlib

from feeds import __version__
from feeds.library import records
from feeds.library.index import Index

__all__ = ["KeptBodies", "KeptBody"]


@dataclass(frozen=True)
class KeptBody:
    """A rendered body: its HTML, the post's summary with it, the warnings it gave."""

    html: str
    summary: str
    warnings: tuple[str, ...]


_CODEC = records.Codec(KeptBody)
# A body is sanitised HTML of at most 16 Mi characters (docs/reference.md, bodies):
# a row that unpacks to more is not one of ours.
_MOST_BYTES = 4 * 16 * 2**20 + 2**20


class KeptBodies:
    """The bodies one process renders for the index, written in batches."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self._new: list[tuple[str, str, bytes]] = []
        self._lock = threading.Lock()

    @staticmethod
    def key(*parts: str) -> str:
        """The key a body is kept under: its parts and this version of feeds."""
        return ":".join((__version__, *parts))

    def get(self, path: str, key: str) -> KeptBody | None:
        """The body kept for `path` under `key`, if any decodes."""
        blob = self.index.body(path, key)
        return _unpacked(blob) if blob is not None else None

    def add(self, path: str, key: str, body: KeptBody) -> None:
        """Keep `body`, written with the next `save`."""
        with self._lock:
            # ISA-L's deflate, as the index's texts (feeds.library.reading.Source.packed)
            self._new.append((path, key, isal_zlib.compress(records.encode(body), 1)))

    def save(self) -> None:
        """Write the bodies added since the last save, in one transaction."""
        with self._lock:
            new, self._new = self._new, []
        self.index.store_bodies(new)


def _unpacked(blob: bytes) -> KeptBody | None:
    """A packed body, or None when the bytes are not one."""
    inflate = zlib.decompressobj()
    try:
        data = inflate.decompress(blob, _MOST_BYTES)
    except zlib.error:
        return None
    return _CODEC.decode(data) if inflate.eof else None
