"""WordPress eXtended RSS (WXR 1.0–1.2), the file Tools → Export writes, read as the
WordPress importer reads it: `wp:post_type` post only, `wp:status` publish only (the
rest left out with the reason), dates from `wp:post_date_gmt`, authors through the
export's `wp:author` table, `category` elements of the domains category and post_tag
(post formats are not topics), the excerpt, the featured image (`_thumbnail_id`) and
`enclosure` post meta.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from lxml import etree

from feeds.errors import PostError
from feeds.importing import wordpress
from feeds.importing.entries import Attachment, Entry, Parsed, Skipped, person
from feeds.normalize.text import slugify
from feeds.sources.foreign import Source

_WP = "http://wordpress.org/export/"
_NAMESPACES = {"http://purl.org/rss/1.0/modules/content/": "content",
               "http://purl.org/dc/elements/1.1/": "dc"}
_LEFT_OUT = {"draft": "a draft", "pending": "pending review", "auto-draft": "a draft",
             "future": "scheduled, not yet published", "private": "private",
             "trash": "in the trash", "inherit": "a revision"}
_NO_DATE = "0000-00-00 00:00:00"


def is_wxr(data: bytes) -> bool:
    """Whether `data` looks like a WordPress export (its namespace near the top)."""
    return re.search(rb"xmlns:wp=[\"']http://wordpress\.org/export/", data[:65536]) is not None


def _parser() -> etree.XMLParser:
    # No entities from outside the file, no network, no DTD: an export is data.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=True, remove_comments=True)


def parse(source: Source) -> Parsed:
    """Every post of a WXR file, and the items left out with why."""
    try:
        root = etree.fromstring(source.data, _parser())
    except etree.XMLSyntaxError as exc:
        raise PostError(source.name, exc.lineno or None, f"not well-formed XML: {exc.msg}") \
            from exc
    channel = root.find("channel")
    if channel is None:
        raise PostError(source.name, None, "a WordPress export has an RSS <channel>: none here")
    items = [_fields(item) for item in channel.iter("item")]
    authors = _authors(channel)
    media = _media(items)
    entries: list[Entry] = []
    skipped: list[Skipped] = []
    for item in items:
        kind = item.get("wp:post_type", "post")
        if kind != "post":
            continue
        outcome = _entry(item, source.name, authors, media)
        if isinstance(outcome, Entry):
            entries.append(outcome)
        else:
            skipped.append(outcome)
    return Parsed(tuple(entries), tuple(skipped), _counts(items))


def _key(tag: object) -> str:
    """`{namespace}local` as the importer's prefixes: wp:, excerpt:, content:, dc:."""
    if not isinstance(tag, str):
        return ""
    namespace, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    if namespace.startswith(_WP):
        return ("excerpt:" if namespace.rstrip("/").endswith("excerpt") else "wp:") + local
    prefix = _NAMESPACES.get(namespace)
    return f"{prefix}:{local}" if prefix else local


class _Item(dict[str, str]):
    """An item's fields (first of each, text stripped), its terms, meta and line."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.terms: list[tuple[str, str]] = []
        self.meta: list[tuple[str, str]] = []


def _fields(element: etree._Element) -> _Item:
    item = _Item(element.sourceline or 0)
    for child in element:
        key = _key(child.tag)
        if key == "category":
            item.terms.append((child.get("domain", "category"), (child.text or "").strip()))
        elif key == "wp:postmeta":
            meta = {_key(c.tag): c.text or "" for c in child}
            item.meta.append((meta.get("wp:meta_key", ""), meta.get("wp:meta_value", "")))
        elif key not in item:
            item[key] = child.text or ""
    return item


def _authors(channel: etree._Element) -> Mapping[str, str]:
    """login → "Display Name <email>" from the export's author table."""
    table: dict[str, str] = {}
    for element in channel:
        if _key(element.tag) == "wp:author":
            fields = {_key(c.tag): (c.text or "").strip() for c in element}
            full = " ".join(filter(None, (fields.get("wp:author_first_name"),
                                          fields.get("wp:author_last_name"))))
            name = fields.get("wp:author_display_name") or full or fields.get("wp:author_login", "")
            table[fields.get("wp:author_login", "")] = person(name,
                                                              fields.get("wp:author_email", ""))
    return table


