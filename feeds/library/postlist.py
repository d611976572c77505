"""The published posts as a persistent sequence: a new version shares all but a chunk.

A tuple of 10,000 posts is cheap to read but costs a pass over every post to
make, and in a worker forked from the server, a pass that writes to every post
(reference counts) copies every memory page they lie on. `PostList` keeps the
posts' entries (`feeds.library.reading.Entry`: each post with its digests) in
chunks of about CHUNK: adding or removing one post makes one new chunk and a
new list of chunks, so one new post costs the same at any size of blog. Each
chunk also knows the sum of its entries' weights (`feeds.library.catalog.weight`),
so versions need no pass over the posts either. As a sequence it holds the
posts; `entry` and `find` reach what the library knows of each.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, islice
from operator import attrgetter
from typing import overload

from feeds.library.reading import Entry
from feeds.model import Post

CHUNK = 512
_post_of = attrgetter("post")


class PostList(Sequence[Post]):
    """An immutable sequence of posts in chunks (see the module's note)."""

    __slots__ = ("_chunks", "_heads", "_len", "_starts", "_sums", "_weight")

    def __init__(self, chunks: tuple[tuple[Entry, ...], ...], weight: Callable[[Entry], int],
                 sums: tuple[int, ...] | None = None) -> None:
        self._chunks = chunks
        self._weight = weight
        self._sums = sums if sums is not None else tuple(sum(map(weight, c)) for c in chunks)
        self._starts = (0, *accumulate(len(c) for c in chunks))
        self._len = self._starts[-1]
        self._heads = tuple(_order(chunk[0].post) for chunk in chunks)  # chunks are not empty

    @classmethod
    def of(cls, entries: Iterable[Entry], weight: Callable[[Entry], int]) -> PostList:
        """A list of the posts of `entries`, in their order."""
        items = tuple(entries)
        return cls(tuple(items[i:i + CHUNK] for i in range(0, len(items), CHUNK)), weight)

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[Post]:
        return map(_post_of, chain.from_iterable(self._chunks))

    @overload
    def __getitem__(self, index: int) -> Post: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Post, ...]: ...

    def __getitem__(self, index: int | slice) -> Post | tuple[Post, ...]:
        """A post, or a slice of them as a tuple (costing the slice, not the list)."""
        if isinstance(index, slice):
            start, stop, step = index.indices(self._len)
            if step != 1:
                return tuple(self)[index]
            if start >= stop:
                return ()
            return tuple(map(_post_of, islice(self._from(start), stop - start)))
        return self.entry(index).post

    def entries(self) -> Iterator[Entry]:
        """The entries of the posts, in order."""
        return chain.from_iterable(self._chunks)

    def entry(self, index: int) -> Entry:
        """The entry of the post at `index`: the post and its digests."""
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError("post index out of range")
        at = bisect.bisect_right(self._starts, index) - 1
        return self._chunks[at][index - self._starts[at]]

    def find(self, post: Post) -> Entry | None:
        """The entry of `post` if this list holds it, found by halving: the list is newest
        first, then by id, and published ids are unique. The chunk is found by its first
        post, then the post in the chunk (an export looks up every post many times)."""
        order = _order(post)
        at = bisect.bisect_right(self._heads, order) - 1
        if at < 0:
            return None
        chunk = self._chunks[at]
        index = bisect.bisect_left(chunk, order, key=_entry_order)
        found = chunk[index] if index < len(chunk) else None
        return found if found is not None and (found.post is post or found.post == post) \
            else None

    def position(self, post: Post) -> int:
        """Where `post` stands in this list, or would: the number of posts before it
        (newer, or as new with a smaller id). Its chunk is the last one that starts
        before it."""
        order = _order(post)
        at = max(bisect.bisect_left(self._heads, order) - 1, 0)
        if at >= len(self._chunks):
            return 0
        return self._starts[at] + bisect.bisect_left(self._chunks[at], order, key=_entry_order)

    def _from(self, start: int) -> Iterator[Entry]:
        at = bisect.bisect_right(self._starts, start) - 1
        first = self._chunks[at][start - self._starts[at]:]
        return chain(first, chain.from_iterable(self._chunks[at + 1:]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PostList | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                          strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PostList({len(self)} posts)"

    def weight_before(self, count: int) -> int:
        """The sum of the weights of the first `count` posts."""
        at = bisect.bisect_right(self._starts, count) - 1
        whole = sum(self._sums[:at])
        return whole + sum(map(self._weight, self._chunks[at][:count - self._starts[at]])) \
            if at < len(self._chunks) else whole

    def insert(self, index: int, entry: Entry) -> PostList:
        """A new list with the post of `entry` at `index`."""
        if not self._chunks:
            return PostList(((entry,),), self._weight)
        at = min(bisect.bisect_right(self._starts, index) - 1, len(self._chunks) - 1)
        chunk = self._chunks[at]
        offset = index - self._starts[at]
        grown = (*chunk[:offset], entry, *chunk[offset:])
        parts = (grown,) if len(grown) <= 2 * CHUNK else (grown[:CHUNK], grown[CHUNK:])
        return self._replaced(at, parts)

    def remove(self, index: int) -> PostList:
        """A new list without the post at `index`."""
        at = bisect.bisect_right(self._starts, index) - 1
        chunk = self._chunks[at]
        offset = index - self._starts[at]
        shrunk = chunk[:offset] + chunk[offset + 1:]
        return self._replaced(at, (shrunk,) if shrunk else ())

    def drop(self, count: int) -> PostList:
        """A new list without the first `count` posts."""
        if count <= 0:
            return self
        at = bisect.bisect_right(self._starts, count) - 1
        if at >= len(self._chunks):
            return PostList((), self._weight)
        rest = self._chunks[at][count - self._starts[at]:]
        return PostList(((rest,) if rest else ()) + self._chunks[at + 1:], self._weight,
                        (sum(map(self._weight, rest)),) * bool(rest) + self._sums[at + 1:])

    def _replaced(self, at: int, parts: tuple[tuple[Entry, ...], ...]) -> PostList:
        sums = tuple(sum(map(self._weight, part)) for part in parts)
        return PostList(self._chunks[:at] + parts + self._chunks[at + 1:], self._weight,
                        self._sums[:at] + sums + self._sums[at + 1:])


def _entry_order(entry: Entry) -> tuple[float, str]:
    return _order(entry.post)


def _order(post: Post) -> tuple[float, str]:
    """Where a post stands in a list: newest first, then by id."""
    return (-post.date.timestamp(), post.id)
