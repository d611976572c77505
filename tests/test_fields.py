"""docs/reference.md §2.1, "Fields of other generators" (issue 11 item 3): front matter
as Jekyll, Hugo, Pelican, Zola, the Go blog and nodejs.org write it, read for what it means.
Each fixture is written the way the real blogs of tests/corpus write the construct."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feeds.errors import PostError
from feeds.model import Author, Blog
from feeds.normalize.blog import default_blog
from feeds.normalize.post import Context, normalize_post
from feeds.sources.files import split
from feeds.sources.frontmatter import Limits

BLOG: Blog = default_blog("https://blog.example.org/", title="Test Blog", description="d",
                          timezone="America/New_York", id_authority="blog.example.org")
CTX = Context.of(BLOG, frozenset(), lambda _path: None)
MTIME = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
HEADERS = frozenset({"title", "date"})


def read(text: str, path: str = "post.md"):  # type: ignore[no-untyped-def]
    post, warnings = normalize_post(split(text, path, MTIME, Limits(), HEADERS), CTX)
    return post, [(w.line, w.message) for w in warnings]


def test_go_blog_by_list_and_summary() -> None:
    post, warnings = read("---\ntitle: Strings, bytes, runes and characters in Go\n"
                          "date: 2013-10-23\nby:\n- Rob Pike\ntags:\n- strings\n"
                          "summary: How strings work in Go.\ntemplate: true\n---\nBody.\n")
    assert post.authors == (Author("rob-pike", "Rob Pike"),)
    assert post.summary == "How strings work in Go."
    assert warnings == []  # `template` is for the Go site's templates


def test_jekyll_category_description_and_unpublished() -> None:
    text = ("---\nlayout: news_item\ntitle: 'Jekyll 3.9.0 Released'\nauthor: parkr\n"
            "version: 3.9.0\ncategory: release\ndescription: A security release.\n"
            "published: false\n---\nBody.\n")
    post, warnings = read(text, "_posts/2020-08-05-jekyll-3-9-0-released.markdown")
    assert post.tags == ("release",)
    assert post.summary == "A security release."
    assert post.draft
    assert post.authors == (Author("parkr", "parkr"),)
    # a field only this site's templates read is still named, once, at its line
    assert warnings == [(5, "unknown field `version` (kept in extra)")]


def test_jekyll_excerpt_and_category_with_categories() -> None:
    post, _ = read("---\ntitle: T\ncategory: community\ncategories: [team]\n"
                   "excerpt: The excerpt.\n---\nBody.\n", "2021-09-14-t.md")
    assert post.tags == ("team", "community")
    assert post.summary == "The excerpt."


def test_pelican_capitalised_header_lines() -> None:
    text = ("Title: This Week in Rust 427\nNumber: 427\nDate: 2022-01-26\n"
            "Category: This Week in Rust\nModified: 2022-01-27 10:00\nStatus: draft\n"
            "Summary: Issue 427.\n\nHello and welcome.\n")
    post, warnings = read(text, "content/2022-01-26-this-week-in-rust.md")
    assert post.tags == ("This Week in Rust",)
    assert post.updated == datetime(2022, 1, 27, 15, 0, tzinfo=UTC)
    assert post.draft
    assert post.summary == "Issue 427."
    assert warnings == [(2, "unknown field `number` (kept in extra)")]


@pytest.mark.parametrize("status", ["hidden", "Draft"])
def test_pelican_status_that_is_not_published(status: str) -> None:
    post, _ = read(f"Title: Privacy Policy\nStatus: {status}\n\nText.\n", "pages/privacy.md")
    assert post.draft


def test_hugo_fields() -> None:
    text = ("---\ntitle: OpenTelemetry announces support for profiling\nlinkTitle: Profiling\n"
            "publishDate: 2024-03-19\nlastmod: 2024-03-20\nweight: 10\n"
            "description: Profiling is coming.\n"
            "canonical_url: https://example.com/elsewhere/\ncSpell:ignore: Alexandrov\n"
            "draft: false\nexpiryDate: 2030-01-01\n---\nBody.\n")
    post, warnings = read(text, "content/en/blog/2024/profiling.md")
    assert post.date == datetime(2024, 3, 19, 4, 0, tzinfo=UTC)
    assert post.updated == datetime(2024, 3, 20, 4, 0, tzinfo=UTC)
    assert post.summary == "Profiling is coming."
    assert post.link == "https://example.com/elsewhere/"
    assert not post.draft
    assert warnings == [(11, "`expiryDate`: feeds does not take a post down at its expiry "
                             "date; delete the file or set `draft: true` then")]


def test_ours_wins_over_a_synonym_wherever_it_stands() -> None:
    post, _ = read("---\ntitle: T\nlastmod: 2024-03-20\ndescription: Theirs.\n"
                   "updated: 2024-03-21\nsummary: Ours.\ndate: 2024-03-01\n---\nBody.\n")
    assert post.summary == "Ours."
    assert post.updated == datetime(2024, 3, 21, 4, 0, tzinfo=UTC)


def test_zola_path_date_taxonomies_and_extra() -> None:
    text = ('+++\npath = "2014/12/12/1.0-Timeline"\ntitle = "Rust 1.0: Scheduling the trains"\n'
            'authors = ["Aaron Turon"]\ndescription = "It is time."\n'
            'aliases = ["2014/12/12/1.0-Timeline.html"]\n\n[taxonomies]\n'
            'tags = ["release"]\ncategories = ["news"]\n\n[extra]\nteam = "Core"\n+++\nBody.\n')
    post, warnings = read(text, "content/1.0-Timeline.md")
    # the date lives in `path`: never the file's modification time
    assert post.date == datetime(2014, 12, 12, 5, 0, tzinfo=UTC)
    assert post.tags == ("release", "news")
    assert post.authors == (Author("aaron-turon", "Aaron Turon"),)
    assert warnings == []


@pytest.mark.parametrize(("path", "day"), [
    ("inside-rust/2022/08/16/diagnostic-effort", 16),  # a sub-blog's section first
    ("/2014/12/12/", 12),
])
def test_zola_path_date_anywhere_in_the_path(path: str, day: int) -> None:
    post, _ = read(f'+++\npath = "{path}"\ntitle = "T"\n+++\nx\n', "content/x.md")
    assert post.date.day == day


def test_a_path_without_a_date_leaves_the_date_to_the_rest() -> None:
    post, warnings = read('+++\npath = "releases/latest"\ntitle = "T"\n+++\nx\n', "x.md")
    assert post.date == MTIME
    assert "modification time" in warnings[0][1]


def test_a_bad_synonym_value_is_named_at_its_own_line() -> None:
    with pytest.raises(PostError, match="`updated`") as caught:
        read("---\ntitle: T\ndate: 2024-01-01\nlastmod: nonsense\n---\nx\n")
    assert caught.value.line == 4


def test_nodejs_category_layout_and_canonical() -> None:
    text = ("---\ndate: '2025-06-20T15:00:00.000Z'\ncategory: announcements\n"
            "title: 'In Memory of Mikeal Rogers'\nlayout: blog-post\n"
            "author: The Node.js Project\ncanonical: https://openjsf.org/blog/x\n---\nBody.\n")
    post, warnings = read(text, "apps/site/pages/en/blog/announcements/mikeal.md")
    assert post.tags == ("announcements",)
    assert post.link == "https://openjsf.org/blog/x"
    assert warnings == []


def test_invisible_control_characters_in_front_matter_are_removed_with_a_warning() -> None:
    """Issue 11 item 7: a `\\v` a word processor left in a title no longer rejects the post."""
    post, warnings = read("---\ntitle: Harbour\x0b Notes\ndate: 2024-01-01\n"
                          "tags: [sea\x1f]\n---\nBody with \x0b kept out of front matter.\n")
    assert post.title == "Harbour Notes"
    assert post.tags == ("sea",)
    assert warnings == [
        (2, "removed invisible control characters (U+000B) from the front matter"),
        (4, "removed invisible control characters (U+001F) from the front matter")]


def test_control_characters_in_toml_front_matter() -> None:
    post, warnings = read('+++\ntitle = "T\x0c"\ndate = 2024-01-01\n+++\nx\n')
    assert post.title == "T"
    assert [line for line, _ in warnings] == [2]
