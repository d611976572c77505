"""`feeds import` (docs/reference.md §11): a WordPress export or a feed becomes post
files that `feeds build` publishes, each entry keeping its old id and address."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from conftest import ROOT, run_feeds, write_posts

from feeds.errors import PostError
from feeds.importing import run_import
from feeds.sources.foreign import read_source

DATA = ROOT / "tests" / "data" / "import"
WXR = DATA / "harbour.wxr.xml"


@contextlib.contextmanager
def serving(folder: Path) -> Iterator[str]:
    """`folder` over HTTP on 127.0.0.1 (a thread, stopped at the end of the block)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _built(posts: Path, tmp: Path) -> tuple[feedparser.FeedParserDict, dict[str, object]]:
    out = tmp / "out"
    result = run_feeds("build", "--posts", str(posts), "--base-url", "https://new.example/",
                       str(out))
    assert result.returncode == 0, result.stderr
    return feedparser.parse((out / "atom.xml").read_bytes()), \
        json.loads((out / "feed.json").read_text())


def test_a_wordpress_export_becomes_the_posts_its_site_published(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {})
    result = run_feeds("import", "--posts", str(posts), str(WXR))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in posts.glob("*.html")) == [
        "2024-05-02-cranes-back-at-work.html", "2024-06-01-fog-week.html"]
    for line in ("harbour.wxr.xml:87: left out: Members only: the budget: password-protected",
                 "harbour.wxr.xml:100: left out: Half-written: a draft",
                 "harbour.wxr.xml:109: left out: Regatta next year: scheduled",
                 "1 item(s) of type 'page' not imported", "2 posts written, 3 left out"):
        assert line in result.stderr
    atom, jsonfeed = _built(posts, tmp_path)
    entries = {e.id: e for e in atom.entries}
    assert set(entries) == {"https://harbour.example.net/?p=101",
                            "https://harbour.example.net/?p=102"}
    cranes = entries["https://harbour.example.net/?p=101"]
    assert cranes.title == "Cranes back at work"
    assert cranes.published == "2024-05-02T07:30:00+00:00"
    assert cranes.updated == "2024-05-03T10:00:00+00:00"
    assert cranes.author_detail == {"name": "Maria Lind", "email": "maria@example.org"}
    assert [t.term for t in cranes.tags] == ["Harbour", "storms"]  # no post format
    assert entries["https://harbour.example.net/?p=102"].author == "Tomas Berg"
    item = next(i for i in jsonfeed["items"] if i["id"].endswith("p=101"))  # type: ignore[index]
    assert item["summary"] == "The cranes are back."
    assert item["image"] == "https://harbour.example.net/wp-content/uploads/2024/05/cranes.jpg"
    assert item["attachments"] == [{"url": "https://harbour.example.net/wp-content/uploads/"
                                    "2024/05/report.mp3", "mime_type": "audio/mpeg",
                                    "size_in_bytes": 123456}]


def test_wordpress_content_is_the_html_its_pages_showed(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {})
    run_import(str(WXR), posts)
    cranes = (posts / "2024-05-02-cranes-back-at-work.html").read_text()
    assert "wp:" not in cranes.split("---\n", 2)[2]  # block comments gone
    assert ('<figure><img src="https://harbour.example.net/wp-content/uploads/2024/05/'
            'cranes.jpg" alt="Two cranes" width="640" height="480" /><figcaption>Cranes at '
            'the east pier</figcaption></figure>') in cranes
    assert ('<figure class="gallery"><img src="https://harbour.example.net/wp-content/uploads/'
            '2024/05/cranes.jpg" alt="cranes"><img src="https://harbour.example.net/wp-content/'
            'uploads/2024/05/quay.jpg" alt="Quay at dusk"></figure>') in cranes
    assert "[audio" not in cranes and ">report.mp3</a></p>" in cranes
    fog = (posts / "2024-06-01-fog-week.html").read_text().split("---\n", 2)[2]
    assert fog == ("<p>Fog came in on Monday<br />\nand stayed all week.</p>\n"
                   "<p>The horn sounded every two minutes.</p>\n"
                   "<pre>06:00  fog\n07:00  fog\n\n08:00  fog</pre>\n")


def test_the_old_addresses_answer_with_the_new_pages(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {})
    run_import(str(WXR), posts)
    out = tmp_path / "out"
    assert run_feeds("build", "--posts", str(posts), "--base-url", "https://new.example/",
                     str(out)).returncode == 0
    redirects = (out / "_redirects").read_text().splitlines()
    assert "/2024/06/01/fog-week/ /posts/fog-week/ 301" in redirects


