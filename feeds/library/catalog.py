"""Which posts are published, kept current one changed file at a time.

The catalog holds every post file's last read (`FileState`) and what follows
from them: the posts that win their slug and id (the oldest post wins, then the
first file by path; a later one with the same slug is published under the slug
and a short digest of its path, with a warning naming both files), newest
first, and a sum of their digests from which the version is made. Applying a
change of a few files costs work in proportion to those files, not to the blog,
so that one new post costs about as much at 10,000 posts as at 1,000. Only a
change that touches a contested slug or id redoes the whole claim pass, oldest
first, which is what defines the outcome.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import replace
from operator import itemgetter
from urllib.parse import quote

from feeds import routes
from feeds.errors import Problem, Severity
from feeds.library.postlist import PostList
from feeds.library.reading import Entry, FileState
from feeds.model import Post

WEIGHT_MODULUS = 1 << 128
BULK_FROM = 32  # changed files from which the published set is rebuilt, not edited
_Placed = tuple[float, str, str, Entry]  # (-date, id, path, entry): newest first
_entry_of = itemgetter(3)


def weight(entry: Entry) -> int:
    """A post's part of the version: its digest (of its content and file) as a number.

    Versions sum these, so that adding or removing one post changes the sum
    without visiting the others; the order of posts follows from their dates and
    ids, which the digests cover."""
    try:
        return int(entry.digest, 16)  # a hex digest made when the file was read
    except ValueError:  # an entry made otherwise
        text = entry.digest or repr(entry.post)
        return int(hashlib.sha256(text.encode()).hexdigest()[:32], 16)


Claim = tuple[str, str]  # ("slug" or "id", its value)


def claims(post: Post) -> tuple[Claim, Claim]:
    """The keys a post claims: its slug and its id."""
    return (("slug", post.slug), ("id", post.id))


class Catalog:
    """Every post file's last read, and the published posts that follow from them."""

    def __init__(self, files: Mapping[str, FileState] | None = None) -> None:
        self.files: dict[str, FileState] = dict(files or {})
        # Claim -> the path of the post with it, or the paths when several have it (the
        # post's own strings: no new ones for each of many thousand posts).
        self._wanting: dict[str, dict[str, str | set[str]]] = {"slug": {}, "id": {}}
        self._troubled: dict[str, tuple[Problem, ...]] = {}
        for path, state in self.files.items():
            self._want(path, state)
        self._reclaim()

    # ---- what follows from the files

    def posts(self) -> PostList:
        """The accepted posts that are not drafts, newest first (then by id)."""
        return self._posts

    def drafts(self) -> tuple[Post, ...]:
        """The accepted drafts, newest first."""
        return tuple(sorted(self._drafts.values(), key=_sort_key))

    def problems(self) -> tuple[Problem, ...]:
        """Problems of reading, in path order, then of claiming, in path order."""
        read = [p for path in sorted(self._troubled) for p in self._troubled[path]]
        return (*read, *(self._rejected[path] for path in sorted(self._rejected)))

    @property
    def total(self) -> int:
        """The sum of the weights of the posts that are not drafts."""
        return self._posts.weight_before(len(self._posts)) % WEIGHT_MODULUS

    def page_about(self) -> str | None:
        """The About text of the first page saved as text that has one (by path)."""
        return next((self._about[path] for path in sorted(self._about)), None)

    # ---- changes

    def apply(self, changes: Mapping[str, FileState | None]) -> None:
        """Take new reads of some files (None: the file is gone)."""
        bulk = len(changes) > BULK_FROM + len(self.files) // 32  # cheaper all at once
        touched = set() if bulk else self._touched(changes)
        contested = any(len(self._holders(key)) > 1 for key in touched)
        for path, state in changes.items():
            self._unwant(path)
            if not bulk:
                self._unpublish(path)
            if state is None:
                self.files.pop(path, None)
            else:
                self.files[path] = state
                self._want(path, state)
        if bulk or contested or any(len(self._holders(key)) > 1 for key in touched):
            self._reclaim()
            return
        for path in changes:
            state = self.files.get(path)
            if state is not None and state.entry is not None:
                self._publish(path, state.entry)

    def _touched(self, changes: Mapping[str, FileState | None]) -> set[Claim]:
        """The claim keys of the changed files, before and after the change."""
        touched = {key for path in changes for key in self._keys(path)}
        return touched | {key for state in changes.values() if state and state.post
                          for key in claims(state.post)}

    def _keys(self, path: str) -> tuple[Claim, ...]:
        state = self.files.get(path)
        return claims(state.post) if state is not None and state.post is not None else ()

    def _want(self, path: str, state: FileState) -> None:
        if state.problems:
            self._troubled[path] = state.problems
        if state.post is not None:
            for key in claims(state.post):
                self._set_holders(key, self._holders(key) | {path})

    def _unwant(self, path: str) -> None:
        self._troubled.pop(path, None)
        for key in self._keys(path):
            self._set_holders(key, self._holders(key) - {path})

    def _holders(self, key: Claim) -> set[str]:
        """The paths of the posts that claim `key`."""
        found = self._wanting[key[0]].get(key[1])
        return set(found) if isinstance(found, set) else {found} if found else set()

    def _set_holders(self, key: Claim, paths: set[str]) -> None:
        field, value = key
        if len(paths) > 1:
            self._wanting[field][value] = paths
        elif paths:
            self._wanting[field][value] = next(iter(paths))
        else:
            self._wanting[field].pop(value, None)

    def _reclaim(self) -> None:
        """Every claim anew, oldest post first (then by path): a later post with a taken
        slug gets one of its own, a later one with a taken id is not published."""
        placed: list[_Placed] = []  # the published posts, sorted once at the end
        self._posts = PostList((), weight)
        self._drafts: dict[str, Post] = {}
        self._rejected: dict[str, Problem] = {}
        self._about: dict[str, str] = {}
        self._troubled = {
            path: state.problems for path, state in self.files.items() if state.problems}
        claimed: dict[Claim, str] = {}
        for path in self._claim_order():
            entry = self._claimed(path, claimed)
            if entry is None:
                continue
            if not entry.post.draft:
                claimed.update(dict.fromkeys(claims(entry.post), path))
            self._publish(path, entry, placed)
        placed.sort()
        self._posts = PostList.of(map(_entry_of, placed), weight)

    def _claim_order(self) -> list[str]:
        """The files with a post, oldest first, then by path: an older post keeps its
        slug when a newer file takes the same one, so that its address stays."""
        read = [(state.entry.post.date, path) for path, state in self.files.items()
                if state.entry is not None]
        return [path for _, path in sorted(read)]

    def _claimed(self, path: str, claimed: dict[Claim, str]) -> Entry | None:
        """The file's entry as it may be published beside the claims made before it: under
        a slug of its own if its slug is taken; None (reported) if its id stays taken."""
        entry = self.files[path].entry
        assert entry is not None  # _claim_order lists only such files
        slug, ident = claims(entry.post)
        if slug in claimed:
            entry = _renamed(entry, _own_slug(entry.post), _own_id(entry.post, ident in claimed))
            self._rejected[path] = Problem(
                entry.post.path, None, Severity.WARNING,
                f"same slug as {claimed[slug]} ({slug[1]}); this file is published as "
                f"{entry.post.slug} (a digest of its path: add a `slug` field to choose one)")
        taken = [key for key in claims(entry.post) if key in claimed]
        if taken:
            self._reject(path, entry.post, taken[0], claimed[taken[0]])
            return None
        return entry

    def _reject(self, path: str, post: Post, key: Claim, holder: str) -> None:
        field, value = key
        self._rejected[path] = Problem(post.path, None, Severity.ERROR,
                                       f"same {field} as {holder} ({value}); this file is "
                                       "not published")

    def _publish(self, path: str, entry: Entry, placed: list[_Placed] | None = None) -> None:
        """Publish one post: in its place at once, or (`placed`) sorted in later."""
        if entry.about:
            self._about[path] = entry.about
        if entry.post.draft:
            self._drafts[path] = entry.post
            return
        if placed is not None:
            placed.append((*_sort_key(entry.post), path, entry))
        else:
            self._posts = self._posts.insert(self._posts.position(entry.post), entry)

    def _unpublish(self, path: str) -> None:
        self._rejected.pop(path, None)
        self._about.pop(path, None)
        if self._drafts.pop(path, None) is not None:
            return
        state = self.files.get(path)
        entry = state.entry if state is not None else None
        if entry is None or entry.post.draft:
            return
        # Published ids are unique, so the post's place names it (a post published under
        # a slug and id of its own may not be found so: its claims are contested, and a
        # contested change claims everything anew after this).
        at = self._posts.position(entry.post)
        if at < len(self._posts) and self._posts.entry(at).post.path == path:
            self._posts = self._posts.remove(at)


