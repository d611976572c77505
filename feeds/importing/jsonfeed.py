"""A JSON Feed (1.0 or 1.1: https://jsonfeed.org/version/1.1), read with the standard
library; feedparser reads no JSON Feed."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from feeds.errors import PostError
from feeds.importing.entries import Attachment, Entry, Parsed, Skipped, person
from feeds.importing.feed import later, slug_of
from feeds.sources.foreign import Source


def is_json(data: bytes) -> bool:
    """Whether `data` is JSON rather than XML (a feed document is one or the other)."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def parse(source: Source) -> Parsed:
    """Every item of a JSON Feed; items without a title or a date are left out."""
    try:
        document = json.loads(source.data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise PostError(source.name, line, f"not a JSON Feed: {exc}") from exc
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith(
            "https://jsonfeed.org/version/"):
        raise PostError(source.name, None, "not a JSON Feed: no jsonfeed.org `version`")
    items = [i for i in document.get("items", []) if isinstance(i, dict)]
    default = _authors(document)
    results = [_entry(i, f"{source.name}: item {n}", default) for n, i in enumerate(items, 1)]
    return Parsed(tuple(r for r in results if isinstance(r, Entry)),
                  tuple(r for r in results if isinstance(r, Skipped)))


def _entry(item: Mapping[str, Any], where: str, default: tuple[str, ...]) -> Entry | Skipped:
    title = _text(item.get("title"))
    published = _date(item.get("date_published")) or _date(item.get("date_modified"))
    old_id = _text(item.get("id")) or _text(item.get("url"))
    if not title or published is None or not old_id:
        what = "no title" if not title else "no date" if published is None else "no id or url"
        return Skipped(where, title, what)
    link = _text(item.get("url")) or None
    content = _text(item.get("content_html")) or _paragraphs(_text(item.get("content_text")))
    return Entry(
        where=where, title=title, published=published, slug=slug_of(link, title),
        content=content, old_id=old_id, old_link=link,
        updated=later(_date(item.get("date_modified")), published),
        authors=_authors(item) or default,
        tags=tuple(dict.fromkeys(t.strip() for t in item.get("tags", []) if isinstance(t, str))),
        summary=_text(item.get("summary")), image=_text(item.get("image")) or None,
        attachments=tuple(a for a in map(_attachment, item.get("attachments", [])) if a))


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _date(value: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(_text(value))
    except ValueError:
        return None
    return found.astimezone(UTC) if found.tzinfo else None


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _authors(holder: Mapping[str, Any]) -> tuple[str, ...]:
    """1.1's `authors`, else 1.0's `author`: each by name (and no email: JSON Feed has none)."""
    given = holder.get("authors") or ([holder["author"]] if "author" in holder else [])
    names = (person(_text(a.get("name")), "") for a in given if isinstance(a, dict))
    return tuple(n for n in names if n)


def _attachment(value: object) -> Attachment | None:
    if not isinstance(value, dict) or not _text(value.get("url")):
        return None
    size = value.get("size_in_bytes")
    return Attachment(_text(value.get("url")), _text(value.get("mime_type")) or
                      "application/octet-stream", size if isinstance(size, int) else None)
