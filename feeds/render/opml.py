"""feeds.opml (docs/reference.md §5.4): every feed of the blog, for readers to import at once."""

from __future__ import annotations

from email.utils import format_datetime

from lxml import etree

from feeds import routes
from feeds.library import Snapshot
from feeds.render.channel import Channel

_LABELS = {"rss": "RSS", "atom": "Atom", "json": "JSON Feed"}


def render_opml(snapshot: Snapshot, channels: list[Channel]) -> bytes:
    """OPML 2.0: one folder per format, an outline per feed (blog, tags, authors)."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{snapshot.blog.title}: all feeds"
    newest = snapshot.updated
    if newest is not None:
        etree.SubElement(head, "dateModified").text = format_datetime(newest, usegmt=True)
    body = etree.SubElement(root, "body")
    for kind in routes.FEED_FILES:
        folder = etree.SubElement(body, "outline", text=_LABELS[kind], title=_LABELS[kind])
        for channel in channels:
            title = f"{channel.title} (podcast)" if channel.podcast else channel.title
            etree.SubElement(folder, "outline", type="rss", text=title,
                             title=title, xmlUrl=channel.feed_url(kind),
                             htmlUrl=channel.home_url)
    result: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                   pretty_print=True)
    return result

