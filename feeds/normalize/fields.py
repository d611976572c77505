"""Which front-matter fields a post may have, and what other generators' fields mean here
(docs/reference.md §2.1, "Fields of other generators").

A blog moved from Jekyll, Hugo, Pelican, Zola or the Go blog keeps its files as they are.
Their fields are read in three ways: those that mean one of ours are read as ours (`by` is
`authors`, `lastmod` is `updated`); those only their templates use (`layout`, `weight`) are
accepted silently; the rest are kept in `extra` and warned about once each, since the
publisher may want to know that nothing reads them. Other generators' names are matched
ignoring case: Hugo reads `publishDate` and `publishdate` alike, Pelican writes `Category:`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from feeds.errors import Problem, Severity
from feeds.normalize.addresses import FIELDS as ADDRESS_FIELDS
from feeds.normalize.episode import FIELDS as EPISODE_FIELDS
from feeds.normalize.work import Context, Work
from feeds.sources.frontmatter import RawPost

KNOWN_FIELDS = frozenset({
    "title", "date", "updated", "author", "authors", "tags", "categories", "summary",
    "slug", "id", "link", "image", "image_caption", "enclosures", "draft", "lang",
}) | EPISODE_FIELDS | ADDRESS_FIELDS

# Other generators' fields that mean one of ours, read as ours when ours is not given.
SYNONYMS: Mapping[str, str] = MappingProxyType({
    "by": "authors",  # the Go blog
    "publishdate": "date", "pubdate": "date",  # Hugo
    "lastmod": "updated",  # Hugo
    "modified": "updated",  # Pelican
    "last_modified_at": "updated",  # Jekyll (jekyll-last-modified-at, jekyll-seo-tag)
    "description": "summary",  # Jekyll (jekyll-feed's summary), Hugo, Zola
    "excerpt": "summary",  # Jekyll
    "canonical_url": "link", "canonical": "link",  # Hugo (Docsy), nodejs.org
})
# Fields that are tags, in the order they are read (Jekyll, Pelican and nodejs.org write
# one `category`; Zola keeps tags under `[taxonomies]`, read as the two keys below).
TAG_FIELDS = ("tags", "categories", "category", "taxonomies.tags", "taxonomies.categories")
# Fields only a generator's templates, theme or tools read: nothing to say about them.
LAYOUT_FIELDS = frozenset({
    "layout", "template", "weight", "type", "menu", "outputs", "markup", "headless",
    "build", "cascade", "translationkey", "keywords", "toc", "sitemap", "comments",
    "share", "linktitle", "body_class", "cspell:ignore", "spelling", "no_list",
    "hide_summary", "extra", "in_search_index", "render", "insert_anchor_links",
    "save_as", "translation", "thumbnail", "excerpt_separator", "iscjklanguage",
    "crosspost_url", "sort_by", "index_title", "index_html", "generate_feeds",
})
# Fields whose value says the post is not published: `published: false` (Jekyll),
# `status: draft` or `hidden` (Pelican), `private`/`pending` (WordPress).
_UNPUBLISHED_STATUS = frozenset({"draft", "hidden", "private", "pending"})
# Zola's `path = "2026/08/20/slug"` (or under a section, "inside-rust/2022/08/16/slug"):
# the address, and the only place its date is written.
_PATH_DATE = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})(?:/|$)")
_NOTES = MappingProxyType({
    "expirydate": "`{key}`: feeds does not take a post down at its expiry date; delete "
                  "the file or set `draft: true` then",
})


def start(raw: RawPost, ctx: Context) -> Work:
    """The post's fields as ours (other generators' read as what they mean), with the
    name each was written under, for the lines of warnings and errors."""
    meta: dict[str, object] = {}
    origin: dict[str, str] = {}
    for key, value in raw.meta.items():
        _adopt(meta, origin, key, value)
    for key, (value, written) in _derived(meta, raw.meta).items():
        if key not in meta:
            meta[key], origin[key] = value, written
    return Work(raw, ctx, meta=MappingProxyType(meta), origin=MappingProxyType(origin))


def _adopt(meta: dict[str, object], origin: dict[str, str], key: str, value: object) -> None:
    """One field written as `key`: ours under our name; a synonym under ours, unless ours
    is given (ours wins, wherever it stands in the file)."""
    lower = key.lower()
    ours = key if key in KNOWN_FIELDS else SYNONYMS.get(lower, lower)
    if ours in KNOWN_FIELDS and (ours not in meta or key == ours):
        meta[ours], origin[ours] = value, key
    if lower == "category":
        meta["category"], origin["category"] = value, key
    if lower == "taxonomies" and isinstance(value, dict):
        for name in ("tags", "categories"):
            if value.get(name) is not None:
                meta[f"taxonomies.{name}"], origin[f"taxonomies.{name}"] = value[name], key


def _derived(meta: Mapping[str, object], raw: Mapping[str, object]
             ) -> dict[str, tuple[object, str]]:
    """What other generators say through fields of their own: that the post is not
    published, and Zola's date in `path`; each with the name it was written under."""
    written = {k.lower(): k for k in raw}
    found: dict[str, tuple[object, str]] = {}
    published = raw.get(written.get("published", ""))
    status = raw.get(written.get("status", ""))
    if published is False or str(published).strip().lower() in ("false", "no"):
        found["draft"] = (True, written["published"])
    elif isinstance(status, str) and status.strip().lower() in _UNPUBLISHED_STATUS:
        found["draft"] = (True, written["status"])
    path = raw.get(written.get("path", ""))
    match = _PATH_DATE.search(path) if isinstance(path, str) else None
    if match and "date" not in meta:
        found["date"] = ("-".join(match.groups()), written["path"])
    return found


def check_fields(work: Work) -> None:
    """Warn once about each field nothing reads (it is kept in `extra`), and about
    other generators' fields whose meaning feeds does not follow; and about what was
    taken out of the front matter before it was read."""
    for line, message in work.raw.notes:
        work.warnings.append(Problem(work.raw.path, line, Severity.WARNING, message))
    for key in work.raw.meta:
        lower = key.lower()
        if lower in _NOTES:
            work.warn(key, _NOTES[lower].format(key=key))
        elif not is_read(key):
            work.warn(key, f"unknown field `{key}` (kept in extra)")


def is_read(key: str) -> bool:
    """Whether a field is one of ours, another generator's that means one of ours, or one
    only layouts use."""
    lower = key.lower()
    return (key in KNOWN_FIELDS or lower in KNOWN_FIELDS or lower in SYNONYMS
            or lower in LAYOUT_FIELDS or lower in _HANDLED)


# Other generators' fields read above through what they say (`_adopt`, `_derived`).
_HANDLED = frozenset({"category", "taxonomies", "published", "status", "path"})