def _own_slug(post: Post) -> str:
    """A slug for a post whose slug is taken: the slug and a short digest of its path,
    the same on every load (docs/reference.md §4.3)."""
    return f"{post.slug}-{hashlib.sha256(post.path.encode()).hexdigest()[:6]}"


def _own_id(post: Post, taken: bool) -> str | None:
    """The id of a post given a slug of its own: a taken id made from the slug (the
    default, `tag:…:{slug}`) is made from the new one; any other id stays."""
    suffix = ":" + quote(post.slug)
    if taken and post.id.endswith(suffix):
        return post.id.removesuffix(suffix) + ":" + quote(_own_slug(post))
    return None


def _renamed(entry: Entry, slug: str, ident: str | None) -> Entry:
    """The entry published under another slug (and id): its page moves with it, its
    body is rendered again for that page (relative links), its digest changes."""
    post, old = entry.post, routes.post_folder(entry.post.slug)
    url = post.url.removesuffix(old) + routes.post_folder(slug) if post.url.endswith(old) \
        else post.url
    moved = replace(post, slug=slug, url=url, id=ident or post.id, content_html=None)
    digest = hashlib.sha256(f"{entry.digest}:{slug}".encode()).hexdigest()[:20]
    return Entry(moved, entry.source, digest, entry.about)


def _sort_key(post: Post) -> tuple[float, str]:
    return (-post.date.timestamp(), post.id)

