"""Bodies to safe HTML (SPEC §2.2, §5.2).

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

import cmarkgfm
import lxml.html
import nh3
from cmarkgfm.cmark import Options as CmarkOptions
from linkify_it import LinkifyIt

from feeds.normalize.text import xml_safe

URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Raw HTML passes cmark (nh3 sanitises after); smart punctuation stays off.
_CMARK_OPTIONS = CmarkOptions.CMARK_OPT_UNSAFE
# Not GitHub's tagfilter: it would leave <script> bodies as visible text; nh3 drops them.
_CMARK_EXTENSIONS = ["table", "strikethrough", "autolink"]
TAGS = frozenset(nh3.ALLOWED_TAGS) - {"map", "area"}
_URL_ATTRIBUTES = frozenset({"href", "src", "cite"})


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
    capped = cap_nesting(_raw_html(text, kind))
    notes: list[tuple[int | None, str]] = []
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
        made: str = cmarkgfm.markdown_to_html_with_extensions(text, options=options,
                                                              extensions=_CMARK_EXTENSIONS)
        return made
    return text_to_html(text) if kind == "text" else text


_SOURCEPOS = re.compile(r'data-sourcepos="(\d+):')


def _deep_line(text: str, kind: str) -> int | None:
    """The body's line where nesting first goes too deep: in Markdown, found again with
    cmark's source positions (only then: they change the HTML)."""
    if kind == "html":
        return text.count("\n", 0, cap_nesting(text).at or 0) + 1
    if kind != "markdown":
        return None
    located = _raw_html(text, kind, _CMARK_OPTIONS | CmarkOptions.CMARK_OPT_SOURCEPOS)
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
    return xml_safe(clean).strip()


def _absolutiser(place: Place) -> Callable[[str, str, str], str | None]:
    def rewrite(tag: str, attribute: str, value: str) -> str | None:
        if attribute not in _URL_ATTRIBUTES:
            return value
        return absolute_url(value, place)

    return rewrite


_ABSOLUTE = ("http://", "https://")


def absolute_url(value: str, place: Place) -> str | None:
    """A URL from a body made absolute: assets to /files/, the rest against the page."""
    value = value.strip()
    if value[:8].lower().startswith(_ABSOLUTE) and value.isascii() and "[" not in value:
        return value  # the common case, which urlsplit would pass (ASCII, no IPv6 host)
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return value if parts.scheme.lower() in URL_SCHEMES else None
    asset = asset_path(parts.path, place)
    if asset is not None:
        return place.files_url + quote(asset) + (f"#{parts.fragment}" if parts.fragment else "")
    return urljoin(place.page_url, value)


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


# Nesting (README "Bodies"): the sanitiser's HTML parser takes time in proportion to
# the depth of the tree for every tag, so 30,000 nested quotes took minutes. Before
# sanitising, start tags deeper than MAX_DEPTH are cut out (their text is kept) and
# so is their end tag. The depth is followed with the few HTML parsing rules that
# close elements (end tags within their scope, a <p> or <li> closing the open one);
# where the rules are not followed the count can only come out deeper than a
# browser's, never shallower, so an input cannot slip deep nesting past it.
MAX_DEPTH = 64
MAX_HTML_CHARS = 16 * 1024 * 1024  # the HTML handed to the sanitiser, at most


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


_MARKUP = re.compile(
    r"<(?:(!--)|(/?)([A-Za-z][^\t\n\f\r />]*)((?:[\t\n\f\r /]+|[^\t\n\f\r />][^\t\n\f\r /=>]*"
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*(?:"[^"]*"|'[^']*'|[^\t\n\f\r >]*))?)*)(?:>|$)"""
    r"|[!?/][^>]*(?:>|$))")
_COMMENT_END = re.compile(r"-?>|.*?--!?>", re.DOTALL)
_RAW_TEXT = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE)
             for name in ("script", "style", "textarea", "title", "xmp", "iframe",
                          "noembed", "noframes")}
_VOID = _names("area base basefont bgsound br col embed frame hr img input keygen link "
                  "meta param source track wbr")
_FOREIGN = frozenset({"svg", "math"})
_SCOPE = _names("applet caption html table td th marquee object template mi mo mn ms "
                   "mtext annotation-xml foreignobject desc title")
_SPECIAL = _SCOPE | _VOID | _names(
    "address article aside blockquote body button center colgroup dd details dir div dl "
    "dt fieldset figcaption figure footer form frameset h1 h2 h3 h4 h5 h6 head header "
    "hgroup iframe li listing main menu nav noembed noframes noscript ol p plaintext pre "
    "script search section select style summary tbody textarea tfoot thead tr ul xmp")
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset "
    "figcaption figure footer header hgroup main menu nav ol p search section summary ul "
    "h1 h2 h3 h4 h5 h6 pre listing form hr xmp")
# Start tags that close an open list item, or a cell or row of the same table.
_ITEMS = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
_TABLE_PARTS = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("tr",),
                **dict.fromkeys(("tbody", "thead", "tfoot"), ("tbody", "thead", "tfoot"))}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_CURRENT_CLOSES = frozenset({("option", "option"), ("option", "optgroup"),
                             ("optgroup", "optgroup")}
                            | {(a, b) for a in _HEADINGS for b in _HEADINGS})
_REACH = 16  # how far down the stack an implicit close is looked for


@dataclass(frozen=True)
class Capped:
    """HTML with its nesting capped: `at` is where the first tag was cut (None: none)."""

    html: str
    at: int | None


