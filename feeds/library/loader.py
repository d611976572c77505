"""Loading the posts folder: the whole of it once, then only what changed.

A `Loader` lists the folder, reads the files whose stat key changed (or, told
which paths changed, only those, without listing), and keeps what they gave in
a `Catalog`. Each (re)load comes out as a `Reload` (`feeds.library.loads`): the
`Loaded` it gives, with the changes that made it, so that other processes can
follow a load without reading anything.
"""

from __future__ import annotations

import html
import time
from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from itertools import islice
from typing import Literal

from feeds import __version__
from feeds.errors import ConfigError, PostError, Problem, Severity
from feeds.library import records
from feeds.library.catalog import Catalog
from feeds.library.index import Index, fingerprint
from feeds.library.loads import (
    ContextKey,
    Loaded,
    Reload,
    ReloadStats,
    UpdateRecord,
    WholeRecord,
)
from feeds.library.options import Clock, Options, system_clock
from feeds.library.reading import (
    STATES,
    AssetSizes,
    AudioSeconds,
    Canon,
    FileState,
    Job,
    Source,
    cover_problems,
    quiet_gc,
    read_many,
    unpacked,
)
from feeds.model import Blog
from feeds.normalize.blog import BlogSource, make_blog
from feeds.normalize.post import Context
from feeds.settings import BLOG_FILE, resolve, unknown_settings, url
from feeds.sources import files as sources

# What a load found changed in the context: nothing, only the assets, or the blog.
ContextChange = Literal["", "assets", "all"]
_INHERITED: list[object] = []  # connections a forked process got from its parent


