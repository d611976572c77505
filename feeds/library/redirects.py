"""The old addresses of a snapshot's posts (docs/reference.md §6.5): which old path
leads to which post, and the links between posts that a body's text makes.

An old address never shadows an address of ours (a page, a feed, `/files/`,
`/healthz`) and never leads off the site: it leads to a post's page. Two posts
claiming one old address is reported with both files; the older post keeps it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cached_property
from operator import attrgetter
from types import MappingProxyType

from feeds import routes
from feeds.errors import Problem, Severity
from feeds.model import Post
from feeds.normalize.addresses import address_key
from feeds.normalize.links import file_name, source_key, source_paths, undated

# Our folders (any address in them may become ours) and names, besides the route map.
RESERVED_FOLDERS = ("files/", "static/", "tags/", "authors/", "archive/", "podcast/")
RESERVED = ("healthz", "posts", "_redirects", "_headers")
_PATH, _ALIASES = attrgetter("path"), attrgetter("aliases")


class Redirects:
    """Old address key -> (the old path as written, the post it leads to), made from
    the posts that have old addresses only; a post file's page is looked up by path
    when a link asks (a snapshot of ten thousand posts makes this in milliseconds)."""

    def __init__(self, posts: Sequence[Post], by_key: Mapping[str, tuple[str, Post]],
                 spelled: Sequence[tuple[str, Post]], problems: tuple[Problem, ...]) -> None:
        self.posts, self.by_key, self.problems = posts, MappingProxyType(dict(by_key)), problems
        # Every spelling of each old address (`x/` and `x.html`): a static host answers
        # only the one it finds a file or a `_redirects` line for.
        self.spelled = tuple(sorted(spelled, key=lambda item: item[0]))
        self._found: dict[str, str | None] = {}  # link key -> URL, as `link` found it

    def target(self, path: str) -> Post | None:
        """The post an old address (a request's decoded path, no leading slash) leads to."""
        found = self.by_key.get(address_key(path))
        return found[1] if found is not None else None

    def pairs(self) -> list[tuple[str, str]]:
        """Every redirect as (old path, new path), both under the base URL without the
        leading slash (the new one percent-encoded, as it goes into a URL), by old path:
        what `feeds build` writes as redirect pages and `_redirects`."""
        return [(old, routes.post_folder(post.slug)) for old, post in self.spelled]

    def link(self, key: str) -> str | None:
        """The URL of the page a body's link key (`feeds.normalize.links`) now names."""
        if key in self._found:  # asked for by every page that shows the post
            return self._found[key]
        found = self.by_key.get(key)
        post = found[1] if found is not None else self._source(key) or self._named(key)
        self._found[key] = url = post.url if post is not None else None
        return url

    def _named(self, key: str) -> Post | None:
        """The one post whose file is named as the link's last part (`/blog/slices` for
        `slices.md`: the old address in the Go blog's, Hugo's and Jekyll's defaults,
        when no pattern says it), for a link that leads nowhere else."""
        if key.startswith("posts/") or _ours(key + "/", key):
            return None
        return self._by_name.get(key.rpartition("/")[2])

    @cached_property
    def _by_name(self) -> Mapping[str, Post]:
        # Made in C as far as it goes (map, Counter): every new version makes it in every
        # process, and at 24,700 posts a loop took 42 ms.
        names = list(map(file_name, map(_PATH, self.posts)))
        counts = Counter(names)
        return {name: post for name, post in zip(names, self.posts, strict=True)
                if counts[name] == 1}  # two of a name: neither

    def _source(self, key: str) -> Post | None:
        names = source_paths(key)
        for name in names:
            if name in self._by_path and source_key(name) == key:
                return self._by_path[name]
        return self._undated.get(key) if names else None

    @cached_property
    def _by_path(self) -> Mapping[str, Post]:
        return {post.path: post for post in self.posts}

    @cached_property
    def _undated(self) -> Mapping[str, Post]:
        """`survey.md` for `2019-05-03-survey.md` (Jekyll's `_posts`), the older first;
        made only when a link names no file."""
        found: dict[str, Post] = {}
        for post in sorted(self.posts, key=lambda p: (p.date, p.path)):
            found.setdefault(source_key(undated(post.path)), post)
        return found


def redirects_of(posts: Sequence[Post], by_slug: Mapping[str, Post]) -> Redirects:
    """The redirects of the published posts, oldest claim first, and what was refused."""
    by_key: dict[str, tuple[str, Post]] = {}
    spelled: list[tuple[str, Post]] = []
    problems: list[Problem] = []
    for post in sorted(filter(_ALIASES, posts), key=lambda p: (p.date, p.path)):
        for old in post.aliases:
            key = address_key(old)
            page = _page_of(key, by_slug)
            refused = _refusal(old, key, page, post, by_key)
            if refused:
                problems.append(Problem(post.path, None, Severity.WARNING, refused))
            elif page is None:
                by_key.setdefault(key, (old, post))
                spelled.append((old, post))
    return Redirects(posts, by_key, spelled, tuple(problems))


def _page_of(key: str, by_slug: Mapping[str, Post]) -> Post | None:
    """The post whose page the address of `key` is, if any."""
    route = routes.parse(key + "/")
    return by_slug.get(route.key) if route is not None and route.kind == "post" else None


def _refusal(old: str, key: str, page: Post | None, post: Post,
             taken: Mapping[str, tuple[str, Post]]) -> str | None:
    """Why `post` may not have the old address `old` (None: it may)."""
    if page is post:
        return None  # its own page: nothing to redirect
    if page is not None or _ours(old, key):
        return f"old address /{old} is an address of this blog: not redirected"
    if key in taken and taken[key][1] is not post:
        return (f"old address /{old} is also claimed by {taken[key][1].path}: it leads "
                "there (the older post)")
    return None


def _ours(path: str, key: str) -> bool:
    """Whether a path (whose `address_key` is `key`) is, or may become, one of our own
    addresses other than a post's page (an old page may be `/posts/old-name/`)."""
    bare = path.strip("/")
    found = [routes.parse(key), routes.parse(key + "/")]  # `x.html`, `x/index.html`: `x`
    if not key or any(r is not None and r.kind != "post" for r in found):
        return True
    return bare in RESERVED or any(bare == r.rstrip("/") or bare.startswith(r)
                                   for r in RESERVED_FOLDERS)
