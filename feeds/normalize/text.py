"""Plain text: XML-safe cleaning, slugs and summaries."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Characters XML 1.0 forbids; no document may contain them (docs/reference.md §5.2).
_XML_ILLEGAL = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# Controls XML allows but no reader wants in a one-line field.
_C1_AND_NEL = re.compile("[\u007f-\u009f]")
_SLUG_JUNK = re.compile(r"[\W_]+", re.UNICODE)
# Latin letters that Unicode does not decompose into a base letter.
_LATIN = str.maketrans({"æ": "ae", "ø": "o", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l",
                        "þ": "th", "ð": "d", "ı": "i"})
SUMMARY_LIMIT = 280


def xml_safe(text: str) -> str:
    """Remove every character XML 1.0 does not allow (surrogates included)."""
    return _XML_ILLEGAL.sub("", text)


def clean_line(text: str) -> str:
    """A one-line field: entities to characters, XML-safe, spaces collapsed."""
    text = _C1_AND_NEL.sub(" ", xml_safe(html.unescape(text)))
    return " ".join(text.split())


@lru_cache(maxsize=8192)  # tags repeat across thousands of posts
def slugify(text: str) -> str:
    """Lower-case words joined by hyphens; empty when nothing is left.

    Latin letters lose their accents (Crème -> creme); other scripts keep their
    letters (Привет -> привет), percent-encoded where they go into a URL.
    """
    folded = unicodedata.normalize("NFKD", text.lower().translate(_LATIN))
    kept, base = [], ""
    for char in folded:
        if unicodedata.combining(char) and base.isascii():
            continue  # an accent on a Latin letter: dropped
        kept.append(char)
        base = base if unicodedata.combining(char) else char
    joined = unicodedata.normalize("NFC", "".join(kept))
    return _SLUG_JUNK.sub("-", joined).strip("-")[:80].strip("-")


def summarise(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut text at a word boundary to at most `limit` characters, with `…`."""
    text = clean_line(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"
