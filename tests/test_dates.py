"""docs/reference.md §4.1: every date form, zone rule and error, one row per case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from feeds.errors import FieldError
from feeds.normalize.dates import DateContext, parse_date, rfc3339

OSLO = DateContext("Europe/Oslo")
UTC_CTX = DateContext("UTC")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


ACCEPTED = [
    # (value, context, expected UTC)
    ("2014-12-10T09:30:00+03:00", OSLO, utc(2014, 12, 10, 6, 30)),
    ("2014-12-10T09:30:00Z", OSLO, utc(2014, 12, 10, 9, 30)),
    ("2014-12-10T09:30:00.250-05:00", OSLO, datetime(2014, 12, 10, 14, 30, 0, 250000, UTC)),
    ("2014-12-10 09:30:00 +0530", OSLO, utc(2014, 12, 10, 4, 0)),
    ("2014-12-10", OSLO, utc(2014, 12, 9, 23, 0)),  # a date alone is 00:00 in the blog's zone
    ("2014-12-10", UTC_CTX, utc(2014, 12, 10)),
    ("2014-07-10 21:30", OSLO, utc(2014, 7, 10, 19, 30)),  # no zone: the blog's zone (CEST)
    ("Wed, 10 Dec 2014 09:30:00 +0300", OSLO, utc(2014, 12, 10, 6, 30)),  # RFC 822
    ("Wed, 10 Dec 2014 09:30:00 GMT", OSLO, utc(2014, 12, 10, 9, 30)),
    ("Wed, 10 Dec 2014 09:30:00 UTC", OSLO, utc(2014, 12, 10, 9, 30)),
    ("Wed, 10 Dec 2014 09:30:00 EST", OSLO, utc(2014, 12, 10, 14, 30)),
    ("Thu, 10 Jul 2014 09:30:00 EDT", OSLO, utc(2014, 7, 10, 13, 30)),
    ("10 Dec 2014 09:30 CST", OSLO, utc(2014, 12, 10, 15, 30)),
    ("10 Jul 2014 09:30 CDT", OSLO, utc(2014, 7, 10, 14, 30)),
    ("10 Dec 2014 09:30 MST", OSLO, utc(2014, 12, 10, 16, 30)),
    ("10 Jul 2014 09:30 MDT", OSLO, utc(2014, 7, 10, 15, 30)),
    ("10 Dec 2014 09:30 PST", OSLO, utc(2014, 12, 10, 17, 30)),
    ("10 Jul 2014 09:30 PDT", OSLO, utc(2014, 7, 10, 16, 30)),
    ("December 10, 2014 9:30 AM", OSLO, utc(2014, 12, 10, 8, 30)),  # free form, local
    ("10 Dec 2014", OSLO, utc(2014, 12, 9, 23, 0)),
    ("2014-12-10 09:30 America/New_York", OSLO, utc(2014, 12, 10, 14, 30)),  # IANA name
    ("03/04/2024", DateContext("UTC", "MDY"), utc(2024, 3, 4)),
    ("03/04/2024", DateContext("UTC", "DMY"), utc(2024, 4, 3)),
    ("2024/03/04", DateContext("UTC", "YMD"), utc(2024, 3, 4)),
    (date(2014, 12, 10), OSLO, utc(2014, 12, 9, 23, 0)),  # YAML date
    (datetime(2014, 12, 10, 9, 30), OSLO, utc(2014, 12, 10, 8, 30)),  # YAML naive datetime
    (datetime(2014, 12, 10, 9, 30, tzinfo=timezone(timedelta(hours=2))), OSLO,
     utc(2014, 12, 10, 7, 30)),  # YAML aware datetime
]


@pytest.mark.parametrize(("value", "ctx", "expected"), ACCEPTED, ids=[str(r[0]) for r in ACCEPTED])
def test_accepted_dates(value: object, ctx: DateContext, expected: datetime) -> None:
    parsed = parse_date(value, ctx)
    assert parsed.value == expected
    assert parsed.value.tzinfo is UTC
    assert parsed.warnings == ()


REJECTED = [
    # (value, words the reason must contain)
    ("10:30", "no year"),  # a time alone: never today's date
    ("9:30 AM", "no year"),
    ("December 10", "no year"),
    ("12/10", "no year"),
    ("December 2014", "no day"),
    ("2014", "no month"),
    ("10 Dec 2014 09:30 CET", "unknown time zone 'CET'"),  # only the US abbreviations
    ("10 Dec 2014 09:30 XYZ", "unknown time zone 'XYZ'"),
    ("2014-12-10 09:30 Mars/Olympus", "unknown time zone"),
    ("the day after tomorrow", "not a date"),
    ("", "empty"),
    ("   ", "empty"),
    ("9" * 400, "too long"),
    ("9" * 30, "not a date"),  # dateutil's OverflowError, caught
    ("2014-02-30", "not a date"),
    (True, "not a date"),
    (20141210, "not a date"),
    (["2014-12-10"], "not a date"),
    ("10 Dec 2014 09:30 GMT+3", "not UTC"),  # dateutil would read it as -03:00
    ("2014-12-10T09:30:00 UTC-5", "not UTC"),
    ("2014-12-10T09:30:00+25:00", "out of the range"),
    ("0001-01-01", "out of the range"),  # before UTC's year 1 in Oslo
    ("9999-12-31T23:00:00-05:00", "out of the range"),
    (date(1, 1, 1), "out of the range"),
    ("2014-12-10 09:30 America/Argentina", "unknown time zone"),  # a folder, not a zone
]


@pytest.mark.parametrize(("value", "reason"), REJECTED, ids=[repr(r[0])[:30] for r in REJECTED])
def test_rejected_dates(value: object, reason: str) -> None:
    with pytest.raises(FieldError, match=reason.replace("(", r"\(")):
        parse_date(value, OSLO)


def test_dst_gap_moves_forward_with_a_warning() -> None:
    parsed = parse_date("2024-03-31 02:30", OSLO)  # clocks jump 02:00 -> 03:00
    assert parsed.value == utc(2024, 3, 31, 1, 30)  # 03:30 local (CEST)
    assert "does not exist" in parsed.warnings[0]


def test_a_year_written_twice_is_read_as_ruby_reads_it() -> None:
    """Issue 11: jekyll/jekyll's 2023-01-29-jekyll-3-9-3-released.markdown."""
    parsed = parse_date("2023-01-29 18:30:22 2023 -0800", OSLO)
    assert parsed.value == utc(2023, 1, 30, 2, 30, 22)
    assert "gives the year twice" in parsed.warnings[0]
    with pytest.raises(FieldError, match="not a date"):
        parse_date("2023-01-29 18:30:22 2022 -0800", OSLO)  # two different years


def test_dst_overlap_takes_the_first_occurrence_with_a_warning() -> None:
    parsed = parse_date("2024-10-27 02:30", OSLO)  # 02:00-03:00 happens twice
    assert parsed.value == utc(2024, 10, 27, 0, 30)  # the first, still CEST (+02:00)
    assert "happens twice" in parsed.warnings[0]


def test_nothing_comes_from_today() -> None:
    # dateutil fills a missing date from today; we must refuse instead.
    with pytest.raises(FieldError):
        parse_date("23:59:59", UTC_CTX)


def test_rfc3339_writes_z() -> None:
    assert rfc3339(utc(2024, 5, 2, 8, 0)) == "2024-05-02T08:00:00Z"
