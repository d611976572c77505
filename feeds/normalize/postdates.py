"""When a post was published and updated: which field or file name says it
(docs/reference.md §2.1, §4.1)."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime

from feeds.errors import FieldError
from feeds.normalize.dates import parse_date
from feeds.normalize.work import Work, yaml_hint

DATE_PREFIX = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[-_ ]|$)")


def parse_field(work: Work, key: str, value: object) -> datetime:
    """The date a field gives; an error naming the field when it is none."""
    if isinstance(value, int | float):
        raise work.fail(key, f"`{key}` must be a date, not {yaml_hint(value)}")
    try:
        parsed = parse_date(value, work.ctx.dates)
    except FieldError as exc:
        raise work.fail(key, f"`{key}`: {exc}") from exc
    for message in parsed.warnings:
        work.warn(key, f"`{key}`: {message}")
    return parsed.value


def post_date(work: Work) -> datetime:
    """`date`, else the file name's YYYY-MM-DD prefix, else a `Date:` header line,
    else the file's modification time (docs/reference.md §2.1)."""
    given = work.get("date")
    if given is not None and work.raw.front != "headers":
        return parse_field(work, "date", given)
    match = DATE_PREFIX.match(posixpath.basename(work.raw.path))
    if match:
        return parse_field(work, "date", "-".join(match.groups()))
    if given is not None:
        return parse_field(work, "date", given)
    work.warn(None, "no `date` and no YYYY-MM-DD file name prefix: using the file's "
              "modification time")
    return work.raw.mtime


def post_updated(work: Work, date: datetime) -> datetime:
    """`updated`, never before `date`; `date` when absent."""
    if work.get("updated") is None:
        return date
    updated = parse_field(work, "updated", work.get("updated"))
    if updated < date:
        work.warn("updated", "`updated` is before `date`; using `date`")
        return date
    return updated
