"""docs/reference.md §5.1 tag and author feeds, §5.3 archives (RFC 5005), §5.4 OPML and feed.xsl,
feed_max_bytes, Media RSS: from real files through the real parsers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from conftest import FakeClock, write_posts
from lxml import etree, html

from feeds.library import Library, Options
from feeds.render.site import Site

FH = "{http://purl.org/syndication/history/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"
BLOG = ("---\ntitle: Many\nlink: https://many.example.org/\nfeed_limit: 7\narchive_size: 5\n"
        "authors:\n  ann: {name: Ann Example, email: ann@many.example.org}\n"
        "  bo: {name: Bo Example}\nauthor: ann\n{extra}---\nMany posts.\n")


def many(root: Path, count: int, extra: str = "", words: int = 30) -> Path:
    files = {f"2024-01-{i + 1:02d}-post-{i}.md":
             f"---\ntitle: Post {i}\ntags: [{'odd' if i % 2 else 'even'}, all]\n"
             f"author: {'bo' if i % 3 == 0 else 'ann'}\n---\nBody {i}. " + "Words. " * words
             for i in range(count)}
    return write_posts(root, files, blog=BLOG.replace("{extra}", extra))


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(Library(Options(many(tmp_path / "posts", 23)), FakeClock()).snapshot())


def links(document: bytes) -> dict[str, str]:
    root = etree.fromstring(document)
    found = root.findall(f".//{ATOM}link") + root.findall(f"{ATOM}link")
    return {link.get("rel"): link.get("href") for link in found if link.get("rel")}


@pytest.mark.parametrize("kind", ["rss.xml", "atom.xml"])
def test_walking_prev_archive_sees_every_post_exactly_once(site: Site, kind: str) -> None:
    seen: list[str] = []
    document = site.document(kind).body
    assert FH + "archive" not in document.decode()
    pages = 0
    while True:
        parsed = feedparser.parse(document)
        assert parsed.bozo == 0
        seen += [e.title for e in parsed.entries]
        previous = links(document).get("prev-archive")
        if previous is None:
            break
        document = site.document(previous.removeprefix("https://many.example.org/")).body
        pages += 1
        assert etree.fromstring(document).find(f".//{FH}archive") is not None
        assert links(document)["current"] == f"https://many.example.org/{kind}"
    assert pages == 4  # 23 posts: 7 in the feed, 16 in pages of 5, 5, 5 and 1
    assert sorted(seen) == sorted(f"Post {i}" for i in range(23))
    assert len(seen) == len(set(seen))


def test_archive_pages_are_numbered_from_the_oldest(site: Site) -> None:
    first = feedparser.parse(site.document("archive/1/atom.xml").body)
    assert [e.title for e in first.entries] == [f"Post {i}" for i in (4, 3, 2, 1, 0)]
    assert "prev-archive" not in links(site.document("archive/1/atom.xml").body)
    assert links(site.document("archive/1/atom.xml").body)["next-archive"].endswith(
        "/archive/2/atom.xml")
    assert site.document("archive/1/rss.xml").kind == "archive"  # full: immutable
    assert site.document("archive/4/rss.xml").kind == "feed"  # one post: will grow


def test_json_feed_pages_with_next_url(site: Site) -> None:
    document = json.loads(site.document("feed.json").body)
    ids = [i["id"] for i in document["items"]]
    while "next_url" in document:
        path = document["next_url"].removeprefix("https://many.example.org/")
        document = json.loads(site.document(path).body)
        ids += [i["id"] for i in document["items"]]
    assert len(ids) == len(set(ids)) == 23


def test_full_archive_pages_never_change(tmp_path: Path) -> None:
    root = many(tmp_path / "posts", 23)
    before = Site(Library(Options(root), FakeClock()).snapshot())
    (root / "2024-02-01-newer.md").write_text("---\ntitle: Newer\n---\nx\n")
    after = Site(Library(Options(root), FakeClock()).snapshot())
    for number in (1, 2, 3):
        assert before.document(f"archive/{number}/atom.xml").body == \
            after.document(f"archive/{number}/atom.xml").body


def test_tag_and_author_feeds_list_their_own_posts_newest_first(site: Site) -> None:
    odd = feedparser.parse(site.document("tags/odd/atom.xml").body)
    assert odd.feed.title == "Many: odd"
    assert [e.title for e in odd.entries] == [f"Post {i}" for i in (21, 19, 17, 15, 13, 11, 9)]
    bo = json.loads(site.document("authors/bo/feed.json").body)
    assert [i["title"] for i in bo["items"]] == [f"Post {i}" for i in (21, 18, 15, 12, 9, 6, 3)]
    assert bo["feed_url"] == "https://many.example.org/authors/bo/feed.json"
    rss = feedparser.parse(site.document("authors/ann/rss.xml").body)
    assert rss.bozo == 0 and rss.entries[0].author == "Ann Example"  # dc:creator, no address


def test_feed_max_bytes_drops_the_oldest_entries_to_fit(tmp_path: Path) -> None:
    root = many(tmp_path / "posts", 23, "feed_max_bytes: 12000\n", words=300)
    site = Site(Library(Options(root), FakeClock()).snapshot())
    sizes = {kind: len(site.document(kind).body) for kind in ("rss.xml", "atom.xml",
                                                                "feed.json")}
    assert all(size <= 12000 for size in sizes.values()), sizes
    entries = feedparser.parse(site.document("atom.xml").body).entries
    assert 1 <= len(entries) < 7 and entries[0].title == "Post 22"
    walked = len(entries)  # what the feed dropped went to the archives
    previous = links(site.document("atom.xml").body).get("prev-archive")
    while previous:
        document = site.document(previous.removeprefix("https://many.example.org/")).body
        walked += len(feedparser.parse(document).entries)
        previous = links(document).get("prev-archive")
    assert walked == 23


def test_opml_lists_every_feed(site: Site) -> None:
    root = etree.fromstring(site.document("feeds.opml").body)
    urls = {o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")}
    expected = {f"https://many.example.org/{folder}{name}"
                for folder in ("", "tags/all/", "tags/even/", "tags/odd/", "authors/ann/",
                               "authors/bo/")
                for name in ("rss.xml", "atom.xml", "feed.json")}
    assert urls == expected
    assert site.document("feeds.opml").content_type == "text/x-opml; charset=utf-8"


def test_feeds_point_browsers_to_feed_xsl(site: Site) -> None:
    for kind in ("rss.xml", "atom.xml"):
        assert site.document(kind).body.splitlines()[1] == (
            b'<?xml-stylesheet type="text/xsl" href="https://many.example.org/feed.xsl"?>')
    transform = etree.XSLT(etree.fromstring(site.document("feed.xsl").body))
    for kind in ("rss", "atom"):
        page = html.fromstring(str(transform(etree.fromstring(site.document(f"{kind}.xml").body))))
        assert "This is a web feed" in page.text_content() and "Post 22" in page.text_content()
        # where XSLT still runs, the page links to the feed's page that needs none
        link = page.get_element_by_id("feed-page").get("href")
        assert link == f"https://many.example.org/{kind}.html"
        site.document(link.removeprefix("https://many.example.org/"))


def test_lead_picture_as_media_rss(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-pic.md": "---\ntitle: Pic\nimage: images/p.png\nimage_caption: The pier\n"
                             "---\nx\n", "images/p.png": b"\x89PNG\r\n"})
    site = Site(Library(Options(root), FakeClock(datetime(2025, 1, 1, tzinfo=UTC))).snapshot())
    for kind in ("rss.xml", "atom.xml"):
        entry = feedparser.parse(site.document(kind).body).entries[0]
        assert "media_content" not in entry  # podcastparser would take it for an episode
        assert entry.media_thumbnail == [{"url": "https://blog.example.org/files/images/p.png"}]
