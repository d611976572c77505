"""A post's summary (docs/reference.md §4.3)."""

from __future__ import annotations

from feeds.normalize.body import first_paragraph_text
from feeds.normalize.text import summarise


def summary_of(given: str | None, content: str) -> str:
    """The summary: the one given, else the text of the first paragraph of the content."""
    return summarise(given if given is not None else first_paragraph_text(content))
