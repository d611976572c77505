"""docs/reference.md §5.4 and §6.2: the feeds' pages for people. A browser navigating
to rss.xml or atom.xml gets the feed's HTML page (Fetch Metadata), every other client
the feed's bytes, Accept: text/html included; the export writes the pages beside the
feeds, and every link of every page resolves."""

from __future__ import annotations

import gzip
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server, copy_sample, running
from lxml import etree, html

from feeds.export.build import file_for

NAVIGATE = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate",
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
VARY = "Accept, Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode"
ATOM = "{http://www.w3.org/2005/Atom}"
PAGED = "feed_limit: 4\narchive_size: 4\n"  # archive pages, each with its feeds' pages
FEEDS = ["rss.xml", "atom.xml", "tags/weather/rss.xml", "authors/tomas/atom.xml",
         "archive/1/rss.xml", "archive/2/atom.xml"]


def paged_sample(folder: Path) -> Path:
    posts = copy_sample(folder)
    blog = posts / "_blog.md"
    blog.write_text(blog.read_text(encoding="utf-8").replace("---\n", "---\n" + PAGED, 1),
                    encoding="utf-8")
    return posts


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("view")
    with running(paged_sample(tmp / "posts"), tmp, workers=1) as started:
        yield started


def view_of(feed: str) -> str:
    return feed.removesuffix(".xml") + ".html"


@pytest.mark.parametrize("feed", FEEDS)
def test_a_navigation_gets_the_feeds_page_and_every_other_request_the_feed(
        server: Server, feed: str) -> None:
    _, plain_headers, plain = server.get(feed)
    assert plain.startswith(b"<?xml") and plain_headers["Vary"] == VARY
    status, headers, body = server.get(feed, NAVIGATE)
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Vary"] == VARY and headers["Content-Security-Policy"]
    assert body == server.get(view_of(feed))[2]  # the same bytes as the page's own address
    page = html.fromstring(body)
    assert page.get_element_by_id("feed-url").text_content() == server.base + feed
    assert "This is a web feed" in page.text_content()
    assert page.findall(".//li[@class='entry']/a")
    for only in ({"Sec-Fetch-Dest": "document"}, {"Sec-Fetch-Mode": "navigate"}):
        assert server.get(feed, only)[2] == body


@pytest.mark.parametrize("headers", [
    {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
    {"Accept": "text/html"},
    {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"},  # fetch() from a web reader
    {"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors"},
], ids=["browser-accept", "reader-accept-html", "fetch", "subresource"])
def test_other_requests_get_the_feeds_bytes(server: Server, headers: dict[str, str]) -> None:
    plain = server.get("rss.xml")[2]
    status, answered, body = server.get("rss.xml", headers)
    assert status == 200 and body == plain and answered["Vary"] == VARY
    assert "xml" in answered["Content-Type"]


def test_each_variant_has_its_own_etag_and_304(server: Server) -> None:
    _, feed_headers, _ = server.get("atom.xml")
    _, view_headers, view = server.get("atom.xml", NAVIGATE)
    feed_tag, view_tag = feed_headers["ETag"], view_headers["ETag"]
    assert feed_tag != view_tag and view_tag == server.get("atom.html")[1]["ETag"]
    status, headers, body = server.get("atom.xml", {**NAVIGATE, "If-None-Match": view_tag})
    assert (status, body, headers["ETag"], headers["Vary"]) == (304, b"", view_tag, VARY)
    assert server.get("atom.xml", {"If-None-Match": feed_tag})[0] == 304
    # a validator of the other variant is no match: the body is sent
    assert server.get("atom.xml", {"If-None-Match": view_tag})[0] == 200
    status, _, body = server.get("atom.xml", {**NAVIGATE, "If-None-Match": feed_tag})
    assert status == 200 and body == view
    status, headers, body = server.get("atom.xml", {**NAVIGATE, "Accept-Encoding": "gzip"})
    assert gzip.decompress(body) == view and headers["ETag"] == view_tag[:-1] + '-gzip"'


def test_head_answers_as_get_for_both_variants(server: Server) -> None:
    for headers in ({}, NAVIGATE):
        _, got, body = server.get("rss.xml", headers)
        status, head, empty = server.get("rss.xml", headers, method="HEAD")
        assert (status, empty) == (200, b"")
        for name in ("Content-Type", "Content-Length", "ETag", "Vary", "Last-Modified"):
            assert head[name] == got[name], name
        assert int(head["Content-Length"]) == len(body)


def test_the_pages_own_address_and_json_feed_are_not_switched(server: Server) -> None:
    _, headers, _ = server.get("rss.html")
    assert headers["Vary"] == "Accept-Encoding"
    _, headers, body = server.get("feed.json", NAVIGATE)  # browsers show JSON as it is
    assert headers["Content-Type"].startswith("application/feed+json")
    assert body == server.get("feed.json")[2]


def export(tmp: Path) -> Path:
    import subprocess
    import sys
    posts = paged_sample(tmp / "posts")
    subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                    "--base-url", "https://blog.example.org/", str(tmp / "out")],
                   capture_output=True, timeout=120, check=True)
    return tmp / "out"


