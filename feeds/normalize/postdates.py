"""When a post was published and updated: which field or file name says it
(docs/reference.md §2.1, §4.1)."""

from __future__ import annotations

import posixpath
import re
from datetime import datetime

from feeds.errors import FieldError
from feeds.normalize.dates import local_date, parse_date
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
    """`date` (or a `Date:` header line, or another generator's date field), else the
    file name's YYYY-MM-DD prefix, else the file's modification time (docs/reference.md
    §2.1). An explicit date always wins; a file name on another day is warned about."""
    given = work.get("date")
    match = DATE_PREFIX.match(posixpath.basename(work.raw.path))
    if given is None and match:
        return parse_field(work, "date", "-".join(match.groups()))
    if given is None:
        work.warn(None, "no `date` and no YYYY-MM-DD file name prefix: using the file's "
                  "modification time")
        return work.raw.mtime
    date = parse_field(work, "date", given)
    named = "-".join(match.groups()) if match else None
    day = local_date(date, work.ctx.dates).isoformat()
    if named is not None and named != day:
        work.warn("date", f"`date` is on {day} but the file name says {named}: using `date`")
    return date


def post_updated(work: Work, date: datetime) -> datetime:
    """`updated`, never before `date`; `date` when absent."""
    if work.get("updated") is None:
        return date
    updated = parse_field(work, "updated", work.get("updated"))
    if updated < date:
        work.warn("updated", "`updated` is before `date`; using `date`")
        return date
    return updated
