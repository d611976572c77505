"""docs/reference.md §2.2 and §5.2: bodies to safe, absolute, XML-safe HTML."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from feeds.normalize.body import Place, absolute_url, first_paragraph_text, render_body

PLACE = Place(
    folder="notes",
    page_url="https://blog.example.org/posts/deep/",
    files_url="https://blog.example.org/files/",
    assets=frozenset({"images/harbour.jpg", "notes/chart.pdf", "images/my photo.png"}),
)


def md(text: str) -> str:
    return render_body(text, "markdown", PLACE)


def test_commonmark_with_tables_strikethrough_and_autolinks() -> None:
    html = md("|a|b|\n|-|-|\n|1|2|\n\n~~old~~ see https://example.org/x and <https://e.org>")
    assert "<table>" in html and "<td>1</td>" in html
    assert "<del>old</del>" in html
    assert '<a href="https://example.org/x">https://example.org/x</a>' in html
    assert '<a href="https://e.org">' in html


XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "<svg><script>alert(1)</script></svg>",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example/"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<form action="https://evil.example/"><input name=a></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    "<style>body{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    '<div onclick="alert(1)" onmouseover="alert(2)">x</div>',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
]
FORBIDDEN = ["<script", "onerror", "onclick", "onmouseover", "onload", "javascript:",
             "vbscript:", "data:", "<iframe", "<object", "<embed", "<form", "<input",
             "<meta", "<style", "style=", "<base", "<link", "<svg", "alert(1)"]


@pytest.mark.parametrize("vector", XSS)
@pytest.mark.parametrize("kind", ["markdown", "html"])
def test_xss_vectors_are_removed(vector: str, kind: str) -> None:
    html = render_body(f"Before\n\n{vector}\n\nAfter", kind, PLACE).lower()
    for word in FORBIDDEN:
        assert word not in html.replace("alert(1)</", ""), (vector, html)
    assert "after" in html


RELATIVE = [
    ("![a](../images/harbour.jpg)", 'src="https://blog.example.org/files/images/harbour.jpg"'),
    ("![a](/images/harbour.jpg)", 'src="https://blog.example.org/files/images/harbour.jpg"'),
    ("[c](chart.pdf)", 'href="https://blog.example.org/files/notes/chart.pdf"'),
    ("[c](images/my%20photo.png)", 'href="https://blog.example.org/files/images/my%20photo.png"'),
    ("[o](../other-post/)", 'href="https://blog.example.org/posts/other-post/"'),
    ("[n](#note)", 'href="https://blog.example.org/posts/deep/#note"'),
    ("[r](/about)", 'href="https://blog.example.org/about"'),
    ("[m](mailto:a@example.org)", 'href="mailto:a@example.org"'),
    ("[h](http://example.org/x)", 'href="http://example.org/x"'),
]


@pytest.mark.parametrize(("source", "expected"), RELATIVE)
def test_relative_urls_become_absolute(source: str, expected: str) -> None:
    assert expected in md(source)


def test_text_bodies_become_paragraphs_with_links() -> None:
    html = render_body("One <b>two</b>\nthree https://example.org/?a=1&b=2\n\nFour", "text",
                       PLACE)
    assert html.startswith("<p>One &lt;b&gt;two&lt;/b&gt;\nthree ")
    assert '<a href="https://example.org/?a=1&amp;b=2">' in html
    assert html.endswith("<p>Four</p>")


def test_illegal_characters_entities_and_doctype_stay_inert() -> None:
    body = ('<!DOCTYPE x [<!ENTITY boom "bang">]>\n\nA\x00B\x0bC &boom; &copy; &#1; '
            "]]> end \ud800")
    for kind in ("markdown", "html", "text"):
        html = render_body(body, kind, PLACE)
        etree.fromstring(f"<div>{html.replace('&nbsp;', ' ')}</div>".encode())
        assert "C bang" not in html  # the entity was never expanded
        assert "\x00" not in html and "\x0b" not in html and "\ud800" not in html


def test_first_paragraph_text() -> None:
    assert first_paragraph_text(md("## Head\n\nHello **bold** & <i>it</i>.\n\nNext")) == \
        "Hello bold & it."
    assert first_paragraph_text("") == ""


@pytest.mark.parametrize(("value", "expected"), [
    ("HTTP://Example.org/a?b#c", "HTTP://Example.org/a?b#c"),  # the fast path
    ("http://[::1", None),  # not a URL: urlsplit says so
    ("https://ex\uff0fample.org/", None),  # a host that NFKC turns into a path
    ("  https://example.org/x  ", "https://example.org/x"),
])
def test_absolute_links_are_kept_as_they_are_unless_they_are_no_urls(
        value: str, expected: str | None) -> None:
    place = Place("", "https://blog.example.org/posts/a/", "https://blog.example.org/files/",
                  frozenset())
    assert absolute_url(value, place) == expected


def _resident_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_rendering_markdown_again_and_again_keeps_no_memory() -> None:
    """cmarkgfm's own wrapper kept every document tree and output: 30 renders of a
    100 KB body grew the process by over 100 MB (feeds/normalize/markdown.py)."""
    body = "A *b* | c |\n|---|---|\n| 1 | ~~2~~ |\n\nhttps://example.org/ " * 1500
    place = Place("", "https://blog.example.org/posts/a/", "https://blog.example.org/files/",
                  frozenset())
    render_body(body, "markdown", place)  # allocator pools warm up once
    before = _resident_mb()
    for _ in range(30):
        html = render_body(body, "markdown", place)
    assert "<table>" in html and "<del>2</del>" in html
    assert _resident_mb() - before < 30
