"""Listing and reading files under posts/: names, encodings, front matter."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.errors import PostError, Severity
from feeds.sources import files as sources

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def test_listing_sorts_posts_and_assets_and_skips_ignored_names(tmp_path: Path) -> None:
    for rel in ["b.md", "a.txt", "sub/c.markdown", "d.html", "images/x.png", "_blog.md",
                "_drafts/e.md", ".hidden.md", "f.md~", ".#g.md", "#h.md#", "i.swp", "j.tmp",
                "notes.rst", "docs/_posts/2014-05-06-x.markdown", "_posts/2016-09-21-a.md",
                "_posts/_config.yml"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    listing = sources.list_files(tmp_path)
    # Jekyll's `_posts` is read (issue 11); what starts with `_` inside it is not.
    assert list(listing.posts) == ["_posts/2016-09-21-a.md", "a.txt", "b.md", "d.html",
                                   "docs/_posts/2014-05-06-x.markdown", "sub/c.markdown"]
    assert listing.assets == {"images/x.png", "notes.rst"}


def test_a_listing_keeps_what_the_one_before_said_where_it_is_the_same(tmp_path: Path) -> None:
    """A running server lists its folder every minute: equal stat keys, and the tables
    when nothing changed, are the previous listing's objects, not copies."""
    for rel in ["a.md", "b.md", "images/x.png"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    first = sources.list_files(tmp_path)
    same = sources.list_files(tmp_path, first)
    assert same == first and same.posts is first.posts and same.asset_keys is first.asset_keys
    (tmp_path / "b.md").write_text("longer")
    (tmp_path / "c.md").write_text("x")
    changed = sources.list_files(tmp_path, same)
    assert list(changed.posts) == ["a.md", "b.md", "c.md"]
    assert changed.posts["a.md"] is first.posts["a.md"]
    assert changed.posts["b.md"] != first.posts["b.md"]
    assert changed.posts == sources.list_files(tmp_path).posts
    assert changed.asset_keys["images/x.png"] is first.asset_keys["images/x.png"]


def test_symbolic_links_out_of_the_folder_are_ignored_with_a_warning(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: s\n---\n")
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "ok.md").write_text("x")
    os.symlink(outside / "secret.md", posts / "link.md")
    os.symlink(outside, posts / "dir")
    os.symlink(posts / "ok.md", posts / "inside.md")
    listing = sources.list_files(posts)
    assert list(listing.posts) == ["inside.md", "ok.md"]
    assert {p.path for p in listing.problems} == {"dir", "link.md"}
    assert all(p.severity is Severity.WARNING for p in listing.problems)
    assert sources.open_asset(posts, "dir/secret.md") is None


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_bytes(b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\nBody\r\n")
    raw = sources.read_post(tmp_path, "a.md")
    assert raw.meta == {"title": "T"}
    assert raw.body == "Body\n"
    assert raw.line_of("title") == 2
    assert raw.body_line == 4


BAD_FILES = [
    (b"", None, "empty"),
    (b"  \n\n", None, "empty"),
    (b"\xff\xfe-\x00-\x00", 1, "UTF-16"),
    (b"ok\nline two \xe9t\xe9\n", 2, "byte 0xe9 at byte offset 12"),
    (b"GIF89a\x00\x01", 1, "binary file"),
    (b"---\ntitle: T\nno end\n", 1, "never closed"),
    (b"---\ntitle: [unclosed\n---\n", 3, "not valid YAML"),
    (b"---\n- a list\n---\n", 2, "must be a mapping"),
    (b"---\n!!python/object/apply:os.system [echo hi]\n---\n", 2, "not valid YAML"),
    (b"---\n1: one\n---\n", 2, "not text"),
    (b"+++\ntitle = \n+++\n", 2, "not valid TOML"),
    (b"---\ndate: 2024-02-30\n---\n", 2, "impossible value"),
    (b"---\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
     b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
     b"e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n---\n", 2, "too many aliases"),
]


@pytest.mark.parametrize(("data", "line", "reason"), BAD_FILES,
                         ids=[r[2] for r in BAD_FILES])
def test_bad_files_name_the_file_line_and_reason(tmp_path: Path, data: bytes,
                                                 line: int | None, reason: str) -> None:
    (tmp_path / "bad.md").write_bytes(data)
    with pytest.raises(PostError) as caught:
        sources.read_post(tmp_path, "bad.md")
    assert caught.value.path == "bad.md"
    assert caught.value.line == line
    assert reason in caught.value.message


def test_a_file_that_vanished_is_an_error_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(PostError, match="vanished"):
        sources.read_post(tmp_path, "gone.md")


def test_toml_front_matter(tmp_path: Path) -> None:
    (tmp_path / "t.md").write_text('+++\ntitle = "T"\ntags = ["a", "b"]\n+++\nBody\n')
    raw = sources.read_post(tmp_path, "t.md")
    assert raw.meta == {"title": "T", "tags": ["a", "b"]}
    assert raw.line_of("tags") == 3


def test_oversized_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "big.md").write_bytes(b"x" * 2000)
    with pytest.raises(PostError, match="larger than the limit"):
        sources.read_post(tmp_path, "big.md", sources.Limits(file_bytes=1000))


@pytest.mark.parametrize("rel", ["../x.png", "a/../../x.png", "/etc/passwd", "a//b.png",
                                 "post.md", "_blog.md", ".git/config", "a\x00b.png",
                                 "x" * 2000, "images"])
def test_open_asset_refuses_path_tricks(tmp_path: Path, rel: str) -> None:
    posts = tmp_path / "posts"
    (posts / "images").mkdir(parents=True)
    (tmp_path / "x.png").write_text("outside")
    (posts / "post.md").write_text("x")
    assert sources.open_asset(posts, rel) is None


def test_links_to_private_names_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "_private").mkdir()
    (tmp_path / "_private/key.txt").write_text("secret")
    (tmp_path / "_blog.md").write_text("---\ntitle: T\n---\n")
    os.symlink(tmp_path / "_private", tmp_path / "pub")
    os.symlink(tmp_path / "_blog.md", tmp_path / "blog.png")
    listing = sources.list_files(tmp_path)
    assert dict(listing.posts) == {}
    assert listing.assets == frozenset()
    assert sources.open_asset(tmp_path, "blog.png") is None
    assert sources.open_asset(tmp_path, "pub/key.txt") is None


