"""Nesting capped before sanitising (README, "Bodies").

The sanitiser's HTML parser takes time in proportion to the depth of the tree for
every tag, so 30,000 nested quotes took minutes. Start tags deeper than MAX_DEPTH
are cut out (their text is kept), and so is their end tag. The depth is followed
with the few HTML parsing rules that close elements (end tags within their scope,
a <p> or <li> closing the open one, the cell or row before another) and ignore
tags (cells outside a table, a second <body>); a formatting element (<b>, <a>...)
closed by another element's tag still counts until its own end tag, as HTML opens
it again. Where the rules are not followed the count can only come out deeper than
a browser's, never much shallower, so an input cannot slip deep nesting past it;
the price is that HTML leaving dozens of <b> unclosed is cut too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DEPTH = 64


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
_NEVER_IN_BODY = _names("html head body frameset frame")
_TABLE_ONLY = _names("td th tr tbody thead tfoot caption colgroup col")
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
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
        # Formatting elements closed by another element's tag: HTML opens them again
        # (as many as are left) wherever text or most tags follow, so they count.
        self.lingering: dict[str, int] = {}
        self.lingered = 0

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
        if self._ignored(name):
            return match.end()
        self._close_for(name)
        if name in _VOID or (self.foreign and match[4].endswith("/")):
            return match.end()
        self._implied(name)
        raw = _RAW_TEXT.get(name) if not self.foreign else None
        if raw is not None:
            return self._raw_text(name, raw, match, text)
        if len(self.stack) + self.lingered >= self.limit:
            self.cut[name] = self.cut.get(name, 0) + 1
            self.cuts.append(match.span())
        else:
            self._push(name)
        return match.end()

    def _raw_text(self, name: str, raw: re.Pattern[str], match: re.Match[str],
                  text: str) -> int:
        """An element whose content is text (script, style, textarea...): too deep, it
        is cut whole, as its content would be markup once its start tag is gone."""
        found = raw.search(text, match.end())
        if len(self.stack) + self.lingered < self.limit:
            self._push(name)
            return found.start() if found else len(text)
        close = text.find(">", found.end() - 1) if found else -1
        end = close + 1 if close >= 0 else len(text)
        self.cuts.append((match.start(), end))
        return end

    def _ignored(self, name: str) -> bool:
        """Start tags HTML ignores in a body: were they counted, their end tags could
        close what HTML keeps open (`<td>` outside a table, a second `<body>`)."""
        if self.foreign:
            return False
        return name in _NEVER_IN_BODY or (name in _TABLE_ONLY and not self.where.get("table"))

    def _end(self, name: str, match: re.Match[str]) -> int:
        if name == "form":
            return match.end()  # HTML takes the form out of the stack, not what it holds
        if self.cut.get(name):
            self.cut[name] -= 1
            self.cuts.append(match.span())
        elif self._in_reach(name):
            self._pop_to(self.where[name][-1])
        elif self.lingering.get(name):  # HTML drops it from its formatting list
            self.lingering[name] -= 1
            self.lingered -= 1
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
        if not self.where.get("table"):
            return  # outside a table HTML ignores cells and rows: they close nothing
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
        if top not in ("tbody", "thead", "tfoot") and len(self.stack) + self.lingered < self.limit:
            self._push("tbody")
        if name != "tr" and len(self.stack) + self.lingered < self.limit:
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
            if name in _FORMATTING and top > place:  # closed by another's tag: it lingers
                self.lingering[name] = self.lingering.get(name, 0) + 1
                self.lingered += 1
