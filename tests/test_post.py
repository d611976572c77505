"""docs/reference.md §2.1 and §4.3: front matter fields to a Post; ids, slugs, summaries, errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from feeds.errors import PostError
from feeds.model import Author
from feeds.normalize.blog import default_blog
from feeds.normalize.post import Context, normalize_post
from feeds.sources.files import split

ANN = Author("ann", "Ann Example", "ann@example.org")
BLOG = default_blog("https://blog.example.org/", title="Test Blog", description="d",
                    timezone="Europe/Oslo", default_authors=(ANN,), registry=((ANN, ()),),
                    id_authority="blog.example.org")
CTX = Context.of(BLOG, frozenset({"images/a.png", "audio/x.mp3"}),
                 {"audio/x.mp3": 1234}.get)
MTIME = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)


def post(text: str, path: str = "2024-05-02-first-light.md"):  # type: ignore[no-untyped-def]
    return normalize_post(split(text, path, MTIME), CTX)


def test_a_full_post() -> None:
    result, warnings = post(
        "---\ntitle: First &amp; Light\ndate: 2024-05-02T08:00:00+02:00\n"
        "updated: 2024-05-03\nauthor: Bo Other <bo@example.org>\ntags: [Sea, Sky, sea]\n"
        "categories: Harbour, Sky\nimage: images/a.png\nimage_caption: Dawn\n"
        "enclosures: [{url: audio/x.mp3}]\nlang: nb\nseries: 2\n---\n"
        "The first paragraph, long enough.\n\nMore.\n"
    )
    assert result.title == "First & Light"
    assert result.date == datetime(2024, 5, 2, 6, 0, tzinfo=UTC)
    assert result.updated == datetime(2024, 5, 2, 22, 0, tzinfo=UTC)
    assert result.authors == (Author("bo-other", "Bo Other", "bo@example.org"),)
    assert result.tags == ("Sea", "Sky", "Harbour")
    assert result.slug == "first-light"
    assert result.id == "tag:blog.example.org,2024-05-02:first-light"
    assert result.url == "https://blog.example.org/posts/first-light/"
    assert result.summary == "The first paragraph, long enough."
    assert result.image is not None and result.image.url.endswith("/files/images/a.png")
    assert result.image.caption == "Dawn"
    assert result.enclosures[0].url == "https://blog.example.org/files/audio/x.mp3"
    assert (result.enclosures[0].type, result.enclosures[0].length) == ("audio/mpeg", 1234)
    assert result.lang == "nb"
    assert dict(result.extra) == {"series": 2}
    assert [w.message for w in warnings] == ["unknown field `series` (kept in extra)"]
    assert warnings[0].line == 12


DEFAULTS = [
    # (file text, path, attribute, expected)
    ("# Heading Title\n\nBody text.", "a.md", "title", "Heading Title"),
    ("Just text first line\n\nBody.", "a.txt", "title", "Just text first line"),
    ("---\ntitle: T\n---\nx", "2024-05-02-x.md", "date",
     datetime(2024, 5, 1, 22, 0, tzinfo=UTC)),
    ("---\ntitle: T\n---\nx", "x.md", "date", MTIME),
    ("---\ntitle: T\ndate: 2024-05-02\n---\nx", "x.md", "updated",
     datetime(2024, 5, 1, 22, 0, tzinfo=UTC)),
    ("---\ntitle: T\n---\nx", "2024-05-02-x.md", "authors", (ANN,)),
    ("---\ntitle: T\n---\nx", "notes/2024-05-02-deep-dive.md", "slug", "deep-dive"),
    ("---\ntitle: T\nslug: Own Name\n---\nx", "2024-05-02-x.md", "slug", "own-name"),
    ("---\ntitle: T\nid: urn:uuid:1234\n---\nx", "2024-05-02-x.md", "id", "urn:uuid:1234"),
    ("---\ntitle: T\n---\n" + "word " * 100, "2024-05-02-x.md", "summary",
     ("word " * 56).strip() + "…"),
    ("---\ntitle: T\nsummary: Given.\n---\nBody.", "2024-05-02-x.md", "summary", "Given."),
    ("---\ntitle: T\ntags: a, b ,,c\n---\nx", "2024-05-02-x.md", "tags", ("a", "b", "c")),
    ("---\ntitle: T\ndraft: true\n---\nx", "2024-05-02-x.md", "draft", True),
    ("---\ntitle: T\nlink: https://elsewhere.example/p\n---\nx", "2024-05-02-x.md",
     "permalink", "https://elsewhere.example/p"),
    ("---\ntitle: T\n---\nx", "2024-05-02-x.md", "permalink",
     "https://blog.example.org/posts/x/"),
]


@pytest.mark.parametrize(("text", "path", "attribute", "expected"), DEFAULTS,
                         ids=[f"{r[2]}-{i}" for i, r in enumerate(DEFAULTS)])
def test_defaults(text: str, path: str, attribute: str, expected: object) -> None:
    result, _ = post(text, path)
    assert getattr(result, attribute) == expected


def test_heading_title_is_not_repeated_in_the_content() -> None:
    result, _ = post("# Heading Title\n\nBody text.", "a.md")
    assert "Heading Title" not in result.content_html


def test_the_id_does_not_depend_on_title_folder_or_base_url() -> None:
    first, _ = post("---\ntitle: One\n---\nx", "2024-05-02-same.md")
    second, _ = normalize_post(
        split("---\ntitle: Two\n---\ny", "old/2024-05-02-same.md", MTIME),
        Context.of(replace(BLOG, base_url="http://localhost:9/"),
                   frozenset(), lambda _: None),
    )
    assert first.id == second.id == "tag:blog.example.org,2024-05-02:same"


ERRORS = [
    # (front matter lines, line, words in the reason)
    ("title: no", 2, "`title` must be text, not False"),
    ("title: 1:20", 2, "the number 80 (YAML reads 20 or 1:20 as numbers"),
    ("title: [a, b]", 2, "must be text"),
    ("title: T\ntags: 5", 3, "`tags` must be a list"),
    ("title: T\ntags: [a, {b: c}]", 3, "`tags` must be a list"),
    ("title: T\nsummary: {a: b}", 3, "`summary` must be text"),
    ("title: T\ndate: 10:30", 3, "must be a date, not the number 630"),
    ("title: T\ndate: '10:30'", 3, "no year"),
    ("title: T\ndate: '10 Dec 2014 09:30 CET'", 3, "unknown time zone 'CET'"),
    ("title: T\ndate: nonsense", 3, "not a date"),
    ("title: T\nupdated: nonsense", 3, "`updated`"),
    ("title: T\nauthor: '...'", 3, "no name"),
    ("title: T\nauthor: x@example.org", 3, "email but no name"),
    ("title: T\nid: not a uri", 3, "not a URI"),
    ("title: T\nlink: /relative", 3, "not an absolute"),
    ("title: T\nslug: '!!!'", 3, "URL name"),
    ("title: T\ndraft: maybe", 3, "true or false"),
    ("title: T\nlang: 'english please'", 3, "BCP 47"),
    ("title: T\nimage: images/missing.png", 3, "neither a file under posts/"),
    ("title: T\nimage: 'javascript:alert(1)'", 3, "neither a file under posts/"),
    ("title: T\nenclosures: [{url: 'https://x.example/a.mp3', type: audio/mpeg}]", 3,
     "needs a `length`"),
    ("title: T\nenclosures: [{url: 'https://x.example/a', length: 5}]", 3, "needs a `type`"),
    ("title: T\nenclosures: 5", 3, "must be a list"),
    ("title: ''", 2, "no title"),
    ("title: T\nenclosures: [{url: audio/x.mp3, type: \"audio/\\x01mpeg\"}]", 3, "needs a `type`"),
    ("title: T\nauthor: {name: Eve, uri: 'javascript:alert(1)'}", 3, "not an http(s) or mailto"),
    ("title: T\nauthor: {name: Eve, email: 'not an email'}", 3, "not an email address"),
    ("title: T\nauthor: {name: Eve, email: 5}", 3, "not an email address"),
    ("x: &a " + "[" * 5 + "1" + "]" * 5 + "\ntitle: *a", 3, "must be text, not list [[[[[1]]]]]"),
]


@pytest.mark.parametrize(("front", "line", "reason"), [r for r in ERRORS if r[2]],
                         ids=[r[0] for r in ERRORS if r[2]])
def test_errors_name_the_line_and_reason(front: str, line: int, reason: str) -> None:
    with pytest.raises(PostError) as caught:
        post(f"---\n{front}\n---\nBody.\n")
    assert caught.value.path == "2024-05-02-first-light.md"
    assert caught.value.line == line
    assert reason in caught.value.message


def test_no_title_anywhere_is_an_error() -> None:
    with pytest.raises(PostError, match="no title"):
        post("---\ndate: 2024-05-02\n---\nNo heading here.\n")


def test_missing_date_falls_back_to_mtime_with_a_warning() -> None:
    result, warnings = post("---\ntitle: T\n---\nx", "undated.md")
    assert result.date == MTIME
    assert "modification time" in warnings[0].message


def test_dst_warnings_carry_the_line() -> None:
    _, warnings = post("---\ntitle: T\ndate: 2024-03-31 02:30\n---\nx")
    assert warnings[0].line == 3 and "does not exist" in warnings[0].message


def test_a_post_with_no_author_anywhere_is_credited_to_the_blog() -> None:
    blog = replace(BLOG, default_authors=())
    result, _ = normalize_post(split("---\ntitle: T\n---\nx", "2024-01-01-a.md", MTIME),
                               Context.of(blog, frozenset(), lambda _: None))
    assert result.authors == (Author("test-blog", "Test Blog", None,
                                     "https://blog.example.org/"),)


def test_messages_quote_huge_values_briefly() -> None:
    with pytest.raises(PostError) as caught:
        post("---\ntitle: " + "9" * 5000 + "\n---\nx\n")
    assert len(caught.value.message) < 200


def test_a_text_posts_title_line_is_not_repeated_in_the_content() -> None:
    result, _ = post("My Title\n\nFirst paragraph.\n", "2024-05-02-t.txt")
    assert result.title == "My Title"
    assert result.content_html == "<p>First paragraph.</p>"
    assert result.summary == "First paragraph."


@pytest.mark.parametrize(("heading", "title"), [("# Learning C#", "Learning C#"),
                                                ("# Closed ##", "Closed"),
                                                ("#   Spaced   ", "Spaced")])
def test_markdown_heading_titles(heading: str, title: str) -> None:
    result, _ = post(f"{heading}\n\nBody.\n", "2024-05-02-h.md")
    assert result.title == title


def test_both_author_and_authors_warns() -> None:
    result, warnings = post("---\ntitle: T\nauthor: Jane Roe\nauthors: [ann]\n---\nx")
    assert result.authors == (ANN,)
    assert [(w.line, w.message) for w in warnings] == [
        (3, "both `author` and `authors`: `author` is ignored")]


def test_other_scripts_make_slugs_tags_and_percent_encoded_ids() -> None:
    result, _ = post("---\ntitle: T\ntags: [Ελλάδα]\n---\nx", "2024-05-02-Привет.md")
    assert result.slug == "привет"
    assert result.tags == ("Ελλάδα",)
    assert result.id == "tag:blog.example.org,2024-05-02:%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82"
    assert result.url == "https://blog.example.org/posts/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82/"


def test_media_types_come_from_our_table_not_the_machine() -> None:
    ctx = Context.of(BLOG, frozenset({"a.m4a", "b.opus"}), lambda _: 10)
    result, _ = normalize_post(split("---\ntitle: T\nenclosures: [a.m4a, b.opus]\n---\nx",
                                     "2024-05-02-m.md", MTIME), ctx)
    assert [e.type for e in result.enclosures] == ["audio/mp4", "audio/ogg"]
