"""A feed's channel: which posts a document holds, where it lives, its archive links."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feeds import routes
from feeds.model import Author, Blog, Post

CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "about-json": "application/json; charset=utf-8",
    "text": "text/plain; charset=utf-8",
    "opml": "text/x-opml; charset=utf-8",
    "xsl": "text/xsl; charset=utf-8",
}
# The date of a document with no entries: fixed, so that it too is deterministic.
EMPTY_DATE = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Paging:
    """RFC 5005 links of a document, as archive page numbers (None: no such link)."""

    prev: int | None = None
    next: int | None = None
    archive: bool = False  # an archive document: fh:archive and a `current` link
    complete: bool = False  # a full page with a next one: it never changes again


@dataclass(frozen=True)
class Channel:
    """One feed document's content: the blog's, a tag's, an author's or an archive page."""

    blog: Blog
    title: str
    description: str
    path: str
    posts: tuple[Post, ...]
    paging: Paging = Paging()
    home: str = ""
    podcast: bool = False  # the podcast feeds: Apple's and Podcasting 2.0 tags

    def feed_url(self, kind: str) -> str:
        """Absolute URL of this channel's document in format `kind`."""
        return self.blog.url(routes.feed(self.path, kind))

    def view_url(self, kind: str) -> str:
        """Absolute URL of the page for people of this channel's `kind` feed (rss, atom)."""
        return self.blog.url(routes.view(self.path, kind))

    def archive_url(self, number: int, kind: str) -> str:
        """Absolute URL of archive page `number` in format `kind`."""
        return self.blog.url(routes.feed(routes.archive_folder(number), kind))

    def current_url(self, kind: str) -> str:
        """The subscription feed an archive page belongs to."""
        return self.blog.url(routes.feed("", kind))

    @property
    def home_url(self) -> str:
        """The HTML page this channel belongs to."""
        return self.blog.url(self.home if self.paging.archive or self.podcast else self.path)

    @property
    def updated(self) -> datetime:
        """Newest `updated` among the entries: the document's own date."""
        return max((p.updated for p in self.posts), default=EMPTY_DATE)


def blog_channel(blog: Blog, posts: Sequence[Post], limit: int | None = None) -> Channel:
    """The subscription feed of the whole blog: the newest `feed_limit` posts, linked
    to the newest archive page."""
    kept = blog.feed_limit if limit is None else limit
    pages = archive_count(blog, len(posts), kept)
    return Channel(blog, blog.title, blog.description, "", tuple(posts[:kept]),
                   Paging(prev=pages or None))


def tag_channel(blog: Blog, name: str, slug: str, posts: tuple[Post, ...]) -> Channel:
    """The feed of one tag."""
    return Channel(blog, f"{blog.title}: {name}", f"Posts tagged “{name}” on {blog.title}.",
                   routes.tag_folder(slug), posts[: blog.feed_limit])


def author_channel(blog: Blog, author: Author, posts: tuple[Post, ...]) -> Channel:
    """The feed of one author."""
    return Channel(blog, f"{blog.title}: {author.name}",
                   f"Posts by {author.name} on {blog.title}.",
                   routes.author_folder(author.id), posts[: blog.feed_limit])


def podcast_channel(blog: Blog, posts: Sequence[Post], limit: int | None = None) -> Channel:
    """The podcast feeds: the episodes, newest first; every one unless `podcast_limit`
    (or `limit`, fewer to fit `feed_max_bytes`) says otherwise. Their page is the home."""
    episodes = tuple(post for post in posts if post.episode is not None)
    kept = blog.podcast_limit if limit is None else limit
    return Channel(blog, blog.title, blog.description, routes.PODCAST,
                   episodes if kept is None else episodes[:kept], podcast=True)


def archive_count(blog: Blog, total: int, kept: int) -> int:
    """How many archive pages hold the posts the subscription feed does not."""
    rest = max(total - kept, 0)
    return -(-rest // blog.archive_size)


def archive_channel(blog: Blog, posts: Sequence[Post], kept: int, number: int
                    ) -> Channel | None:
    """Archive page `number` (RFC 5005), counted from the oldest post: page 1 holds the
    oldest `archive_size` posts. Pages cover exactly the posts the subscription feed
    leaves out, so a reader walking back sees every post once."""
    pages = archive_count(blog, len(posts), kept)
    if not 1 <= number <= pages:
        return None
    size, total = blog.archive_size, len(posts)
    # the `number`th run of `size` posts counted from the oldest, newest first
    page = tuple(posts[max(kept, total - number * size): total - (number - 1) * size])
    paging = Paging(prev=number - 1 or None, next=number + 1 if number < pages else None,
                    archive=True, complete=len(page) == size and number < pages)
    return Channel(blog, f"{blog.title} (archive {number})", blog.description,
                   routes.archive_folder(number), page, paging)


def entry_html(post: Post) -> str:
    """A post's full content for feeds: lead picture with caption, then the body."""
    if post.content_html is None:  # a bug of ours: every post shown is rendered first
        raise ValueError(f"{post.path}: the body is not rendered")
    if post.image is None:
        return post.content_html
    src, caption = html.escape(post.image.url), html.escape(post.image.caption)
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    figure = f'<figure><img src="{src}" alt="{caption}">{figcaption}</figure>\n'
    return figure + post.content_html
