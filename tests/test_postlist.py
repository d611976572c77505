"""PostList: every operation agrees with the same one on a plain list of entries."""

from __future__ import annotations

import bisect
import os
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.library import postlist
from feeds.library.postlist import PostList
from feeds.library.reading import Entry
from feeds.model import Post

EXAMPLES = int(os.environ.get("FEEDS_HYPOTHESIS_EXAMPLES", "300"))
T0 = datetime(2024, 1, 1, tzinfo=UTC)
POSTS = [Entry(Post(f"p{i}.md", f"p{i}", f"p{i:02}", f"P{i}", T0, T0, (), (), "", "", f"u{i}"),
               "", f"{i + 1:020x}") for i in range(64)]
OPS = st.lists(st.tuples(st.sampled_from(["insert", "remove", "drop"]),
                         st.integers(0, 80), st.integers(0, 63)), max_size=40)


def weight(entry: Entry) -> int:
    return int(entry.digest, 16)


def posts(entries: list[Entry]) -> list[Post]:
    return [entry.post for entry in entries]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.integers(0, 20), OPS, st.integers(-5, 90), st.integers(-5, 90))
def test_operations_agree_with_a_list(start: int, ops: list[tuple[str, int, int]],
                                      low: int, high: int) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postlist, "CHUNK", 3)  # small chunks: splits and empty chunks happen
        model = list(POSTS[:start])
        chunked = PostList.of(model, weight)
        for op, wanted, which in ops:
            at = min(wanted, len(model) - (op != "insert"))
            if op == "insert":
                model.insert(at, POSTS[which])
                chunked = chunked.insert(at, POSTS[which])
            elif model and op == "remove":
                del model[at]
                chunked = chunked.remove(at)
            elif op == "drop":
                model, chunked = model[at:], chunked.drop(at)
            assert list(chunked) == posts(model) and len(chunked) == len(model)
        assert chunked[low:high] == tuple(posts(model[low:high]))
        assert chunked[::2] == tuple(posts(model[::2]))
        assert [chunked[i] for i in range(-len(model), len(model))] == posts(model) * 2
        assert [chunked.entry(i) for i in range(len(model))] == model
        for count in range(len(model) + 1):
            assert chunked.weight_before(count) == sum(map(weight, model[:count]))


def test_a_new_version_shares_all_but_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postlist, "CHUNK", 8)
    posts = PostList.of(POSTS, weight)
    for grown in (posts.insert(10, POSTS[0]), posts.remove(10)):
        shared = [chunk for chunk in grown._chunks if any(chunk is c for c in posts._chunks)]
        assert len(posts._chunks) == 8 and len(shared) == 7
    with pytest.raises(IndexError):
        posts[64]
    assert posts == tuple(p.post for p in POSTS) and posts != tuple(p.post for p in POSTS[1:])


def test_find_gives_the_entry_of_a_post_it_holds() -> None:
    listed = PostList.of(POSTS[::2], weight)  # newest first, then by id: here by id
    assert all(listed.find(entry.post) is entry for entry in POSTS[::2])
    assert all(listed.find(entry.post) is None for entry in POSTS[1::2])


@pytest.mark.parametrize("chunk", [1, 3, 512])
def test_find_looks_in_the_right_chunk(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(postlist, "CHUNK", chunk)
    held = POSTS[4:60:2]  # posts before the first chunk and after the last are not held
    listed = PostList.of(held, weight).insert(3, POSTS[9]).remove(3)
    assert all(listed.find(entry.post) is entry for entry in held)
    assert all(listed.find(entry.post) is None for entry in POSTS if entry not in held)
    copy = replace(held[7].post)  # equal but not the same object: found too
    assert copy is not held[7].post and listed.find(copy) is held[7]
    assert PostList.of([], weight).find(held[0].post) is None


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sets(st.integers(0, 63)), st.integers(0, 63), st.sampled_from([1, 2, 3, 512]))
def test_position_is_where_a_post_stands_or_would(held: set[int], which: int,
                                                   chunk: int) -> None:
    """The catalog publishes and unpublishes one post by its place (newest first, then
    by id): the same as halving a sorted list, however the chunks fall."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postlist, "CHUNK", chunk)
        dated = [Entry(replace(POSTS[i].post, date=T0.replace(day=1 + i % 5)), "",
                       POSTS[i].digest) for i in sorted(held | {which})]
        dated.sort(key=lambda e: (-e.post.date.timestamp(), e.post.id))
        listed = [entry for entry in dated if entry.post.id != f"p{which:02}" or which in held]
        chunked = PostList.of(listed, weight)
        post = next(entry.post for entry in dated if entry.post.id == f"p{which:02}")
        keys = [(-e.post.date.timestamp(), e.post.id) for e in listed]
        assert chunked.position(post) == bisect.bisect_left(
            keys, (-post.date.timestamp(), post.id))
        if which in held:
            assert chunked.entry(chunked.position(post)).post is post
