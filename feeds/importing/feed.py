"""An RSS or Atom document, read with feedparser (the parser feed readers
use): each entry keeps its id (RSS guid, Atom id; else its link), so a
reader that follows the move matches every entry it has already seen.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from feeds.errors import PostError
from feeds.importing.entries import Attachment, Entry, Parsed, Skipped, person
from feeds.normalize.text import slugify
from feeds.sources.foreign import Source


def parse(source: Source) -> Parsed:
    """Every entry of a feed document; entries without a title or a date are left out."""
    document = feedparser.parse(source.data, response_headers=_headers(source))
    if not document.get("version") and not document.entries:
        reason = document.get("bozo_exception") or "no feed found"
        line = getattr(reason, "getLineNumber", lambda: None)()
        raise PostError(source.name, line, f"not a feed (RSS or Atom): {reason}")
    results = [_entry(e, f"{source.name}: entry {n}") for n, e in enumerate(document.entries, 1)]
    return Parsed(tuple(r for r in results if isinstance(r, Entry)),
                  tuple(r for r in results if isinstance(r, Skipped)))


def _headers(source: Source) -> dict[str, str]:
    # Relative links in the entries resolve against where the feed came from.
    return {"content-location": source.url} if source.url else {}


def _entry(entry: Mapping[str, Any], where: str) -> Entry | Skipped:
    title = str(entry.get("title", "")).strip()
    published = _date(entry.get("published_parsed")) or _date(entry.get("updated_parsed"))
    old_id = str(entry.get("id") or entry.get("link") or "").strip()
    if not title or published is None or not old_id:
        what = "no title" if not title else "no date" if published is None else "no id or link"
        return Skipped(where, title, what)
    link = str(entry.get("link", "")).strip() or None
    content = _content(entry)
    summary = str(entry.get("summary", "")).strip()
    return Entry(
        where=where, title=title, published=published, slug=slug_of(link, title), content=content,
        old_id=old_id, old_link=link, updated=later(_date(entry.get("updated_parsed")), published),
        authors=tuple(a for a in map(_author, entry.get("authors", [])) if a),
        tags=tuple(dict.fromkeys(t for t in map(_tag, entry.get("tags", [])) if t)),
        summary=summary if summary and summary != content else "", image=_image(entry),
        attachments=tuple(a for a in map(_attachment, entry.get("enclosures", [])) if a))


def _date(parsed: time.struct_time | None) -> datetime | None:
    return datetime(*parsed[:6], tzinfo=UTC) if parsed else None  # feedparser gives UTC


def later(updated: datetime | None, published: datetime) -> datetime | None:
    """`updated` when it is after `published` (a feed repeating the date means no edit)."""
    return updated if updated is not None and updated > published else None


def _content(entry: Mapping[str, Any]) -> str:
    parts = entry.get("content") or []
    html = [p.get("value", "") for p in parts if "html" in p.get("type", "")]
    return (html[0] if html else parts[0].get("value", "") if parts else
            str(entry.get("summary", ""))).strip()


def _author(author: Mapping[str, str]) -> str:
    return person(author.get("name", ""), author.get("email", ""))


def _tag(tag: Mapping[str, str]) -> str:
    return (tag.get("label") or tag.get("term") or "").strip()


def _image(entry: Mapping[str, Any]) -> str | None:
    thumbnails = entry.get("media_thumbnail") or []
    image = entry.get("image") or {}
    found = thumbnails[0].get("url") if thumbnails else image.get("href")
    return str(found) if found else None


def _attachment(enclosure: Mapping[str, str]) -> Attachment | None:
    url = enclosure.get("href", "").strip()
    length = str(enclosure.get("length", "")).strip()
    kind = enclosure.get("type", "").strip() or "application/octet-stream"
    return Attachment(url, kind, int(length) if length.isdigit() else None) if url else None


def slug_of(link: str | None, title: str) -> str:
    """A slug: the last part of the old address (without .html), as the old blog named the post."""
    path = urlsplit(link).path.rstrip("/") if link else ""
    last = path.rsplit("/", 1)[-1].rsplit(".", 1)[0] if path else ""
    return slugify(last) if last and not last.isdigit() else slugify(title) or "post"
