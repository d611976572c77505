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
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from feeds import sources
from feeds.config import Settings, resolve, unknown_settings, url
from feeds.errors import ConfigError, PostError, Problem, Severity
from feeds.frontmatter import Limits
from feeds.model import Author, Blog, Post
from feeds.normalize.blog import BlogSource, make_blog
from feeds.normalize.post import KNOWN_FIELDS, Context, normalize_post
from feeds.normalize.text import slugify

Clock = Callable[[], datetime]
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

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **given: object) -> Options:
        """Options from arguments over FEEDS_POSTS / FEEDS_BASE_URL over defaults."""
        env = dict(os.environ if environ is None else environ)
        posts = given.get("posts") or env.get("FEEDS_POSTS") or "posts"
        base_url = given.get("base_url") or env.get("FEEDS_BASE_URL") or None
        fallback = str(given.get("fallback_url", cls.fallback_url))
        return cls(Path(str(posts)), str(base_url) if base_url else None, fallback, env)


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
class _FileState:
    """The last read of one post file: its stat key, what to publish, its problems."""

    key: sources.StatKey
    post: Post | None
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class LoaderState:
    """A Loader's memory of each file, handed from one process to another."""

    files: Mapping[str, _FileState]
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

    A file that stops parsing keeps its last good post (with the error
    reported), so a save in progress never makes a post vanish.
    """

    def __init__(self, options: Options, clock: Clock = system_clock) -> None:
        self.options = options
        self.clock = clock
        self._files: dict[str, _FileState] = {}
        self._context_key: tuple[object, ...] | None = None
        self._blog: tuple[Blog, list[Problem], Context] | None = None

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
        key = (sources.stat_key(self.options.posts / sources.BLOG_FILE), listing.assets)
        if self._blog is None or key != self._context_key:
            blog, problems = load_blog(self.options, listing.assets)
            root = self.options.posts
            ctx = Context.of(blog, listing.assets, lambda rel: sources.asset_size(root, rel))
            if key != self._context_key:
                self._files = {}  # other settings or assets: every post is read again
            self._blog, self._context_key = (blog, problems, ctx), key
        return self._blog

    def export(self) -> LoaderState:
        """What another process needs to go on from this load (see `adopt`)."""
        return LoaderState(dict(self._files), self._context_key)

    def adopt(self, state: LoaderState) -> None:
        """Go on from another process's load: only files changed since are read."""
        self._files, self._context_key, self._blog = dict(state.files), state.context_key, None

    def _read_changed(self, listing: sources.Listing, ctx: Context) -> int:
        previous, self._files, read = self._files, {}, 0
        for rel, key in listing.posts.items():
            state = previous.get(rel)
            if state is None or state.key != key:
                state, read = self._read(rel, key, ctx, state), read + 1
            self._files[rel] = state
        return read

    def _read(self, rel: str, key: sources.StatKey, ctx: Context,
              before: _FileState | None) -> _FileState:
        try:
            raw = sources.read_post(self.options.posts, rel, _limits(ctx.blog), KNOWN_FIELDS)
            post, warnings = normalize_post(raw, ctx)
        except PostError as exc:
            return _failed(before, key, exc)
        except Exception as exc:  # a bug of ours must not take the other posts down
            log.exception("unexpected error reading %s", rel)
            return _failed(before, key, PostError(rel, None, f"could not be read ({exc})"))
        return _FileState(key, post, tuple(warnings))


def _limits(blog: Blog) -> Limits:
    return Limits(blog.max_post_bytes, blog.max_front_matter_bytes)


def _described(blog: Blog, posts: list[Post]) -> Blog:
    """A blog with no description takes the About text of a page saved as text."""
    if blog.described:
        return blog
    about = next((p.page_about for p in posts if p.page_about), None)
    if about is None:
        return blog
    return replace(blog, description=about, about_html=f"<p>{html.escape(about)}</p>")


def _failed(before: _FileState | None, key: sources.StatKey, exc: PostError) -> _FileState:
    """A failed read: the error, and the last good version if there was one."""
    kept = before.post if before is not None else None
    note = " (its last good version is still published)" if kept else ""
    return _FileState(key, kept, (Problem(exc.path, exc.line, Severity.ERROR,
                                          exc.message + note),))


def load(options: Options, clock: Clock = system_clock) -> Loaded:
    """Read `_blog.md` and every post; a bad post is a problem, never a stop."""
    return Loader(options, clock).load()[0]


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


def _claim_all(files: Mapping[str, _FileState]) -> tuple[list[Post], list[Problem]]:
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


def publish(loaded: Loaded, now: datetime) -> Snapshot:
    """What `loaded` publishes at `now`: no drafts, nothing dated in the future."""
    visible = tuple(p for p in loaded.posts if not p.draft and p.date <= now)
    future = [p.date for p in loaded.posts if not p.draft and p.date > now]
    # repr of our typed records only (Post.extra is left out of it): stable across
    # processes, and cheap whatever unknown fields a post carries.
    digest = hashlib.sha256(repr((loaded.blog, visible)).encode()).hexdigest()[:20]
    return Snapshot(loaded.blog, visible, digest, loaded.loaded_at,
                    min(future) if future else None,
                    MappingProxyType({p.slug: p for p in visible}))


class Library:
    """The loaded blog and its current snapshot, for the web and the command line."""

    def __init__(self, options: Options, clock: Clock = system_clock,
                 shared: Shareable | None = None) -> None:
        """Load the posts folder, or take a load another process made (`shared`)."""
        self.options = options
        self.clock = clock
        self.loader = Loader(options, clock)
        if shared is None:
            self.loaded, self.last_reload = self.loader.load()
        else:
            self.loader.adopt(shared.state)
            self.loaded, self.last_reload = shared.loaded, ReloadStats(0, 0, 0.0)
        self._snapshot = publish(self.loaded, clock())

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

    def replace(self, loaded: Loaded) -> None:
        """Serve `loaded` from now on (a worker following the leader's load)."""
        self.loaded = loaded
        self._snapshot = publish(loaded, self.clock())

    def snapshot(self) -> Snapshot:
        """The published blog now; a scheduled post shows once its time has come."""
        current = self._snapshot
        if current.next_change is not None and self.clock() >= current.next_change:
            current = self._snapshot = publish(self.loaded, self.clock())
        return current

    def asset(self, rel: str) -> Path | None:
        """The file behind `/files/{rel}`, or None."""
        return sources.resolve_asset(self.options.posts, rel)
