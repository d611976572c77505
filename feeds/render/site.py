"""Every address of the blog (docs/reference.md §6.1) mapped to its rendered document.

A `Site` belongs to one snapshot: each document is rendered at most once per
content version, with its strong ETag computed from the bytes, so the same
posts give the same bytes and validators in every worker and after restarts.
`feeds serve` and `feeds build` both send what this module renders.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from functools import cached_property
from importlib import resources
from urllib.parse import unquote

from feeds import __version__, routes
from feeds.errors import NotFound
from feeds.library import Snapshot
from feeds.model import Post
from feeds.render import opml, pages
from feeds.render.channel import (
    CONTENT_TYPES,
    Channel,
    archive_channel,
    archive_count,
    author_channel,
    blog_channel,
    entry_html,
    podcast_channel,
    tag_channel,
)
from feeds.render.document import Document
from feeds.render.jsonfeed import render_json
from feeds.render.once import Once
from feeds.render.syndication import render_atom, render_rss

RENDERERS: dict[str, Callable[[Channel], bytes]] = {
    "rss": render_rss, "atom": render_atom, "json": render_json}
FEED_XSL = resources.files("feeds").joinpath("templates/feed.xsl").read_bytes()


def _code_digest() -> str:
    """What our own output depends on besides the posts: this version's templates."""
    digest = hashlib.sha256(__version__.encode())
    for folder in ("templates", "static"):
        for item in sorted(resources.files("feeds").joinpath(folder).iterdir(),
                           key=lambda entry: entry.name):
            digest.update(item.read_bytes())
    return digest.hexdigest()[:16]


CODE_DIGEST = _code_digest()


