"""Template syntax of other generators in a post's body, expanded before the body is read
(docs/reference.md §2.2): Jekyll's Liquid (in `_posts` and `_drafts`), Hugo's shortcodes
(`feeds.normalize.shortcodes`), and the Go blog's template actions (`template: true`).

Each generator runs its template language over the text before Markdown, so a construct
left in would reach readers as text, or worse, as half an HTML tag (`{{<youtube x>}}`
looks like one to a sanitiser). The common ones become the Markdown or HTML the generator
gives, comments are dropped, and every other one is taken out whole, with a warning at
its line. Fenced code is left alone (only `{% raw %}` tags and Hugo's `{{</* */>}}`
escapes are undone there). Line numbers are kept: a construct over several lines leaves
as many line ends as it took.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_LIQUID_PAIRED = ("raw", "comment", "highlight")
_RAW_TAG = re.compile(r"\{%-?\s*(?:end)?raw\b")
_LIQUID_TAG = re.compile(r"\{%-?\s*(\w+)\s*([^{}]{0,1000}?)\s*-?%\}")
_LIQUID_OUTPUT = re.compile(r"\{\{-?\s*([^{}]{0,1000}?)\s*-?\}\}")
_GO_RAW = re.compile(r"\{\{-?\s*raw\s+`([^`]*)`\s*-?\}\}")
_GO_ACTION = re.compile(r"\{\{-?\s*(\w+)\b((?:`[^`]{0,1000}`|\"[^\"\n]{0,1000}\"|[^{}`\"])"
                        r"{0,1000}?)-?\}\}")
# Every construct is bounded in length, so that text with many an unclosed one costs
# time in proportion to its length, not to its square.
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+)')
# Liquid values that are a path on the blog's own site: its base URL is ours now.
_SITE_ROOT = {"site.baseurl", "site.url", "site.base_url"}
_URL_FILTER = re.compile(r"""^(['"])(.*?)\1\s*\|\s*(?:relative_url|absolute_url)\s*$""")
_PAGE_FIELD = re.compile(r"^page\.(\w+)$")
_YOUTUBE_EMBED = re.compile(r"^https?://(?:www\.)?youtube(?:-nocookie)?\.com/embed/([\w-]+)")
Note = tuple[int, str]
# What `{% raw %}` (or Go's raw) holds is shown as written: its braces are hidden from the
# passes after it behind a character no post keeps (XML forbids it), then given back.
_HIDDEN = "\x00"


def shown_as_written(text: str) -> str:
    """Text no later pass expands (`Expansion.result` gives its braces back)."""
    return text.replace("{", _HIDDEN)


@dataclass
class _Seen:
    line: int
    message: str
    count: int = 1


@dataclass
class Expansion:
    """One body being expanded: its text, its fenced code, its fields, what was noted.

    `expand` (Liquid, Go) and `shortcodes.expand` (Hugo) work on it in turn."""

    text: str
    meta: Mapping[str, object]
    fences: list[tuple[int, int]] = field(default_factory=list)
    seen: dict[str, _Seen] = field(default_factory=dict)

    def line(self, at: int) -> int:
        """The line (of the body) of offset `at` in the current text."""
        return self.text.count("\n", 0, at) + 1

    def in_code(self, at: int) -> bool:
        """Whether offset `at` lies in fenced code."""
        index = bisect.bisect_right(self.fences, (at, len(self.text) + 1)) - 1
        return index >= 0 and self.fences[index][0] <= at < self.fences[index][1]

    def warn(self, at: int, kind: str, message: str) -> None:
        """Note a construct that could not be expanded: one note per kind, at its first
        line, with a count (a post may use one a dozen times)."""
        if kind in self.seen:
            self.seen[kind].count += 1
        else:
            self.seen[kind] = _Seen(self.line(at), message)

    def sub(self, pattern: re.Pattern[str],
            replace: Callable[[Expansion, re.Match[str]], str], everywhere: bool = False
            ) -> None:
        """Replace `pattern` outside fenced code (inside it `replace` is called only when
        `everywhere`; `{% raw %}` tags go there too: that is how code shows Liquid),
        keeping line numbers."""
        self.fences = _fences(self.text)

        def one(match: re.Match[str]) -> str:
            if not everywhere and self.in_code(match.start()) \
                    and not _RAW_TAG.match(match[0]):
                return match[0]
            return keep_lines(match[0], replace(self, match))
        self.text = pattern.sub(one, self.text)

    def pairs(self, pattern: re.Pattern[str], key: Callable[[re.Match[str]], str | None],
              replace: Callable[[re.Match[str], str], str]) -> None:
        """Replace each opening construct of `pattern` and the first closing one after it
        (`key` gives "name" for an opening, "/name" for a closing, None for neither) with
        `replace(opening, text between)`, outside fenced code (`{% raw %}` everywhere).
        One pass over the constructs: an opening without its closing costs nothing more."""
        self.fences = _fences(self.text)
        text, tokens = self.text, list(pattern.finditer(self.text))
        closings: dict[str, list[int]] = {}
        for index, token in enumerate(tokens):
            closings.setdefault(key(token) or "", []).append(index)
        out, done, index = [], 0, 0
        while index < len(tokens):
            opening, name = tokens[index], key(tokens[index])
            found = closings.get(f"/{name}", [])
            after = bisect.bisect_right(found, index)
            usable = name and not name.startswith("/") and (
                name == "raw" or not self.in_code(opening.start()))
            if not usable or after == len(found):
                index += 1
                continue
            closing = tokens[found[after]]
            whole = text[opening.start():closing.end()]
            out += [text[done:opening.start()],
                    keep_lines(whole, replace(opening, text[opening.end():closing.start()]))]
            done, index = closing.end(), found[after] + 1
        self.text = "".join([*out, text[done:]])

    def result(self) -> str:
        """The expanded text."""
        return self.text.replace(_HIDDEN, "{")

    def notes(self) -> list[Note]:
        """(line of the body, message) for each kind of construct left out."""
        found = sorted(self.seen.values(), key=lambda seen: seen.line)  # stable: in turn
        return [(seen.line, seen.message + (f" ({seen.count} times, the first here)"
                                            if seen.count > 1 else "")) for seen in found]


def expand(work: Expansion, path: str) -> None:
    """Expand the Go blog's template actions (a post with `template: true`) or Jekyll's
    Liquid (a post under `_posts` or `_drafts`) in `work`."""
    if work.meta.get("template") is True:  # x/website runs html/template over the body
        work.sub(_GO_RAW, lambda _, m: shown_as_written(m[1]))
        work.sub(_GO_ACTION, _go_action)
    elif _is_jekyll(path):
        work.pairs(_LIQUID_TAG, _liquid_key, _liquid_pair)
        work.sub(_LIQUID_TAG, _liquid_tag)
        work.sub(_LIQUID_OUTPUT, _liquid_output)


def _is_jekyll(path: str) -> bool:
    """Jekyll runs Liquid over every post of `_posts` (and `_drafts`)."""
    return bool({"_posts", "_drafts"} & set(posixpath.dirname(path).split("/")))


def keep_lines(construct: str, replacement: str) -> str:
    """The replacement, with the line ends the construct took and it lacks."""
    missing = construct.count("\n") - replacement.count("\n")
    return replacement + "\n" * max(missing, 0)


def _fences(text: str) -> list[tuple[int, int]]:
    """The spans of fenced code blocks (an unclosed one runs to the end)."""
    spans, opened = [], None
    for match in _FENCE.finditer(text):
        line_end = text.find("\n", match.end())
        rest = text[match.end(): line_end if line_end >= 0 else len(text)]
        if opened is None:
            opened = (match.start(), match[1])
        elif match[1].startswith(opened[1][0] * len(opened[1])) and not rest.strip():
            spans.append((opened[0], line_end if line_end >= 0 else len(text)))
            opened = None
    if opened is not None:
        spans.append((opened[0], len(text)))
    return spans


def arguments(text: str) -> tuple[list[str], dict[str, str]]:
    """A construct's arguments: positional ones and `name=value` ones, quotes taken off."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for piece in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|`[^`]*`|\S+)|' + _STRING.pattern, text):
        if piece[1]:
            named[piece[1]] = piece[2].strip('"`')
        else:
            positional.append(next(g for g in piece.groups()[2:] if g is not None))
    return positional, named


# ---- Liquid (Jekyll)

def _liquid_key(tag: re.Match[str]) -> str | None:
    name: str = tag[1]
    if name in _LIQUID_PAIRED:
        return name
    return "/" + name[3:] if name.startswith("end") and name[3:] in _LIQUID_PAIRED else None


def _liquid_pair(tag: re.Match[str], inner: str) -> str:
    name, args = tag[1], tag[2].strip()
    if name == "raw":
        return shown_as_written(inner)  # that is what {% raw %} is for
    if name == "comment":
        return ""
    language = args.split()[0] if args.split() else ""
    return f"```{language}" + ("" if inner.startswith("\n") else "\n") + inner.rstrip(" ") + \
        ("" if inner.endswith("\n") else "\n") + "```"


def _liquid_tag(work: Expansion, match: re.Match[str]) -> str:
    name, args = match[1], match[2]
    if name in ("raw", "endraw"):
        return ""
    if name == "post_url":
        return f"{args.strip()}.md"  # the post's file: links.py leads it to its page
    if name == "link":
        return "/" + args.strip().lstrip("/")
    work.warn(match.start(), f"liquid:{name}", f"Liquid `{{% {name} %}}` cannot be run "
              "here: the tag is left out (the text around it is kept)")
    return ""


def _liquid_output(work: Expansion, match: re.Match[str]) -> str:
    value = match[1].strip()
    if value in _SITE_ROOT:
        return ""
    url = _URL_FILTER.match(value)
    if url is not None:
        return url[2]
    page = _PAGE_FIELD.match(value)
    if page is not None and isinstance(work.meta.get(page[1]), str | int | float):
        return html.escape(str(work.meta[page[1]]), quote=False)
    work.warn(match.start(), "liquid:output", f"Liquid output {{{{ {value} }}}} has no value "
              "here: it is left out")
    return ""


# ---- Go's html/template, as the Go blog uses it

def _go_action(work: Expansion, match: re.Match[str]) -> str:
    name = match[1]
    args, _ = arguments(match[2])
    if name == "image" and args:
        width = f' width="{html.escape(args[1])}"' if len(args) > 1 else ""
        return f'<img src="{html.escape(args[0])}" alt=""{width}>'
    if name == "video" and args:
        return _video_link(args[0])
    if name in ("code", "play") and args:
        work.warn(match.start(), f"go:{name}", f"Go template `{{{{{name}}}}}` shows code from "
                  "a file, which is not read here: a link to the file is shown instead")
        return f'<a href="{html.escape(args[0])}">{html.escape(args[0])}</a>'
    work.warn(match.start(), f"go:{name}", f"Go template `{{{{{name}}}}}` cannot be run "
              "here: it is left out")
    return ""


def _video_link(url: str) -> str:
    """A video as a link (iframes are never published): YouTube's page for an embed."""
    embed = _YOUTUBE_EMBED.match(url)
    target = f"https://www.youtube.com/watch?v={embed[1]}" if embed else url
    shown = html.escape(target)
    return f'<p><a href="{shown}">Video: {shown}</a></p>'
