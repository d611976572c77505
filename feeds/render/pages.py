"""HTML pages (home, post, About, errors) and the About channel as data."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape

from feeds import routes
from feeds.library import Snapshot
from feeds.model import Author, Blog, Post
from feeds.normalize.dates import rfc3339
from feeds.normalize.text import slugify
from feeds.render.channel import CONTENT_TYPES, Channel
from feeds.render.jsonfeed import person

HOME_LIMIT = 50
CSS = resources.files("feeds").joinpath("static/style.css").read_text("utf-8").strip()
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# Inline CSS is allowed by its hash; nothing else runs or loads but images.
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src https: http: data:; "
    "media-src https: http:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _day(value: datetime, zone: str) -> str:
    local = value.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))
    return f"{local.day} {local:%B %Y}"


def _size(length: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if length < 1024 or unit == "MB":
            return f"{length} {unit}" if unit == "bytes" else f"{length:.1f} {unit}"
        length = length / 1024  # type: ignore[assignment]
    return f"{length} bytes"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        # The templates ship in the package and CODE_DIGEST was taken from them at
        # start: checking their files on every page (three stats) only cost time.
        auto_reload=False,
    )
    env.filters.update(rfc3339=rfc3339, day=_day, size=_size,
                       slug=slugify, tag_folder=routes.tag_folder,
                       author_folder=routes.author_folder)
    return env


def _page(template: str, blog: Blog, **context: object) -> bytes:
    html = _environment().get_template(template).render(
        blog=blog, css=CSS, zone=blog.timezone, **context
    )
    return html.encode("utf-8")


def home_page(snapshot: Snapshot, posts: tuple[Post, ...]) -> bytes:
    """The home page: description and the newest posts (given with their bodies)."""
    return _page("home.html", snapshot.blog, posts=posts[:HOME_LIMIT])


def post_page(snapshot: Snapshot, post: Post) -> bytes:
    """One post's page."""
    return _page("post.html", snapshot.blog, post=post, lang=post.lang)


def topic_page(snapshot: Snapshot, channel: Channel) -> bytes:
    """A tag's or an author's page: its posts and its own feeds."""
    feeds = [(kind, channel.feed_url(kind)) for kind in routes.FEED_FILES]
    return _page("topic.html", snapshot.blog, channel=channel, posts=channel.posts,
                 feeds=feeds)


# What each feed format is called on its page for people.
FORMAT_NAMES = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def feed_page(snapshot: Snapshot, channel: Channel, kind: str) -> bytes:
    """The page for people of a channel's RSS or Atom feed (rss.html, atom.html): how to
    subscribe, the address to copy, the entries. The feed's own view, without XSLT."""
    others = [(FORMAT_NAMES[k], channel.view_url(k) if k in routes.FEED_VIEWS
               else channel.feed_url(k)) for k in routes.FEED_FILES if k != kind]
    return _page("feed.html", snapshot.blog, channel=channel, posts=channel.posts,
                 name=FORMAT_NAMES[kind], kind=kind, others=others,
                 feed_type=CONTENT_TYPES[kind].partition(";")[0])


def about_page(snapshot: Snapshot) -> bytes:
    """The blog description channel as a page."""
    return _page("about.html", snapshot.blog, authors=authors_of(snapshot),
                 tags=snapshot.tags(), count=len(snapshot.posts), updated=_updated(snapshot))


def error_page(blog: Blog, status: int, message: str) -> bytes:
    """A small page for 404 and other errors."""
    return _page("error.html", blog, status=status, message=message)


def authors_of(snapshot: Snapshot) -> list[Author]:
    """The registry's authors, then anyone else credited with a published post."""
    found = {a.id: a for a, _ in snapshot.blog.registry}
    for post in snapshot.posts:
        for author in post.authors:
            found.setdefault(author.id, author)
    return list(found.values())


def _updated(snapshot: Snapshot) -> datetime | None:
    return snapshot.updated


def about_json(snapshot: Snapshot) -> bytes:
    """The blog description channel as data (docs/reference.md §6.1)."""
    blog = snapshot.blog
    updated = _updated(snapshot)
    data = {
        "title": blog.title,
        "description": blog.description,
        "description_html": blog.about_html,
        "link": blog.url(),
        "about_url": blog.url("about"),
        "language": blog.language,
        "authors": [{"id": a.id, **person(a)} for a in authors_of(snapshot)],
        "feeds": {kind: blog.url(routes.feed("", kind)) for kind in routes.FEED_FILES},
        "post_count": len(snapshot.posts),
        "tags": [{"name": name, "count": count, "url": blog.url(routes.tag_folder(slug))}
                 for slug, name, count in snapshot.tags()],
        "updated": rfc3339(updated) if updated else None,
    }
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
