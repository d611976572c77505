"""Where a post's URL name comes from when it has no `slug` field, as the generator it
was written for would take it (docs/reference.md §4.3): the file name without its date
prefix; a page bundle's folder name (Hugo, Zola: `name/index.md`); the title of a
Pelican article (Pelican slugs the title, so its files may all be named alike).
"""

from __future__ import annotations

import posixpath
import re

from feeds.normalize.postdates import DATE_PREFIX
from feeds.sources.frontmatter import RawPost

BUNDLE_STEM = "index"  # Hugo's leaf bundle and Zola's page with assets: `name/index.md`
# Pelican's slugify, with its default substitutions, removes what is neither a word
# character, a space nor a hyphen before it joins the words (docs/reference.md §4.3):
# "Rust 0.7" is `rust-07`, not `rust-0-7`.
_PELICAN_DROPS = re.compile(r"[^\w\s-]")


def slug_source(raw: RawPost, title: str) -> str:
    """The text a post's slug is made from when its front matter gives none."""
    if is_pelican(raw):
        return _PELICAN_DROPS.sub("", title)
    stem = posixpath.splitext(posixpath.basename(raw.path))[0]
    folder = posixpath.basename(posixpath.dirname(raw.path))
    if stem == BUNDLE_STEM and folder:
        stem = folder
    return DATE_PREFIX.sub("", stem) or stem


def is_pelican(raw: RawPost) -> bool:
    """A Pelican article: `Key: value` metadata with a `Category` line, which Pelican
    gives every article and our own header posts do not need. Pelican names the page
    after the title (SLUGIFY_SOURCE = 'title'), never after the file."""
    return raw.front == "headers" and "category" in raw.meta
