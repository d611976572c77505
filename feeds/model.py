"""The typed, frozen records every stage passes on.

Every datetime here is timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Author:
    """A person: `id` names the author's feeds and never changes."""

    id: str
    name: str
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class Enclosure:
    """An attached file (audio, video, a document) with its size in bytes."""

    url: str
    type: str
    length: int
    duration: float | None = None  # playing time in seconds, from the header of our file


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with an episode (a transcript, chapters): URL and media type."""

    url: str
    type: str


@dataclass(frozen=True, slots=True)
class Episode:
    """What a podcast app shows of a post with audio (docs/reference.md §10)."""

    number: int | None = None
    season: int | None = None
    type: str = "full"  # full, trailer or bonus
    explicit: bool | None = None  # None: the podcast's own setting
    transcripts: tuple[Attachment, ...] = ()
    chapters: Attachment | None = None


@dataclass(frozen=True, slots=True)
class Podcast:
    """The channel of the podcast feeds: the `podcast` setting, checked."""

    author: str
    owner_name: str | None
    owner_email: str | None
    image: str | None
    image_file: str | None  # the picture's path under posts/ when it is ours (to check)
    categories: tuple[tuple[str, tuple[str, ...]], ...]  # (category, subcategories)
    explicit: bool
    type: str  # episodic or serial
    locked: bool | None
    funding: tuple[tuple[str, str], ...]  # (url, text)
    language: str
    guid: str  # UUIDv5 of the feed URL (Podcasting 2.0 namespace)
    declared: bool  # the `podcast` setting was given: the feeds exist without episodes


@dataclass(frozen=True, slots=True)
class Image:
    """A post's lead picture: absolute URL and caption (may be empty)."""

    url: str
    caption: str
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Post:
    """One published (or publishable) post, fully normalised."""

    path: str
    slug: str
    id: str
    title: str
    date: datetime
    updated: datetime
    authors: tuple[Author, ...]
    tags: tuple[str, ...]
    summary: str
    # The body as HTML; None while it is not rendered (a post indexed without its body:
    # `Snapshot.with_body` renders it), so that "no body yet" is never an empty body.
    content_html: str | None
    url: str
    link: str | None = None
    image: Image | None = None
    enclosures: tuple[Enclosure, ...] = ()
    episode: Episode | None = None  # a post with an audio enclosure is an episode
    draft: bool = False
    lang: str | None = None
    # The post's old addresses (docs/reference.md §6.5): paths under the base URL, no
    # leading slash, decoded; each redirects to `url`.
    aliases: tuple[str, ...] = ()
    # Addresses under the base URL its body links to that are no page of ours (keys of
    # `feeds.normalize.addresses.address_key`): an old address or the source file of
    # another post, rewritten to that post's page when the body is shown.
    links: tuple[str, ...] = ()
    # Unknown front-matter fields, as (name, value) pairs: dict(post.extra) reads them.
    extra: tuple[tuple[str, object], ...] = field(default=(), compare=False, repr=False)

    @property
    def permalink(self) -> str:
        """Where readers go: the canonical `link`, else the post's page."""
        return self.link or self.url


@dataclass(frozen=True, slots=True)
class Blog:
    """The channel: settings from `_blog.md` and the command line.

    No field has a default: the settings' defaults are written once, in the settings
    table (`feeds.settings`), and `feeds.normalize.blog` makes every Blog from it.
    """

    title: str
    base_url: str
    description: str
    about_html: str
    language: str
    timezone: str
    date_order: str
    default_authors: tuple[Author, ...]
    registry: tuple[tuple[Author, tuple[str, ...]], ...]
    id_authority: str
    image: str | None
    icon: str | None
    copyright: str | None
    feed_limit: int
    feed_max_bytes: int
    archive_size: int
    cache_seconds: int
    hubs: tuple[str, ...]
    chrome: tuple[str, ...]
    max_post_bytes: int
    max_front_matter_bytes: int
    max_tags: int  # tags kept per post (the rest are dropped, with a warning)
    podcast: Podcast  # the podcast feeds' channel (docs/reference.md §10)
    podcast_limit: int | None  # episodes in a podcast feed; None: every one
    # False when neither `description` nor an About text was given (docs/reference.md §2.3).
    described: bool
    # The old blog's permalink patterns, as (style, pattern): jekyll, hugo or pelican.
    permalink: tuple[tuple[str, str], ...]

    def url(self, path: str = "") -> str:
        """The absolute URL of an address of this blog (no leading slash)."""
        return self.base_url + path.lstrip("/")
