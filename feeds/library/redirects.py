"""The old addresses of a snapshot's posts (docs/reference.md §6.5): which old path
leads to which post, and the links between posts that a body's text makes.

An old address never shadows an address of ours (a page, a feed, `/files/`,
`/healthz`) and never leads off the site: it leads to a post's page. Two posts
claiming one old address is reported with both files; the older post keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from feeds import routes
from feeds.errors import Problem, Severity
from feeds.model import Post
from feeds.normalize.addresses import address_key
from feeds.normalize.links import source_key, undated

# Our folders (any address in them may become ours) and names, besides the route map.
RESERVED_FOLDERS = ("files/", "static/", "tags/", "authors/", "archive/", "podcast/")
RESERVED = ("healthz", "posts", "_redirects", "_headers")


@dataclass(frozen=True)
class Redirects:
    """Old address key -> (the old path as written, the post it leads to)."""

    by_key: Mapping[str, tuple[str, Post]]
    by_source: Mapping[str, Post]  # a post file's link key -> the post
    problems: tuple[Problem, ...]

    def target(self, path: str) -> Post | None:
        """The post an old address (a request's decoded path, no leading slash) leads to."""
        found = self.by_key.get(address_key(path))
        return found[1] if found is not None else None

    def pairs(self) -> list[tuple[str, str]]:
        """Every redirect as (old path, new path), both under the base URL without the
        leading slash (the new one percent-encoded, as it goes into a URL), by old path:
        what `feeds build` writes as redirect pages and `_redirects`."""
        return sorted((old, routes.post_folder(post.slug)) for old, post in self.by_key.values())

    def link(self, key: str) -> str | None:
        """The URL of the page a body's link key (`feeds.normalize.links`) now names."""
        found = self.by_key.get(key)
        post = found[1] if found is not None else self.by_source.get(key)
        return post.url if post is not None else None


def redirects_of(posts: Iterable[Post]) -> Redirects:
    """The redirects of the published posts, oldest claim first, and what was refused."""
    ordered = sorted(posts, key=lambda p: (p.date, p.path))
    own = {address_key(routes.post_folder(p.slug)): p for p in ordered}
    by_key: dict[str, tuple[str, Post]] = {}
    problems: list[Problem] = []
    for post in ordered:
        for old in post.aliases:
            refused = _refusal(old, post, by_key, own)
            if refused:
                problems.append(Problem(post.path, None, Severity.WARNING, refused))
            elif address_key(old) not in own:
                by_key[address_key(old)] = (old, post)
    sources = {source_key(p.path): p for p in ordered}
    for post in ordered:  # `survey.md` for `2019-05-03-survey.md`, when no file is so named
        sources.setdefault(source_key(undated(post.path)), post)
    return Redirects(MappingProxyType(by_key), MappingProxyType(sources), tuple(problems))


def _refusal(old: str, post: Post, taken: Mapping[str, tuple[str, Post]],
             own: Mapping[str, Post]) -> str | None:
    """Why `post` may not have the old address `old` (None: it may)."""
    key = address_key(old)
    if own.get(key) is post:
        return None  # its own page: nothing to redirect
    if key in own or _ours(old):
        return f"old address /{old} is an address of this blog: not redirected"
    if key in taken:
        return (f"old address /{old} is also claimed by {taken[key][1].path}: it leads "
                "there (the older post)")
    return None


def _ours(path: str) -> bool:
    """Whether a path is (or may become) one of our own addresses other than a post's
    page (a post's old page may be `/posts/old-name/`: the pages taken are `own`)."""
    bare, key = path.strip("/"), address_key(path)
    found = [routes.parse(c) for c in (bare, bare + "/", key, key + "/")]
    if not key or any(r is not None and r.kind != "post" for r in found):
        return True
    return bare in RESERVED or any(bare == r.rstrip("/") or bare.startswith(r)
                                   for r in RESERVED_FOLDERS)