class Loader:
    """Reads the posts folder, and on later calls only the files that changed.

    With a cache folder, what reading each file gave is kept in the index, so a
    restart reads only `stat()` for files that did not change. A file that stops
    parsing keeps its last good post (with the error reported), so a save in
    progress never makes a post vanish.
    """

    def __init__(self, options: Options, clock: Clock = system_clock) -> None:
        self.options = options
        self.clock = clock
        self.catalog = Catalog()
        self._context_key: ContextKey | None = None
        self._blog: tuple[Blog, tuple[Problem, ...]] | None = None
        self._ctx: Context | None = None
        self._assets: frozenset[str] = frozenset()
        self._listing_problems: tuple[Problem, ...] = ()
        # Whether the last listing met a symbolic link (`update` cannot follow one);
        # unknown, so True, until this process lists the folder.
        self._linked = True
        # The reads before the blog or an asset changed: every post is read again, and
        # one that fails now (a save in progress) keeps its last good post from these.
        self._previous: Mapping[str, FileState] = {}
        self._index = Index(options.cache, options.posts) if options.cache else None
        self.listing: sources.Listing | None = None  # the last full listing (`load`)
        # The last good text of each post read while there was no working index.
        self._texts: dict[str, dict[str, bytes]] = {}

    def load(self, listing: sources.Listing | None = None,
             heard: Collection[str] = ()) -> Reload:
        """The blog as it is on disk now; unchanged files are not read again.

        `listing`: one taken already (in another thread, `feeds.library.live`), while the
        files `heard` were read one by one (`update`): what the catalog holds of those is
        newer than what the listing says."""
        with quiet_gc():
            return self._load(listing, heard)

    def _load(self, listing: sources.Listing | None, heard: Collection[str]) -> Reload:
        started = time.perf_counter()
        root = self.options.posts
        if not root.is_dir():
            raise PostError(str(root), None, "posts folder does not exist")
        listing = listing if listing is not None else sources.list_files(root, self.listing)
        self.listing = listing
        change = self._blog_change(listing)
        rebuilt = change == "all"
        listing_changed = listing.problems != self._listing_problems
        self._linked = bool(listing.links)
        self._listing_problems = listing.problems
        before, previous = self.catalog.files, self._previous
        self._previous = {}
        canon = Canon()
        known = self._from_index(listing.posts, canon) if not before else {}
        listed = _with_unlisted(listing, before, bool(heard))
        for rel in heard:  # read since the listing was taken: the catalog knows better
            if rel in before:
                listed[rel] = before[rel].key
            else:
                listed.pop(rel, None)
        stale: list[tuple[str, sources.StatKey, FileState | None]] = []
        changes: dict[str, FileState | None] = {}
        for rel, key in listed.items():
            state = before.get(rel) or known.get(rel)
            if state is None or state.key != key or state.racy or \
                    (change == "assets" and uses_assets(state)):
                stale.append((rel, key, state or previous.get(rel)))
            elif state is not before.get(rel):
                # From the index: the listing's path, not the row's copy of it.
                changes[rel] = canon.adopt(state, rel, key)
        # Lists, not sets of every path: a leader lists its folder every minute, and each
        # table made of 100,000 paths stays resident in it as freed memory.
        gone = [rel for rel in before if rel not in listed]
        changes.update(dict.fromkeys(gone))
        self._forget([*gone, *(rel for rel in known if rel not in listed and rel not in before)])
        return replace(self._finish(started, stale, changes, rebuilt),
                       listing_changed=listing_changed,
                       context_key=self._context_key if change == "assets" else None)

    def update(self, paths: Iterable[str]) -> Reload | None:
        """Only `paths` (relative to the posts folder) changed: read them, list nothing.
        None when only a full `load` can tell what changed (a folder, an asset, the
        blog file, a symbolic link on the way or anywhere in the folder, a name that is
        not valid UTF-8)."""
        started = time.perf_counter()
        if self._blog is None or self._linked:
            return None
        stale: list[tuple[str, sources.StatKey, FileState | None]] = []
        changes: dict[str, FileState | None] = {}
        for rel in sorted(set(paths)):
            if sources.undecodable(rel):  # the listing reports such a name and skips it
                return None
            seen = sources.seen(self.options.posts, rel)
            if seen.scan:
                return None
            before = self.catalog.files.get(rel)
            if seen.key is not None:  # read even with the same key: a rewrite may keep it
                stale.append((rel, seen.key, before))
            elif seen.post and seen.key is None and before is not None:
                changes[rel] = None
        self._forget([rel for rel, state in changes.items() if state is None])
        return self._finish(started, stale, changes, False)

    def _finish(self, started: float, stale: list[tuple[str, sources.StatKey, FileState | None]],
                changes: dict[str, FileState | None], rebuilt: bool) -> Reload:
        """Read the stale files, apply every change, and say what came of it."""
        read: dict[str, FileState] = {}
        names = iter(stale)
        prints = self._fingerprints() if self._index is not None else ("", "")
        for batch in read_many(Job(self.options.posts, self.context(), self.options.lazy),
                               stale):
            rows = [(rel, state, blob, text) for (rel, _, _), (state, blob, text)
                    in zip(islice(names, len(batch)), batch, strict=True)]
            # All stored (the fingerprint may be new), only the changes published.
            read.update((rel, state) for rel, state, _, _ in rows
                        if not self._unchanged(rel, state))
            self._keep(prints, rows)  # while the pool reads the next batch
        changes.update(read)
        self.catalog.apply(changes)
        loaded = self.assemble(self.clock())
        errors = sum(p.severity is Severity.ERROR for p in loaded.problems)
        return Reload(loaded, ReloadStats(len(stale), errors, time.perf_counter() - started),
                      changes, rebuilt, self._listing_problems)

    def _keep(self, prints: tuple[str, str],
              rows: list[tuple[str, FileState, bytes | None, bytes | None]]) -> None:
        """Store new reads in the index (under the fingerprint with the assets when they
        depend on them), and the text of each good one (in memory when there is no
        index: only then is it not shared with the other workers)."""
        # The version before is kept too: a worker that has not taken the new one yet
        # may still render its body.
        texts = [(rel, state.entry.source, text, self._held_source(rel))
                 for rel, state, _, text in rows
                 if text is not None and state.entry is not None]
        if self._index is not None and self._index.working:
            self._index.store([(prints[uses_assets(state)], rel, state.key,
                                blob or records.encode(state))
                               for rel, state, blob, _ in rows], texts)
        if self._index is None or not self._index.working:
            for rel, digest, text, before in texts:
                held = self._texts.get(rel, {})
                self._texts[rel] = {digest: text, **({before: held[before]} if before in held
                                                     else {})}

    def _held_source(self, rel: str) -> str:
        held = self.catalog.files.get(rel)
        return held.entry.source if held is not None and held.entry is not None else ""

    def text(self, rel: str, digest: str) -> Source | None:
        """What the file said in the version of `digest`, when it is still kept."""
        held = self._texts.get(rel, {}).get(digest)
        if held is not None:
            return unpacked(held)
        packed = self._index.text(rel, digest) if self._index is not None else None
        return unpacked(packed) if packed is not None else None

    def _unchanged(self, rel: str, state: FileState) -> bool:
        """A file read again (its last read was racy) that gave what the catalog holds:
        no change to publish."""
        held = self.catalog.files.get(rel)
        return held is not None and held.key == state.key and held.racy == state.racy and \
            held.problems == state.problems and _digest(held) == _digest(state)

    def assemble(self, loaded_at: datetime) -> Loaded:
        """The load that the catalog and the blog make now."""
        assert self._blog is not None
        blog, blog_problems = self._blog
        catalog = self.catalog
        return Loaded(described(blog, catalog.page_about()), catalog.posts(),
                      (*self._listing_problems, *blog_problems, *catalog.problems()),
                      self._assets, loaded_at, catalog.drafts())

    def _blog_change(self, listing: sources.Listing) -> ContextChange:
        """Read the blog when it or the assets changed. "" if neither did; "assets" if
        only the assets did, for posts whose bodies wait (then only the posts that
        name files in their fields depend on them: `uses_assets`); "all" if every post
        must be read again."""
        # Assets by size and time too: an enclosure's length is read from its file.
        key: ContextKey = (sources.stat_key(self.options.posts, BLOG_FILE),
                           tuple(listing.asset_keys.items()))
        if self._blog is not None and key == self._context_key:
            return ""
        blog = load_blog(self.options, listing.assets)
        change = self._what_changed(key, (blog[0], tuple(blog[1])))
        if change == "all":
            self._previous, self.catalog = self.catalog.files, Catalog()  # all read again
        self._blog, self._assets, self._ctx = (blog[0], tuple(blog[1])), listing.assets, None
        self._context_key = key
        return change

    def _what_changed(self, key: ContextKey,
                      blog: tuple[Blog, tuple[Problem, ...]]) -> ContextChange:
        if key == self._context_key:
            return ""
        held = self._context_key
        if self.options.lazy and held is not None and held[0] == key[0] and \
                self._blog == blog:
            return "assets"
        return "all"

    def context(self) -> Context:
        """What reading a post depends on besides its file (the blog, the assets)."""
        if self._ctx is None:
            assert self._blog is not None
            self._ctx = Context.of(self._blog[0], self._assets, AssetSizes(self.options.posts),
                                   AudioSeconds(self.options.posts))
        return self._ctx

    @property
    def index(self) -> Index | None:
        """The persistent index, when there is one (bodies kept by `feeds build`)."""
        return self._index

    @property
    def blog_key(self) -> sources.StatKey | None:
        """The blog file's stat key at the last load (None: there was none)."""
        return self._context_key[0] if self._context_key is not None else None

    def after_fork(self) -> None:
        """A forked process must not use its parent's database connection: open its own
        (the inherited one is kept, never used or closed here)."""
        if self._index is not None and self.options.cache is not None:
            _INHERITED.append(self._index)
            self._index = Index(self.options.cache, self.options.posts)

    def whole_record(self, loaded_at: datetime) -> WholeRecord:
        """All another process needs to go on from this load (see `adopt`)."""
        assert self._blog is not None
        return WholeRecord(dict(self.catalog.files), self._context_key, self._blog[0],
                           self._blog[1], self._assets, self._listing_problems, loaded_at)

    def adopt(self, record: WholeRecord) -> None:
        """Go on from another process's load: only files changed since are read."""
        self.catalog = Catalog(record.files)
        self._context_key, self._assets = record.context_key, record.assets
        self._blog, self._ctx = (record.blog, record.blog_problems), None
        self._listing_problems = record.listing_problems

    def apply(self, record: UpdateRecord) -> None:
        """Go on from another process's reload of the load this one holds."""
        if record.context is not None:
            (self._context_key, self._assets), self._ctx = record.context, None
        self.catalog.apply(record.changes)
        self._listing_problems = record.listing_problems

    def _fingerprints(self) -> tuple[str, str]:
        """The index's keys of what reading a post depends on besides its file: for a post
        that does not name files in its fields, and for one that does (`uses_assets`).
        Bodies rendered at load depend on the assets too (their links): then both are."""
        assert self._context_key is not None
        tied = fingerprint(__version__, self.context().blog, self._context_key,
                           self.options.lazy)
        if not self.options.lazy:
            return tied, tied
        return fingerprint(__version__, self.context().blog, self._context_key[0], True), tied

    def _from_index(self, listed: Mapping[str, sources.StatKey], canon: Canon
                    ) -> dict[str, FileState]:
        """What the persistent index knows of the listed files (read when the catalog is
        empty), each record sharing what it holds alike as it is decoded: adopted later,
        all 100,000 decoded copies were alive at once, and the memory they left behind
        stayed resident in every worker (100 MB)."""
        if self._index is None:
            return {}

        def decode(rel: str, key: sources.StatKey, blob: bytes) -> FileState | None:
            # A row is trusted only for the file it names (its record's key is its
            # row's); `_load` compares that key with the listing's. One that differs
            # is still the last good version of a file that may no longer parse.
            state = STATES.decode(blob)
            if state is None or state.key != key:
                return None
            return canon.adopt(state, rel, listed.get(rel, key))
        return self._index.rows(self._fingerprints(), decode)

    def _forget(self, paths: Iterable[str]) -> None:
        paths = list(paths)
        for rel in paths:
            self._texts.pop(rel, None)
        if self._index is not None:
            self._index.forget(paths)


