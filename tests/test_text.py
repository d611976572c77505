"""Slugs, summaries and XML-safe text."""

from __future__ import annotations

import pytest

from feeds.normalize.text import clean_line, slugify, summarise, xml_safe

SLUGS = [
    ("First Light", "first-light"),
    ("  Ærø & Åland: a trip!  ", "aero-aland-a-trip"),
    ("2024 in review", "2024-in-review"),
    ("Crème brûlée", "creme-brulee"),
    ("---", ""),
    ("日本", "日本"),  # other scripts keep their letters
    ("Привет, мой мир", "привет-мой-мир"),  # й stays й: only Latin letters lose accents
    ("Ελλάδα 2024", "ελλάδα-2024"),
    ("a_b", "a-b"),
]


@pytest.mark.parametrize(("text", "slug"), SLUGS)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_xml_safe_removes_every_illegal_character() -> None:
    text = "a\x00b\x01c\x08d\x0be\x0cf\x1fg\ud800h\ufffei\uffffj\tk\nl\rm😀"
    assert xml_safe(text) == "abcdefghij\tk\nl\rm😀"


def test_clean_line_unescapes_entities_and_collapses_space() -> None:
    assert clean_line("  Fish &amp; Chips&nbsp;&mdash; \x01 now \x85 ") == "Fish & Chips — now"


SUMMARIES = [
    ("Short text.", "Short text."),
    ("word " * 100, ("word " * 56).strip() + "…"),
    ("x" * 300, "x" * 279 + "…"),
    ("Ends with a comma, " + "y" * 270 + " tail", "Ends with a comma…"),
]


@pytest.mark.parametrize(("text", "summary"), SUMMARIES, ids=range(len(SUMMARIES)))
def test_summarise_cuts_at_a_word_boundary(text: str, summary: str) -> None:
    result = summarise(text)
    assert result == summary
    assert len(result) <= 280
