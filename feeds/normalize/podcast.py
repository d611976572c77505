"""The podcast's channel (docs/reference.md §10): the `podcast` setting to a
checked `Podcast`, defaults taken from the blog. A bad value stops start-up
(ConfigError); an unknown category or a missing field Apple wants is a warning.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feeds import routes
from feeds.errors import ConfigError, Problem, Severity, quote
from feeds.model import Author, Podcast
from feeds.normalize.body import Place, asset_path, file_url
from feeds.normalize.categories import APPLE_CATEGORIES
from feeds.normalize.episode import own_file
from feeds.normalize.text import clean_line
from feeds.settings import BLOG_FILE, plain_url

# The Podcasting 2.0 namespace's own UUID, the namespace of every `podcast:guid`.
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
KEYS = frozenset({"author", "owner", "image", "categories", "explicit", "type", "locked",
                  "funding", "language"})
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Defaults:
    """What the podcast takes from the blog when its setting does not say."""

    title: str
    authors: tuple[Author, ...]
    image: str | None
    language: str
    base_url: str
    place: Place


def podcast_guid(feed_url: str) -> str:
    """`podcast:guid`: the UUIDv5 of the feed URL without its scheme and trailing
    slashes, as the Podcasting 2.0 namespace defines it."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url).rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


def make_podcast(value: Mapping[str, Any] | None, defaults: Defaults,
                 warnings: list[Problem]) -> Podcast:
    """The podcast channel from the `podcast` setting (None: not given) and the blog."""
    given = dict(value or {})
    for key in sorted(set(given) - KEYS, key=str):
        _warn(warnings, f"unknown `podcast` field `{key}`")
    image, image_file = _image(given.get("image"), defaults)
    name, email = _owner(given.get("owner"), defaults.authors)
    podcast = Podcast(
        author=_text(given, "author") or _credit(defaults),
        owner_name=name, owner_email=email, image=image, image_file=image_file,
        categories=_categories(given.get("categories", []), warnings),
        explicit=bool(_boolean(given, "explicit", False)),
        type=_choice(given, "type", ("episodic", "serial")),
        locked=_boolean(given, "locked", None),
        funding=_funding(given.get("funding", [])),
        language=_language(given) or defaults.language,
        guid=podcast_guid(defaults.base_url + routes.feed(routes.PODCAST, "rss")),
        declared=value is not None,
    )
    if podcast.declared:
        _missing(podcast, warnings)
    return podcast


def _warn(warnings: list[Problem], message: str) -> None:
    warnings.append(Problem(BLOG_FILE, None, Severity.WARNING, message))


def _fail(message: str) -> ConfigError:
    return ConfigError("podcast", message)


def _text(given: Mapping[str, Any], key: str) -> str | None:
    value = given.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not clean_line(value):
        raise _fail(f"`{key}` must be text, not {quote(value)}")
    return clean_line(value)


def _credit(defaults: Defaults) -> str:
    return ", ".join(a.name for a in defaults.authors) or defaults.title


def _image(value: object, defaults: Defaults) -> tuple[str | None, str | None]:
    """The cover's URL, and its path under posts/ when it is ours (to be measured)."""
    if value is None:
        return defaults.image, own_file(defaults.image, defaults.place)
    if not isinstance(value, str) or (found := file_url(value, defaults.place)) is None:
        raise _fail(f"`image` {quote(value)} is neither a file under posts/ nor an "
                    "http(s) URL")
    return found, asset_path(value, defaults.place) if found != value.strip() else None


def _owner(value: object, authors: tuple[Author, ...]) -> tuple[str | None, str | None]:
    """`itunes:owner`: the setting's name and email, else the first default author
    with an email address."""
    if value is None:
        first = next((a for a in authors if a.email), None)
        return (first.name, first.email) if first else (None, None)
    if not isinstance(value, dict):
        raise _fail("`owner` must be a mapping {name, email}")
    name, email = _text(value, "name"), _text(value, "email")
    if email is not None and not _EMAIL.match(email):
        raise _fail(f"`owner` email {quote(email)} is not an email address")
    return name, email


def _boolean(given: Mapping[str, Any], key: str, default: bool | None) -> bool | None:
    value = given.get(key)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
        return _BOOLEANS[value.strip().lower()]
    if not isinstance(value, bool):
        raise _fail(f"`{key}` must be true or false, not {quote(value)}")
    return value


def _choice(given: Mapping[str, Any], key: str, choices: tuple[str, ...]) -> str:
    value = (_text(given, key) or choices[0]).lower()
    if value not in choices:
        raise _fail(f"`{key}` must be one of {', '.join(choices)}, not {quote(value)}")
    return value


def _language(given: Mapping[str, Any]) -> str | None:
    value = _text(given, "language")
    if value is not None and not _LANGUAGE.match(value):
        raise _fail(f"`language` {quote(value)} is not a BCP 47 language tag")
    return value


def _funding(value: object) -> tuple[tuple[str, str], ...]:
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _fail("`funding` must be a list of {url, text}")
    found = []
    for item in items:
        try:
            url = plain_url(item.get("url"))
        except ValueError as exc:
            raise _fail(f"`funding` url: {exc}") from exc
        found.append((url, _text(item, "text") or "Support us"))
    return tuple(found)


def _categories(value: object, warnings: list[Problem]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Apple's categories, nested: "Science > Earth Sciences", or {Science: [Earth
    Sciences]}. A name not on Apple's list is left out, with a warning."""
    items = [value] if isinstance(value, str | dict) else value
    if not isinstance(items, list):
        raise _fail("`categories` must be a list such as [Science > Earth Sciences]")
    chosen: dict[str, list[str]] = {}
    for top, subs in _pairs(items):
        if top not in APPLE_CATEGORIES:
            _warn(warnings, f"`podcast` category {quote(top)} is not on Apple's list; left out")
            continue
        kept = chosen.setdefault(top, [])
        for sub in subs:
            if sub not in APPLE_CATEGORIES[top]:
                _warn(warnings, f"`podcast` category {quote(top + ' > ' + sub)} is not on "
                      "Apple's list; left out")
            elif sub not in kept:
                kept.append(sub)
    return tuple((top, tuple(subs)) for top, subs in chosen.items())


def _pairs(items: list[Any]) -> list[tuple[str, list[str]]]:
    pairs = []
    for item in items:
        if isinstance(item, str):
            top, _, sub = (part.strip() for part in item.partition(">"))
            pairs.append((top, [sub] if sub else []))
        elif isinstance(item, dict):
            for top, given in item.items():
                subs = [given] if isinstance(given, str) else (given or [])
                if not isinstance(subs, list) or not all(isinstance(s, str) for s in subs):
                    raise _fail(f"category {quote(top)}: subcategories must be a list of names")
                pairs.append((str(top).strip(), [s.strip() for s in subs]))
        else:
            raise _fail(f"category {quote(item)} must be a name or {{name: [subcategories]}}")
    return pairs


def _missing(podcast: Podcast, warnings: list[Problem]) -> None:
    """What Apple Podcasts refuses a show without."""
    wanted = {"image": podcast.image, "categories": podcast.categories,
              "owner email": podcast.owner_email}
    for what, found in wanted.items():
        if not found:
            _warn(warnings, f"the podcast has no {what}: Apple Podcasts requires one")
