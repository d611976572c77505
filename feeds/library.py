"""The blog in memory: loads the posts folder, indexes what is published.

A `Library` reads the folder once (`load`), keeps every good post and every
problem, and hands out `Snapshot`s: what is published at a given moment, newest
first, with a version that changes when, and only when, the published content
changes (a post added or edited, a scheduled post coming due).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from feeds import __version__, sources
from feeds.config import Settings, resolve, unknown_settings, url
from feeds.errors import ConfigError, FeedsError, PostError, Problem, Severity
from feeds.frontmatter import Limits
from feeds.index import Index, fingerprint
from feeds.model import Author, Blog, Post
from feeds.normalize.blog import BlogSource, make_blog
from feeds.normalize.post import KNOWN_FIELDS, Context, with_body
from feeds.normalize.text import slugify
from feeds.reading import AssetSizes, FileState, Job, read_many

Clock = Callable[[], datetime]
BODIES_KEPT = 4096  # rendered bodies kept per process
_INHERITED: list[object] = []  # connections a forked process got from its parent
log = logging.getLogger("feeds")


def system_clock() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Options:
    """How to find and address the blog: the run settings of SPEC §3 and §6.4."""

    posts: Path = Path("posts")
    base_url: str | None = None
    fallback_url: str = "http://127.0.0.1:8000/"
    environ: Mapping[str, str] = field(default_factory=dict)
    # The index's folder (None: no persistent index), and whether bodies are rendered
    # only for the documents that are asked for (a server, an export) or at load.
    cache: Path | None = None
    lazy: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **given: object) -> Options:
        """Options from arguments over FEEDS_POSTS / FEEDS_BASE_URL / FEEDS_CACHE over
        defaults."""
        env = dict(os.environ if environ is None else environ)
        posts = given.get("posts") or env.get("FEEDS_POSTS") or "posts"
        base_url = given.get("base_url") or env.get("FEEDS_BASE_URL") or None
        fallback = str(given.get("fallback_url", cls.fallback_url))
        cache = given.get("cache") or env.get("FEEDS_CACHE") or None
        return cls(Path(str(posts)), str(base_url) if base_url else None, fallback, env,
                   Path(str(cache)) if cache else None, bool(given.get("lazy", False)))


@dataclass(frozen=True)
class Loaded:
    """One full read of the posts folder."""

    blog: Blog
    posts: tuple[Post, ...]
    problems: tuple[Problem, ...]
    assets: frozenset[str]
    loaded_at: datetime


@dataclass(frozen=True)
class Snapshot:
    """What is published at one moment: posts newest first, and their version."""

    blog: Blog
    posts: tuple[Post, ...]
    version: str
    loaded_at: datetime
    next_change: datetime | None
    by_slug: Mapping[str, Post]
    # A post with its body rendered (posts may be indexed without it).
    full: Callable[[Post], Post] = field(default=lambda post: post, compare=False)
    # A digest of what every body depends on besides its file: the blog and its assets.
    context: str = ""

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


@dataclass(frozen=True)
class LoaderState:
    """A Loader's memory of each file, handed from one process to another."""

    files: Mapping[str, FileState]
    context_key: tuple[object, ...] | None


@dataclass(frozen=True)
class Shareable:
    """One load as published to every worker: the content and the loader's memory."""

    loaded: Loaded
    state: LoaderState


