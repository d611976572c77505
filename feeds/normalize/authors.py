"""Authors (docs/reference.md §4.2): every accepted spelling to registry records."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from feeds.errors import FieldError, quote
from feeds.model import Author
from feeds.normalize.text import clean_line, slugify

_NAME_EMAIL = re.compile(r"^(?P<name>[^<>]*?)\s*<\s*(?P<email>[^<>\s]+@[^<>\s]+)\s*>$")
_EMAIL_NAME = re.compile(r"^(?P<email>[^()\s]+@[^()\s]+)\s*\(\s*(?P<name>[^()]+?)\s*\)$")
_EMAIL = re.compile(r"^[^@\s<>()]+@[^@\s<>()]+\.[^@\s<>()]+$")
_URI = re.compile(r"^(?:https?://[^\s/?#]+[^\s]*|mailto:[^@\s]+@[^@\s]+)$", re.IGNORECASE)
# A Markdown link naming a person, then perhaps their organisation: `[Name](url) (Org)`,
# as Hugo sites (OpenTelemetry's) write authors; the organisation is not part of the name.
_MARKDOWN_LINK = re.compile(r"^\[(?P<name>[^\[\]]+)\]\((?P<uri>[^()\s]+)\)(?:\s*\([^()]*\))?$")
_BY = re.compile(r"^(?:by|from)\s+", re.IGNORECASE)
# Separators between several authors in one string, outside <…> and (…).
_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.IGNORECASE)
_HAS_LETTER = re.compile(r"\w", re.UNICODE)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Registry:
    """Known authors by id, name, alias and email (case and spacing ignored)."""

    authors: tuple[Author, ...] = ()
    index: Mapping[str, Author] = field(default_factory=dict)

    @classmethod
    def build(cls, entries: Iterable[tuple[Author, Iterable[str]]]) -> Registry:
        """A registry from (author, aliases) pairs."""
        index: dict[str, Author] = {}
        authors = []
        for author, aliases in entries:
            authors.append(author)
            for name in (author.id, author.name, author.email or "", *aliases):
                if name:
                    index.setdefault(_key(name), author)
        return cls(tuple(authors), index)

    def find(self, text: str) -> Author | None:
        """The registry record a name, id, alias or email names."""
        return self.index.get(_key(text))


def parse_authors(value: object, registry: Registry) -> tuple[Author, ...]:
    """`author`/`authors` values (a string, a list, mappings) to Author records."""
    items = value if isinstance(value, list) else [value]
    found: list[Author] = []
    for item in items:
        for author in _parse_item(item, registry):
            if author.id not in {a.id for a in found}:
                found.append(author)
    if not found:
        raise FieldError("no author given")
    return tuple(found)


def _parse_item(item: object, registry: Registry) -> list[Author]:
    if isinstance(item, dict):
        return [_from_mapping(item, registry)]
    if not isinstance(item, str):
        raise FieldError(f"author {quote(item)} is not text")
    whole = registry.find(clean_line(item))
    if whole is not None:
        return [whole]
    return [parse_one(part, registry) for part in split_names(item)]


def split_names(text: str) -> list[str]:
    """`A and B`, `A & B`, `A, B` to parts; `Name <email>`, `email (Name)` and
    `[Name](url) (Org)` stay whole."""
    text = _BY.sub("", clean_line(text))
    parts, depth, current = [], 0, ""
    for piece in re.split(r"([<>()\[\]])", text):
        depth += {"<": 1, "(": 1, "[": 1, ">": -1, ")": -1, "]": -1}.get(piece, 0)
        current += piece
        if depth == 0 and _SEPARATOR.search(current):
            *done, current = _SEPARATOR.split(current)
            parts.extend(done)
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def parse_one(text: str, registry: Registry) -> Author:
    """One author in any accepted single form."""
    text = _BY.sub("", clean_line(text))
    known = registry.find(text)
    if known is not None:
        return known
    link = _MARKDOWN_LINK.match(text)
    if link is not None:  # a link that is no http(s) page is left out, the name kept
        uri = link["uri"] if _URI.match(link["uri"]) else None
        return registry.find(clean_line(link["name"])) or make_author(None, link["name"], None, uri)
    # A word that is no registry id is a name, as Jekyll's `author: parkr` (jekyll-feed
    # publishes "parkr"), never an error that would leave the post out.
    name, email = _name_and_email(text)
    if name is None:
        raise FieldError(f"author {quote(text)} has an email but no name; write 'Name <{email}>'")
    if not _HAS_LETTER.search(name):
        raise FieldError(f"author {quote(text)} has no name")
    return (registry.find(name) or (email and registry.find(email))
            or Author(slugify(name) or _fallback_id(name), name, email))


def _name_and_email(text: str) -> tuple[str | None, str | None]:
    for pattern in (_NAME_EMAIL, _EMAIL_NAME):
        match = pattern.match(text)
        if match:
            return clean_line(match["name"]) or None, match["email"]
    if _EMAIL.match(text):
        return None, text
    return text, None


def _fallback_id(name: str) -> str:
    """An id for a name with no ASCII letters: its code points, stable and URL-safe."""
    return "-".join(f"{ord(c):x}" for c in name if not c.isspace())[:80]


def _from_mapping(item: dict[object, object], registry: Registry) -> Author:
    """`{name, email, uri}`; Hugo themes write the page as `link` or `url`, and add keys
    for their templates (`position`, `company`, `blurb`, `guest`) that name no one."""
    name = item.get("name")
    if not isinstance(name, str) or not clean_line(name):
        raise FieldError(f"author {quote(item)} needs a `name`")
    known = registry.find(clean_line(name))
    if known is not None:
        return known
    uri = next((item[k] for k in ("uri", "link", "url") if item.get(k) is not None), None)
    return make_author(None, name, item.get("email"), uri)


def make_author(key: str | None, name: str, email: object, uri: object) -> Author:
    """An Author from given parts, each checked: an email, an http(s) or mailto URI."""
    if email is not None and (not isinstance(email, str) or not _EMAIL.match(email.strip())):
        raise FieldError(f"author email {quote(email)} is not an email address")
    if uri is not None and (not isinstance(uri, str) or not _URI.match(uri.strip())):
        raise FieldError(f"author uri {quote(uri)} is not an http(s) or mailto URL")
    name = clean_line(name)
    return Author(key or slugify(name) or _fallback_id(name), name,
                  email.strip() if isinstance(email, str) else None,
                  uri.strip() if isinstance(uri, str) else None)