def test_importing_again_writes_nothing_twice(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {})
    run_import(str(WXR), posts)
    again = run_import(str(WXR), posts)
    assert again.written == ()
    assert [s.reason for s in again.skipped][-2:] == [
        "imported before, as 2024-05-02-cranes-back-at-work.html",
        "imported before, as 2024-06-01-fog-week.html"]
    assert len(list(posts.glob("*.html"))) == 2


def test_a_name_taken_by_another_post_gets_the_next_one(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {
        "2024-06-01-fog-week.html": "---\ntitle: Our fog\ndate: 2024-06-01\n---\n<p>Ours.</p>\n"})
    before = (posts / "2024-06-01-fog-week.html").read_bytes()
    run_import(str(WXR), posts)
    assert (posts / "2024-06-01-fog-week.html").read_bytes() == before  # never overwritten
    assert "title: Fog week" in (posts / "2024-06-01-fog-week-2.html").read_text()
    assert run_feeds("check", "--posts", str(posts)).returncode == 0


@pytest.mark.parametrize("name", ["old-blog.rss", "old-blog.json"])
def test_a_feed_by_url_becomes_posts_with_their_old_ids(tmp_path: Path, name: str) -> None:
    posts = write_posts(tmp_path / "posts", {})
    with serving(DATA) as base:
        result = run_feeds("import", "--posts", str(posts), base + name)
    assert result.returncode == 0, result.stderr
    atom, _ = _built(posts, tmp_path)
    got = {e.id: e for e in atom.entries}
    if name.endswith(".rss"):
        assert set(got) == {"tag:tides.example.com,2024:post-7",
                            "https://tides.example.com/2024/02/neap.html",
                            "https://tides.example.com/?p=3"}
        spring = got["tag:tides.example.com,2024:post-7"]
        assert spring.published == "2024-03-08T09:15:00+00:00"  # +0100 in the old feed
        assert [t.term for t in spring.tags] == ["tides", "moon"]
        assert got["https://tides.example.com/?p=3"].author_detail == {
            "name": "Lars Eng", "email": "lars@example.org"}
        assert "entry 4: left out: (no title): no title" in result.stderr
    else:
        assert "https://tides.example.com/?p=9" in got
        assert got["https://tides.example.com/?p=9"].published == "2024-04-02T16:00:00+00:00"
        assert "item 2: old id '10' not a URI" in result.stderr
        assert "item 3: left out: No date: no date" in result.stderr
        text = (posts / "2024-04-05-plain-words.html").read_text()
        assert "<p>Another &lt;line&gt;.</p>" in text


def test_a_bad_source_is_an_error_naming_it_and_its_line(tmp_path: Path) -> None:
    posts = write_posts(tmp_path / "posts", {})
    broken = tmp_path / "broken.xml"
    broken.write_text('<rss xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n<item>\n'
                      '</channel>\n')
    result = run_feeds("import", "--posts", str(posts), str(broken))
    assert result.returncode == 1
    assert f"{broken}:4: error: not well-formed XML" in result.stderr
    for source, reason in (("file:///etc/passwd", "cannot import from a file: address"),
                           (str(tmp_path / "absent.xml"), "cannot read"),
                           ("http://127.0.0.1:9/feed.xml", "cannot fetch")):
        result = run_feeds("import", "--posts", str(posts), source)
        assert result.returncode == 1 and reason in result.stderr, result.stderr
    assert list(posts.glob("*.html")) == []


def test_an_export_cannot_make_feeds_read_another_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the harbour master's password")
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY s SYSTEM "file://{secret}">]>\n'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>'
        "<title>Leak &s;</title><content:encoded>&s;</content:encoded>"
        "<guid>https://x.example/?p=1</guid><wp:post_name>../../escape</wp:post_name>"
        "<wp:post_date_gmt>2024-01-01 00:00:00</wp:post_date_gmt>"
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item></channel></rss>")
    posts = write_posts(tmp_path / "posts", {})
    outcome = run_import(str(hostile), posts)
    assert [p.parent for p in outcome.written] == [posts]
    assert [p.name for p in outcome.written] == ["2024-01-01-escape.html"]
    assert "password" not in outcome.written[0].read_text()


def test_a_source_larger_than_the_limit_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    big.write_bytes(b"<rss>" + b" " * 2048 + b"</rss>")
    with pytest.raises(PostError, match="larger than"):
        read_source(str(big), limit=1024)
    with serving(tmp_path) as base, pytest.raises(PostError, match="larger than"):
        read_source(base + "big.xml", limit=1024)