def _media(items: list[_Item]) -> wordpress.Media:
    files: dict[str, tuple[str, str]] = {}
    children: dict[str, list[str]] = {}
    for item in items:
        if item.get("wp:post_type") == "attachment" and item.get("wp:attachment_url"):
            files[item.get("wp:post_id", "")] = (item["wp:attachment_url"].strip(),
                                                 item.get("title", "").strip())
            children.setdefault(item.get("wp:post_parent", "0"), []).append(item["wp:post_id"])
    return wordpress.Media(files, {k: tuple(v) for k, v in children.items()})


def _entry(item: _Item, name: str, authors: Mapping[str, str],
           media: wordpress.Media) -> Entry | Skipped:
    where, title = f"{name}:{item.line}", item.get("title", "").strip()
    reason = _left_out(item)
    if reason:
        return Skipped(where, title, reason)
    published = _date(item, "wp:post_date_gmt") or _pub_date(item)
    if published is None:
        return Skipped(where, title, "no date")
    content = wordpress.clean(item.get("content:encoded", ""), item.get("wp:post_id", ""), media)
    creator = item.get("dc:creator", "").strip()
    return Entry(
        where=where, title=title, published=published, slug=_slug(item, title),
        content=content.html, old_id=(item.get("guid") or item.get("link", "")).strip(),
        old_link=item.get("link", "").strip() or None,
        updated=_later(_date(item, "wp:post_modified_gmt"), published),
        authors=(authors.get(creator, creator),) if creator else (),
        tags=_topics(item), summary=item.get("excerpt:encoded", "").strip(),
        image=_featured(item, media), attachments=_known(_enclosures(item) + content.attachments),
        notes=content.notes + _unknown(_enclosures(item) + content.attachments))


def _left_out(item: _Item) -> str:
    status = item.get("wp:status", "publish").strip() or "publish"
    if status != "publish":
        return _LEFT_OUT.get(status, f"status {status!r}")
    return "password-protected" if item.get("wp:post_password", "").strip() else ""


def _date(item: _Item, key: str) -> datetime | None:
    text = item.get(key, "").strip()
    if not text or text == _NO_DATE:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _pub_date(item: _Item) -> datetime | None:
    try:
        found = parsedate_to_datetime(item.get("pubDate", ""))
    except (TypeError, ValueError):
        return None
    return found.astimezone(UTC) if found.tzinfo else None


def _later(updated: datetime | None, published: datetime) -> datetime | None:
    return updated if updated is not None and updated > published else None


def _slug(item: _Item, title: str) -> str:
    return slugify(unquote(item.get("wp:post_name", "").strip())) or slugify(title) or \
        f"post-{item.get('wp:post_id', '').strip() or item.line}"


def _topics(item: _Item) -> tuple[str, ...]:
    names = (n for domain, n in item.terms if domain in ("category", "post_tag") and n)
    return tuple(dict.fromkeys(names))


def _featured(item: _Item, media: wordpress.Media) -> str | None:
    given = next((value for key, value in item.meta if key == "_thumbnail_id"), "")
    found = media.files.get(given.strip())
    return found[0] if found else None


def _enclosures(item: _Item) -> tuple[Attachment, ...]:
    """`enclosure` post meta: "URL\\nlength\\ntype" (as WordPress stores a podcast file)."""
    return tuple(_enclosure(value) for key, value in item.meta if key == "enclosure")


def _known(found: tuple[Attachment, ...]) -> tuple[Attachment, ...]:
    """Each file once, and only with its length (an enclosure needs one, RSS 2.0 says):
    the `enclosure` meta has it, a shortcode's file alone does not."""
    sized = {a.url: a for a in reversed(found) if a.length is not None}
    return tuple(sized.values())[::-1]


def _unknown(found: tuple[Attachment, ...]) -> tuple[str, ...]:
    sized = {a.url for a in found if a.length is not None}
    return tuple(dict.fromkeys(f"{a.url}: no length known, kept as a link, not an enclosure"
                               for a in found if a.url not in sized))


def _enclosure(value: str) -> Attachment:
    parts = [p.strip() for p in value.strip().splitlines()] + ["", "", ""]
    length = int(parts[1]) if parts[1].isdigit() else None
    return Attachment(parts[0], parts[2] or "application/octet-stream", length)


def _counts(items: list[_Item]) -> tuple[str, ...]:
    kinds: dict[str, int] = {}
    for item in items:
        kind = item.get("wp:post_type", "post")
        if kind != "post":
            kinds[kind] = kinds.get(kind, 0) + 1
    return tuple(f"{count} item(s) of type {kind!r} not imported (only posts are)"
                 for kind, count in sorted(kinds.items()))
