"""Dates (docs/reference.md §4.1): every accepted spelling to timezone-aware UTC.

Nothing is ever filled in from today's date, and no zone is ever guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser
from dateutil import tz as dateutil_tz

from feeds.errors import FieldError, quote
from feeds.settings import DEFAULTS

MAX_DATE_LENGTH = 80
# Known abbreviations only: any other is an error, never a silent guess.
_ZONES = {
    "UTC": 0, "UT": 0, "GMT": 0, "Z": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
}
_ORDERS = {"MDY": (False, False), "DMY": (True, False), "YMD": (False, True)}
# Two defaults that differ in every field: a field the text did not give shows
# up as a difference between the two parses.
_DEFAULTS = (datetime(1904, 2, 3, 4, 5, 6), datetime(1972, 11, 28, 17, 33, 44))
_YEAR_FIRST = re.compile(r"^\d{4}[-/.]\d")
_POSIX_OFFSET = re.compile(r"\b(?:UTC|GMT|UT)\s*[+-]\s*\d", re.IGNORECASE)
# `2023-01-29 18:30:22 2023 -0800`: a date whose year is written again before its offset
# (a Jekyll post of jekyll/jekyll); Ruby's Time.parse, which Jekyll uses, reads it.
_YEAR_TWICE = re.compile(r"^(?P<year>\d{4})(?P<rest>-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d)?) "
                         r"(?P=year) (?P<offset>[+-]\d\d:?\d\d)$")
_IANA_TAIL = re.compile(r"^(?P<rest>.*\S)\s+(?P<zone>[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+)$")


@dataclass(frozen=True)
class DateContext:
    """What a date without a zone needs: the blog's zone and day/month order."""

    timezone: str = DEFAULTS.timezone
    date_order: str = DEFAULTS.date_order

    @property
    def zone(self) -> tzinfo:
        """The blog's zone as a tzinfo."""
        return UTC if self.timezone.upper() == "UTC" else ZoneInfo(self.timezone)


@dataclass(frozen=True)
class ParsedDate:
    """A UTC datetime and the warnings met on the way (DST gaps and overlaps)."""

    value: datetime
    warnings: tuple[str, ...] = ()


def parse_date(value: object, ctx: DateContext) -> ParsedDate:
    """Any accepted date value (str, YAML date or datetime) to aware UTC.

    Raises FieldError with a plain-words reason for anything else.
    """
    try:
        return _parse_date(value, ctx)
    except (OverflowError, ValueError, OSError) as exc:  # FieldError is none of these
        raise FieldError(f"{quote(value)} is out of the range of dates ({exc})") from exc


def _parse_date(value: object, ctx: DateContext) -> ParsedDate:
    if isinstance(value, datetime):
        return _from_datetime(value, ctx.zone)
    if isinstance(value, date):
        return _localise(datetime(value.year, value.month, value.day), ctx.zone)
    if isinstance(value, str):
        return parse_date_text(value, ctx)
    raise FieldError(f"{quote(value)} is not a date")


def parse_date_text(text: str, ctx: DateContext) -> ParsedDate:
    """Parse a date written as text (ISO 8601, RFC 822, free forms)."""
    text = " ".join(text.split())
    if not text:
        raise FieldError("the date is empty")
    if len(text) > MAX_DATE_LENGTH:
        raise FieldError(f"{quote(text[:20])}… is too long to be a date")
    if _POSIX_OFFSET.search(text):
        raise FieldError(f"{quote(text)}: write the offset as +03:00, not UTC+3 (whose sign "
                         "readers disagree on)")
    twice = _YEAR_TWICE.match(text)
    if twice is not None:
        once = parse_date_text(f"{twice['year']}{twice['rest']} {twice['offset']}", ctx)
        return ParsedDate(once.value, (*once.warnings, f"{quote(text)} gives the year twice: "
                                       "read as Ruby (Jekyll) reads it, the second left out"))
    iso = _iso(text)
    if iso is not None:
        return _from_datetime(iso, ctx.zone)
    match = _IANA_TAIL.match(text)
    if match:
        return _localise(_free_form(match["rest"], ctx, naive=True), _iana(match["zone"]))
    return _from_datetime(_free_form(text, ctx, naive=False), ctx.zone)


