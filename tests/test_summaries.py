"""docs/reference.md §2.1 "summary" (issue 11 item 7): the summary conventions of other
generators, written as the real blogs of tests/corpus write them."""

from __future__ import annotations

from datetime import UTC, datetime

from feeds.normalize.blog import default_blog
from feeds.normalize.post import Context, normalize_post, with_body
from feeds.sources.files import split

BLOG = default_blog("https://blog.example.org/", title="T", description="d",
                    id_authority="blog.example.org")
CTX = Context.of(BLOG, frozenset(), lambda _path: None)
MTIME = datetime(2023, 6, 1, 12, 0, tzinfo=UTC)
MORE = ("---\ntitle: Announcing Rust 1.12\ndate: 2016-09-29\n---\n"
        "The Rust team is happy to announce the latest version.\n\n"
        "As always, you can install it from the website.\n\n<!--more-->\n\n"
        "## What is in 1.12 stable\n\nA lot.\n")


def test_more_marker_takes_every_paragraph_before_it() -> None:
    post, _ = normalize_post(split(MORE, "2016-09-29-rust-1-12.md", MTIME), CTX)
    assert post.summary == ("The Rust team is happy to announce the latest version. "
                            "As always, you can install it from the website.")
    assert "What is in 1.12" in (post.content_html or "")


def test_more_marker_when_the_body_is_rendered_later() -> None:
    raw = split(MORE, "2016-09-29-rust-1-12.md", MTIME)
    lazy, _ = normalize_post(raw, CTX, render=False)
    full, _ = with_body(raw, CTX, lazy)
    assert full.summary == normalize_post(raw, CTX)[0].summary


def test_more_marker_spelled_as_wordpress_and_hugo_do() -> None:
    text = "---\ntitle: T\n---\nFirst *one*.\n\nSecond.\n<!-- More -->\nRest.\n"
    post, _ = normalize_post(split(text, "2024-01-01-t.md", MTIME), CTX)
    assert post.summary == "First one. Second."


def test_given_summary_wins_over_the_marker_and_description_is_one() -> None:
    text = "---\ntitle: T\ndescription: Jekyll's description.\n---\nFirst.\n\n<!--more-->\nx\n"
    post, _ = normalize_post(split(text, "2024-01-01-t.md", MTIME), CTX)
    assert post.summary == "Jekyll's description."


def test_without_a_marker_the_first_paragraph() -> None:
    post, _ = normalize_post(split("---\ntitle: T\n---\nOne.\n\nTwo.\n", "a.md", MTIME), CTX)
    assert post.summary == "One."
