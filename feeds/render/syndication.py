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
6. No hub link, paging link or stylesheet instruction, in RSS or Atom: our feed
   extension adds `atom:link rel="hub"`, the RFC 5005 links with `fh:archive`,
   `<?xml-stylesheet?>` pointing to feed.xsl and, in RSS, the feed's page for
   people as `atom:link rel="alternate"` before `<link>` (feedparser takes the
   last HTML alternate for the site); our entry extension adds the lead picture
   as Media RSS.
7. Not feedgen's, but met here: the W3C validator warns when two Atom entries
   have the same `updated` text; a repeat is written in an equivalent form.
8. feedgen's `dc_creator()` appends one element per call and `author()` writes
   `addr (Name)`: we call `dc_creator()` once with every name joined, and never
   `author()` in RSS (what readers make of each form: README "Compatibility").
9. feedgen's podcast extension rejects `true`/`false` for `itunes:explicit` (Apple's
   values today), drops a channel image whose URL does not end in .jpg or .png and
   has no Podcasting 2.0 tag: the podcast feeds' elements are written by our own
   extension (`_PodcastFeed`, `_PodcastEntry`), registered for those feeds only.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds import __version__
from feeds.model import Author, Enclosure, Episode, Image, Podcast, Post
from feeds.normalize.episode import is_episode_file, whole_seconds
from feeds.render.channel import Channel, entry_html

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_ATOM = "http://www.w3.org/2005/Atom"
_FH = "http://purl.org/syndication/history/1.0"
_MEDIA = "http://search.yahoo.com/mrss/"
_ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_PODCAST = "https://podcastindex.org/namespace/1.0"
_GENERATOR = {"generator": "feeds", "version": __version__}


class _FeedExtension(BaseExtension):  # type: ignore[misc]
    """Writes what feedgen lacks at feed level: hub links in RSS, RFC 5005 paging links
    and `fh:archive`, and the `xml-stylesheet` instruction for browsers."""

    def __init__(self) -> None:
        self.links: list[tuple[str, str]] = []  # (rel, href) beyond feedgen's own
        self.archive = False
        self.stylesheet: str | None = None
        self.view: str | None = None  # RSS: its page for people (Atom: see render_atom)

    def extend_ns(self) -> dict[str, str]:
        return {"fh": _FH, "media": _MEDIA}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        channel = rss.find("channel")
        self._extend(channel, f"{{{_ATOM}}}link")
        if self.view:  # before <link>: feedparser takes the last HTML alternate for the site
            view = etree.Element(f"{{{_ATOM}}}link",
                                 {"href": self.view, "rel": "alternate", "type": "text/html"})
            channel.find("link").addprevious(view)
        self._stylesheet(rss)
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        self._extend(feed, "link")  # feedgen writes Atom elements unqualified, under xmlns
        self._stylesheet(feed)
        return feed

    def _extend(self, parent: etree._Element, link: str) -> None:
        for rel, href in self.links:
            etree.SubElement(parent, link, {"href": href, "rel": rel})
        if self.archive:
            etree.SubElement(parent, f"{{{_FH}}}archive")

    def _stylesheet(self, root: etree._Element) -> None:
        if self.stylesheet:
            text = f'type="text/xsl" href="{self.stylesheet}"'
            root.addprevious(etree.ProcessingInstruction("xml-stylesheet", text))


class _EntryExtension(BaseEntryExtension):  # type: ignore[misc]
    """Writes what feedgen gets wrong or lacks in entries: Atom links, xml:lang, and the
    lead picture as `media:thumbnail`."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []
        self.lang: str | None = None
        self.image: Image | None = None
        self.updated_seen: set[str] = set()  # replaced by one set per document

    def extend_rss(self, item: etree._Element) -> etree._Element:
        self._media(item)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        _distinct_updated(entry.find("updated"), self.updated_seen)
        for own in entry.findall("link"):  # feedgen's, without rel and type: ours replace it
            entry.remove(own)
        for attributes in self.links:
            etree.SubElement(entry, "link", attributes)
        if self.lang:
            entry.set(_XML_LANG, self.lang)
        self._media(entry)
        return entry

    def _media(self, parent: etree._Element) -> None:
        """The lead picture as a thumbnail only: podcastparser takes any `media:content`,
        even `medium="image"`, for an episode's file, and uses a thumbnail as its art.
        The caption stays in the HTML (`alt`, `figcaption`): an item-level
        `media:description` would replace the summary in feedparser and podcastparser."""
        if self.image is not None:
            etree.SubElement(parent, f"{{{_MEDIA}}}thumbnail", url=self.image.url)


class _PodcastFeed(BaseExtension):  # type: ignore[misc]
    """The podcast channel's Apple (`itunes:`) and Podcasting 2.0 (`podcast:`) tags."""

    def __init__(self) -> None:
        self.podcast: Podcast | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": _ITUNES, "podcast": _PODCAST}

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        self._extend(rss.find("channel"))
        return rss

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        self._extend(feed)
        return feed

    def _extend(self, parent: etree._Element) -> None:
        show = self.podcast
        if show is None:
            return
        _itunes(parent, "author", show.author)
        if show.owner_name or show.owner_email:
            owner = etree.SubElement(parent, f"{{{_ITUNES}}}owner")
            _itunes(owner, "name", show.owner_name)
            _itunes(owner, "email", show.owner_email)
        if show.image:
            etree.SubElement(parent, f"{{{_ITUNES}}}image", href=show.image)
        for top, subs in show.categories:
            category = etree.SubElement(parent, f"{{{_ITUNES}}}category", text=top)
            for sub in subs:
                etree.SubElement(category, f"{{{_ITUNES}}}category", text=sub)
        _itunes(parent, "explicit", _truth(show.explicit))
        _itunes(parent, "type", show.type)
        _podcast_tags(parent, show)