def test_a_name_too_long_for_the_file_system_is_not_an_asset(tmp_path: Path) -> None:
    assert sources.open_asset(tmp_path, "a" * 300 + ".png") is None
    assert sources.open_asset(tmp_path, "d/" * 200 + "x.png") is None


def test_a_file_without_read_permission_is_an_error_not_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked.md").write_text("---\ntitle: T\n---\n")
    os.chmod(tmp_path / "locked.md", 0)
    if os.geteuid() == 0:  # root reads anything: make the open fail as it would for others
        real_open = os.open

        def refusing_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
            if str(path).endswith("locked.md"):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(path, *args, **kwargs)

        monkeypatch.setattr(os, "open", refusing_open)
    with pytest.raises(PostError, match="permission denied"):
        sources.read_post(tmp_path, "locked.md")


def test_size_limits_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "fm.md").write_text("---\ntitle: " + "x" * 600 + "\n---\nBody\n")
    with pytest.raises(PostError, match="front matter is larger than the limit of 256 bytes"):
        sources.read_post(tmp_path, "fm.md", sources.Limits(front_matter_bytes=256))
    assert sources.read_post(tmp_path, "fm.md").meta["title"] == "x" * 600


def test_a_file_that_grows_while_read_is_read_whole_within_the_limit() -> None:


    # fstat said 10 bytes; the file has grown to 30 since: all 30 are read
    assert sources._read_limited(io.BytesIO(b"x" * 30), "a.md", 50, 10) == b"x" * 30
    with pytest.raises(PostError, match="larger than the limit of 50 bytes"):
        sources._read_limited(io.BytesIO(b"x" * 100), "a.md", 50, 10)
