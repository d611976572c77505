"""Pages saved as text (docs/reference.md §2.3): an article with its site around it.

Publishers save a web page as text: navigation lines, the title, a photo
caption saved twice, the article, the author's signature, then more of the
site. This finds the article in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Lines that are site chrome wherever they stand (and the blog's own `chrome`).
BUILT_IN_CHROME = (
    "Skip to main content", "Skip to content", "Accessibility links", "Breaking News",
    "Share", "Share this", "Print", "Menu", "Search", "Home", "Sign in", "Log in",
    "Subscribe", "Advertisement", "Latest Posts", "Related Posts", "Comments", "Close",
    "Back to top", "Toggle navigation", "Main menu", "Cookie settings",
)
_SIGNATURE = re.compile(r"^(?:--+|—|–|By)\s+(?P<names>\S.*?)\s*$")
_ABOUT = re.compile(r"^about\s+this\s+blog:?$", re.IGNORECASE)
_MAX_SIGNATURE_WORDS = 12


@dataclass(frozen=True)
class TextPage:
    """What a saved page holds: its title, article, signature and About text."""

    title: str
    body: str
    authors: str | None
    about: str | None


def read_text_page(text: str, chrome: tuple[str, ...] = ()) -> TextPage:
    """Drop chrome and doubled lines; find the title, the signature and the About text."""
    drop = {" ".join(c.split()).casefold() for c in (*BUILT_IN_CHROME, *chrome)}
    lines = _undoubled([line for line in text.split("\n")
                        if " ".join(line.split()).casefold() not in drop])
    start = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    title = lines[start].strip() if start < len(lines) else ""
    rest = lines[start + 1:]
    at = _signature_at(rest)
    if at is None:
        return TextPage(title, "\n".join(rest).strip("\n"), None, None)
    match = _SIGNATURE.match(rest[at].strip())
    authors = match["names"] if match else None
    return TextPage(title, "\n".join(rest[:at]).strip("\n"), authors, _about(rest[at + 1:]))


def _undoubled(lines: list[str]) -> list[str]:
    """A non-blank line repeated on the next line (alt text and caption) is kept once."""
    kept: list[str] = []
    for line in lines:
        if kept and line.strip() and line.strip() == kept[-1].strip():
            continue
        kept.append(line)
    return kept


def _signature_at(lines: list[str]) -> int | None:
    """The last signature line standing alone after some of the article.

    A `By Name` right under the title is a byline, not the end of the article.
    """
    first_text = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    for i in range(len(lines) - 1, first_text, -1):
        line = lines[i].strip()
        alone = (i == 0 or not lines[i - 1].strip()) and \
            (i + 1 == len(lines) or not lines[i + 1].strip())
        match = _SIGNATURE.match(line)
        if alone and match and len(match["names"].split()) <= _MAX_SIGNATURE_WORDS:
            return i
    return None


def _about(lines: list[str]) -> str | None:
    """The paragraph after an `About This Blog` heading, if there is one."""
    for i, line in enumerate(lines):
        if _ABOUT.match(line.strip()):
            paragraph: list[str] = []
            for following in lines[i + 1:]:
                if following.strip():
                    paragraph.append(following.strip())
                elif paragraph:
                    break
            return " ".join(paragraph) or None
    return None
