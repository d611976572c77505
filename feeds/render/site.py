"""Every address of the blog (SPEC §6.1) mapped to its rendered document.

A `Site` belongs to one snapshot: each document is rendered at most once per
content version, with its strong ETag computed from the bytes, so the same
posts give the same bytes and validators in every worker and after restarts.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from feeds.errors import NotFound
from feeds.library import Snapshot
from feeds.render import pages
from feeds.render.channel import CONTENT_TYPES, Channel, blog_channel
from feeds.render.jsonfeed import render_json
from feeds.render.syndication import render_atom, render_rss

_FEEDS: dict[str, tuple[str, Callable[[Channel], bytes]]] = {
    "rss.xml": ("rss", render_rss),
    "atom.xml": ("atom", render_atom),
    "feed.json": ("json", render_json),
}


@dataclass(frozen=True)
class Document:
    """A rendered address: bytes, type, validators and how long caches keep it."""

    body: bytes
    content_type: str
    etag: str
    last_modified: datetime | None
    kind: str

    @classmethod
    def of(cls, body: bytes, content_type: str, last_modified: datetime | None,
           kind: str) -> Document:
        """A document with its strong ETag taken from the bytes."""
        etag = hashlib.sha256(body).hexdigest()[:32]
        return cls(body, content_type, etag, last_modified, kind)


class Site:
    """The documents of one snapshot, rendered on first request and kept."""

    def __init__(self, snapshot: Snapshot, on_render: Callable[[], None] | None = None) -> None:
        self.snapshot = snapshot
        self.on_render = on_render
        self._documents: dict[str, Document] = {}
        self._lock = threading.Lock()

    def document(self, path: str) -> Document:
        """The document at `path` (no leading slash); NotFound if there is none."""
        found = self._documents.get(path)
        if found is None:
            with self._lock:
                found = self._documents.get(path)
                if found is None:
                    found = self._documents[path] = self._render(path)
                    if self.on_render is not None:
                        self.on_render()
        return found

    def _render(self, path: str) -> Document:
        snapshot = self.snapshot
        newest = max((p.updated for p in snapshot.posts), default=None)
        if path in _FEEDS:
            kind, render = _FEEDS[path]
            channel = blog_channel(snapshot.blog, snapshot.posts)
            return Document.of(render(channel), CONTENT_TYPES[kind], newest, "feed")
        if path == "":
            return Document.of(pages.home_page(snapshot), CONTENT_TYPES["html"], newest, "page")
        if path == "about":
            return Document.of(pages.about_page(snapshot), CONTENT_TYPES["html"], newest, "page")
        if path == "about.json":
            return Document.of(pages.about_json(snapshot), CONTENT_TYPES["about-json"], newest,
                               "feed")
        return self._post(path)

    def _post(self, path: str) -> Document:
        parts = path.split("/")
        if len(parts) == 3 and parts[0] == "posts" and parts[2] == "":
            post = self.snapshot.by_slug.get(parts[1])
            if post is not None:
                body = pages.post_page(self.snapshot, post)
                return Document.of(body, CONTENT_TYPES["html"], post.updated, "page")
        raise NotFound(path)

    def feed_paths(self) -> list[str]:
        """The addresses of every feed document (for WebSub notifications)."""
        return list(_FEEDS)

    def addresses(self) -> list[str]:
        """Every address this snapshot publishes (for exports and tests)."""
        fixed = ["", "about", "about.json", *_FEEDS]
        return fixed + [f"posts/{p.slug}/" for p in self.snapshot.posts]
