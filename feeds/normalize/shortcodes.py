"""Hugo's shortcodes in a post's body (docs/reference.md §2.2), as Hugo renders them:
`{{< figure >}}` a figure, `{{< youtube >}}` and the other embeds a link (no frame is ever
published), `{{< relref >}}`/`{{< ref >}}` the page's path (links.py leads it to the
post), `{{% param %}}` the post's field, `{{< comment >}}` nothing, `{{< highlight >}}`
fenced code, and notes such as `{{% alert title="Note" %}}` their title in bold before
their text. Hugo's escape `{{</* x */>}}` shows `{{< x >}}`. Any other shortcode is taken
out whole (its inner text kept), with a warning.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Mapping

from feeds.normalize.templates import Expansion, arguments, shown_as_written

_ESCAPED = re.compile(r"\{\{([<%])/\*(.{0,1000}?)\*/([>%])\}\}", re.DOTALL)
# A shortcode: `{{<` or `{{%`, a closing slash, the name, arguments (quoted ones may
# hold braces), `>}}` or `%}}`; bounded, so that unclosed ones cost no more than their text.
_SHORTCODE = re.compile(r"\{\{([<%])\s*(/?)\s*(\w[\w./-]*)((?:\"[^\"]{0,1000}\"|`[^`]{0,1000}`"
                        r"|[^{}\"`]){0,1000}?)\s*[>%]\}\}")
_PAIRED = ("comment", "highlight")
_EMBEDS = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "instagram": "https://www.instagram.com/p/{}/",
}
# Paired shortcodes that set their text apart (Hugo's `details`, Docsy's `alert`, common
# themes' notes): their title in bold leads their text.
_NOTES = {"alert", "note", "notice", "warning", "tip", "info", "callout", "admonition",
          "hint", "caution", "important", "details", "pageinfo", "danger"}


def expand(work: Expansion) -> None:
    """Expand Hugo's shortcodes in `work`."""
    if "{{" not in work.text:
        return
    work.pairs(_SHORTCODE, _paired, _pair)
    work.sub(_ESCAPED, _unescaped, everywhere=True)
    work.sub(_SHORTCODE, _shortcode)


def _unescaped(work: Expansion, match: re.Match[str]) -> str:
    """`{{</* x */>}}` as `{{< x >}}`: as written, unless `<x` would open an HTML tag
    outside fenced code (then `<` is written as an entity)."""
    shown = "{{" + match[1] + match[2] + match[3] + "}}"
    opens_tag = re.match(r"\{\{<[A-Za-z/!?]", shown) is not None
    if opens_tag and not work.in_code(match.start()):
        shown = shown.replace("<", "&lt;", 1)
    return shown_as_written(shown)


def _paired(shortcode: re.Match[str]) -> str | None:
    if shortcode[3] not in _PAIRED:
        return None
    return ("/" if shortcode[2] else "") + shortcode[3]


def _pair(opening: re.Match[str], inner: str) -> str:
    """A comment: nothing. Code to highlight: fenced code in its language."""
    if opening[3] == "comment":
        return ""
    positional, _ = arguments(opening[4])
    code = inner.removeprefix("\n")
    code = code if code.endswith("\n") else code + "\n"
    return f"```{positional[0] if positional else ''}\n{code}```"


def _shortcode(work: Expansion, match: re.Match[str]) -> str:
    closing, name = match[2] == "/", match[3]
    positional, named = arguments(match[4])
    if name in _NOTES:
        return "" if closing else _note_title(name, positional, named)
    if closing:
        return ""
    first = named.get("id") or named.get("src") or (positional[0] if positional else "")
    shown = _shown(work, match.start(), name, first, positional=positional, named=named)
    if shown is None:
        work.warn(match.start(), f"hugo:{name}", f"Hugo shortcode `{name}` is not known "
                  "here: it is left out (the text it encloses is kept)")
    return shown or ""


def _shown(work: Expansion, at: int, name: str, first: str, *, positional: list[str],
           named: dict[str, str]) -> str | None:
    """What a shortcode that stands alone shows; None when it is not one we know."""
    if name == "figure":
        return _figure(named)
    if name in _EMBEDS and first:
        return _link(_EMBEDS[name].format(first), named.get("title"))
    if name in ("relref", "ref") and first:
        return _page_file(first)
    if name in ("gist", "tweet", "x") and (positional or named):
        return _social(name, positional, named)
    if name == "param" and first:
        return _param(work, at, first)
    return None


def _page_file(path: str) -> str:
    """What `ref`/`relref` name, as a link to the post's file (links.py leads it to the
    page): Hugo finds `kotlin-meet-grpc` as `kotlin-meet-grpc.md`."""
    stem, anchor = path.split("#", 1) if "#" in path else (path, "")
    if stem and not posixpath.splitext(stem)[1] and not stem.endswith("/"):
        stem += ".md"
    return stem + (f"#{anchor}" if anchor else "")


def _note_title(name: str, positional: list[str], named: dict[str, str]) -> str:
    title = named.get("title") or named.get("summary") or (positional[0] if positional
                                                           else name.capitalize())
    return f"**{html.escape(title.rstrip(':'), quote=False)}:** "


def _figure(named: dict[str, str]) -> str:
    """Hugo's figure: the picture (linked where `link` says), its caption and credit."""
    src = html.escape(named.get("src", ""))
    alt = html.escape(named.get("alt") or named.get("caption") or named.get("title") or "")
    picture = f'<img src="{src}" alt="{alt}">'
    if named.get("link"):
        picture = f'<a href="{html.escape(named["link"])}">{picture}</a>'
    words = " ".join(html.escape(named[k], quote=False)
                     for k in ("title", "caption", "attr") if named.get(k))
    caption = f"<figcaption>{words}</figcaption>" if words else ""
    return f"<figure>{picture}{caption}</figure>"


def _link(url: str, title: str | None) -> str:
    shown = html.escape(url)
    text = html.escape(title, quote=False) if title else shown
    return f'<a href="{shown}">{text}</a>'


def _social(name: str, positional: list[str], named: dict[str, str]) -> str:
    if name == "gist":
        user, ident = [*positional, "", ""][:2]
        return _link(f"https://gist.github.com/{user}/{ident}", None)
    user = named.get("user") or (positional[0] if positional else "")
    ident = named.get("id") or (positional[1] if len(positional) > 1 else "")
    return _link(f"https://x.com/{user}/status/{ident}", None)


def _param(work: Expansion, at: int, name: str) -> str:
    """A page parameter: the post's own field (dotted names look inside maps)."""
    value: object = work.meta
    for part in name.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return html.escape(str(value), quote=False)
    work.warn(at, f"hugo:param:{name}", f"Hugo `{{{{% param {name} %}}}}` names a site "
              "parameter, not a field of this post: it is left out")
    return ""
