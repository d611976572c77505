"""The library: what is published, when, and that one bad file hides nothing."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import BLOG_MD, FakeClock, post, write_posts

from feeds.errors import ConfigError, Severity
from feeds.library import Library, Options
from feeds.render.channel import entry_html


@pytest.fixture
def blog(tmp_path: Path) -> Path:
    return write_posts(tmp_path / "posts", {
        "2024-01-01-old.md": post("Old", "2024-01-01"),
        "2024-02-01-new.md": post("New", "2024-02-01"),
        "2024-01-15-draft.md": post("Draft", "2024-01-15", extra="draft: true\n"),
        "2099-01-01-future.md": post("Future", "2099-01-01T09:00:00Z"),
        "2024-01-20-bad.md": "---\ntitle: no\n---\nx\n",
        "images/pic.png": b"\x89PNG\r\n",
    })


def test_published_posts_are_newest_first_without_drafts_or_future(
        blog: Path, clock: FakeClock) -> None:
    snapshot = Library(Options(blog), clock).snapshot()
    assert [p.title for p in snapshot.posts] == ["New", "Old"]
    assert set(snapshot.by_slug) == {"new", "old"}
    assert snapshot.next_change == datetime(2099, 1, 1, 9, 0, tzinfo=UTC)


def test_a_bad_file_is_reported_and_the_others_are_served(blog: Path, clock: FakeClock) -> None:
    library = Library(Options(blog), clock)
    errors = [p for p in library.problems if p.severity is Severity.ERROR]
    assert [(p.path, p.line) for p in errors] == [("2024-01-20-bad.md", 2)]
    assert len(library.snapshot().posts) == 2


def test_a_scheduled_post_appears_at_its_time_and_the_version_changes(
        blog: Path, clock: FakeClock) -> None:
    library = Library(Options(blog), clock)
    before = library.snapshot()
    clock.now = datetime(2099, 1, 1, 8, 59, 59, tzinfo=UTC)
    assert library.snapshot() is before
    clock.now = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
    after = library.snapshot()
    assert [p.title for p in after.posts] == ["Future", "New", "Old"]
    assert after.version != before.version
    assert after.next_change is None


def test_the_version_is_the_same_for_the_same_content(blog: Path, clock: FakeClock) -> None:
    first = Library(Options(blog), clock).snapshot()
    second = Library(Options(blog), clock).snapshot()
    assert first.version == second.version
    (blog / "2024-02-01-new.md").write_text(post("New, edited", "2024-02-01"))
    assert Library(Options(blog), clock).snapshot().version != first.version


def test_same_slug_publishes_both_and_same_id_refuses_the_later_naming_both(
        tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {
        "a/2024-01-01-same.md": post("A", "2024-01-01"),
        "b/2024-01-01-same.md": post("B", "2024-01-01"),
        "c.md": post("C", "2024-01-02", extra="id: urn:x:1\n"),
        "d.md": post("D", "2024-01-03", extra="id: urn:x:1\n"),
    })
    library = Library(Options(root), clock)
    own = "same-" + hashlib.sha256(b"b/2024-01-01-same.md").hexdigest()[:6]
    problems = {p.path: (p.severity, p.message) for p in library.problems}
    assert problems == {
        "b/2024-01-01-same.md": (Severity.WARNING, (
            f"same slug as a/2024-01-01-same.md (same); this file is published as {own} "
            "(a digest of its path: add a `slug` field to choose one)")),
        "d.md": (Severity.ERROR, "same id as c.md (urn:x:1); this file is not published"),
    }
    shown = {p.title: (p.slug, p.id) for p in library.snapshot().posts}
    assert shown == {"A": ("same", "tag:blog.example.org,2024-01-01:same"),
                     "B": (own, f"tag:blog.example.org,2024-01-01:{own}"),
                     "C": ("c", "urn:x:1")}


def test_settings_precedence_command_line_environment_file(tmp_path: Path,
                                                            clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01")})
    env = {"FEEDS_TITLE": "From Env", "FEEDS_FEED_LIMIT": "7"}
    blog = Library(Options(root, "https://cli.example/", environ=env), clock).snapshot().blog
    assert (blog.title, blog.feed_limit, blog.base_url) == ("From Env", 7,
                                                            "https://cli.example/")
    assert blog.id_authority == "blog.example.org"  # ids never follow --base-url
    blog = Library(Options(root), clock).snapshot().blog
    assert (blog.title, blog.feed_limit, blog.base_url) == ("Test Blog", 20,
                                                            "https://blog.example.org/")


BAD_SETTINGS = [
    ("timezone: Mars/Olympus", "timezone", "_blog.md:2"),
    ("feed_limit: 0", "feed_limit", "at least 1"),
    ("link: not-a-url", "link", "absolute http(s) URL"),
    ("language: 'english please'", "language", "BCP 47"),
    ("date_order: XYZ", "date_order", "one of MDY, DMY, YMD"),
    ("title: no", "title", "must be text"),
    ("authors: {Bad Id: {name: X}}", "authors", "letters, digits and hyphens"),
    ("author: x@example.org", "author", "email but no name"),
]


@pytest.mark.parametrize(("line", "setting", "reason"), BAD_SETTINGS,
                         ids=[r[1] for r in BAD_SETTINGS])
def test_bad_settings_stop_start_up_naming_the_setting(tmp_path: Path, line: str, setting: str,
                                                       reason: str) -> None:
    root = write_posts(tmp_path / "posts", {}, blog=f"---\n{line}\n---\nAbout.\n")
    with pytest.raises(ConfigError) as caught:
        Library(Options(root))
    assert caught.value.setting == setting
    assert reason in str(caught.value)


def test_about_text_gives_the_description(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {}, blog=BLOG_MD)
    blog = Library(Options(root)).snapshot().blog
    assert blog.description == "A test blog about testing."
    assert "<p>Second paragraph.</p>" in blog.about_html


def test_an_unexpected_failure_in_one_file_hides_no_other(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    import feeds.library.reading

    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01"),
                                            "b.md": post("B", "2024-01-02")})
    real = feeds.library.reading.normalize_post

    def flaky(raw, ctx, render=True):  # type: ignore[no-untyped-def]
        if raw.path == "b.md":
            raise RuntimeError("a bug")
        return real(raw, ctx, render)

    monkeypatch.setattr(feeds.library.reading, "normalize_post", flaky)
    library = Library(Options(root), clock)
    assert [p.title for p in library.snapshot().posts] == ["A"]
    assert [(p.path, p.message) for p in library.problems] == [
        ("b.md", "could not be read (a bug)")]


def test_a_bad_base_url_is_a_setting_error(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {})
    with pytest.raises(ConfigError) as caught:
        Library(Options(root, "javascript:alert(1)"))
    assert caught.value.setting == "base_url"


def test_an_empty_blog_file_means_defaults(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "myblog", {"a.md": post("A", "2024-01-01")}, blog="\n")
    blog = Library(Options(root)).snapshot().blog
    assert (blog.title, blog.language, blog.timezone) == ("myblog", "en", "UTC")


def test_blog_image_must_be_an_existing_asset(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {}, blog="---\nimage: files/nope.png\n---\n")
    with pytest.raises(ConfigError, match="image"):
        Library(Options(root))


def test_registry_authors_are_checked(tmp_path: Path) -> None:
    blog = "---\nauthors:\n  eve: {name: Eve, uri: 'javascript:alert(1)'}\n---\n"
    root = write_posts(tmp_path / "posts", {}, blog=blog)
    with pytest.raises(ConfigError, match="not an http"):
        Library(Options(root))


def test_registry_ids_and_unknown_one_word_authors(tmp_path: Path, clock: FakeClock) -> None:
    """Issue 11: a registry id written in capitals is matched ignoring case, as every
    author is; a word that is no registry id is a name, and the post is published."""
    blog = "---\nauthors:\n  MikeMcQuaid: {name: Mike McQuaid}\n---\n"
    root = write_posts(tmp_path / "posts", {
        "2016-09-21-a.md": post("A", "2016-09-21", extra="author: MikeMcQuaid\n"),
        "2016-09-22-b.md": post("B", "2016-09-22", extra="author: mikemcquaid\n"),
        "2016-09-23-c.md": post("C", "2016-09-23", extra="author: parkr\n"),
    }, blog=blog)
    library = Library(Options(root), clock)
    assert not [p for p in library.problems if p.severity is Severity.ERROR]
    credits = {p.title: [(a.id, a.name) for a in p.authors] for p in library.snapshot().posts}
    assert credits == {"A": [("mikemcquaid", "Mike McQuaid")],
                       "B": [("mikemcquaid", "Mike McQuaid")], "C": [("parkr", "parkr")]}


def test_a_body_not_rendered_is_none_never_empty(blog: Path, clock: FakeClock) -> None:
    snapshot = Library(Options(blog, lazy=True), clock).snapshot()
    waiting = snapshot.by_slug["new"]
    assert waiting.content_html is None  # an indexed post: its body waits
    with pytest.raises(ValueError, match="not rendered"):
        entry_html(waiting)
    assert "Body of New." in (snapshot.with_body(waiting).content_html or "")
    assert snapshot.digest_of(waiting)  # the version of the post as it is listed


def test_a_snapshot_knows_only_its_own_posts(blog: Path, clock: FakeClock) -> None:
    snapshot = Library(Options(blog, lazy=True), clock).snapshot()
    (blog / "2024-02-01-new.md").write_text(post("New", "2024-02-01", "Other text.",
                                                 "summary: Other.\n"))
    other = Library(Options(blog, lazy=True), clock).snapshot().by_slug["new"]
    assert snapshot.digest_of(other) is None
    with pytest.raises(LookupError):
        snapshot.with_body(other)