def _podcast_tags(parent: etree._Element, show: Podcast) -> None:
    etree.SubElement(parent, f"{{{_PODCAST}}}guid").text = show.guid
    if show.locked is not None:
        owner = {"owner": show.owner_email} if show.owner_email else {}
        locked = etree.SubElement(parent, f"{{{_PODCAST}}}locked", owner)
        locked.text = "yes" if show.locked else "no"
    for url, text in show.funding:
        etree.SubElement(parent, f"{{{_PODCAST}}}funding", url=url).text = text


class _PodcastEntry(BaseEntryExtension):  # type: ignore[misc]
    """An episode's tags: duration, number, season, type, explicit, transcripts and
    chapters."""

    def __init__(self) -> None:
        self.episode: Episode | None = None
        self.audio: Enclosure | None = None
        self.explicit = False  # the podcast's, for an episode that does not say

    def extend_rss(self, item: etree._Element) -> etree._Element:
        self._extend(item)
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        self._extend(entry)
        return entry

    def _extend(self, parent: etree._Element) -> None:
        episode, audio = self.episode, self.audio
        if episode is None or audio is None:
            return
        if audio.duration is not None:
            _itunes(parent, "duration", str(whole_seconds(audio.duration)))
        _itunes(parent, "episode", _optional(episode.number))
        _itunes(parent, "season", _optional(episode.season))
        _itunes(parent, "episodeType", episode.type)
        explicit = self.explicit if episode.explicit is None else episode.explicit
        _itunes(parent, "explicit", _truth(explicit))
        for transcript in episode.transcripts:
            etree.SubElement(parent, f"{{{_PODCAST}}}transcript", url=transcript.url,
                             type=transcript.type)
        if episode.chapters is not None:
            etree.SubElement(parent, f"{{{_PODCAST}}}chapters", url=episode.chapters.url,
                             type=episode.chapters.type)


def _itunes(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, f"{{{_ITUNES}}}{name}").text = text


def _truth(value: bool) -> str:
    return "true" if value else "false"


def _optional(value: int | None) -> str | None:
    return None if value is None else str(value)


def episode_file(post: Post) -> Enclosure | None:
    """What a podcast app plays of a post: its first audio (or video) enclosure."""
    return next((e for e in post.enclosures if is_episode_file(e)), None)


def _distinct_updated(element: etree._Element | None, seen: set[str]) -> None:
    """Two entries updated at the same instant (two posts dated the same day, say) get
    the W3C validator's DuplicateUpdated warning, which compares the text: a repeat is
    written in an equivalent RFC 3339 form (Z, then zero fractions of a second)."""
    if element is None or element.text is None:
        return
    base = element.text.removesuffix("+00:00")
    forms = [element.text, base + "Z", *(f"{base}.{'0' * n}Z" for n in range(1, 7))]
    element.text = next((form for form in forms if form not in seen), element.text)
    seen.add(element.text)


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
    fg.language(blog.podcast.language if channel.podcast else blog.language)
    if channel.podcast:
        fg.register_extension("episodes", _PodcastFeed, _PodcastEntry, atom=True, rss=True)
        fg.episodes.podcast = blog.podcast
    fg.generator(**_GENERATOR)
    fg.updated(_utc(channel.updated))
    fg.lastBuildDate(_utc(channel.updated))
    if blog.copyright:
        fg.rights(blog.copyright)
    fg.feeds.links = _paging(channel, kind)
    fg.feeds.archive = channel.paging.archive
    fg.feeds.stylesheet = blog.url("feed.xsl")
    if kind == "atom":
        for hub in blog.hubs:
            fg.link(href=hub, rel="hub")
    else:  # feedgen writes no hub link in RSS
        fg.feeds.links = [("hub", hub) for hub in blog.hubs] + fg.feeds.links
    return fg


