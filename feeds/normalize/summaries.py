"""A post's summary (docs/reference.md §2.1, "summary")."""

from __future__ import annotations

import re

from feeds.normalize.body import Place, first_paragraph_text, fragment_text, render_body
from feeds.normalize.text import summarise

# Where the summary ends, as WordPress, Hugo and Jekyll (`excerpt_separator`) write it.
MORE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)


def summary_of(given: str | None, content: str, body: str = "", kind: str = "markdown",
               place: Place | None = None) -> str:
    """The summary: the one given (`summary`, `description`, `excerpt`); else all the
    text before a `<!--more-->` line in the body (several paragraphs, as the generators
    show it); else the text of the content's first paragraph. Cut to SUMMARY_LIMIT."""
    if given is not None:
        return summarise(given)
    cut = MORE.search(body)
    if cut is not None and place is not None:
        return summarise(fragment_text(render_body(body[:cut.start()], kind, place)))
    return summarise(first_paragraph_text(content))
