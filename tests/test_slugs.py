"""Slugs as the generator a blog was written for makes them (docs/reference.md §4.3):
page bundles are named after their folder, Pelican articles after their title, Jekyll's
`_drafts` stay unpublished; a real collision publishes both posts, the newer under a slug
and a digest of its path, with a warning naming both files. Driven through `feeds serve`
and `feeds check` on files written as those generators' blogs write them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from subprocess import CompletedProcess

import feedparser
import pytest
from conftest import Server, write_posts

BLOG = "---\ntitle: Moved Blog\nlink: https://blog.example.org/\ntimezone: UTC\n---\n"
TWIR = ("Title: This Week in Rust {n}\nNumber: {n}\nDate: {day}\nCategory: This Week in Rust"
        "\n\nHello and welcome to another issue of *This Week in Rust*!\n")
BUNDLE = '---\ntitle: "{title}"\ndate: {day}\nauthor: [Ann]\n---\n\n![A picture](pic.png)\n'
FILES = {
    # Hugo leaf bundles (opentelemetry.io's content/en/blog/YYYY/name/index.md)
    "content/blog/2022/apisix/index.md": BUNDLE.format(title="Apache APISIX", day="2022-02-01"),
    "content/blog/2022/apisix/pic.png": b"\x89PNG\r\n\x1a\n",
    "content/blog/2023/k8s-runtime/index.md": BUNDLE.format(title="K8s", day="2023-03-01"),
    # Zola: a page with assets, its date in the folder name's prefix
    "content/2016-09-29-Rust-1.12/index.md": '+++\ntitle = "Rust 1.12"\n+++\n\nFaster.\n',
    # Pelican: every issue is YYYY-MM-DD-this-week-in-rust.md; the slug is the title's
    "twir/2022-01-26-this-week-in-rust.md": TWIR.format(n=427, day="2022-01-26"),
    "twir/2022-02-02-this-week-in-rust.md": TWIR.format(n=428, day="2022-02-02"),
    "twir/2013-07-05-the-state-of-rust.markdown": (
        "Title: The State of Rust 0.7\nDate: 2013-07-05 09:51\nCategory: Rust\n\nGiven.\n"),
    # Jekyll: _posts is read, _drafts is not published
    "_posts/2021-04-21-security-incident-disclosure.md": BUNDLE.format(
        title="Security Incident Disclosure", day="2021-04-21"),
    "_drafts/security-incident-disclosure.md": "---\ntitle: Draft\n---\nNot yet.\n",
    # a real collision: the same file name in two sections, an old and a new post
    "notes/2019-05-01-release.md": "---\ntitle: Old Release\ndate: 2019-05-01\n---\nOld.\n",
    "aaa/2024-05-01-release.md": "---\ntitle: New Release\ndate: 2024-05-01\n---\nNew.\n",
}
OWN = "release-" + hashlib.sha256(b"aaa/2024-05-01-release.md").hexdigest()[:6]


@pytest.fixture
def server(tmp_path: Path, serve: Callable[..., Server]) -> Server:
    return serve(write_posts(tmp_path / "posts", FILES, blog=BLOG), workers=1)


def test_every_post_is_published_under_the_generators_slug(server: Server) -> None:
    status, _, body = server.get("/atom.xml")
    feed = feedparser.parse(body)
    assert status == 200 and not feed.bozo
    links = {entry.title: entry.link.removeprefix(server.base) for entry in feed.entries}
    assert links == {
        "Apache APISIX": "posts/apisix/", "K8s": "posts/k8s-runtime/",
        "Rust 1.12": "posts/rust-1-12/",
        "This Week in Rust 427": "posts/this-week-in-rust-427/",
        "This Week in Rust 428": "posts/this-week-in-rust-428/",
        "The State of Rust 0.7": "posts/the-state-of-rust-07/",  # as Pelican slugs it
        "Security Incident Disclosure": "posts/security-incident-disclosure/",
        "Old Release": "posts/release/", "New Release": f"posts/{OWN}/",
    }
    for path in links.values():
        assert server.get(path)[0] == 200, path


def test_a_bundles_picture_and_a_moved_posts_page_resolve(server: Server) -> None:
    page = server.get("/posts/apisix/")[2].decode()
    assert f'src="{server.base}files/content/blog/2022/apisix/pic.png"' in page
    assert server.get("/files/content/blog/2022/apisix/pic.png")[0] == 200
    moved = server.get(f"/posts/{OWN}/")[2].decode()
    assert "New." in moved and f'{server.base}posts/{OWN}/' in moved


def test_check_reports_the_collision_with_both_paths_and_nothing_else(
        tmp_path: Path, runner: Callable[..., CompletedProcess[str]]) -> None:
    root = write_posts(tmp_path / "posts", FILES, blog=BLOG)
    result = runner("check", "--posts", str(root))
    lines = [line for line in result.stdout.splitlines()
             if "slug" in line]
    assert lines == [
        f"aaa/2024-05-01-release.md: warning: same slug as notes/2019-05-01-release.md "
        f"(release); this file is published as {OWN} (a digest of its path: add a `slug` "
        "field to choose one)"]
    assert result.returncode == 0
