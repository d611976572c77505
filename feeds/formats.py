"""The post formats: what each file name ending means, decided here once
(docs/reference.md §2).

Every stage asks this table: the listing (which files are posts), front matter
(which may open with a `Key: value` block), normalisation (where a title may
come from, which file may be a page saved as text) and body rendering.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Literal

Body = Literal["markdown", "mdx", "text", "html"]


@dataclass(frozen=True)
class Format:
    """One post format.

    `body`: how the body becomes HTML. `header_block`: the file may open with
    `Key: value` lines instead of a YAML or TOML block. `heading_title`: without
    a `title`, the body's first line gives it ("# Heading" in Markdown, the first
    line of text). `text_page`: without front matter, the file may be a page
    saved as text from a browser. `whole_file`: the index must read the whole
    file, not its head (a saved page is understood from its end too).
    """

    body: Body
    suffixes: tuple[str, ...]
    header_block: bool = False
    heading_title: bool = False
    text_page: bool = False

    @property
    def whole_file(self) -> bool:
        return self.text_page


FORMATS: tuple[Format, ...] = (
    Format("markdown", (".md", ".markdown"), header_block=True, heading_title=True),
    Format("text", (".txt",), header_block=True, heading_title=True, text_page=True),
    Format("html", (".html",)),
    # Markdown with JSX (nodejs.org's blog): read as Markdown, the JSX left out (issue 11).
    Format("mdx", (".mdx",), heading_title=True),
)
_BY_SUFFIX = {suffix: fmt for fmt in FORMATS for suffix in fmt.suffixes}
POST_SUFFIXES = frozenset(_BY_SUFFIX)


def of(rel: str) -> Format | None:
    """The format of the file `rel` (by its ending, in any case); None: not a post."""
    return _BY_SUFFIX.get(posixpath.splitext(rel)[1].lower())


def of_post(rel: str) -> Format:
    """The format of a file already taken as a post (Markdown for the blog file)."""
    found = of(rel)
    if found is None:
        raise ValueError(f"{rel!r} is not a post file name")
    return found
