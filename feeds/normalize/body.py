"""Bodies to safe HTML (docs/reference.md §2.2, §5.2).

Markdown goes through cmark-gfm (CommonMark with GitHub's tables,
strikethrough and autolinks, in C: a fraction of a millisecond a post), text
through a paragraph and link pass, and every result through an allowlist
sanitiser (nh3) that also makes relative URLs absolute. Raw HTML is let through
the Markdown step on purpose: the sanitiser decides. No input can make the HTML
unsafe or the XML malformed.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote, urljoin, urlsplit

import lxml.html
import nh3
from linkify_it import LinkifyIt

from feeds import formats
from feeds.normalize import markdown, mdx
from feeds.normalize.nesting import MAX_DEPTH, cap_nesting
from feeds.normalize.text import xml_safe

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Raw HTML passes cmark (nh3 sanitises after); smart punctuation stays off.
_CMARK_OPTIONS = markdown.UNSAFE
# Not GitHub's tagfilter: it would leave <script> bodies as visible text; nh3 drops them.
_CMARK_EXTENSIONS = ["table", "strikethrough", "autolink"]
TAGS = frozenset(nh3.ALLOWED_TAGS) - {"map", "area"}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})
MAX_HTML_CHARS = 16 * 1024 * 1024  # the HTML handed to the sanitiser, at most


@dataclass(frozen=True)
class Place:
    """Where a body lives, for resolving its relative URLs.

    `folder` is the post's folder under posts/ ("" at the top), `page_url` the
    post's absolute URL, `files_url` the absolute URL of /files/, and `assets`
    the paths of every asset under posts/.
    """

    folder: str
    page_url: str
    files_url: str
    assets: frozenset[str]


@lru_cache(maxsize=1)
def _linkify() -> LinkifyIt:
    return LinkifyIt()


@dataclass(frozen=True)
class Body:
    """A rendered body, and what had to be changed to render it: (line of the body,
    message) pairs, the line None when unknown."""

    html: str
    notes: tuple[tuple[int | None, str], ...] = ()


def render_body(text: str, kind: str, place: Place) -> str:
    """A post body (`markdown`, `text` or `html`) to sanitised, absolute HTML."""
    return render(text, kind, place).html


def render(text: str, kind: str, place: Place) -> Body:
    """`render_body`, with notes on nesting cut to MAX_DEPTH and HTML cut to
    MAX_HTML_CHARS (either would make the sanitiser slow)."""
    text = xml_safe(text)
    notes: list[tuple[int | None, str]] = []
    if kind == "mdx":
        text, left_out = mdx.without_jsx(text)
        notes.extend(left_out)
        kind = "markdown"
    capped = cap_nesting(_raw_html(text, kind))
    if capped.at is not None:
        notes.append((_deep_line(text, kind), f"elements nested more than {MAX_DEPTH} "
                      "deep: the deeper ones are left out (their text is kept)"))
    raw = capped.html
    if len(raw) > MAX_HTML_CHARS:
        notes.append((None, f"the body makes more than {MAX_HTML_CHARS:,} characters "
                      "of HTML: the rest is left out"))
        raw = raw[:MAX_HTML_CHARS]
    return Body(sanitise(raw, place), tuple(notes))


def _raw_html(text: str, kind: str, options: int = _CMARK_OPTIONS) -> str:
    if kind == "markdown":
        return markdown.to_html(text, options, _CMARK_EXTENSIONS)
    return text_to_html(text) if kind == "text" else text


_SOURCEPOS = re.compile(r'data-sourcepos="(\d+):')


def _deep_line(text: str, kind: str) -> int | None:
    """The body's line where nesting first goes too deep: in Markdown, found again with
    cmark's source positions (only then: they change the HTML)."""
    if kind == "html":
        return text.count("\n", 0, cap_nesting(text).at or 0) + 1
    if kind != "markdown":
        return None
    located = _raw_html(text, kind, _CMARK_OPTIONS | markdown.SOURCEPOS)
    at = cap_nesting(located).at or 0
    # The cut element's own position, else (raw HTML has none) the one before it.
    end = located.find(">", at) + 1
    own = _SOURCEPOS.search(located, at, end)
    if own is not None:
        return int(own[1])
    # Raw HTML, which cmark copies as it is: the same occurrence of the tag in the text.
    tag, seen = located[at:end], located.count(located[at:end], 0, at)
    place = -1
    for _ in range(seen + 1):
        place = text.find(tag, place + 1)
    return text.count("\n", 0, place) + 1 if tag and place >= 0 else None