def _paging(channel: Channel, kind: str) -> list[tuple[str, str]]:
    """RFC 5005 links: current, prev-archive and next-archive where there are such."""
    paging = channel.paging
    links = [("current", channel.current_url(kind))] if paging.archive else []
    if paging.prev is not None:
        links.append(("prev-archive", channel.archive_url(paging.prev, kind)))
    if paging.next is not None:
        links.append(("next-archive", channel.archive_url(paging.next, kind)))
    return links


def render_rss(channel: Channel) -> bytes:
    """The channel as RSS 2.0 bytes."""
    fg = _generator(channel, "rss")
    fg.link(href=channel.feed_url("rss"), rel="self", type="application/rss+xml")
    fg.link(href=channel.home_url, rel="alternate")  # last: it becomes <link>
    fg.feeds.view = channel.view_url("rss")
    if channel.blog.image:
        fg.image(url=channel.blog.image, title=channel.title, link=channel.home_url)
    for post in channel.posts:
        entry = fg.add_entry(order="append")
        _rss_entry(entry, post)
        _episode(entry, channel, post)
    result: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return result


def _rss_entry(fe: Any, post: Post) -> None:
    fe.title(post.title)
    fe.link(href=post.permalink)
    fe.guid(post.id, permalink=False)
    fe.description(post.summary or post.title)
    if entry_html(post).strip():  # an empty body is no content (the validators warn)
        fe.content(entry_html(post))
    fe.pubDate(_utc(post.date))
    _categories(fe, post.tags)
    _rss_authors(fe, post.authors)
    fe.feeds.image = post.image
    if post.enclosures:  # RSS allows one enclosure per item: the audio, if any
        first = episode_file(post) or post.enclosures[0]
        fe.enclosure(url=first.url, length=str(first.length), type=first.type)


def _episode(fe: Any, channel: Channel, post: Post) -> None:
    if channel.podcast:
        fe.episodes.episode, fe.episodes.audio = post.episode, episode_file(post)
        fe.episodes.explicit = channel.blog.podcast.explicit


def _rss_authors(fe: Any, authors: tuple[Author, ...]) -> None:
    """Every name in one `dc:creator`, joined with ", "; no `<author>`.

    `<author>` must read `addr (Name)`, which several readers show raw or reduce to the
    address; of several `dc:creator`s, reader and newsboat keep only the last. One
    joined `dc:creator` shows every name everywhere, and reader splits it on ", " into
    the right list. The e-mail addresses stay in Atom and JSON Feed.
    """
    if authors:
        fe.dc.dc_creator(", ".join(author.name for author in authors))


def render_atom(channel: Channel) -> bytes:
    """The channel as Atom 1.0 bytes."""
    fg = _generator(channel, "atom")
    blog = channel.blog
    fg.id(channel.feed_url("atom"))
    fg.link(href=channel.home_url, rel="alternate", type="text/html")
    fg.link(href=channel.feed_url("atom"), rel="self", type="application/atom+xml")
    # `related`, not a second `alternate`: RFC 4287 allows one HTML alternate (the site's
    # page, which readers show as the website); the validator errs on two.
    fg.link(href=channel.view_url("atom"), rel="related", type="text/html")
    fg.subtitle(channel.description)
    fg.author([_person(a) for a in blog.default_authors] or {"name": blog.title})
    if blog.image:
        fg.logo(blog.image)
    if blog.icon:
        fg.icon(blog.icon)
    seen: set[str] = set()
    for post in channel.posts:
        entry = fg.add_entry(order="append")
        _atom_entry(entry, post)
        _episode(entry, channel, post)
        entry.feeds.updated_seen = seen
    result: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return result


def _atom_entry(fe: Any, post: Post) -> None:
    fe.id(post.id)
    fe.title(post.title)
    fe.published(_utc(post.date))
    fe.updated(_utc(post.updated))
    fe.author([_person(a) for a in post.authors])
    fe.summary(post.summary or post.title)
    if entry_html(post).strip():
        fe.content(entry_html(post), type="html")
    else:  # RFC 4287: the alternate link and the summary stand for an empty body; feedgen
        fe.link(href=post.permalink, rel="alternate")  # checks its own links for that one
    _categories(fe, post.tags)
    fe.feeds.lang = post.lang
    fe.feeds.image = post.image
    fe.feeds.links = [{"rel": "alternate", "type": "text/html", "href": post.permalink}]
    fe.feeds.links += [
        {"rel": "enclosure", "type": e.type, "length": str(e.length), "href": e.url}
        for e in post.enclosures
    ]


def _categories(fe: Any, tags: tuple[str, ...]) -> None:
    """All tags in one call: feedgen's `category()` remaps every category so far on each
    call, which made 9,000 tags take most of a minute."""
    if tags:
        fe.category([{"term": tag} for tag in tags])


def _person(author: Author) -> dict[str, str]:
    fields = {"name": author.name, "email": author.email, "uri": author.uri}
    return {key: value for key, value in fields.items() if value}