class Site:
    """The documents of one snapshot, rendered on first request and kept."""

    def __init__(self, snapshot: Snapshot, on_render: Callable[[], None] | None = None,
                 keep: bool = True) -> None:
        """`keep`: hold every rendered document (a server); an export renders each once
        and keeps none."""
        self.snapshot = snapshot
        self.on_render = on_render
        self.keep = keep
        self._documents: Once[Document] = Once()
        self._kept: int | None = None
        self._podcast: Channel | None = None
        # A topic's entry count within feed_max_bytes, found once for its page and feeds.
        self._fitted: dict[tuple[str, str], int] = {}

    def document(self, path: str) -> Document:
        """The document at `path` (no leading slash); NotFound if there is none. No lock
        is held while rendering that a request for another document would wait on."""
        if not self.keep:
            return self._made(path)
        return self._documents.get(path, lambda: self._made(path))

    def _made(self, path: str) -> Document:
        found = self._render(path)
        if self.on_render is not None:
            self.on_render()
        return found

    def _render(self, path: str) -> Document:
        route = routes.parse(path)
        if route is None:
            raise NotFound(path)
        if route.format:  # a feed, or its page for people
            return self._feed_document(route, path)
        if route.kind == "post":
            return self._post(route.key, path)
        if route.kind in ("tag", "author"):
            return self._section(route, path)
        return self._top(route.kind)

    def _top(self, kind: str) -> Document:
        snapshot = self.snapshot
        if kind == "xsl":
            return Document.of(FEED_XSL, CONTENT_TYPES["xsl"], None, "static")
        simple: dict[str, tuple[Callable[[Snapshot], bytes], str, str]] = {
            "home": (self._home, "html", "page"),
            "about": (pages.about_page, "html", "page"),
            "about-json": (pages.about_json, "about-json", "feed"),
            "opml": (lambda s: opml.render_opml(s, self.channels()), "opml", "feed"),
        }
        render, content_type, cache = simple[kind]
        return Document.of(render(snapshot), CONTENT_TYPES[content_type], snapshot.updated,
                           cache)

    def _post(self, slug: str, path: str) -> Document:
        if slug not in self.snapshot.by_slug:
            raise NotFound(path)
        post = self.snapshot.with_body(self.snapshot.by_slug[slug])
        return Document.of(pages.post_page(self.snapshot, post), CONTENT_TYPES["html"],
                           post.updated, "page")

    def _section(self, route: routes.Route, path: str) -> Document:
        channel = self._topic(route.kind, route.key)
        if channel is None:
            raise NotFound(path)
        body = pages.topic_page(self.snapshot, self._hydrated(channel))
        return Document.of(body, CONTENT_TYPES["html"], channel.updated, "page")

    def _feed_document(self, route: routes.Route, path: str) -> Document:
        channel = self._channel(route)
        if channel is None:
            raise NotFound(path)
        if route.view:
            return self._view(channel, route.format)
        cache = "archive" if channel.paging.complete else "feed"
        return self._feed(channel, route.format, cache)

    def _view(self, channel: Channel, kind: str) -> Document:
        """A feed's page for people (a summary may come from a body: posts are rendered)."""
        body = pages.feed_page(self.snapshot, self._hydrated(channel), kind)
        return Document.of(body, CONTENT_TYPES["html"], self._newest(channel.posts), "page")

    def _channel(self, route: routes.Route) -> Channel | None:
        """The channel of a feed's address: the blog's, the podcast's, an archive page, a
        tag's, an author's."""
        if route.kind == "feed":
            return self._blog_channel()
        if route.kind == "podcast":
            return self.podcast() if self.is_podcast else None
        if route.kind == "archive":
            return archive_channel(self.snapshot.blog, self.snapshot.posts, self.kept(),
                                   route.number)
        return self._topic(route.kind, route.key)

    def _topic(self, kind: str, key: str, fit: bool = True) -> Channel | None:
        """A tag's or author's channel; `fit`: within `feed_max_bytes` (else as listed)."""
        blog = self.snapshot.blog
        make: Callable[[int], Channel]
        if kind == "tag" and key in self.snapshot.by_tag:
            name, posts = self.snapshot.by_tag[key]
            make = lambda k: tag_channel(blog, name, key, posts[:k])  # noqa: E731
        elif kind == "author" and key in self.snapshot.by_author:
            author, posts = self.snapshot.by_author[key]
            make = lambda k: author_channel(blog, author, posts[:k])  # noqa: E731
        else:
            return None
        count = min(len(posts), blog.feed_limit)
        if not fit:
            return make(count)
        if (kind, key) not in self._fitted:
            self._fitted[kind, key] = len(self._fit(make, count).posts)
        return make(self._fitted[kind, key])

    def _feed(self, channel: Channel, kind: str, cache: str) -> Document:
        channel = self._hydrated(channel)
        body = RENDERERS[kind](channel)
        return Document.of(body, CONTENT_TYPES[kind], self._newest(channel.posts), cache)

    def kept(self) -> int:
        """How many posts the subscription feed holds: `feed_limit`, fewer if the
        documents would pass `feed_max_bytes` (the oldest are dropped, to the archives)."""
        if self._kept is None:
            limit = min(len(self.snapshot.posts), self.snapshot.blog.feed_limit)
            self._kept = len(self._fit(self._subscription, limit).posts)
        return self._kept

    @cached_property
    def is_podcast(self) -> bool:
        """Whether the blog publishes podcast feeds: the `podcast` setting is given, or
        a post carries audio (docs/reference.md §10)."""
        snapshot = self.snapshot
        return snapshot.blog.podcast.declared or any(p.episode for p in snapshot.posts)

    def podcast(self) -> Channel:
        """The podcast channel: every episode (or `podcast_limit`), fewer if its documents
        would pass `feed_max_bytes`, with a warning naming how many were left out."""
        if self._podcast is None:
            blog, posts = self.snapshot.blog, self.snapshot.posts
            whole = podcast_channel(blog, posts)
            fitted = self._fit(lambda k: podcast_channel(blog, posts, k), len(whole.posts))
            if len(fitted.posts) < len(whole.posts):
                logging.getLogger("feeds").warning(
                    "podcast feeds: %d of %d episodes left out to stay within "
                    "feed_max_bytes (%d)", len(whole.posts) - len(fitted.posts),
                    len(whole.posts), blog.feed_max_bytes)
            self._podcast = fitted
        return self._podcast

    def _blog_channel(self) -> Channel:
        return self._subscription(self.kept())

    def _subscription(self, count: int) -> Channel:
        return blog_channel(self.snapshot.blog, self.snapshot.posts, count)

    def _fit(self, make: Callable[[int], Channel], count: int) -> Channel:
        """The channel with the most entries (up to `count`) whose every format fits
        `feed_max_bytes`; one entry at least."""
        cap = self.snapshot.blog.feed_max_bytes

        def fits(k: int) -> bool:
            channel = self._hydrated(make(k))
            if _upper_bound(channel) <= cap:
                return True  # surely small enough: no need to render to know
            return all(len(render(channel)) <= cap for render in RENDERERS.values())

        if count <= 1 or fits(count):
            return make(count)
        low, high = 1, count - 1  # fits(low) is assumed: a single entry always goes out
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        return make(low)

    def _home(self, snapshot: Snapshot) -> bytes:
        return pages.home_page(snapshot, self._full(snapshot.posts[:pages.HOME_LIMIT]))

    def _full(self, posts: tuple[Post, ...]) -> tuple[Post, ...]:
        return tuple(self.snapshot.with_body(post) for post in posts)

    def _hydrated(self, channel: Channel) -> Channel:
        """The channel with its posts' bodies rendered (an index holds none)."""
        return replace(channel, posts=self._full(channel.posts))

    @staticmethod
    def _newest(posts: tuple) -> datetime | None:  # type: ignore[type-arg]
        return max((p.updated for p in posts), default=None)

    def key_of(self, path: str) -> str | None:
        """A key that changes whenever the document at `path` may change (without
        rendering it), for a post's page or an archive page; None for others."""
        route = routes.parse(path)
        base = f"{CODE_DIGEST}:{self.snapshot.context}"
        if route is not None and route.kind == "post":
            post = self.snapshot.by_slug.get(route.key)
            digest = self._digest(post) if post is not None else None
            links = self.snapshot.links_of(post) if post is not None else ""
            return f"{base}:{digest}{links}" if digest else None
        if route is not None and route.kind == "archive":
            channel = archive_channel(self.snapshot.blog, self.snapshot.posts, self.kept(),
                                      route.number)
            found = [self._digest(p) for p in channel.posts] if channel else []
            if channel is None or not all(found):
                return None
            found += [self.snapshot.links_of(p) for p in channel.posts]
            digests = "".join(d for d in found if d)
            return f"{base}:{path.rpartition('/')[2]}:{channel.paging}:" + \
                hashlib.sha256(digests.encode()).hexdigest()[:20]
        return None

    @cached_property
    def _digests(self) -> dict[str, tuple[Post, str]]:
        """Post id (unique among published posts) -> the post and its version: an export
        asks `key_of` for every post several times, quicker here than by halving."""
        return {e.post.id: (e.post, e.digest) for e in self.snapshot.posts.entries()}

    def _digest(self, post: Post) -> str | None:
        """The version of `post` (`Snapshot.digest_of`)."""
        found = self._digests.get(post.id)
        return found[1] if found and (found[0] is post or found[0] == post) else None

    def shown(self, path: str) -> tuple[Post, ...]:
        """The posts whose bodies the document at `path` may show, found without
        rendering any: an export renders documents that share posts together."""
        route, snapshot = routes.parse(path), self.snapshot
        if route is None:
            return ()
        channel: Channel | None = None
        if route.kind == "home":
            return snapshot.posts[:pages.HOME_LIMIT]
        if route.kind == "feed":
            return self._blog_channel().posts
        if route.kind == "podcast":
            return self.podcast().posts if self.is_podcast else ()
        if route.kind == "post":
            post = snapshot.by_slug.get(route.key)
            return (post,) if post is not None else ()
        if route.kind in ("tag", "author"):
            channel = self._topic(route.kind, route.key, fit=False)
        elif route.kind == "archive":
            channel = archive_channel(snapshot.blog, snapshot.posts, self.kept(), route.number)
        return channel.posts if channel is not None else ()

    def channels(self) -> list[Channel]:
        """The blog's channel, then each tag's and each author's (titles and places)."""
        found = [self._blog_channel()]
        found += [podcast_channel(self.snapshot.blog, ())] if self.is_podcast else []
        found += [c for k in sorted(self.snapshot.by_tag)
                  if (c := self._topic("tag", k, fit=False))]
        found += [c for k in sorted(self.snapshot.by_author)
                  if (c := self._topic("author", k, fit=False))]
        return found

    def feed_paths(self) -> list[str]:
        """The addresses of every subscription feed (for WebSub notifications)."""
        return [routes.feed(c.path, kind) for c in self.channels() for kind in routes.FEED_FILES]

    def addresses(self) -> Iterator[str]:
        """Every address this snapshot publishes, as paths (not percent-encoded)."""
        yield from routes.TOP_PAGES
        for channel in self.channels():
            folder = unquote(channel.path)
            if folder and not channel.podcast:  # the podcast has feeds, no page
                yield folder
            yield from _feed_folder(folder)
        pages_count = archive_count(self.snapshot.blog, len(self.snapshot.posts), self.kept())
        for number in range(1, pages_count + 1):
            yield from _feed_folder(routes.archive_folder(number))
        yield from (unquote(routes.post_folder(p.slug)) for p in self.snapshot.posts)


def _feed_folder(folder: str) -> Iterator[str]:
    """The feeds of a folder, then their pages for people."""
    yield from (routes.feed(folder, kind) for kind in routes.FEED_FILES)
    yield from (routes.view(folder, kind) for kind in routes.FEED_VIEWS)


def _upper_bound(channel: Channel) -> int:
    """More bytes than any format of the channel can take: text escaped at most six
    times over, plus room for the markup around each entry."""
    text = sum(len(entry_html(p)) + len(p.summary) + len(p.title) + len(repr(p.tags))
               + len(repr(p.authors)) + len(repr(p.enclosures)) for p in channel.posts)
    return 6 * text + 4000 * len(channel.posts) + 20_000
