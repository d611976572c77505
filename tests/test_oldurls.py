"""Old permalinks keep working (issue 11, item 5; docs/reference.md §6.5): a blog's
permalink pattern and the posts' `permalink`, `url`, `aliases` and `redirect_from`
become 301s in `feeds serve`, redirect pages and `_redirects` in `feeds build`, and
links between posts at their old addresses or source files lead to the pages."""

from __future__ import annotations

import http.client
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lxml.html
import pytest
from conftest import BLOG_MD, Server, post, wait_until, write_posts

from feeds.library import Library, Options
from feeds.model import Author, Post
from feeds.normalize.addresses import address, address_key, check_pattern, expand
from feeds.render.site import Site

BASE = "https://blog.example.org/"
PATTERN_BLOG = BLOG_MD.replace("timezone: Europe/Oslo\n",
                               "timezone: Europe/Oslo\npermalink: /:year/:month/:day/:title/\n")
# A Jekyll blog moved as it was: its pattern, a post with its own permalink, Hugo's
# aliases and url, jekyll-redirect-from, and links between the posts in every form.
JEKYLL = {
    "2019-05-03-survey.md": post("The Survey", "2019-05-03 10:00",
                                 "Results of the [poll](../2018/poll.md#results)."),
    "2018/poll.md": post("A Poll", "2018-02-01", "Old [survey](/2019/05/03/survey/)",
                         "permalink: /polls/first.html\n"),
    "hugo.md": post("Hugo Post", "2020-07-09", "See [the survey](survey.md) and "
                    f"[it again]({BASE}2019/05/03/survey/#top) and "
                    "[the poll](/polls/first.html) and [a dead one](/nowhere/) and "
                    "[about](/about) and [home](https://elsewhere.example/2019/05/03/survey/).",
                    "aliases: [/old/hugo/, legacy]\nurl: /blog/hugo-post/\n"),
    "moved.md": post("Moved", "2021-01-01", "Text.",
                     "redirect_from:\n  - /moved-here.html\n  - /tags/\n"),
}


def _snapshot(root: Path, tmp: Path) -> Any:
    return Library(Options(root, BASE, cache=tmp / "cache")).snapshot()


def _hrefs(html: str) -> list[str]:
    return [str(a.get("href")) for a in lxml.html.fragment_fromstring(
        html, create_parent="div").iter("a")]


@pytest.fixture
def jekyll(tmp_path: Path) -> Path:
    return write_posts(tmp_path / "posts", JEKYLL, PATTERN_BLOG)


def test_every_old_address_leads_to_its_post(jekyll: Path, tmp_path: Path) -> None:
    pairs = _snapshot(jekyll, tmp_path).redirects.pairs()
    assert pairs == [
        ("2018/02/01/poll/", "posts/poll/"),
        ("2019/05/03/survey/", "posts/survey/"),
        ("2020/07/09/hugo/", "posts/hugo/"),
        ("2021/01/01/moved/", "posts/moved/"),
        ("blog/hugo-post/", "posts/hugo/"),
        ("blog/legacy", "posts/hugo/"),  # Hugo: a relative alias is in the page's folder
        ("moved-here.html", "posts/moved/"),
        ("old/hugo/", "posts/hugo/"),
        ("polls/first.html", "posts/poll/"),
    ]


def test_links_to_old_addresses_and_source_files_lead_to_the_pages(
        jekyll: Path, tmp_path: Path) -> None:
    snapshot = _snapshot(jekyll, tmp_path)
    shown = {p.slug: snapshot.with_body(p).content_html for p in snapshot.posts}
    assert _hrefs(shown["hugo"]) == [
        f"{BASE}posts/survey/", f"{BASE}posts/survey/#top", f"{BASE}posts/poll/",
        f"{BASE}nowhere/", f"{BASE}about", "https://elsewhere.example/2019/05/03/survey/"]
    assert _hrefs(shown["survey"]) == [f"{BASE}posts/poll/#results"]  # ../2018/poll.md
    assert _hrefs(shown["poll"]) == [f"{BASE}posts/survey/"]


def test_a_page_shows_the_rewritten_links(jekyll: Path, tmp_path: Path) -> None:
    page = Site(_snapshot(jekyll, tmp_path)).document("posts/hugo/").body.decode()
    hrefs = lxml.html.fromstring(page).xpath("//a/@href")
    assert f"{BASE}posts/survey/#top" in hrefs and f"{BASE}posts/hugo/survey.md" not in hrefs


