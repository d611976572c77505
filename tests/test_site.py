"""Every address rendered from real files: pages, feeds, about.json; hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FakeClock, write_posts
from lxml import etree, html

from feeds.errors import NotFound
from feeds.library import Library, Options
from feeds.render.site import Site

# No raw NUL: a file with one is binary and rejected as a whole (test_sources).
NASTY = "A\x01B\x0b\x1f]]><x>&amp;&#1;&#0;&nbsp;\u2028\ufffe\u0085 <script>alert(1)</script>"


def site_for(root: Path, clock: FakeClock) -> Site:
    return Site(Library(Options(root), clock).snapshot())


def test_hostile_text_in_every_field_keeps_every_document_well_formed(
        tmp_path: Path, clock: FakeClock) -> None:
    quoted = json.dumps(NASTY + "\x00")  # YAML's escape gives a NUL inside a field
    front = (f"title: {quoted}\nsummary: {quoted}\ntags: [{quoted}, ok]\n"
             f"author: {json.dumps('Eve ' + NASTY)}\nimage_caption: {quoted}\n"
             "image: images/p.png\n")
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-nasty-md.md": f"---\n{front}---\n{NASTY}\n\n<svg onload=alert(1)>]]>\n",
        "2024-01-02-nasty-txt.txt": f"---\ntitle: T\n---\n{NASTY}\n",
        "2024-01-03-nasty-html.html": f"---\ntitle: H\n---\n{NASTY}<iframe src=x></iframe>\n",
        "images/p.png": b"\x89PNG\r\n",
    })
    site = site_for(root, clock)
    assert len(site.snapshot.posts) == 3
    for path in site.addresses():
        body = site.document(path).body
        if path.endswith(".xml"):
            etree.fromstring(body, etree.XMLParser(recover=False, resolve_entities=False))
        if path.endswith(".json"):  # text fields may say <script>; HTML fields may not
            data = json.loads(body)
            html_fields = [data.get("description_html", "")] + [
                item["content_html"] for item in data.get("items", [])]
            assert not any("<script" in field for field in html_fields)
        else:
            assert b"<script" not in body
        assert b"\x00" not in body and b"\x0b" not in body and b"\x01" not in body


def test_addresses_and_not_found(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": "---\ntitle: A\n---\nHello.\n",
        "2024-01-02-draft.md": "---\ntitle: D\ndraft: true\n---\nHidden.\n",
    })
    site = site_for(root, clock)
    assert list(site.addresses()) == [
        "", "about", "about.json", "feeds.opml", "feed.xsl", "rss.xml", "atom.xml", "feed.json",
        "rss.html", "atom.html", "authors/ann/", "authors/ann/rss.xml", "authors/ann/atom.xml",
        "authors/ann/feed.json", "authors/ann/rss.html", "authors/ann/atom.html", "posts/a/"]
    for missing in ["posts/draft/", "posts/a", "posts/", "nope", "posts/../about",
                    "posts/a/extra/", "tags/nope/", "tags/nope/rss.xml", "authors/bo/",
                    "authors/ann/nope.xml", "archive/1/rss.xml", "archive/x/rss.xml",
                    "authors/ann"]:
        with pytest.raises(NotFound):
            site.document(missing)


def test_a_document_is_rendered_once_per_version(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": "---\ntitle: A\n---\nx\n"})
    renders: list[int] = []
    site = Site(Library(Options(root), clock).snapshot(), on_render=lambda: renders.append(1))
    assert site.document("rss.xml") is site.document("rss.xml")
    assert len(renders) == 1
    (root / "2024-01-01-a.md").write_text("---\ntitle: A, edited\n---\nx\n")
    edited = Site(Library(Options(root), clock).snapshot(), on_render=lambda: renders.append(1))
    assert edited.snapshot.version != site.snapshot.version
    assert b"A, edited" in edited.document("rss.xml").body
    assert edited.document("rss.xml") is edited.document("rss.xml")
    assert len(renders) == 2  # once more for the new version, and once only


def test_pages_have_autodiscovery_and_read_well(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": "---\ntitle: A & B\ntags: [sea]\nimage: images/p.png\n"
                           "image_caption: The pier\n---\nHello **there**.\n",
        "images/p.png": b"\x89PNG\r\n",
    })
    site = site_for(root, clock)
    blog_feeds = {
        ("application/rss+xml", "https://blog.example.org/rss.xml"),
        ("application/atom+xml", "https://blog.example.org/atom.xml"),
        ("application/feed+json", "https://blog.example.org/feed.json"),
    }
    own = {
        "posts/a/": {("application/rss+xml", "https://blog.example.org/tags/sea/rss.xml")},
        "tags/sea/": {(t, h.replace(".org/", ".org/tags/sea/")) for t, h in blog_feeds},
        "authors/ann/": {(t, h.replace(".org/", ".org/authors/ann/")) for t, h in blog_feeds},
    }
    for path in ["", "about", "posts/a/", "tags/sea/", "authors/ann/"]:
        page = html.fromstring(site.document(path).body)
        alternates = {(link.get("type"), link.get("href"))
                      for link in page.findall(".//link[@rel='alternate']")}
        assert alternates == blog_feeds | own.get(path, set())
        assert page.find(".//meta[@name='viewport']") is not None
    post_page = html.fromstring(site.document("posts/a/").body)
    assert post_page.findtext(".//h1") == "A & B"
    assert post_page.findtext(".//figcaption") == "The pier"
    assert post_page.find(".//time").get("datetime") == "2023-12-31T23:00:00Z"
    assert post_page.findtext(".//a[@class='author']") == "Ann Example"
    home = html.fromstring(site.document("").body)
    assert [a.text for a in home.findall(".//ol[@class='posts']//h2/a")] == ["A & B"]


def test_about_json_describes_the_channel(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": "---\ntitle: A\ntags: [sea, Sky]\nauthor: bo\n---\nx\n",
        "2024-01-02-b.md": "---\ntitle: B\ntags: [sea]\nupdated: 2024-03-01\n---\nx\n",
    })
    data = json.loads(site_for(root, clock).document("about.json").body)
    assert data["title"] == "Test Blog"
    assert data["description"] == "A test blog about testing."
    assert "<p>Second paragraph.</p>" in data["description_html"]
    assert data["link"] == "https://blog.example.org/"
    assert data["language"] == "en"
    assert data["feeds"] == {"rss": "https://blog.example.org/rss.xml",
                             "atom": "https://blog.example.org/atom.xml",
                             "json": "https://blog.example.org/feed.json"}
    assert data["post_count"] == 2
    assert data["tags"] == [
        {"name": "sea", "count": 2, "url": "https://blog.example.org/tags/sea/"},
        {"name": "Sky", "count": 1, "url": "https://blog.example.org/tags/sky/"}]
    assert [a["id"] for a in data["authors"]] == ["ann", "bo"]
    assert data["updated"] == "2024-02-29T23:00:00Z"


def test_the_inline_style_is_allowed_by_the_content_security_policy(
        tmp_path: Path, clock: FakeClock) -> None:
    import base64
    import hashlib
    import re

    from feeds.render.pages import CONTENT_SECURITY_POLICY

    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": "---\ntitle: A\n---\nx\n"})
    body = site_for(root, clock).document("").body.decode()
    style = re.search(r"<style>(.*?)</style>", body, re.S)
    assert style is not None and "font:" in style[1]
    digest = base64.b64encode(hashlib.sha256(style[1].encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in CONTENT_SECURITY_POLICY
