"""Settings (docs/reference.md §3): one declarative table, read from the command line, the
environment, `_blog.md` and defaults, in that order of precedence.

Every value is checked here, before the blog is loaded; a bad one stops
start-up with a ConfigError naming the setting. The table is the one place a
default is written: `DEFAULTS` hands them, typed, to the stages that need one
before any settings are read (the size limits of `feeds.sources`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import ConfigError, quote

BLOG_FILE = "_blog.md"  # the settings file at the top of the posts folder (and its About text)
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_AUTHORITY = re.compile(r"^(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+$|^[^@\s]+@[A-Za-z0-9.-]+$")


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be text, not {quote(value)} (quote it in YAML)")
    return value.strip()


def plain_url(value: object) -> str:
    """An absolute http(s) URL, as written."""
    text = _text(value)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{quote(text)} is not an absolute http(s) URL")
    return text


def url(value: object) -> str:
    """An absolute http(s) base URL, with a trailing slash."""
    text = plain_url(value)
    return text if text.endswith("/") else text + "/"


def _count(minimum: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if isinstance(number, bool) or not isinstance(number, int) or number < minimum:
            raise ValueError(f"must be a whole number of at least {minimum}, not {quote(value)}")
        return number
    return check


def _timezone(value: object) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"{quote(name)} is not an IANA time zone such as Europe/Oslo") from exc
    return name


def _choice(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _text(value).upper()
        if text not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {quote(value)}")
        return text
    return check


def _pattern(regex: re.Pattern[str], what: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _text(value)
        if not regex.match(text):
            raise ValueError(f"{quote(text)} is not {what}")
        return text
    return check


def _text_list(value: object) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise ValueError(f"must be a list of text, not {quote(value)}")
    return tuple(_text(item) for item in items if not isinstance(item, str) or item.strip())


def _url_list(value: object) -> tuple[str, ...]:
    return tuple(plain_url(item) for item in _text_list(value))


def _authors(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be a mapping of author id to {name, email, uri, aliases}")
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ValueError(f"must be a mapping, not {quote(value)}")
    return value


def _limit(value: object) -> int | None:
    if isinstance(value, str) and value.strip().lower() == "all":
        return None
    return _count(1)(value)


def _any(value: object) -> object:
    return value


PERMALINK_STYLES = ("jekyll", "hugo", "pelican")


def _permalinks(value: object) -> tuple[tuple[str, str], ...]:
    """The old blog's permalink patterns as (style, pattern): a pattern, a list of them,
    or a mapping of style to pattern(s); a pattern with `{` is Pelican's, else Jekyll's
    (docs/reference.md §6.5)."""
    if isinstance(value, dict):
        if not all(key in PERMALINK_STYLES for key in value):
            raise ValueError(f"styles are {', '.join(PERMALINK_STYLES)}, not {quote(value)}")
        return tuple((str(key), pattern) for key, patterns in value.items()
                     for pattern in _patterns(patterns))
    return tuple(("pelican" if "{" in p else "jekyll", p) for p in _patterns(value))


def _patterns(value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value  # a pattern may hold a comma
    if not isinstance(items, list | tuple):
        raise ValueError(f"must be a pattern or a list of them, not {quote(value)}")
    return tuple(_text(item) for item in items)


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, checker and help text."""

    name: str
    default: object
    check: Callable[[object], object]
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("title", None, _text, "blog title (default: the posts folder's name)"),
    Setting("link", None, url, "the public base URL, e.g. https://blog.example.org/"),
    Setting("description", None, _text, "one-line description (default: the About "
            "text's first paragraph)"),
    Setting("language", "en", _pattern(_LANGUAGE, "a BCP 47 language tag"), "BCP 47 tag"),
    Setting("timezone", "UTC", _timezone, "IANA zone for dates written without one"),
    Setting("date_order", "MDY", _choice("MDY", "DMY", "YMD"),
            "MDY, DMY or YMD, for dates like 03/04/2024"),
    Setting("author", None, _any, "default author of posts that name none"),
    Setting("authors", {}, _authors, "the author registry: id -> {name, email, uri, aliases}"),
    Setting("id_authority", None, _pattern(_AUTHORITY, "a domain name or email address"),
            "authority for tag: ids (default: the host of link)"),
    Setting("image", None, _text, "logo: a path under posts/ or an absolute URL"),
    Setting("icon", None, _text, "favicon: a path under posts/ or an absolute URL"),
    Setting("copyright", None, _text, "rights statement"),
    Setting("feed_limit", 20, _count(1), "entries in a subscription feed"),
    Setting("podcast_limit", None, _limit, "episodes in a podcast feed: a number, or all "
            "(the default: Apple drops episodes that leave the feed)"),
    Setting("feed_max_bytes", 1_000_000, _count(10_000),
            "size cap of one feed document; oldest entries are dropped to fit"),
    Setting("archive_size", 50, _count(1), "entries per archive page"),
    Setting("cache_seconds", 300, _count(0), "Cache-Control max-age of feeds"),
    Setting("hub", (), _url_list, "WebSub hub URL(s)"),
    Setting("chrome", (), _text_list, "extra site-chrome lines to drop from text posts"),
    Setting("max_post_bytes", 4 * 1024 * 1024, _count(1024),
            "largest post file read; a larger one is an error"),
    Setting("max_front_matter_bytes", 64 * 1024, _count(256),
            "largest front matter read; a larger one is an error"),
    Setting("max_tags", 100, _count(1), "tags kept per post; the rest are dropped, "
            "with a warning"),
    Setting("podcast", None, _mapping, "the podcast channel: owner, image, categories, "
            "explicit, type, locked, funding, language (docs/reference.md §10)"),
    Setting("permalink", (), _permalinks, "the old blog's permalink pattern(s), e.g. "
            "/:year/:month/:day/:slug/: its addresses redirect to the posts (§6.5)"),
)
BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Values:
    """One checked value per setting, typed: the fields are the table's names, in its
    order (the defaults are the table's, never written here)."""

    title: str | None
    link: str | None
    description: str | None
    language: str
    timezone: str
    date_order: str
    author: object  # a name, an id, a mapping or a list of them: parsed with the registry
    authors: Mapping[str, Any]
    id_authority: str | None
    image: str | None
    icon: str | None
    copyright: str | None
    feed_limit: int
    podcast_limit: int | None
    feed_max_bytes: int
    archive_size: int
    cache_seconds: int
    hub: tuple[str, ...]
    chrome: tuple[str, ...]
    max_post_bytes: int
    max_front_matter_bytes: int
    max_tags: int
    podcast: Mapping[str, Any] | None
    permalink: tuple[tuple[str, str], ...]


