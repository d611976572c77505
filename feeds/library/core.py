"""The blog in memory: what is published, and the bodies of the posts asked for.

A `Library` loads the folder (`feeds.library.loader`), or takes a load another process
published (`feeds.library.shared`), keeps every good post and every problem, and hands
out `Snapshot`s: what is published at a given moment, newest first, with a
version that changes when, and only when, the published content changes (a post
added or edited, a scheduled post coming due).
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property, lru_cache
from operator import attrgetter
from types import MappingProxyType
from typing import BinaryIO

from feeds.errors import FeedsError, Problem
from feeds.library.bodies import KeptBodies, KeptBody
from feeds.library.catalog import WEIGHT_MODULUS
from feeds.library.loader import Loader
from feeds.library.loads import Loaded, Reload, ReloadStats, UpdateRecord, WholeRecord
from feeds.library.options import Clock, Options, system_clock
from feeds.library.postlist import PostList
from feeds.library.reading import AssetSizes, AudioSeconds, Entry, source_digest
from feeds.library.redirects import Redirects, redirects_of
from feeds.model import Author, Blog, Post
from feeds.normalize.fields import KNOWN_FIELDS
from feeds.normalize.links import rewrite
from feeds.normalize.post import Context, with_body
from feeds.normalize.text import slugify
from feeds.sources import files as sources
from feeds.sources.frontmatter import Limits, RawPost

__all__ = ["Clock", "Library", "Loaded", "Options", "Reload", "ReloadStats", "Snapshot",
           "UpdateRecord", "WholeRecord", "snapshot_of", "system_clock"]
_SLUG = attrgetter("slug")
BODIES_KEPT = 4096  # rendered bodies kept per process
LINKED_KEPT = 512  # bodies with their links rewritten, kept per snapshot
log = logging.getLogger("feeds")


def _unrendered(entry: Entry) -> Post:
    return entry.post


@dataclass(frozen=True)
class Snapshot:
    """What is published at one moment: posts newest first, and their version."""

    blog: Blog
    posts: PostList
    version: str
    loaded_at: datetime
    next_change: datetime | None
    # Renders the body of an entry's post (`Library.with_body`; posts may be indexed
    # without it).
    render_body: Callable[[Entry], Post] = field(default=_unrendered, compare=False)
    # A digest of what every body depends on besides its file: the blog and its assets.
    context: str = ""

    def with_body(self, post: Post) -> Post:
        """`post` (one of `posts`) with its body rendered, its links to other posts' old
        addresses and files leading to their pages."""
        if post.content_html is None:
            entry = self.posts.find(post)
            if entry is None:  # not one of ours: there is no version to render it from
                raise LookupError(f"{post.path}: not a post of this snapshot")
            post = self.render_body(entry)
        if not post.links or not post.content_html:
            return post
        linked = self._linked(post.content_html, post.links)
        return replace(post, content_html=linked) if linked != post.content_html else post

    @cached_property
    def _linked(self) -> Callable[[str, tuple[str, ...]], str]:
        """A body with its links rewritten, kept for the bodies shown most (the newest
        posts are in every feed and on the home page)."""
        def linked(html: str, keys: tuple[str, ...]) -> str:
            return rewrite(html, self.blog.base_url, keys, self.redirects.link)
        return lru_cache(maxsize=LINKED_KEPT)(linked)

    @cached_property
    def redirects(self) -> Redirects:
        """The old addresses of the published posts, and where the links between them
        lead (docs/reference.md §6.5)."""
        return redirects_of(self.posts, self.by_slug)

    def links_of(self, post: Post) -> str:
        """Where `post`'s links to other posts' old addresses lead now: with its digest,
        the key of its page (a new post changes it only for the posts that link to one
        of its addresses)."""
        if not post.links:
            return ""
        return self._links_of(post.links)

    @cached_property
    def _links_of(self) -> Callable[[tuple[str, ...]], str]:
        def digest(keys: tuple[str, ...]) -> str:
            targets = repr([(key, self.redirects.link(key)) for key in keys])
            return hashlib.sha256(targets.encode()).hexdigest()[:16]
        return lru_cache(maxsize=LINKED_KEPT * 16)(digest)

    def digest_of(self, post: Post) -> str | None:
        """The version of `post` (one of `posts`; None if it is not): the key of the
        pages that show it."""
        entry = self.posts.find(post)
        return entry.digest if entry is not None else None

    # What follows is made on first use: a new version is served without a pass over
    # every post unless a document needs one.
    @cached_property
    def by_slug(self) -> Mapping[str, Post]:
        """Slug -> post."""
        # zip and map run in C: at 24,700 posts 4 ms, where a comprehension took 26 ms,
        # and every new version makes it in every process
        return MappingProxyType(dict(zip(map(_SLUG, self.posts), self.posts, strict=True)))

    @cached_property
    def updated(self) -> datetime | None:
        """When any published post was last updated (None: there is none)."""
        return max((post.updated for post in self.posts), default=None)

    @cached_property
    def by_tag(self) -> Mapping[str, tuple[str, tuple[Post, ...]]]:
        """Tag slug -> (the tag as first written, its posts newest first)."""
        found: dict[str, tuple[str, list[Post]]] = {}
        for post in self.posts:
            for tag in post.tags:
                found.setdefault(slugify(tag), (tag, []))[1].append(post)
        return {slug: (name, tuple(posts)) for slug, (name, posts) in found.items()}

    @cached_property
    def by_author(self) -> Mapping[str, tuple[Author, tuple[Post, ...]]]:
        """Author id -> (the author, their posts newest first)."""
        found: dict[str, tuple[Author, list[Post]]] = {}
        for post in self.posts:
            for author in post.authors:
                found.setdefault(author.id, (author, []))[1].append(post)
        return {key: (author, tuple(posts)) for key, (author, posts) in found.items()}

    def tags(self) -> list[tuple[str, str, int]]:
        """Every tag as (slug, name, number of posts), most used first, then by name."""
        counts = [(slug, name, len(posts)) for slug, (name, posts) in self.by_tag.items()]
        return sorted(counts, key=lambda item: (-item[2], item[1].casefold()))


def _age(post: Post) -> float:
    return -post.date.timestamp()


def snapshot_of(loaded: Loaded, now: datetime,
                render_body: Callable[[Entry], Post] = _unrendered) -> Snapshot:
    """What `loaded` publishes at `now`: nothing dated in the future (drafts are apart).

    The version digests the blog, the assets' names (bodies resolve links against
    them) and the sum of the shown posts' weights, which the catalog keeps as posts
    come and go: the work here does not grow with the blog but with the posts
    scheduled for later, which come first, newest first."""
    posts = loaded.posts
    due = bisect.bisect_left(posts, -now.timestamp(), key=_age)  # newest first
    shown = (posts.weight_before(len(posts)) - posts.weight_before(due)) % WEIGHT_MODULUS
    context = context_of(loaded)
    digest = hashlib.sha256(repr((context, shown)).encode()).hexdigest()[:20]
    visible = posts.drop(due)
    return Snapshot(loaded.blog, visible, digest, loaded.loaded_at,
                    posts[due - 1].date if due else None, render_body, context[:16])


def context_of(loaded: Loaded) -> str:
    """A digest of what every body of `loaded` depends on besides its file."""
    return hashlib.sha256(repr((loaded.blog, sorted(loaded.assets))).encode()).hexdigest()


class Bodies:
    """How one load renders its posts' bodies: with its own blog and assets, even when
    a newer load is current by the time an older snapshot asks (a WebSub check renders
    the version before a change)."""

    def __init__(self, library: Library, loaded: Loaded) -> None:
        self.library, self.loaded = library, loaded

    @cached_property
    def context(self) -> Context:
        """What normalising a body needs of the blog, made once per load."""
        loaded = self.loaded
        return Context.of(loaded.blog, loaded.assets, AssetSizes(self.library.options.posts),
                          AudioSeconds(self.library.options.posts))

    @cached_property
    def key(self) -> str:
        """The load's part of a kept body's key."""
        return context_of(self.loaded)[:16]

    def __call__(self, entry: Entry) -> Post:
        return self.library.with_body(entry, self)


class Library:
    """The loaded blog and its current snapshot, for the web and the command line."""

    def __init__(self, options: Options, clock: Clock = system_clock,
                 record: WholeRecord | None = None) -> None:
        """Load the posts folder, or take a load another process made (`record`)."""
        self.options = options
        self.clock = clock
        self._bodies: OrderedDict[tuple[object, ...], Post] = OrderedDict()
        self._bodies_lock = threading.Lock()
        # Bodies kept in the index across runs (`keep_bodies`: feeds build), and how many
        # this process rendered (the others came from memory or the index).
        self.kept_bodies: KeptBodies | None = None
        self.rendered = 0
        self._swap = threading.Lock()  # `loaded` and `_snapshot` change together
        self.loader = Loader(options, clock)
        # Which published generation of a run folder this load is (`feeds.library.shared`);
        # None: a load of this process's own.
        self.generation: int | None = None
        if record is None:
            reload = self.loader.load()
            self.loaded, self.last_reload = reload.loaded, reload.stats
        else:
            self.loader.adopt(record)
            self.loaded = self.loader.assemble(record.loaded_at)
            self.last_reload = ReloadStats(0, 0, 0.0)
        self._snapshot = snapshot_of(self.loaded, clock(), Bodies(self, self.loaded))

    def whole_record(self) -> WholeRecord:
        """This library's load, whole, for other processes."""
        return self.loader.whole_record(self.loaded.loaded_at)

    def follow(self, records: Sequence[WholeRecord | UpdateRecord], generation: int) -> None:
        """Take another process's loads (a whole one, then changes, or changes only)
        that end at `generation`."""
        for record in records:
            if isinstance(record, WholeRecord):
                self.loader.adopt(record)
            else:
                self.loader.apply(record)
        if records:
            self.replace(self.loader.assemble(records[-1].loaded_at))
        self.generation = generation

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem met on the last load."""
        return self.loaded.problems

    def candidate(self, loaded: Loaded) -> Snapshot:
        """What `loaded` would publish now (to compare versions before serving it)."""
        return snapshot_of(loaded, self.clock(), Bodies(self, loaded))

    def replace(self, loaded: Loaded, snapshot: Snapshot | None = None) -> None:
        """Serve `loaded` from now on (a worker following the leader's load);
        `snapshot`: its `candidate`, when made already."""
        snapshot = snapshot or self.candidate(loaded)
        with self._swap:
            self.loaded, self._snapshot = loaded, snapshot

    def snapshot(self) -> Snapshot:
        """The published blog now; a scheduled post shows once its time has come."""
        current = self._snapshot
        if current.next_change is not None and self.clock() >= current.next_change:
            loaded = self.loaded
            fresh = snapshot_of(loaded, self.clock(), Bodies(self, loaded))
            with self._swap:  # a newer load taken meanwhile (another thread) is newer still
                if self.loaded is loaded:
                    self._snapshot = fresh
                current = self._snapshot
        return current

    def with_body(self, entry: Entry, bodies: Bodies) -> Post:
        """The entry's post with its body rendered as `bodies`' load gives it: read on
        first need, then kept (a few thousand posts at most) under the digest of what
        its file said and of that load's blog and assets."""
        if entry.post.content_html is not None:
            return entry.post
        key = (entry.digest, entry.source, bodies.key)
        with self._bodies_lock:
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
                return found
        found, lasting = self._kept_or_rendered(entry, bodies)
        if not lasting:
            return found
        with self._bodies_lock:
            self._bodies[key] = found
            while len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        return found

    def keep_bodies(self) -> None:
        """Keep the bodies rendered from now on in the index, and take the ones kept
        there (`feeds build`; no index, nothing kept). Call it again in a forked
        process, after `loader.after_fork`."""
        index = self.loader.index
        self.kept_bodies = KeptBodies(index) if index is not None and index.working else None

    def _kept_or_rendered(self, entry: Entry, bodies: Bodies) -> tuple[Post, bool]:
        """The post with its body kept in the index, else rendered (and kept there)."""
        kept = self.kept_bodies
        if kept is None:
            return self._render(entry, bodies)[:2]
        path, key = entry.post.path, kept.key(entry.digest, entry.source, bodies.key)
        body = kept.get(path, key)
        if body is not None:
            for warning in body.warnings:  # as when it was rendered
                log.warning("%s", warning)
            return replace(entry.post, content_html=body.html, summary=body.summary), True
        found, lasting, warnings = self._render(entry, bodies)
        if lasting:
            kept.add(path, key, KeptBody(found.content_html or "", found.summary, warnings))
        return found, lasting

    def _render(self, entry: Entry, bodies: Bodies) -> tuple[Post, bool, tuple[str, ...]]:
        """The post with its body, whether that is the body of its version (only then
        is it kept), and the warnings rendering gave."""
        post = entry.post
        raw = self._source(entry, bodies.loaded.blog)
        if raw is None:  # changed since, and its text of then is not kept (no index)
            log.error("%s: body not rendered: the file changed and its text of this "
                      "version is not kept", post.path)
            return replace(post, content_html=""), False, ()
        rendered, problems = with_body(raw, bodies.context, post)
        self.rendered += 1
        warnings = tuple(map(str, problems))
        for warning in warnings:  # `feeds check` lists them; a server only logs them
            log.warning("%s", warning)
        return rendered, True, warnings

    def _source(self, entry: Entry, blog: Blog) -> RawPost | None:
        """The file as it was when the entry was read: on disk while it still says the
        same (a digest of its fields and body), else the text kept of that version."""
        path = entry.post.path
        try:
            raw = sources.read_post(self.options.posts, path, Limits(
                blog.max_post_bytes, blog.max_front_matter_bytes), KNOWN_FIELDS)
            if source_digest(raw) == entry.source:
                return raw
        except FeedsError as exc:  # changed since it was read, and broken now
            log.info("%s: %s; its body comes from its last good version", path, exc)
        kept = self.loader.text(path, entry.source)
        return kept.raw(entry.post.updated) if kept is not None else None

    def asset(self, rel: str) -> BinaryIO | None:
        """The file behind `/files/{rel}`, opened (serve or copy from it, then close
        it), or None."""
        return sources.open_asset(self.options.posts, rel)
