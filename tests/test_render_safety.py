"""Bodies that made rendering take minutes (deep nesting, thousands of tags), through
the sanitiser, `feeds check` and a real `feeds serve`; and no lock held across a
render that other documents wait on."""

from __future__ import annotations

import http.client
import json
import threading
from pathlib import Path

import feedparser
import lxml.html
import nh3
import pytest
from conftest import SAMPLE_BASE, write_posts
from test_cli import feeds

from feeds.library import Options
from feeds.normalize.body import MAX_DEPTH, Place, render
from feeds.normalize.nesting import cap_nesting

PLACE = Place("", "https://blog.example.org/posts/x/", "https://blog.example.org/files/",
              frozenset())
QUOTES = "> " * 30_000 + "x\n"  # 60 KB
LISTS = "Intro.\n\n" + "".join("  " * level + "- item\n" for level in range(120))
DIVS = "<p>Intro</p>\n" + "<div>" * 10_000 + "x" + "</div>" * 10_000
TAGS = ",".join(f"t{number}" for number in range(9000))


def depth(fragment: str) -> int:
    """How deep the elements of an HTML fragment nest (lxml's count, which stops at
    255: enough to tell a capped tree from an uncapped one)."""
    root = lxml.html.fragment_fromstring(fragment or "<p></p>", create_parent="div")
    return max(len(list(element.iterancestors())) for element in root.iter())