def _typed(values: Mapping[str, Any]) -> Values:
    # Each value is its field's type: the row's checker made it, or it is the row's default.
    return Values(**values)


# A row without a field, or a field without a row, fails here, at import.
DEFAULTS = _typed({s.name: s.default for s in SETTINGS})


@dataclass(frozen=True)
class Settings:
    """Checked setting values, and where each came from (for messages)."""

    values: Values
    origins: Mapping[str, str]


def resolve(
    front_matter: Mapping[str, object],
    environ: Mapping[str, str],
    overrides: Mapping[str, object],
    lines: Mapping[str, int] | None = None,
) -> Settings:
    """Settings from overrides (command line) over FEEDS_* over `_blog.md` over defaults."""
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        raw, origin = _pick(setting.name, front_matter, environ, overrides, lines or {})
        values[setting.name] = setting.default if raw is None else _check(setting, raw, origin)
        origins[setting.name] = origin
    return Settings(_typed(values), origins)


def _pick(
    name: str,
    front_matter: Mapping[str, object],
    environ: Mapping[str, str],
    overrides: Mapping[str, object],
    lines: Mapping[str, int],
) -> tuple[object, str]:
    env_name = "FEEDS_" + name.upper()
    if overrides.get(name) is not None:
        return overrides[name], "the command line"
    if environ.get(env_name):
        return environ[env_name], env_name
    if name in front_matter:
        line = lines.get(name)
        return front_matter[name], f"{BLOG_FILE}:{line}" if line else BLOG_FILE
    return None, "default"


def _check(setting: Setting, raw: object, origin: str) -> object:
    try:
        return setting.check(raw)
    except ValueError as exc:
        raise ConfigError(setting.name, f"{exc} (from {origin})") from exc


def unknown_settings(front_matter: Mapping[str, object]) -> list[str]:
    """Names in `_blog.md` that are not settings (warned about, not fatal)."""
    return [name for name in front_matter if name not in BY_NAME]
