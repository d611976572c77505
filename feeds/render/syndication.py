"""RSS 2.0 and Atom 1.0 with feedgen, and every workaround for its traps.

This is the only module that imports feedgen. The traps of feedgen 1.0.0, each
worked around here and tested in tests/test_syndication.py:

1. `add_entry()` prepends: we pass `order="append"` so newest stays first.
2. `updated` / `lastBuildDate` default to the time of rendering: we set both to
   the newest entry's `updated`, so the same posts give the same bytes.
3. Naive datetimes raise: every date is handed over as aware UTC.
4. The RSS channel `<link>` is the last `link()` added: the self link goes in
   first, the home page last.
5. Atom entry links lose `rel`, `type` and `length` (upstream issue 135, which
   breaks enclosures): Atom entry links are written by our own entry extension.
6. No hub link in RSS: our feed extension adds `atom:link rel="hub"`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds import __version__
from feeds.model import Author, Post
from feeds.render.channel import Channel, entry_html

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ATOM = "http://www.w3.org/2005/Atom"
_GENERATOR = {"generator": "feeds", "version": __version__}


class _FeedExtension(BaseExtension):  # type: ignore[misc]
    """Writes what feedgen lacks at feed level: WebSub hub links in RSS."""

    def __init__(self) -> None:
        self.hubs: tuple[str, ...] = ()

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss.find("channel")
        for hub in self.hubs:
            etree.SubElement(channel, f"{{{_ATOM}}}link", {"href": hub, "rel": "hub"})
        return rss


class _EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes what feedgen gets wrong in entries: Atom links and xml:lang."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.lang: str | None = None

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for attributes in self.links:
            etree.SubElement(entry, "link", attributes)
        if self.lang:
            entry.set(_XML_LANG, self.lang)
        return entry


def _utc(value: datetime) -> datetime:
    """feedgen needs aware datetimes; written in UTC for stable bytes."""
    return value.astimezone(UTC)


def _generator(channel: Channel, kind: str) -> Any:
    fg = FeedGenerator()
    fg.register_extension("feeds", _FeedExtension, _EntryExtension, atom=True, rss=True)
    if kind == "rss":
        fg.load_extension("dc", atom=False, rss=True)
    blog = channel.blog
    fg.title(channel.title)
    fg.description(channel.description)
    fg.language(blog.language)
    fg.generator(**_GENERATOR)
    fg.updated(_utc(channel.updated))
    fg.lastBuildDate(_utc(channel.updated))
    if blog.copyright:
        fg.rights(blog.copyright)
    fg.feeds.hubs = blog.hubs  # RSS: our extension; Atom: feedgen's links
    if kind == "atom":
        for hub in blog.hubs:
            fg.link(href=hub, rel="hub")
    return fg


def render_rss(channel: Channel) -> bytes:
    """The channel as RSS 2.0 bytes."""
    fg = _generator(channel, "rss")
    fg.link(href=channel.feed_url("rss"), rel="self", type="application/rss+xml")
    fg.link(href=channel.home_url, rel="alternate")  # last: it becomes <link>
    if channel.blog.image:
        fg.image(url=channel.blog.image, title=channel.title, link=channel.home_url)
    for post in channel.posts:
        _rss_entry(fg.add_entry(order="append"), post)
    result: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return result


def _rss_entry(fe: Any, post: Post) -> None:
    fe.title(post.title)
    fe.link(href=post.permalink)
    fe.guid(post.id, permalink=False)
    fe.description(post.summary or post.title)
    fe.content(entry_html(post))
    fe.pubDate(_utc(post.date))
    for tag in post.tags:
        fe.category(term=tag)
    _rss_authors(fe, post.authors)
    if post.enclosures:  # RSS allows one enclosure per item
        first = post.enclosures[0]
        fe.enclosure(url=first.url, length=str(first.length), type=first.type)


def _rss_authors(fe: Any, authors: tuple[Author, ...]) -> None:
    """One author with an email: <author>. Otherwise dc:creator for each.

    RSS allows a single <author>, and the validator warns when an item has both
    <author> and dc:creator, so several authors are all written as dc:creator.
    """
    if len(authors) == 1 and authors[0].email:
        fe.author({"name": authors[0].name, "email": authors[0].email})
        return
    for author in authors:
        fe.dc.dc_creator(author.name)


def render_atom(channel: Channel) -> bytes:
    """The channel as Atom 1.0 bytes."""
    fg = _generator(channel, "atom")
    blog = channel.blog
    fg.id(channel.feed_url("atom"))
    fg.link(href=channel.home_url, rel="alternate", type="text/html")
    fg.link(href=channel.feed_url("atom"), rel="self", type="application/atom+xml")
    fg.subtitle(channel.description)
    fg.author([_person(a) for a in blog.default_authors] or {"name": blog.title})
    if blog.image:
        fg.logo(blog.image)
    if blog.icon:
        fg.icon(blog.icon)
    for post in channel.posts:
        _atom_entry(fg.add_entry(order="append"), post)
    result: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return result


def _atom_entry(fe: Any, post: Post) -> None:
    fe.id(post.id)
    fe.title(post.title)
    fe.published(_utc(post.date))
    fe.updated(_utc(post.updated))
    fe.author([_person(a) for a in post.authors])
    fe.summary(post.summary or post.title)
    fe.content(entry_html(post), type="html")
    for tag in post.tags:
        fe.category(term=tag)
    fe.feeds.lang = post.lang
    fe.feeds.links = [{"rel": "alternate", "type": "text/html", "href": post.permalink}]
    fe.feeds.links += [
        {"rel": "enclosure", "type": e.type, "length": str(e.length), "href": e.url}
        for e in post.enclosures
    ]


def _person(author: Author) -> dict[str, str]:
    fields = {"name": author.name, "email": author.email, "uri": author.uri}
    return {key: value for key, value in fields.items() if value}