@dataclass(frozen=True)
class ReloadStats:
    """What one (re)load did, for the log line."""

    files_read: int
    errors: int
    seconds: float


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
        self._files: dict[str, FileState] = {}
        self._context_key: tuple[object, ...] | None = None
        self._blog: tuple[Blog, list[Problem], Context] | None = None
        self._index = Index(options.cache, options.posts) if options.cache else None
        self._indexed: dict[str, tuple[sources.StatKey, object]] | None = None

    def load(self) -> tuple[Loaded, ReloadStats]:
        """The blog as it is on disk now; unchanged files are not read again."""
        started = time.perf_counter()
        root = self.options.posts
        if not root.is_dir():
            raise PostError(str(root), None, "posts folder does not exist")
        listing = sources.list_files(root)
        blog, blog_problems, ctx = self._context(listing)
        read = self._read_changed(listing, ctx)
        posts, claim_problems = _claim_all(self._files)
        file_problems = [p for state in self._files.values() for p in state.problems]
        problems = (*listing.problems, *blog_problems, *file_problems, *claim_problems)
        loaded = Loaded(_described(blog, posts), tuple(sorted(posts, key=_newest_first)),
                        problems, listing.assets, self.clock())
        errors = sum(p.severity is Severity.ERROR for p in problems)
        return loaded, ReloadStats(read, errors, time.perf_counter() - started)

    def _context(self, listing: sources.Listing) -> tuple[Blog, list[Problem], Context]:
        """The blog and normalisation context; a change of either re-reads every post."""
        # Assets by size and time too: an enclosure's length is read from its file.
        key = (sources.stat_key(self.options.posts / sources.BLOG_FILE),
               tuple(listing.asset_keys.items()))
        if self._blog is None or key != self._context_key:
            blog, problems = load_blog(self.options, listing.assets)
            ctx = Context.of(blog, listing.assets, AssetSizes(self.options.posts))
            if key != self._context_key:
                self._files, self._indexed = {}, None  # every post is read again
            self._blog, self._context_key = (blog, problems, ctx), key
        return self._blog

    def after_fork(self) -> None:
        """A forked process must not use its parent's database connection: open its own
        (the inherited one is kept, never used or closed here)."""
        if self._index is not None and self.options.cache is not None:
            _INHERITED.append(self._index)
            self._index = Index(self.options.cache, self.options.posts)

    def export(self) -> LoaderState:
        """What another process needs to go on from this load (see `adopt`)."""
        return LoaderState(dict(self._files), self._context_key)

    def adopt(self, state: LoaderState) -> None:
        """Go on from another process's load: only files changed since are read."""
        self._files, self._context_key, self._blog = dict(state.files), state.context_key, None

    def _read_changed(self, listing: sources.Listing, ctx: Context) -> int:
        previous, self._files = self._files, {}
        known = self._from_index(ctx) if not previous else {}
        wanted = []
        for rel, key in listing.posts.items():
            state = previous.get(rel) or known.get(rel)
            if state is None or state.key != key:
                wanted.append((rel, key, state))
            else:
                self._files[rel] = state
        job = Job(self.options.posts, ctx, self.options.lazy)
        fresh = read_many(job, wanted)
        for (rel, _, _), state in zip(wanted, fresh, strict=True):
            self._files[rel] = state
        self._remember(ctx, [(rel, state.key, state) for (rel, _, _), state
                             in zip(wanted, fresh, strict=True)], set(previous) | set(known))
        return len(wanted)

    def _fingerprint(self, ctx: Context) -> str:
        return fingerprint(__version__, ctx.blog, self._context_key, self.options.lazy)

    def _from_index(self, ctx: Context) -> dict[str, FileState]:
        """What the persistent index knows of the files (read once per context)."""
        if self._index is None:
            return {}
        rows = self._index.rows(self._fingerprint(ctx))
        return {rel: state for rel, (_, state) in rows.items() if isinstance(state, FileState)}

    def _remember(self, ctx: Context, fresh: list[tuple[str, sources.StatKey, FileState]],
                  before: set[str]) -> None:
        if self._index is not None:
            self._index.store(self._fingerprint(ctx), fresh)
            self._index.forget(before - set(self._files))


def _described(blog: Blog, posts: list[Post]) -> Blog:
    """A blog with no description takes the About text of a page saved as text."""
    if blog.described:
        return blog
    about = next((p.page_about for p in posts if p.page_about), None)
    if about is None:
        return blog
    return replace(blog, description=about, about_html=f"<p>{html.escape(about)}</p>")


def load_blog(options: Options, assets: frozenset[str]) -> tuple[Blog, list[Problem]]:
    """The Blog from `_blog.md`, the environment and the command line."""
    raw = sources.read_blog(options.posts)
    meta = raw.meta if raw else {}
    settings: Settings = resolve(meta, options.environ, {}, raw.meta_lines if raw else None)
    base_url = _base_url(options.base_url) or settings["link"] or options.fallback_url
    name = options.posts.resolve().name
    blog, problems = make_blog(BlogSource(settings, raw.body if raw else "", name, base_url,
                                          assets))
    for key in unknown_settings(meta):
        line = raw.line_of(key) if raw else None
        problems.append(Problem(sources.BLOG_FILE, line, Severity.WARNING,
                                f"unknown setting `{key}`"))
    return blog, problems


def _base_url(given: str | None) -> str | None:
    """--base-url / FEEDS_BASE_URL, checked like `link`."""
    if given is None:
        return None
    try:
        return url(given)
    except ValueError as exc:
        raise ConfigError("base_url", str(exc)) from exc


def _claim_all(files: Mapping[str, FileState]) -> tuple[list[Post], list[Problem]]:
    """Posts in path order; a later file with a slug or id already taken is rejected."""
    posts: list[Post] = []
    problems: list[Problem] = []
    claimed: dict[str, str] = {}
    for state in files.values():
        if state.post is None:
            continue
        try:
            _claim(state.post, claimed)
        except PostError as exc:
            problems.append(exc.problem())
            continue
        posts.append(state.post)
    return posts, problems


def _claim(post: Post, claimed: dict[str, str]) -> None:
    """Reject a post whose slug or id an earlier file (by path) already has."""
    for kind, key in (("slug", "slug:" + post.slug), ("id", "id:" + post.id)):
        if key in claimed:
            raise PostError(post.path, None, f"same {kind} as {claimed[key]} "
                            f"({key.split(':', 1)[1]}); this file is not published")
    if not post.draft:
        claimed["slug:" + post.slug] = post.path
        claimed["id:" + post.id] = post.path


