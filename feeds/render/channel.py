"""A feed's channel: which posts a document holds and where it lives."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from feeds.model import Blog, Post

FORMATS = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "about-json": "application/json; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}
# The date of a document with no entries: fixed, so that it too is deterministic.
EMPTY_DATE = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Channel:
    """One feed: the blog's, a tag's or an author's (`path` is its folder)."""

    blog: Blog
    title: str
    description: str
    path: str
    posts: tuple[Post, ...]

    def feed_url(self, kind: str) -> str:
        """Absolute URL of this channel's document in format `kind`."""
        return self.blog.url(self.path + FORMATS[kind])

    @property
    def home_url(self) -> str:
        """The HTML page this channel belongs to."""
        return self.blog.url(self.path)

    @property
    def updated(self) -> datetime:
        """Newest `updated` among the entries: the document's own date."""
        return max((p.updated for p in self.posts), default=EMPTY_DATE)


def blog_channel(blog: Blog, posts: tuple[Post, ...]) -> Channel:
    """The subscription feed of the whole blog: the newest `feed_limit` posts."""
    return Channel(blog, blog.title, blog.description, "", posts[: blog.feed_limit])


def entry_html(post: Post) -> str:
    """A post's full content for feeds: lead picture with caption, then the body."""
    if post.image is None:
        return post.content_html
    src, caption = html.escape(post.image.url), html.escape(post.image.caption)
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    figure = f'<figure><img src="{src}" alt="{caption}">{figcaption}</figure>\n'
    return figure + post.content_html
