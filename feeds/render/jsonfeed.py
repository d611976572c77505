"""JSON Feed 1.1, written by us (feedgen has none)."""

from __future__ import annotations

import json

from feeds.model import Author, Enclosure, Post
from feeds.normalize.dates import rfc3339
from feeds.normalize.episode import whole_seconds
from feeds.render.channel import Channel, entry_html

VERSION = "https://jsonfeed.org/version/1.1"


def render_json(channel: Channel) -> bytes:
    """The channel as JSON Feed 1.1 bytes (stable key order, UTF-8)."""
    blog = channel.blog
    document: dict[str, object] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": channel.home_url,
        "feed_url": channel.feed_url("json"),
        "description": channel.description,
        "language": blog.language,
    }
    if blog.image:
        document["icon"] = blog.image
    if blog.icon:
        document["favicon"] = blog.icon
    if blog.default_authors:
        document.update(_authors(blog.default_authors))
    if channel.paging.prev is not None:  # JSON Feed's paging: the next (older) items
        document["next_url"] = channel.archive_url(channel.paging.prev, "json")
    if blog.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in blog.hubs]
    document["items"] = [_item(post) for post in channel.posts]
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


def _item(post: Post) -> dict[str, object]:
    item: dict[str, object] = {"id": post.id, "url": post.url}
    if post.link:
        item["external_url"] = post.link
    item.update({
        "title": post.title,
        "content_html": entry_html(post),
        "summary": post.summary,
        "date_published": rfc3339(post.date),
        "date_modified": rfc3339(post.updated),
    })
    item.update(_authors(post.authors))
    if post.tags:
        item["tags"] = list(post.tags)
    if post.lang:
        item["language"] = post.lang
    if post.image:
        item["image"] = post.image.url
        if post.image.caption:
            item["_feeds"] = {"image_caption": post.image.caption}
    if post.enclosures:
        item["attachments"] = [_attachment(e) for e in post.enclosures]
    return item


def _attachment(enclosure: Enclosure) -> dict[str, object]:
    found: dict[str, object] = {"url": enclosure.url, "mime_type": enclosure.type,
                                "size_in_bytes": enclosure.length}
    if enclosure.duration is not None:  # whole seconds, as in itunes:duration
        found["duration_in_seconds"] = whole_seconds(enclosure.duration)
    return found


def _authors(authors: tuple[Author, ...]) -> dict[str, object]:
    """1.1's `authors`, plus 1.0's deprecated `author` = the first, which the spec
    allows for compatibility: atoma, for one, reads only `author`."""
    people = [person(a) for a in authors]
    return {"authors": people, "author": people[0]} if people else {"authors": people}


def person(author: Author) -> dict[str, str]:
    """An author as JSON Feed wants it: name, and url where known."""
    data = {"name": author.name}
    url = author.uri or (f"mailto:{author.email}" if author.email else None)
    if url:
        data["url"] = url
    return data