def _newest_first(post: Post) -> tuple[float, str]:
    return (-post.date.timestamp(), post.id)


def publish(loaded: Loaded, now: datetime,
            full: Callable[[Post], Post] = lambda post: post) -> Snapshot:
    """What `loaded` publishes at `now`: no drafts, nothing dated in the future."""
    visible = tuple(p for p in loaded.posts if not p.draft and p.date <= now)
    future = [p.date for p in loaded.posts if not p.draft and p.date > now]
    # repr of our typed records only (Post.extra is left out of it): stable across
    # processes, and cheap whatever unknown fields a post carries; each post's part
    # was digested when its file was read.
    parts = [p.digest or repr(p) for p in visible]
    # Bodies resolve links against the assets, so their names belong to the version.
    context = hashlib.sha256(repr((loaded.blog, sorted(loaded.assets))).encode()).hexdigest()
    digest = hashlib.sha256(repr((context, parts)).encode()).hexdigest()[:20]
    return Snapshot(loaded.blog, visible, digest, loaded.loaded_at,
                    min(future) if future else None,
                    MappingProxyType({p.slug: p for p in visible}), full, context[:16])


class Library:
    """The loaded blog and its current snapshot, for the web and the command line."""

    def __init__(self, options: Options, clock: Clock = system_clock,
                 shared: Shareable | None = None) -> None:
        """Load the posts folder, or take a load another process made (`shared`)."""
        self.options = options
        self.clock = clock
        self._bodies: OrderedDict[tuple[object, ...], Post] = OrderedDict()
        self._bodies_lock = threading.Lock()
        self.loader = Loader(options, clock)
        if shared is None:
            self.loaded, self.last_reload = self.loader.load()
        else:
            self.loader.adopt(shared.state)
            self.loaded, self.last_reload = shared.loaded, ReloadStats(0, 0, 0.0)
        self._snapshot = publish(self.loaded, clock(), self.full)

    def shareable(self) -> Shareable:
        """This library's load, for other processes."""
        return Shareable(self.loaded, self.loader.export())

    @property
    def problems(self) -> tuple[Problem, ...]:
        """Every problem met on the last load."""
        return self.loaded.problems

    def refresh(self) -> ReloadStats:
        """Read what changed on disk since the last load and publish it."""
        loaded, self.last_reload = self.loader.load()
        self.replace(loaded)
        return self.last_reload

    def candidate(self, loaded: Loaded) -> Snapshot:
        """What `loaded` would publish now (to compare versions before serving it)."""
        return publish(loaded, self.clock(), self.full)

    def replace(self, loaded: Loaded, snapshot: Snapshot | None = None) -> None:
        """Serve `loaded` from now on (a worker following the leader's load);
        `snapshot`: its `candidate`, when made already."""
        self.loaded = loaded
        self._snapshot = snapshot or self.candidate(loaded)

    def snapshot(self) -> Snapshot:
        """The published blog now; a scheduled post shows once its time has come."""
        current = self._snapshot
        if current.next_change is not None and self.clock() >= current.next_change:
            current = self._snapshot = publish(self.loaded, self.clock(), self.full)
        return current

    def full(self, post: Post) -> Post:
        """`post` with its body rendered: read on first need, then kept (a few thousand
        posts at most) for as long as the file and the blog do not change."""
        if post.rendered:
            return post
        key = (post.path, post.source, post.url, self._snapshot.context)
        with self._bodies_lock:
            found = self._bodies.get(key)
            if found is not None:
                self._bodies.move_to_end(key)
                return found
        found, lasting = self._render(post)
        if not lasting:
            return found
        with self._bodies_lock:
            self._bodies[key] = found
            while len(self._bodies) > BODIES_KEPT:
                self._bodies.popitem(last=False)
        return found

    def _render(self, post: Post) -> tuple[Post, bool]:
        """The post with its body, and whether that body is the indexed version's (only
        then is it kept: a file changed since is read again once the index has it)."""
        loaded, root = self.loaded, self.options.posts
        ctx = Context.of(loaded.blog, loaded.assets, AssetSizes(root))
        lasting = sources.stat_key(root / post.path) == post.source
        try:
            raw = sources.read_post(root, post.path, Limits(
                loaded.blog.max_post_bytes, loaded.blog.max_front_matter_bytes), KNOWN_FIELDS)
            return with_body(raw, ctx, post), lasting
        except FeedsError as exc:  # changed since it was indexed, and broken now
            log.error("%s: body not rendered: %s", post.path, exc)
            return replace(post, rendered=True), False

    def asset(self, rel: str) -> Path | None:
        """The file behind `/files/{rel}`, or None."""
        return sources.resolve_asset(self.options.posts, rel)
