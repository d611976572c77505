"""Which front-matter fields a post may have, and what is said about the others
(docs/reference.md §2.1)."""

from __future__ import annotations

from feeds.normalize.addresses import FIELDS as ADDRESS_FIELDS
from feeds.normalize.episode import FIELDS as EPISODE_FIELDS
from feeds.normalize.work import Work

KNOWN_FIELDS = frozenset({
    "title", "date", "updated", "author", "authors", "tags", "categories", "summary",
    "slug", "id", "link", "image", "image_caption", "enclosures", "draft", "lang",
}) | EPISODE_FIELDS | ADDRESS_FIELDS


def check_fields(work: Work) -> None:
    """Warn about every field that is not one of ours (it is kept in `extra`)."""
    for key in work.raw.meta:
        if key not in KNOWN_FIELDS:
            work.warn(key, f"unknown field `{key}` (kept in extra)")