def text_to_html(text: str) -> str:
    """Plain text to paragraphs, with URLs made into links."""
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    return "\n".join(f"<p>{_link_text(p)}</p>" for p in paragraphs)


def _link_text(text: str) -> str:
    out, at = [], 0
    for match in _linkify().match(text) or []:
        out.append(html.escape(text[at:match.index], quote=False))
        label = html.escape(match.text, quote=False)
        out.append(f'<a href="{html.escape(match.url)}">{label}</a>')
        at = match.last_index
    out.append(html.escape(text[at:], quote=False))
    return "".join(out)


def sanitise(raw: str, place: Place) -> str:
    """Allowlist sanitising (nh3) with every URL made absolute."""
    clean: str = nh3.clean(
        raw,
        tags=set(TAGS),
        clean_content_tags={"script", "style"},
        url_schemes=set(URL_SCHEMES),
        attribute_filter=_absolutiser(place),
        link_rel=None,
        strip_comments=True,
    )
    # U+FFFD (text that was not UTF-8 when written, or a post about exactly that: the Go
    # blog's strings.md) is written as a character reference: readers show the same
    # character, and the W3C validator, which takes the raw character for an encoding
    # error, warns about none.
    return xml_safe(clean).strip().replace("\ufffd", "&#xFFFD;")


def _absolutiser(place: Place) -> Callable[[str, str, str], str | None]:
    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        return absolute_url(value, place)

    return rewrite


_ABSOLUTE = ("http://", "https://")
# A path from the root with nothing urljoin would change: no empty, `.` or `..` segment,
# no query, fragment or parameters.
_ROOTED = re.compile(r"(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)+/?|/")


def absolute_url(value: str, place: Place) -> str | None:
    """A URL from a body made absolute: assets to /files/, the rest against the page."""
    value = value.strip()
    if value[:8].lower().startswith(_ABSOLUTE) and value.isascii() and "[" not in value:
        return value  # the common case, which urlsplit would pass (ASCII, no IPv6 host)
    if _ROOTED.fullmatch(value) and asset_path(value, place) is None:
        page = urlsplit(place.page_url)  # the other common case, as `resolved` gives it
        return f"{page.scheme}://{page.netloc}{value}"
    return resolved(value, place)


def resolved(value: str, place: Place) -> str | None:
    """`absolute_url` of a stripped URL, the long way (which its shortcuts agree with)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return value if parts.scheme.lower() in URL_SCHEMES else None
    asset = asset_path(parts.path, place)
    if asset is not None:
        return place.files_url + quote(asset) + (f"#{parts.fragment}" if parts.fragment else "")
    source = source_link(parts.path, place)
    if source is not None:
        return source + (f"#{parts.fragment}" if parts.fragment else "")
    return urljoin(place.page_url, value)


def source_link(path: str, place: Place) -> str | None:
    """A relative link to a post file (`survey.md`, `../2019/x.md`) resolved against the
    post's own folder under posts/, as `posts/{path}` (its page, once the snapshot's
    links are rewritten: docs/reference.md §6.5); None for any other link."""
    path = unquote(path)
    if not path or path.startswith("/") or formats.of(path) is None:
        return None
    joined = posixpath.normpath(posixpath.join(place.folder, path))
    if joined.startswith("../") or joined == "..":
        return None
    return place.files_url.removesuffix("files/") + "posts/" + quote(joined)


def file_url(value: str, place: Place) -> str | None:
    """A front-matter file reference: an http(s) URL as is, an asset to /files/, else None."""
    parts = urlsplit(value.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return value.strip()
    if parts.scheme or parts.netloc:
        return None
    asset = asset_path(parts.path, place)
    return None if asset is None else place.files_url + quote(asset)


def asset_path(path: str, place: Place) -> str | None:
    """The asset under posts/ a relative or root-relative path names, if any."""
    path = unquote(path)
    if not path:
        return None
    base = "" if path.startswith("/") else place.folder
    candidate = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
    if candidate in place.assets:
        return candidate
    return path.lstrip("/") if path.lstrip("/") in place.assets else None


def fragment_text(fragment: str) -> str:
    """The text of sanitised HTML, its blocks (paragraphs, lists) joined by spaces."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    parts = [root.text or "", *(child.text_content() + (child.tail or "") for child in root)]
    return " ".join(" ".join(parts).split())


def first_paragraph_text(fragment: str) -> str:
    """The text of the first paragraph of sanitised HTML (for summaries)."""
    if not fragment.strip():
        return ""
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for paragraph in root.iter("p"):
        text = " ".join(paragraph.text_content().split())
        if text:
            return text
    return " ".join(root.text_content().split())