DEEP = [
    ("markdown", QUOTES, 1),
    ("markdown", LISTS, 3 + MAX_DEPTH // 2),  # a list and its item per level
    ("markdown", "Intro.\n\n" + "- " * 20_000 + "x\n", 3),
    ("markdown", "<div>\n\n" * 3000 + "x", 2 * MAX_DEPTH + 1),  # raw HTML blocks
    ("html", DIVS, 2),
    ("html", "<ul><li>" * 5000 + "x", 1),
    ("html", "<table><td>" * 2000 + "x", 1),
    ("html", "<span>" + "<div>" * 100 + "</span>" * 100 + "<div>" * 3000, 1),
    ("html", "<a><div><div><div>" * 1000, 1),
    ("html", "<!-- --!>" + "<blockquote>" * 3000 + "-->", 1),
    ("html", "<b>" * 3000 + "x", 1),
    ("html", "<svg><style>" + "<g>" * 3000 + "</svg>" + "<div>" * 3000, 1),
    # HTML opens again formatting elements another tag closed, below the new button
    ("html", "<button><s>" * 3000, 1),
    ("html", "<ul></td><td>" * 2000, 1),  # cells outside a table are ignored
    ("html", "<th><strong>" * 2000, 1),
    ("html", "<form>" + "<div>" * 100 + "</form>" * 100 + "<div>" * 3000, 1),
    # a style too deep is cut whole: without its start tag, its text would be markup
    ("html", "<dl>" * 100 + "<style>" + "<dl>" * 3000 + "</style>", 1),
]


@pytest.mark.parametrize(("kind", "body", "line"), DEEP)
def test_nesting_is_capped_before_sanitising(kind: str, body: str, line: int) -> None:
    assert depth(render_plain(body, kind)) > MAX_DEPTH  # the input is deep indeed
    rendered = render(body, kind, PLACE)
    assert depth(rendered.html) <= MAX_DEPTH
    assert [note[0] for note in rendered.notes] == [line]
    assert f"nested more than {MAX_DEPTH} deep" in rendered.notes[0][1]


def render_plain(body: str, kind: str) -> str:
    """What the sanitiser makes of (the first 20,000 characters of) the body uncapped."""
    from feeds.normalize.body import TAGS as ALLOWED
    from feeds.normalize.body import _raw_html

    return str(nh3.clean(_raw_html(body, kind)[:20_000], tags=set(ALLOWED)))


SLOPPY_BUT_SHALLOW = [
    "<div><p>a</div>" * 500,
    "<ul>" + "<li><p>x" * 3000 + "</ul>",
    "<table>" + "<tr><td>a<td>b" * 1000 + "</table>",
    "<dl>" + "<dt>a<dd>b" * 1000 + "</dl>",
    "<p>a<div>b</div>" * 500,
    "<h1>a<h2>b" * 500,
    "<select>" + "<option>a" * 1000 + "</select>",
    "<svg>" + "<path d='M0 0'/>" * 1000 + "</svg>",
    "<script>" + "<div>" * 1000 + "</script>",
]


@pytest.mark.parametrize("body", SLOPPY_BUT_SHALLOW)
def test_shallow_html_passes_as_it_is(body: str) -> None:
    assert cap_nesting(body).at is None
    assert render(body, "html", PLACE).notes == ()


def _blog(tmp_path: Path) -> Path:
    return write_posts(tmp_path / "posts", {
        "2024-01-01-quotes.md": "---\ntitle: Quotes\n---\n" + QUOTES,
        "2024-01-02-lists.md": "---\ntitle: Lists\n---\n" + LISTS,
        "2024-01-03-divs.html": "---\ntitle: Divs\n---\n" + DIVS,
        "2024-01-04-tags.md": f"---\ntitle: Tags\ntags: {TAGS}\n---\nMany tags.\n",
        "2024-01-05-plain.md": "---\ntitle: Plain\ntags: [sea]\n---\nJust words.\n",
    })


def test_check_warns_with_file_and_line(tmp_path: Path) -> None:
    result = feeds("check", "--posts", str(_blog(tmp_path)))
    assert result.returncode == 0, result.stdout + result.stderr
    deep = f"warning: elements nested more than {MAX_DEPTH} deep: the deeper ones are " \
        "left out (their text is kept)"
    assert result.stdout.splitlines() == [
        f"2024-01-01-quotes.md:4: {deep}",
        f"2024-01-02-lists.md:{6 + MAX_DEPTH // 2}: {deep}",
        f"2024-01-03-divs.html:5: {deep}",
        "2024-01-04-tags.md:3: warning: 9,000 tags: only the first 100 are kept (the "
        "blog's `max_tags`)",
        "5 posts, 0 errors, 4 warnings",
    ]


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)  # a bound only
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_the_server_answers_every_document_of_a_hostile_blog(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(_blog(tmp_path))
    port = int(server.base.rsplit(":", 1)[1].strip("/"))
    answers = {path: _get(port, path) for path in (
        "/rss.xml", "/atom.xml", "/feed.json", "/about", "/healthz", "/", "/posts/quotes/",
        "/posts/divs/", "/posts/lists/", "/posts/tags/", "/tags/t99/rss.xml")}
    assert {path: status for path, (status, _) in answers.items()} == dict.fromkeys(answers, 200)
    for path in ("/rss.xml", "/atom.xml"):
        parsed = feedparser.parse(answers[path][1])
        assert not parsed.bozo and len(parsed.entries) == 5
        tags = next(e for e in parsed.entries if e.title == "Tags").tags
        assert [t.term for t in tags] == [f"t{n}" for n in range(100)]
    items = json.loads(answers["/feed.json"][1])["items"]
    assert next(i for i in items if i["title"] == "Tags")["tags"][-1] == "t99"
    assert all(depth(i["content_html"]) <= MAX_DEPTH for i in items)
    assert _get(port, "/tags/t100/rss.xml")[0] == 404  # dropped


def test_a_slow_render_holds_up_only_its_own_document(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.library.shared import Shared
    from feeds.render import pages
    from feeds.web.app import create_app

    root = write_posts(tmp_path / "posts", {
        "2024-01-01-slow.md": "---\ntitle: Slow\n---\nSlow.\n",
        "2024-01-02-quick.md": "---\ntitle: Quick\n---\nQuick.\n"})
    shared = Shared.create(tmp_path)
    client = create_app(Options(root, SAMPLE_BASE), shared=shared, start=False).test_client()
    started, release = threading.Event(), threading.Event()
    real = pages.post_page

    def post_page(snapshot, post):  # type: ignore[no-untyped-def]
        if post.slug == "slow":
            started.set()
            release.wait(20)
        return real(snapshot, post)

    monkeypatch.setattr(pages, "post_page", post_page)
    statuses: dict[str, int] = {}

    def fetch(path: str) -> None:
        statuses[path] = client.get(path).status_code

    slow = threading.Thread(target=fetch, args=("/posts/slow/",))
    slow.start()
    try:
        assert started.wait(10)
        others = [threading.Thread(target=fetch, args=(path,)) for path in (
            "/posts/quick/", "/healthz", "/rss.xml", "/about", "/files/none")]
        for thread in others:
            thread.start()
        for thread in others:
            thread.join(10)
        assert not any(thread.is_alive() for thread in others)  # none waited on the slow one
        assert "/posts/slow/" not in statuses
    finally:
        release.set()
        slow.join(10)
    shared.close()
    assert statuses == {"/posts/quick/": 200, "/healthz": 200, "/rss.xml": 200, "/about": 200,
                        "/files/none": 404, "/posts/slow/": 200}


def test_html_past_the_size_cap_is_cut_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.normalize import body as content

    monkeypatch.setattr(content, "MAX_HTML_CHARS", 1000)
    rendered = render("<p>word</p>\n" * 500, "html", PLACE)
    assert rendered.html.count("<p>word</p>") == 1000 // len("<p>word</p>\n")  # 83 whole
    assert [line for line, _ in rendered.notes] == [None]
    assert "more than 1,000 characters" in rendered.notes[0][1]


def test_max_tags_is_a_setting(tmp_path: Path) -> None:
    from feeds.library import Library

    root = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": "---\ntitle: A\ndate: 2024-01-01\n"
                           "categories: [a, b, A, c, d]\n---\nx\n"},
        blog="---\ntitle: T\nlink: https://blog.example.org/\nmax_tags: 2\n---\n")
    library = Library(Options(root))
    assert library.loaded.posts[0].tags == ("a", "b")
    assert [str(p) for p in library.problems if p.path != "_blog.md"] == [
        "2024-01-01-a.md:4: warning: 4 tags: only the first 2 are kept (the blog's `max_tags`)"]


