"""A reader subscribed to the old feed follows the move and sees no entry twice
(docs/reference.md §11): `reader` (a real feed reader library) reads the old feed,
the blog is imported, `feeds serve` publishes it, the subscription moves, and the
update finds no new entry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Server, run_feeds, write_posts
from reader import make_reader
from test_import import DATA, serving


@pytest.mark.parametrize("new_feed", ["rss.xml", "atom.xml", "feed.json"])
def test_a_subscriber_of_the_old_feed_sees_no_entry_twice(
        tmp_path: Path, serve: Callable[..., Server], new_feed: str) -> None:
    reader = make_reader(str(tmp_path / "reader.sqlite"))
    with serving(DATA) as old:
        old_url = old + "old-blog.rss"
        reader.add_feed(old_url)
        first = _new_entries(reader)
        posts = write_posts(tmp_path / "posts", {})
        assert run_feeds("import", "--posts", str(posts), old_url).returncode == 0
    assert first == 4  # the untitled note too: the reader has it, feeds leaves it out
    seen = {e.id for e in reader.get_entries()}
    server = serve(posts)
    reader.change_feed_url(old_url, server.base + new_feed)
    assert _new_entries(reader) == 0
    assert {e.id for e in reader.get_entries()} == seen
    titles = {e.title for e in reader.get_entries(feed=server.base + new_feed)}
    assert {"Spring tides", "Neap tides", "Reading a tide board"} <= titles


def _new_entries(reader: object) -> int:
    results = list(reader.update_feeds_iter())  # type: ignore[attr-defined]
    assert len(results) == 1 and not isinstance(results[0].value, Exception), results
    return int(results[0].value.new)
