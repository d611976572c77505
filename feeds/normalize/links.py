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
from urllib.parse import unquote

from feeds import formats, routes
from feeds.normalize.addresses import address_key
from feeds.normalize.body import Place, absolute_url

# Link targets as written in Markdown, HTML or text: inline `](url`, reference
# definitions `[x]: url`, attributes, autolinks and bare URLs. A superset is harmless:
# only what the rendered HTML really links to is rewritten.
_TOKENS = re.compile(
    r"""\]\(\s*<([^>\n]*)>|\]\(\s*([^\s)]+)|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)"""
    r"""|\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))|(https?://[^\s<>"'\])]+)""",
    re.MULTILINE | re.IGNORECASE)
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


def file_name(path: str) -> str:
    """What a post file is named by: its name without date and ending (a page bundle's
    `name/index.md`: its folder's name)."""
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
    for match in _TOKENS.finditer(body):
        token = next(group for group in match.groups() if group is not None)
        token = html.unescape(_ESCAPED.sub(r"\1", token))
        resolved = absolute_url(token, place)
        if resolved:
            yield resolved


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