def _iso(text: str) -> datetime | None:
    """The fast path: ISO 8601 / RFC 3339, full dates only."""
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _free_form(text: str, ctx: DateContext, naive: bool) -> datetime:
    # A date that starts with its year is year-month-day whatever the blog's order.
    dayfirst, yearfirst = (False, True) if _YEAR_FIRST.match(text) else _ORDERS[ctx.date_order]
    unknown: list[str] = []
    try:
        first, second = (
            dateutil_parser.parse(text, default=d, dayfirst=dayfirst, yearfirst=yearfirst,
                                  tzinfos=lambda name, offset: _zone_for(name, offset, unknown))
            for d in _DEFAULTS
        )
    except (ValueError, OverflowError) as exc:
        _raise_unknown_zone(unknown)
        raise FieldError(f"{quote(text)} is not a date I can read") from exc
    _raise_unknown_zone(unknown)
    _require_fields(text, first, second)
    if naive and first.tzinfo is not None:
        raise FieldError(f"{quote(text)} gives two time zones")
    return _zero_missing_time(first, second)


def _raise_unknown_zone(unknown: list[str]) -> None:
    if unknown:
        raise FieldError(
            f"unknown time zone {quote(unknown[0])}; use a numeric offset, UTC or an IANA name"
        )


def _require_fields(text: str, first: datetime, second: datetime) -> None:
    for name in ("year", "month", "day"):
        if getattr(first, name) != getattr(second, name):
            raise FieldError(f"{quote(text)} has no {name}; write the full date")


def _zero_missing_time(first: datetime, second: datetime) -> datetime:
    """A date alone is 00:00; a time without seconds has 0 seconds."""
    def given(name: str) -> int:
        value: int = getattr(first, name)
        return value if value == getattr(second, name) else 0

    return first.replace(hour=given("hour"), minute=given("minute"), second=given("second"),
                         microsecond=given("microsecond"))


def _zone_for(name: str | None, offset: int | None, unknown: list[str]) -> tzinfo | None:
    """dateutil's zone hook: numeric offsets and known abbreviations only.

    An unknown name is recorded, not raised: dateutil swallows exceptions here.
    """
    if name is None:
        return None if offset is None else dateutil_tz.tzoffset(None, offset)
    hours = _ZONES.get(name.upper())
    if hours is None:
        unknown.append(name)
        return None
    return dateutil_tz.tzoffset(None, hours * 3600)


def _iana(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise FieldError(f"unknown time zone {quote(name)}") from exc


def _from_datetime(value: datetime, zone: tzinfo) -> ParsedDate:
    if value.tzinfo is None or value.utcoffset() is None:
        return _localise(value, zone)
    return ParsedDate(value.astimezone(UTC))


def _localise(naive: datetime, zone: tzinfo) -> ParsedDate:
    """A wall-clock time in `zone` to UTC: gaps move forward, overlaps take the first."""
    first = naive.replace(tzinfo=zone, fold=0)
    second = naive.replace(tzinfo=zone, fold=1)
    value = first.astimezone(UTC)
    if value.astimezone(zone).replace(tzinfo=None) != naive:
        moved = value.astimezone(zone).replace(tzinfo=None)
        return ParsedDate(value, (f"{naive} does not exist in {zone} (clocks went forward); "
                                  f"read as {moved}",))
    if first.utcoffset() != second.utcoffset():
        return ParsedDate(value, (f"{naive} happens twice in {zone} (clocks went back); "
                                  "read as the first",))
    return ParsedDate(value)


def rfc3339(value: datetime) -> str:
    """RFC 3339 text of a UTC datetime, as Atom and JSON Feed want it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def local_date(value: datetime, ctx: DateContext) -> date:
    """The calendar date of a UTC instant in the blog's zone."""
    return value.astimezone(ctx.zone).date()

