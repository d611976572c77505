"""The records an import passes on: one `Entry` per post to write, and what was left out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# An address feeds can publish (RFC 5322's dot-atom, ASCII): the feeds' validators refuse
# others, so an author keeps only the name then.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def person(name: str, email: str) -> str:
    """An author as a post's `author` field takes it: `Name <email>`, or the name alone."""
    name, email = name.strip(), email.strip()
    if not _EMAIL.match(email):
        return name
    return f"{name or email} <{email}>"


@dataclass(frozen=True)
class Attachment:
    """A media file an entry carries (an enclosure): URL, media type, bytes if known."""

    url: str
    type: str
    length: int | None = None


@dataclass(frozen=True)
class Entry:
    """One post to write, as the source had it. Datetimes are timezone-aware UTC;
    `content` is HTML; `where` names the source and the item (line or number)."""

    where: str
    title: str
    published: datetime
    slug: str
    content: str
    old_id: str
    old_link: str | None = None
    updated: datetime | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    summary: str = ""
    image: str | None = None
    attachments: tuple[Attachment, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """An item not imported, with why (a draft, a page, a file imported already …)."""

    where: str
    title: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: left out: {self.title or '(no title)'}: {self.reason}"


@dataclass(frozen=True)
class Parsed:
    """What a source holds: the entries to write, the items left out, general notes."""

    entries: tuple[Entry, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What an import did: the files written, the items left out, the notes."""

    written: tuple[Path, ...]
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = field(default=())