def _no_follow(server: Server, path: str) -> tuple[int, str, str]:
    parts = urlsplit(server.base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return (response.status, response.getheader("Location") or "",
                response.getheader("Cache-Control") or "")
    finally:
        connection.close()


def test_the_server_answers_old_addresses_with_301(jekyll: Path,
                                                   serve: Callable[..., Server]) -> None:
    server = serve(jekyll, base_url=BASE)
    for old, new in [("/2019/05/03/survey/", "posts/survey/"),
                     ("/2019/05/03/survey", "posts/survey/"),
                     ("/2019/05/03/survey/index.html", "posts/survey/"),
                     ("/polls/first.html", "posts/poll/"), ("/blog/legacy", "posts/hugo/"),
                     ("/moved-here.html", "posts/moved/"), ("/old/hugo/", "posts/hugo/")]:
        status, location, cache = _no_follow(server, old)
        assert (old, status, location) == (old, 301, BASE + new)
        assert cache.startswith("public, max-age=")
    assert _no_follow(server, "/nowhere/")[0] == 404
    assert _no_follow(server, "/tags/")[0] == 404  # refused: an address of ours
    assert _no_follow(server, "/posts/survey/")[0] == 200


def test_a_new_old_address_is_answered_by_every_worker(
        jekyll: Path, serve: Callable[..., Server]) -> None:
    server = serve(jekyll, base_url=BASE, workers=2)
    (jekyll / "late.md").write_text(post("Late", "2022-02-02", extra="aliases: [/late-old/]\n"))
    wait_until(lambda: all(_no_follow(server, "/late-old/")[:2] == (301, BASE + "posts/late/")
                           for _ in range(6)), 20, "the new old address answered by all")
    (jekyll / "late.md").unlink()
    wait_until(lambda: all(_no_follow(server, "/late-old/")[0] == 404 for _ in range(6)), 20,
               "the old address gone with its post")


def test_build_writes_redirect_pages_and_a_redirects_file(
        jekyll: Path, tmp_path: Path, runner: Callable[..., Any]) -> None:
    out = tmp_path / "out"
    result = runner("build", "--posts", str(jekyll), "--base-url", BASE, str(out))
    assert result.returncode == 0, result.stderr
    for file, new in [("2019/05/03/survey/index.html", "posts/survey/"),
                      ("polls/first.html", "posts/poll/"),
                      ("blog/legacy/index.html", "posts/hugo/"),
                      ("moved-here.html", "posts/moved/")]:
        page = lxml.html.fromstring((out / file).read_bytes())
        assert page.xpath("//link[@rel='canonical']/@href") == [BASE + new]
        refresh = page.xpath("//meta[@http-equiv='refresh']/@content")
        assert refresh == [f"0; url={BASE}{new}"]
        assert page.xpath("//a/@href") == [BASE + new]
    lines = (out / "_redirects").read_text().splitlines()
    assert "/2019/05/03/survey/ /posts/survey/ 301" in lines
    assert "/blog/legacy /posts/hugo/ 301" in lines and len(lines) == 9
    assert not (out / "tags" / "index.html").exists()  # never a redirect over our folder


def test_build_after_the_redirects_go_removes_them(
        jekyll: Path, tmp_path: Path, runner: Callable[..., Any]) -> None:
    out = tmp_path / "out"
    assert runner("build", "--posts", str(jekyll), "--base-url", BASE, str(out)).returncode == 0
    (jekyll / "_blog.md").write_text(BLOG_MD)
    (jekyll / "moved.md").unlink()
    assert runner("build", "--posts", str(jekyll), "--base-url", BASE, str(out)).returncode == 0
    assert not (out / "moved-here.html").exists()
    assert not (out / "2019" / "05" / "03" / "survey").exists()
    assert "/old/hugo/ /posts/hugo/ 301" in (out / "_redirects").read_text()


CONFLICTS = {
    "a.md": post("A", "2020-01-01", extra="aliases: [/same/, /about, /files/x.png, /rss.xml]\n"),
    "b.md": post("B", "2021-01-01", extra="redirect_from: /same\n"),
    "c.md": post("C", "2022-01-01", extra="aliases: [../../etc/passwd, 'mailto:x@y']\n"
                 "url: https://elsewhere.example/c/\n"),
    "d.md": post("D", "2023-01-01", extra="aliases: [/posts/a/, /posts/d/, /posts/gone/]\n"),
}


def test_conflicts_and_shadows_are_reported_with_both_files(
        tmp_path: Path, runner: Callable[..., Any]) -> None:
    root = write_posts(tmp_path / "posts", CONFLICTS)
    result = runner("check", "--posts", str(root))
    out = result.stdout
    assert "b.md: warning: old address /same is also claimed by a.md" in out
    for shadow in ("/about", "/files/x.png", "/rss.xml"):
        assert f"a.md: warning: old address {shadow} is an address of this blog" in out
    assert "c.md:4: warning: `aliases`: '../../etc/passwd' is not a path of this blog" in out
    assert "d.md: warning: old address /posts/a/ is an address of this blog" in out
    assert "/posts/d/" not in out  # its own page: nothing to say
    pairs = _snapshot(root, tmp_path).redirects.pairs()
    # A URL elsewhere gives its path here: the old blog's host moves with it.
    assert pairs == [("c/", "posts/c/"), ("posts/gone/", "posts/d/"), ("same/", "posts/a/")]


def test_zola_and_hugo_aliases_are_taken_where_each_generator_takes_them(
        tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {
        "content/Rust-1.47.md": "+++\npath = \"2020/10/08/Rust-1.47\"\ntitle = \"Rust 1.47\"\n"
        "date = 2020-10-08\naliases = [\"2020/10/08/Rust-1.47.html\", \"releases/1.47.0\"]\n"
        "+++\nText.\n",
        "content/en/blog/2022/gc.md": post("GC", "2022-09-15", extra="aliases: [gc-2022]\n"),
        "content/en/blog/2019/bundle/index.md": post("B", "2019-01-01", extra="aliases: [b]\n"),
    })
    assert _snapshot(root, tmp_path).redirects.pairs() == [
        ("2020/10/08/Rust-1.47.html", "posts/rust-1-47/"),  # both spellings: a static
        ("2020/10/08/Rust-1.47/", "posts/rust-1-47/"),  # host answers only what it finds
        ("blog/2019/b", "posts/bundle/"),  # a bundle is named after its folder
        ("blog/2022/gc-2022", "posts/gc/"),
        ("releases/1.47.0", "posts/rust-1-47/"),
    ]


def test_new_post_rerenders_only_the_pages_that_link_to_it(tmp_path: Path) -> None:
    files = {f"p{i}.md": post(f"P{i}", f"2020-01-{i + 1:02d}", f"Text {i}.") for i in range(5)}
    files["linker.md"] = post("Linker", "2020-02-01", "[later](/2021/later/) [p1](p1.md)")
    root = write_posts(tmp_path / "posts", files, PATTERN_BLOG.replace(
        ":year/:month/:day/:title/", ":year/:title/"))
    before = Site(_snapshot(root, tmp_path))
    (root / "later.md").write_text(post("Later", "2021-03-01"))
    after = Site(_snapshot(root, tmp_path))
    changed = [f"posts/{p.slug}/" for p in after.snapshot.posts
               if before.key_of(f"posts/{p.slug}/") != after.key_of(f"posts/{p.slug}/")]
    assert changed == ["posts/later/", "posts/linker/"]
    linker = after.document("posts/linker/").body.decode()
    assert f"{BASE}posts/later/" in lxml.html.fromstring(linker).xpath("//a/@href")


def _post(path: str, title: str = "Hello, World!", slug: str = "hello-world") -> Post:
    date = datetime(2024, 3, 5, 23, 30, tzinfo=UTC)
    return Post(path=path, slug=slug, id="tag:x,2024:1", title=title, date=date,
                updated=date, authors=(Author("ann", "Ann Lind"),), tags=(), summary="",
                content_html="", url=BASE + f"posts/{slug}/")


@pytest.mark.parametrize(("style", "pattern", "path", "meta", "expected"), [
    ("jekyll", "/:year/:month/:day/:title/", "2024-03-05-Hello-World.md", {},
     "2024/03/06/Hello-World/"),
    ("jekyll", "date", "2024-03-05-hello.md", {"categories": "news tech"},
     "news/tech/2024/03/06/hello.html"),
    ("jekyll", "pretty", "2024-03-05-hello.md", {}, "2024/03/06/hello/"),
    ("jekyll", "none", "2024-03-05-hello.md", {}, "hello.html"),
    ("jekyll", "/:year/:slug", "x.md", {"slug": "My Slug"}, "2024/my-slug"),
    ("jekyll", "/:short_year/:i_month/:i_day/:y_day/:name", "x.md", {}, "24/3/6/066/x"),
    ("hugo", "/:year/:monthname/:title/", "post/a.md", {}, "2024/march/hello-world/"),
    ("hugo", "/:section/:slugorfilename/", "post/bundle/index.md", {}, "post/bundle/"),
    ("hugo", "/:slug/", "a.md", {"slug": "given"}, "given/"),
    ("pelican", "{date:%Y}/{date:%m}/{slug}.html", "a.md", {}, "2024/03/hello-world.html"),
    ("pelican", "{category}/{author}/{slug}/", "a.md", {"category": "Rust News"},
     "rust-news/ann-lind/hello-world/"),
])
def test_patterns_are_expanded_as_each_generator_documents(
        style: str, pattern: str, path: str, meta: dict[str, object], expected: str) -> None:
    from zoneinfo import ZoneInfo
    assert check_pattern(style, pattern) is None
    assert expand(style, pattern, _post(path), meta, ZoneInfo("Europe/Oslo")) == expected


def test_a_bad_pattern_stops_start_up(tmp_path: Path, runner: Callable[..., Any]) -> None:
    root = write_posts(tmp_path / "posts", {}, PATTERN_BLOG.replace(":title/", ":titel/"))
    result = runner("check", "--posts", str(root))
    assert result.returncode == 1 and "setting 'permalink'" in result.stderr + result.stdout
    assert check_pattern("pelican", "{slug") is not None


@pytest.mark.parametrize(("value", "expected"), [
    ("/a/b/", "a/b/"), ("https://old.example/a%20b.html?x=1#f", "a b.html"), ("a//b", "a/b"),
    ("/", None), ("", None), ("/a/../b", None), ("ftp://x/y", None), ("mailto:a@b", None),
    ("/a\x00b", None), (3, None),
])
def test_addresses_are_paths_of_the_blog(value: object, expected: str | None) -> None:
    assert address(value) == expected


def test_one_address_has_one_key() -> None:
    assert {address_key(p) for p in ("x/", "x", "x.html", "x/index.html", "/x/")} == {"x"}
    assert (address_key("index.htm"), address_key("myindex.html")) == ("", "myindex")


def test_fields_that_are_no_address_are_warned_about_at_their_line(
        tmp_path: Path, runner: Callable[..., Any]) -> None:
    root = write_posts(tmp_path / "posts", {"bad.md": post("Bad", extra=(
        "permalink: 3\nurl: ftp://old.example/x\naliases: {a: 1}\nredirect_from: ['https://[']\n"))})
    out = runner("check", "--posts", str(root)).stdout
    assert "bad.md:4: warning: `permalink` must be a path" in out
    assert "bad.md:5: warning: `url` is not a path of this blog" in out
    assert "bad.md:6: warning: `aliases` must be a path or a list of paths" in out
    assert "bad.md:7: warning: `redirect_from`: 'https://[' is not a path of this blog" in out
    assert _snapshot(root, tmp_path).redirects.pairs() == []


def test_a_placeholder_a_pattern_cannot_fill_gives_no_address() -> None:
    from zoneinfo import ZoneInfo
    zone = ZoneInfo("UTC")
    assert expand("jekyll", "/:nothing/", _post("a.md"), {}, zone) is None
    assert expand("pelican", "{date:%Y}/{nothing}", _post("a.md"), {}, zone) is None
    assert check_pattern("hugo", "/:year/:nothing/") == "unknown placeholder 'nothing'"


def test_a_dead_link_named_as_one_post_file_leads_to_it(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {  # the Go blog: /blog/{file name}, no pattern
        "slices.md": post("Slices", "2013-01-01"),
        "a/twice.md": post("Twice A", "2014-01-01"),
        "b/twice.md": post("Twice B", "2014-02-01", extra="slug: twice-b\n"),
        "strings.md": post("Strings", "2013-10-23", "[s](/blog/slices) [t](/blog/twice) "
                           "[tag](/tags/slices) [g](/blog/slices/#grow)"),
    })
    snapshot = _snapshot(root, tmp_path)
    shown = snapshot.with_body(snapshot.by_slug["strings"]).content_html
    assert _hrefs(shown) == [f"{BASE}posts/slices/", f"{BASE}blog/twice",  # two of a name
                             f"{BASE}tags/slices", f"{BASE}posts/slices/#grow"]