SOUP = ["<div>", "</div>", "<p>", "</p>", "<li>", "</li>", "<ul>", "</ul>", "<ol>", "<table>",
        "</table>", "<tr>", "<td>", "</td>", "<th>", "<span>", "</span>", "<b>", "</b>", "<i>",
        "</i>", "<a href=x>", "</a>", "<blockquote>", "</blockquote>", "<svg>", "</svg>", "<g>",
        "<style>", "</style>", "<!--", "-->", "--!>", "<dl>", "<dt>", "<dd>", "<h1>", "<h2>",
        "<button>", "</button>", "<select>", "<option>", "<caption>", "<em>", "</em>", "<nobr>",
        "<math>", "<mi>", "<template>", "</template>", "<object>", "x", "<br>", "<tbody>",
        "<section>", "</section>", "<pre>", "<code>", "</code>", "<font color=red>", "<s>",
        "<form>", "</form>", "<body>", "</body>", "<strong>", "</strong>", "<b id=1>"]


def test_tag_soup_never_nests_past_the_cap() -> None:
    """Random mixes of a few tags (seeded: the same every run), each a few thousand
    long: what the sanitiser makes never nests much deeper than the cap (a table's
    implied rows and the like may add a level or two)."""
    import random

    chance = random.Random(20261203)
    for _ in range(60):
        words = chance.sample(SOUP, chance.randint(3, 10))
        soup = "".join(chance.choice(words) for _ in range(chance.randint(500, 3000)))
        assert depth(render(soup, "html", PLACE).html) <= MAX_DEPTH + 4, words