def _digest(state: FileState) -> str | None:
    return state.entry.digest if state.entry is not None else None


def uses_assets(state: FileState) -> bool:
    """Whether a read may depend on the assets: its post names a file in its fields (an
    image, an enclosure, whose size is read), or it failed or warned (a missing file may
    be why). Its body does not count when it waits: it is rendered with the assets of
    the moment."""
    post = state.post
    return bool(state.problems) or post is None or post.image is not None or \
        bool(post.enclosures)


def described(blog: Blog, page_about: str | None) -> Blog:
    """A blog with no description takes the About text of a page saved as text."""
    if blog.described or page_about is None:
        return blog
    return replace(blog, description=page_about, about_html=f"<p>{html.escape(page_about)}</p>")


def load_blog(options: Options, assets: frozenset[str]) -> tuple[Blog, list[Problem]]:
    """The Blog from `_blog.md`, the environment and the command line."""
    raw = sources.read_blog(options.posts)
    meta = raw.meta if raw else {}
    settings = resolve(meta, options.environ, {}, raw.meta_lines if raw else None)
    base_url = _base_url(options.base_url) or settings.values.link or options.fallback_url
    name = options.posts.resolve().name
    blog, problems = make_blog(BlogSource(settings, raw.body if raw else "", name, base_url,
                                          assets))
    for key in unknown_settings(meta):
        line = raw.line_of(key) if raw else None
        problems.append(Problem(BLOG_FILE, line, Severity.WARNING,
                                f"unknown setting `{key}`"))
    problems += cover_problems(options.posts, blog)
    return blog, problems



def _base_url(given: str | None) -> str | None:
    """--base-url / FEEDS_BASE_URL, checked like `link`."""
    if given is None:
        return None
    try:
        return url(given)
    except ValueError as exc:
        raise ConfigError("base_url", str(exc)) from exc


def _with_unlisted(listing: sources.Listing, before: Mapping[str, FileState],
                   copy: bool) -> dict[str, sources.StatKey]:
    """The listed posts, plus those of folders that could not be listed this time:
    an unreadable folder is a problem to report, not its posts deleted. The listing's
    own table when there are none (and no `copy` is asked for, to change)."""
    prefixes = listing.unreadable
    kept = {rel: state.key for rel, state in before.items()
            if prefixes and rel not in listing.posts and any(map(rel.startswith, prefixes))}
    if not kept and not copy and isinstance(listing.posts, dict):
        return listing.posts
    return {**listing.posts, **kept}
