"""The persistent index: a restart reads only stat() for unchanged files."""

from __future__ import annotations

import gc
from pathlib import Path

from conftest import FakeClock, age, write_posts

from feeds.library import Library, Options
from feeds.library.reading import PARALLEL_FROM

COUNT = PARALLEL_FROM + 50  # enough to be read on every core, through the pool


def blog(tmp_path: Path) -> Path:
    return age(write_posts(tmp_path / "posts", {
        f"p{i:04d}.md": f"---\ntitle: Post {i}\ndate: 2024-01-01T00:{i % 60:02d}:00Z\n"
                        f"tags: [t{i % 7}]\n---\nBody {i}.\n" for i in range(COUNT)}))


def test_a_restart_reads_nothing_unchanged_and_a_change_only(tmp_path: Path,
                                                             clock: FakeClock) -> None:
    root = blog(tmp_path)
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    first = Library(options, clock)
    assert first.last_reload.files_read == COUNT and gc.isenabled()
    again = Library(options, clock)
    assert again.last_reload.files_read == 0
    assert again.snapshot().version == first.snapshot().version
    assert again.snapshot().posts == first.snapshot().posts
    (root / "p0003.md").write_text("---\ntitle: Changed\ndate: 2024-01-02\n---\nNew.\n")
    third = Library(options, clock)
    assert third.last_reload.files_read == 1
    assert third.snapshot().posts[0].title == "Changed"


def test_what_posts_depend_on_is_part_of_the_key(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": "---\ntitle: A\ndate: 2024-01-01\n---\nA.\n"})
    cache = tmp_path / "cache"
    Library(Options(root, "https://a.example.org/", cache=cache, lazy=True), clock)
    moved = Library(Options(root, "https://b.example.org/", cache=cache, lazy=True), clock)
    assert moved.last_reload.files_read == 1  # its addresses changed with the base URL
    assert moved.snapshot().posts[0].url.startswith("https://b.example.org/")


def test_posts_read_elsewhere_share_their_authors_tags_and_keys(tmp_path: Path,
                                                                 clock: FakeClock) -> None:
    """Records decoded from a reading process or from the index hold one copy of each
    author, tag and stat key, not one each: a worker holds every post."""
    root = age(write_posts(tmp_path / "posts", {
        f"p{i:04d}.md": f"---\ntitle: Post {i}\ndate: 2024-01-01T00:{i % 60:02d}:00Z\n"
                        f"author: Writer {i % 3}\ntags: [t{i % 7}, shared]\n"
                        f"{'updated: 2024-02-01' if i % 2 else ''}\n---\nBody {i}.\n"
        for i in range(COUNT)}))
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    for library in (Library(options, clock), Library(options, clock)):  # read, then the index
        posts = library.snapshot().posts
        assert len(posts) == COUNT
        assert len({id(post.authors) for post in posts}) == 3
        assert len({id(tag) for post in posts for tag in post.tags}) == 8
        assert sum(post.updated is post.date for post in posts) == COUNT // 2
        listed = library.loader.listing
        assert listed is not None
        files = library.loader.catalog.files
        assert all(files[rel].key is key for rel, key in listed.posts.items())
        assert all(post.path is next(r for r in listed.posts if r == post.path)
                   for post in posts[:20])


def test_a_post_broken_while_no_server_ran_keeps_its_last_good_version(
        tmp_path: Path, clock: FakeClock) -> None:
    """Nothing is lost across a restart: the index's record of a file that no longer
    parses is its last good version, published with the error."""
    root = blog(tmp_path)
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    Library(options, clock)
    (root / "p0003.md").write_text("---\ntitle: [unclosed\n---\nBroken.\n")
    again = Library(options, clock)
    assert again.last_reload.files_read == 1
    assert "Post 3" in [post.title for post in again.snapshot().posts]
    assert [p.path for p in again.problems if p.severity.name == "ERROR"] == ["p0003.md"]


def test_an_index_that_gave_back_its_cache_goes_on_serving(tmp_path: Path,
                                                            clock: FakeClock) -> None:
    """The server shrinks its connection's cache before the workers fork; the
    connection stays usable (bodies are read from the index afterwards)."""
    root = blog(tmp_path)
    library = Library(Options(root, "https://a.example.org/", cache=tmp_path / "cache",
                              lazy=True), clock)
    index = library.loader.index
    assert index is not None
    index.shrink()
    assert index.working
    snapshot = library.snapshot()
    newest = snapshot.posts[0]
    assert snapshot.with_body(newest).content_html == f"<p>Body {newest.title.split()[1]}.</p>"
