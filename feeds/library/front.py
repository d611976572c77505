"""Front documents: the subscription feeds and home page of the last version a server
rendered, kept in the index under a key of everything they were rendered from
(docs/reference.md §6.6).

A warm restart of `feeds serve` lists the posts folder, and when the key it computes
is the one kept, its workers answer with these documents while they load the blog.
The key covers every file of the posts folder (by stat key, as the index does),
the blog file, the run settings, the FEEDS_* environment and this installation of
feeds and of the libraries it renders with; the documents also stop being valid when a
scheduled post comes due. They are plain data, never code: bytes that are sent as
they are, in a database that only this user can write (`index.check_private`).

Light on purpose (no readers, no renderers): it runs before anything else is imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

from feeds import __version__
from feeds.library.index import Index
from feeds.library.options import Clock, Options
from feeds.settings import BLOG_FILE
from feeds.sources.listing import Listing, StatKey, list_files, stat_key

# What our documents are rendered with besides our own code (a new release of one may
# change their bytes): top-level modules, found without importing them.
RENDERED_WITH = ("feedgen", "lxml", "dateutil", "cmarkgfm", "linkify_it", "nh3", "yaml",
                 "jinja2", "markupsafe", "mutagen", "PIL", "msgspec")
# Settings of the environment the key leaves out: where things are, not what is served.
UNKEYED = frozenset({"FEEDS_RUN_DIR", "FEEDS_CACHE", "FEEDS_POSTS", "FEEDS_BASE_URL"})
log = logging.getLogger("feeds")
# Above this many post files a worker's own load from the index takes longer than the
# second the front documents may be answered in (measured here: 0.24 s at 10,000, 3.0 s
# at 100,000), and a post written meanwhile would wait for that load: such a blog
# restarts by loading first, in the server, as a cold start does.
FRONT_MAX_POSTS = 20_000


@dataclass(frozen=True)
class FrontDocument:
    """One front document as the server sends it: its bytes and what its headers are
    made from (`feeds.web.delivery.Prepared`)."""

    path: str
    body: bytes
    content_type: str
    last_modified: datetime | None
    kind: str
    common: tuple[tuple[str, str], ...]
    browser_type: str | None
    vary: str
    has_view: bool  # a browser's navigation gets another document (not kept here)


@dataclass(frozen=True)
class Front:
    """The front documents of one version, with the base URL they were rendered for."""

    base_url: str
    documents: tuple[FrontDocument, ...]


@dataclass(frozen=True)
class Basis:
    """What a load was made from, as far as the key is concerned."""

    listing: Listing
    blog_key: StatKey | None


def front_key(options: Options, basis: Basis) -> str | None:
    """The key of the documents rendered from `basis` with `options`; None when the
    listing is incomplete (a folder that could not be read keeps its old posts)."""
    listing = basis.listing
    if listing.unreadable:
        return None
    digest = hashlib.sha256()
    fallback = None if options.base_url else options.fallback_url  # used only without one
    digest.update(repr((__version__, _code(), str(options.posts.resolve()), options.base_url,
                        fallback, options.lazy, _settings(options.environ), basis.blog_key,
                        listing.links)).encode())
    for part in (listing.posts, listing.asset_keys):
        digest.update(repr(sorted(part.items())).encode())
    return digest.hexdigest()


def save(index: Index, options: Options, basis: Basis, front: Front,
         valid_until: datetime | None) -> None:
    """Keep `front`, rendered from `basis`, until `valid_until` (a scheduled post)."""
    key = front_key(options, basis)
    if key is None or len(basis.listing.posts) > FRONT_MAX_POSTS:
        index.store_front("", [])  # none kept: the next start loads first
        return
    meta = {"base_url": front.base_url,
            "valid_until": valid_until.isoformat() if valid_until else None}
    index.store_front(key, [(doc.path, json.dumps({**meta, **_meta(doc)}), doc.body)
                            for doc in front.documents])


def load(options: Options, clock: Clock) -> Front | None:
    """The front documents kept for the posts folder as it is now, if they are still
    valid; None otherwise (and without a cache folder)."""
    if options.cache is None or not options.posts.is_dir():
        return None
    index = Index(options.cache, options.posts)
    try:
        kept = index.front()
    finally:
        index.close()  # before any fork: a connection must not cross one
    if not kept:
        return None
    basis = Basis(list_files(options.posts), stat_key(options.posts, BLOG_FILE))
    if kept[0] != front_key(options, basis) or len(basis.listing.posts) > FRONT_MAX_POSTS:
        return None
    try:
        return _valid(kept[1], clock)
    except (ValueError, KeyError, TypeError, AssertionError) as exc:  # a row we did not write
        log.warning("the front documents in %s do not decode (%s); loading the posts",
                    index.path, exc)
        return None


def _valid(rows: Iterable[tuple[str, str, bytes]], clock: Clock) -> Front | None:
    documents, base_url = [], None
    for path, meta_text, body in rows:
        meta = json.loads(meta_text)
        until = meta["valid_until"]
        if until is not None and clock() >= datetime.fromisoformat(until):
            return None  # a scheduled post is due: the documents lack it
        base_url = meta["base_url"]
        documents.append(_document(path, body, meta))
    return Front(base_url, tuple(documents)) if base_url else None


def _meta(doc: FrontDocument) -> dict[str, object]:
    return {"content_type": doc.content_type, "kind": doc.kind,
            "last_modified": doc.last_modified.isoformat() if doc.last_modified else None,
            "common": [list(pair) for pair in doc.common], "browser_type": doc.browser_type,
            "vary": doc.vary, "has_view": doc.has_view}


def _document(path: str, body: bytes, meta: Mapping[str, object]) -> FrontDocument:
    modified = meta["last_modified"]
    common = meta["common"]
    assert isinstance(common, list)
    return FrontDocument(
        path, body, str(meta["content_type"]),
        datetime.fromisoformat(modified) if isinstance(modified, str) else None,
        str(meta["kind"]), tuple((str(name), str(value)) for name, value in common),
        str(meta["browser_type"]) if meta["browser_type"] else None, str(meta["vary"]),
        bool(meta["has_view"]))


def _settings(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """The FEEDS_* settings of the environment (docs/reference.md §3), and its zone."""
    return sorted((name, value) for name, value in environ.items()
                  if (name.startswith("FEEDS_") and name not in UNKEYED) or name == "TZ")


@cache
def _code() -> tuple[tuple[str, int, int], ...]:
    """This installation of feeds and of what it renders with, by file name, size and
    modification time: an upgrade or an edit of either makes another key."""
    files = [os.path.join(top, name) for top, _, names in os.walk(Path(__file__).parents[1])
             for name in names if not name.endswith(".pyc")]
    for module in RENDERED_WITH:
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin:
            files.append(spec.origin)
    stamps = []
    for name in sorted(files):
        found = os.stat(name)
        stamps.append((name, found.st_size, found.st_mtime_ns))
    return tuple(stamps)