def local(out: Path, url: str) -> Path | None:
    """The exported file a link of the blog leads to; None for a link elsewhere."""
    if not url.startswith("https://blog.example.org/"):
        return None
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    return out / file_for(path)


def test_the_export_has_a_page_for_every_feed_and_every_link_resolves(tmp_path: Path) -> None:
    out = export(tmp_path)
    feeds = sorted(out.rglob("rss.xml")) + sorted(out.rglob("atom.xml"))
    assert len(feeds) >= 2 * 10  # the blog's, tags', authors', archives'
    for feed in feeds:
        page = feed.with_suffix(".html")
        tree = html.fromstring(page.read_bytes())
        assert tree.get_element_by_id("feed-url").text_content().endswith(
            "/" + feed.relative_to(out).as_posix())
        root = etree.fromstring(feed.read_bytes())
        rel = "alternate" if root.tag == "rss" else "related"
        link = root.find(f".//{ATOM}link[@rel='{rel}'][@type='text/html']")
        assert link is not None and local(out, link.get("href", "")) == page
    pages = [p for p in out.rglob("*") if p.is_file() and p.suffix not in (".gz", ".xml")
             and html_file(p)]
    links = checked = 0
    for page in pages:
        tree = html.fromstring(page.read_bytes())
        hrefs = [a.get("href", "") for a in tree.iter("a", "link") if a.get("href")]
        assert any(local(out, h) == out / "rss.html" for h in hrefs), page
        for href in hrefs:
            links += 1
            target = local(out, href)
            if target is not None:
                checked += 1
                assert target.is_file(), (page, href)
    assert len(pages) > 30 and checked > 500 and links >= checked


def html_file(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(15).lower() == b"<!doctype html>"


def test_the_page_escapes_what_posts_say_and_shows_an_empty_feed(tmp_path: Path) -> None:
    from conftest import FakeClock, post, write_posts

    from feeds.library import Library, Options
    from feeds.render.site import Site

    hostile = '<script>alert(1)</script> & "quotes"'
    root = write_posts(tmp_path / "posts", {
        "a.md": post("T", extra=f"summary: '{hostile}'\ntags: ['<b>x</b>']\n")})
    site = Site(Library(Options(root), FakeClock()).snapshot())
    for path in ("rss.html", "tags/b-x-b/atom.html"):
        page = html.fromstring(site.document(path).body)
        assert page.find(".//script") is None and page.find(".//main//b") is None
        assert hostile in page.text_content()
    empty = Site(Library(Options(write_posts(tmp_path / "empty", {})), FakeClock()).snapshot())
    page = html.fromstring(empty.document("atom.html").body)
    assert "Nothing published yet." in page.text_content()
    assert page.get_element_by_id("feed-url").text_content().endswith("/atom.xml")
