"""The blog description (docs/reference.md §3): settings and About text to a `Blog`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from feeds.errors import ConfigError, FieldError, Problem, Severity, quote
from feeds.model import Author, Blog
from feeds.normalize.addresses import check_pattern
from feeds.normalize.authors import Registry, make_author, parse_authors
from feeds.normalize.body import Place, file_url, first_paragraph_text, render_body
from feeds.normalize.podcast import Defaults, make_podcast
from feeds.normalize.text import clean_line, slugify, summarise
from feeds.settings import BLOG_FILE, Settings, Values, resolve

# Post ids' authority when neither `id_authority` nor `link` gives one.
_NO_AUTHORITY = "localhost"


@dataclass(frozen=True)
class BlogSource:
    """What a Blog is made from besides its settings."""

    settings: Settings
    about: str
    folder_name: str
    base_url: str
    assets: frozenset[str]


def make_blog(source: BlogSource) -> tuple[Blog, list[Problem]]:
    """The channel record, with warnings about what had to be assumed."""
    s = source.settings.values
    place = Place("", source.base_url + "about", source.base_url + "files/", source.assets)
    about_html = render_body(source.about, "markdown", place)
    registry = make_registry(s.authors)
    title = clean_line(s.title or source.folder_name) or "Blog"
    warnings: list[Problem] = []
    description = clean_line(s.description or "") or summarise(first_paragraph_text(about_html))
    authors = _default_authors(s, registry, warnings)
    image = _asset_url(s.image, place, "image")
    podcast = make_podcast(s.podcast, Defaults(title, authors, image, s.language,
                                               source.base_url, place), warnings)
    blog = Blog(
        title=title,
        base_url=source.base_url,
        description=description or title,
        about_html=about_html,
        language=s.language,
        timezone=s.timezone,
        date_order=s.date_order,
        default_authors=authors,
        registry=tuple((a, _aliases(s.authors, a.id)) for a in registry.authors),
        id_authority=_authority(s, warnings),
        image=image,
        icon=_asset_url(s.icon, place, "icon"),
        copyright=clean_line(s.copyright or "") or None,
        feed_limit=s.feed_limit,
        feed_max_bytes=s.feed_max_bytes,
        archive_size=s.archive_size,
        cache_seconds=s.cache_seconds,
        hubs=s.hub,
        chrome=s.chrome,
        max_post_bytes=s.max_post_bytes,
        max_front_matter_bytes=s.max_front_matter_bytes,
        max_tags=s.max_tags,
        podcast=podcast,
        podcast_limit=s.podcast_limit,
        described=bool(description),
        permalink=_patterns(s.permalink),
    )
    return blog, warnings


def _patterns(patterns: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    for style, pattern in patterns:
        problem = check_pattern(style, pattern)
        if problem is not None:
            raise ConfigError("permalink", f"{quote(pattern)} ({style}): {problem}")
    return patterns


def default_blog(base_url: str, **fields: Any) -> Blog:
    """The Blog of a folder with no `_blog.md` and no About text, every setting at its
    default, then `fields` changed: for tests and tools that need one without a folder
    (so that no default is written twice)."""
    source = BlogSource(resolve({}, {}, {}), "", "Blog", base_url, frozenset())
    return replace(make_blog(source)[0], **fields)


def registry_of(blog: Blog) -> Registry:
    """The blog's author registry, ready for matching."""
    return Registry.build(blog.registry)


def make_registry(entries: Mapping[str, Any]) -> Registry:
    """The `authors` setting to a Registry; a bad entry is a ConfigError."""
    return Registry.build((_registry_author(key, value), _aliases(entries, key))
                          for key, value in entries.items())


def _registry_author(key: object, value: object) -> Author:
    """One registry entry; its id is matched ignoring case (`MikeMcQuaid` is `mikemcquaid`),
    so it is written so."""
    if not isinstance(key, str) or slugify(key) != key.lower():
        raise ConfigError("authors", f"author id {quote(key)} must be letters, digits and "
                          "hyphens")
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict) or not isinstance(value.get("name"), str) \
            or not clean_line(value["name"]):
        raise ConfigError("authors", f"author {quote(key)} needs a `name`")
    try:
        return make_author(key.lower(), value["name"], value.get("email"), value.get("uri"))
    except FieldError as exc:
        raise ConfigError("authors", f"author {quote(key)}: {exc}") from exc


def _aliases(entries: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = entries.get(key)
    aliases = value.get("aliases", []) if isinstance(value, dict) else []
    if isinstance(aliases, str):
        aliases = [aliases]
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError("authors", f"author {quote(key)}: aliases must be a list of names")
    return tuple(aliases)


def _default_authors(
    s: Values, registry: Registry, warnings: list[Problem]
) -> tuple[Author, ...]:
    if s.author is None:
        warnings.append(Problem(BLOG_FILE, None, Severity.WARNING,
                                "no default `author`: posts without one are credited to the blog"))
        return ()
    try:
        return parse_authors(s.author, registry)
    except FieldError as exc:
        raise ConfigError("author", str(exc)) from exc


def _authority(s: Values, warnings: list[Problem]) -> str:
    if s.id_authority:
        return s.id_authority
    if s.link:
        return urlsplit(s.link).hostname or _NO_AUTHORITY
    warnings.append(Problem(BLOG_FILE, None, Severity.WARNING,
                            f"no `link` or `id_authority`: post ids use '{_NO_AUTHORITY}' and will "
                            "change when you set one"))
    return _NO_AUTHORITY


def _asset_url(value: str | None, place: Place, name: str) -> str | None:
    if value is None:
        return None
    resolved = file_url(value, place)
    if resolved is None:
        raise ConfigError(name, f"{quote(value)} is neither a file under posts/ nor an "
                          "http(s) URL")
    return resolved