def cap_nesting(html_text: str, limit: int = MAX_DEPTH) -> Capped:
    """`html_text` with every start tag deeper than `limit` cut out, and its end tag."""
    if html_text.count("<") - html_text.count("</") <= limit:
        return Capped(html_text, None)  # too few start tags to nest that deep
    walk = _Nesting(limit)
    walk.run(html_text)
    if not walk.cuts:
        return Capped(html_text, None)
    pieces, at = [], 0
    for start, end in walk.cuts:
        pieces.append(html_text[at:start])
        at = end
    pieces.append(html_text[at:])
    return Capped("".join(pieces), walk.cuts[0][0])


class _Nesting:
    """The stack of open elements, as far as depth goes, with the cuts to make."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.stack: list[str] = []
        self.where: dict[str, list[int]] = {}  # name -> its places in the stack
        self.special: list[int] = []  # places of special elements (HTML's term)
        self.scope: list[int] = []  # places of scope boundaries
        self.foreign = 0  # open svg and math elements
        self.cut: dict[str, int] = {}  # name -> start tags cut whose end tag is to come
        self.cuts: list[tuple[int, int]] = []

    def run(self, text: str) -> None:
        at = 0
        while (match := _MARKUP.search(text, at)) is not None:
            at = match.end()
            if match[1]:
                comment = _COMMENT_END.match(text, at)
                at = comment.end() if comment else len(text)
            elif match[3]:
                name = match[3].lower()
                at = self._end(name, match) if match[2] else self._start(name, match, text)

    def _start(self, name: str, match: re.Match[str], text: str) -> int:
        self._close_for(name)
        if name in _VOID or (self.foreign and match[4].endswith("/")):
            return match.end()
        self._implied(name)
        if len(self.stack) >= self.limit:
            self.cut[name] = self.cut.get(name, 0) + 1
            self.cuts.append(match.span())
        else:
            self._push(name)
        raw = _RAW_TEXT.get(name) if not self.foreign else None
        end = raw.search(text, match.end()) if raw else None
        return end.start() if end else (len(text) if raw else match.end())

    def _end(self, name: str, match: re.Match[str]) -> int:
        if self.cut.get(name):
            self.cut[name] -= 1
            self.cuts.append(match.span())
        elif self._in_reach(name):
            self._pop_to(self.where[name][-1])
        return match.end()

    def _in_reach(self, name: str) -> bool:
        """Whether an end tag closes the open element of its name: within its scope for
        a special element, with no special element above it for the others."""
        places = self.where.get(name)
        if not places:
            return False
        if name not in _SPECIAL:
            return not self.special or self.special[-1] <= places[-1]
        extra = {"li": ("ol", "ul"), "p": ("button",)}.get(name, ())
        fences = [self.scope[-1]] if self.scope else []
        fences += [self.where[e][-1] for e in extra if self.where.get(e)]
        return all(fence <= places[-1] for fence in fences)

    def _close_for(self, name: str) -> None:
        """Close what HTML closes before a start tag: an open <p> before a block, the
        open item before another, the open cell or row, a heading before a heading."""
        if name in _CLOSES_P and self._in_reach("p"):
            self._pop_to(self.where["p"][-1])
        if name in _ITEMS:
            self._close_item(_ITEMS[name])
        elif name in _TABLE_PARTS:
            self._close_in_table(_TABLE_PARTS[name])
        elif name in ("a", "nobr", "button") and self._in_reach(name):
            self._pop_to(self.where[name][-1])
        elif self.stack and (self.stack[-1], name) in _CURRENT_CLOSES:
            self._pop_to(len(self.stack) - 1)

    def _close_item(self, names: tuple[str, ...]) -> None:
        for place in range(len(self.stack) - 1, max(-1, len(self.stack) - 1 - _REACH), -1):
            node = self.stack[place]
            if node in names:
                self._pop_to(place)
                return
            if node in _SPECIAL and node not in ("address", "div", "p"):
                return

    def _close_in_table(self, names: tuple[str, ...]) -> None:
        last = max((self.where[n][-1] for n in names if self.where.get(n)), default=-1)
        fences = [self.where[n][-1] for n in ("table", "template", "html") if self.where.get(n)]
        if last >= 0 and all(fence < last for fence in fences):
            self._pop_to(last)

    def _implied(self, name: str) -> None:
        """The row and table body a cell or row opens when there is none (in a table)."""
        if name not in ("td", "th", "tr") or not self.where.get("table"):
            return
        top = self.stack[-1] if self.stack else ""
        if name != "tr" and top == "tr":
            return
        if top not in ("tbody", "thead", "tfoot") and len(self.stack) < self.limit:
            self._push("tbody")
        if name != "tr" and len(self.stack) < self.limit:
            self._push("tr")

    def _push(self, name: str) -> None:
        place = len(self.stack)
        self.stack.append(name)
        self.where.setdefault(name, []).append(place)
        if name in _SPECIAL:
            self.special.append(place)
        if name in _SCOPE:
            self.scope.append(place)
        self.foreign += name in _FOREIGN

    def _pop_to(self, place: int) -> None:
        """Close the element at `place` and every one above it."""
        while len(self.stack) > place:
            name = self.stack.pop()
            self.where[name].pop()
            top = len(self.stack)
            if self.special and self.special[-1] == top:
                self.special.pop()
            if self.scope and self.scope[-1] == top:
                self.scope.pop()
            self.foreign -= name in _FOREIGN
