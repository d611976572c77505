"""Links between posts (docs/reference.md §6.5): which addresses of the blog a body
links to that are no page of ours, and those links rewritten to the posts' pages.

A body is rendered from its own file alone (so that a new post does not make
every body render again); the links it makes to another post's old address or
source file (`survey.md`, `../2019/x.md`) are found from its text when it is
read (`link_keys`: cheap, no rendering), and rewritten when it is shown
(`rewrite`), from the snapshot's map of addresses. What a page shows then depends
on its own file and on where its few such links lead, nothing else.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from urllib.parse import unquote

from feeds import formats, routes
from feeds.normalize.addresses import address_key
from feeds.normalize.body import Place, absolute_url

# Link targets as written in Markdown, HTML or text: inline `](url`, reference
# definitions `[x]: url`, attributes, autolinks and bare URLs. A superset is harmless:
# only what the rendered HTML really links to is rewritten. They are the alternatives
# of one pattern, matched leftmost first (`tokens`); each is searched for on its own,
# from a literal it must contain, because one scan with all of them tried at every
# character cost more than the rest of reading a post.
_INLINE = re.compile(r"""\]\((?:\s*<([^>\n]*)>|\s*([^\s)]+))""")
_DEFINITION = re.compile(r"""[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)""")
_ATTRIBUTE = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""",
                        re.IGNORECASE)
_BARE = re.compile(r"""(https?://[^\s<>"'\])]+)""", re.IGNORECASE)
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # Markdown's backslash escapes
_DATE_PREFIX = re.compile(r"^\d{4}-\d{2}-\d{2}[-_]")
Target = Callable[[str], str | None]  # a link key -> the URL of the page it now names


def root_of(place: Place) -> str:
    """The blog's base URL, from a body's place."""
    return place.files_url.removesuffix(routes.FILES)


def source_key(path: str) -> str:
    """The link key of a post's source file: any of the post endings names it (a
    `{% post_url %}` gives no ending; an export may have renamed `.markdown`)."""
    stem, suffix = posixpath.splitext(path)
    return address_key("posts/" + (stem if suffix.lower() in formats.POST_SUFFIXES else path))


def source_paths(key: str) -> tuple[str, ...]:
    """The post files a link key may name (`source_key` of each is checked after)."""
    if not key.startswith("posts/"):
        return ()
    path = key.removeprefix("posts/")
    return (path, *(path + suffix for suffix in sorted(formats.POST_SUFFIXES)))


def undated(path: str) -> str:
    """A post file's path without the date its name starts with (Jekyll's `_posts`)."""
    folder, name = posixpath.split(path)
    return posixpath.join(folder, _DATE_PREFIX.sub("", name) or name)


@lru_cache(maxsize=1 << 17)
def file_name(path: str) -> str:
    """What a post file is named by: its name without date and ending (a page bundle's
    `name/index.md`: its folder's name). Kept: every version's old-address map asks it
    of every post (5.7 us each: at 100,000 files, 185 ms of each new post's cost)."""
    folder, name = posixpath.split(undated(path))
    stem = posixpath.splitext(name)[0]
    return posixpath.basename(folder) if stem in ("index", "_index") and folder else stem


def key_of(url: str, root: str) -> str | None:
    """The link key of an absolute URL under `root` that is no page of ours; None for
    pages of ours, assets and URLs elsewhere."""
    if not url.startswith(root):
        return None
    rest = unquote(re.split(r"[?#]", url[len(root):], maxsplit=1)[0])
    if routes.parse(rest) is not None or rest.startswith(routes.FILES):
        return None
    if rest.startswith("posts/") and formats.of(rest) is not None:
        return source_key(rest.removeprefix("posts/"))
    return address_key(rest) or None


def link_keys(body: str, place: Place) -> tuple[str, ...]:
    """The keys of the links a body's text makes to addresses of the blog that are no
    page of ours, each once."""
    root = root_of(place)
    found = dict.fromkeys(k for k in (key_of(u, root) for u in _urls(body, place)) if k)
    return tuple(found)


def _urls(body: str, place: Place) -> Iterator[str]:
    for written in tokens(body):
        resolved = absolute_url(html.unescape(_ESCAPED.sub(r"\1", written)), place)
        if resolved:
            yield resolved


Found = tuple[int, int, str]  # where a link target's match starts and ends, the target
Finder = Callable[[str, int], Found | None]  # the leftmost match at or after a position


def tokens(body: str) -> Iterator[str]:
    """The link targets of a text, in order: what one pattern of all the alternatives
    (inline, definition, attribute, bare URL: earlier ones first at the same place)
    matched by `finditer` gives."""
    finders = [find for marker, find in _FINDERS if marker in body]
    heads = {order: found for order, find in enumerate(finders)
             if (found := find(body, 0)) is not None}
    while heads:
        first = min(heads, key=lambda order: (heads[order][0], order))
        _, end, token = heads[first]
        yield token
        for order in [order for order, found in heads.items() if found[0] < end]:
            again = finders[order](body, end)
            if again is None:
                del heads[order]
            else:
                heads[order] = again


def _group(match: re.Match[str] | None) -> Found | None:
    if match is None:
        return None
    return match.start(), match.end(), next(g for g in match.groups() if g is not None)


def _inline(body: str, pos: int) -> Found | None:
    return _group(_INLINE.search(body, pos))


def _definition(body: str, pos: int) -> Found | None:
    """At the start of a line holding `]:`."""
    at = body.find("]:", pos)
    while at >= 0:
        line = body.rfind("\n", 0, at) + 1
        if line >= pos and (found := _group(_DEFINITION.match(body, line))):
            return found
        at = body.find("]:", max(at + 1, body.find("\n", at) + 1 or len(body)))
    return None


def _attribute(body: str, pos: int) -> Found | None:
    """Before an `=`: the name, and the spaces between."""
    at = body.find("=", pos)
    while at >= 0:
        name = at
        while name > pos and body[name - 1].isspace():  # each space is passed once
            name -= 1
        for start in (name - 4, name - 3):
            if start >= pos and (found := _group(_ATTRIBUTE.match(body, start))):
                return found
        at = body.find("=", at + 1)
    return None


def _bare(body: str, pos: int) -> Found | None:
    """Before a `://`: http or https."""
    at = body.find("://", pos)
    while at >= 0:
        for start in (at - 5, at - 4):
            if start >= pos and (found := _group(_BARE.match(body, start))):
                return found
        at = body.find("://", at + 1)
    return None


_FINDERS: tuple[tuple[str, Finder], ...] = (
    ("](", _inline), ("]:", _definition), ("=", _attribute), ("://", _bare))


def rewrite(fragment: str, root: str, keys: tuple[str, ...], target: Target) -> str:
    """`fragment` (sanitised HTML) with each link whose key is one of `keys` pointed at
    the page `target` names for it (its `#fragment` kept); other links as they are."""
    found = {key: url for key in keys if (url := target(key)) is not None}
    if not found:
        return fragment  # every such link leads nowhere yet: nothing to rewrite

    def replace(match: re.Match[str]) -> str:
        url = root + html.unescape(match[1])
        new = found.get(key_of(url, root) or "")
        if new is None:
            return match[0]
        fragment_id = url.partition("#")[2]
        return f'href="{html.escape(new + ("#" + fragment_id if fragment_id else ""))}"'

    # Only links under the base URL can be ours (sanitised HTML quotes every href).
    return re.sub(f'href="{re.escape(html.escape(root))}([^"]*)"', replace, fragment)
