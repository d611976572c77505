"""A bounded fuzz run (hypothesis) over front-matter parsing and the
Markdown-to-sanitised-HTML path.

Run it longer: FEEDS_FUZZ_EXAMPLES=100000 pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import lxml.html
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.errors import PostError
from feeds.normalize.body import Place, render_body
from feeds.normalize.text import xml_safe
from feeds.sources.files import split

EXAMPLES = int(os.environ.get("FEEDS_FUZZ_EXAMPLES", "300"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MTIME = datetime(2024, 1, 1, tzinfo=UTC)
PLACE = Place("", "https://b.example/posts/x/", "https://b.example/files/", frozenset({"a.png"}))
# Pieces of YAML, TOML, Markdown and HTML to build nasty inputs from.
YAML_BITS = ["---\n", "+++\n", "title: ", "&a ", "*a", "[", "]", "{", "}", ": ", "- ", "!!",
             "!!python/object/apply:os.system", "'", '"', "\\", "\n", "  ", "<<: *a", "?",
             "2024-02-30", "1:20", "no", "~", "#", "=", "title = ", "[[x]]", "\t", "\x00", "é"]
MD_BITS = ["<script>", "</script>", "<a href='", "javascript:", "&#x6A;avascript:", "<svg ",
           "onload=", "<img src=x onerror=alert(1)>", "[x](", ")", "![i](", "<!--", "-->",
           "<![CDATA[", "]]>", "<!DOCTYPE x [<!ENTITY e 'x'>]>", "&e;", "&amp;", "&#0;", "\x0b",
           "`", "```", "*", "_", "|a|b|\n|-|-|\n", "<style>", "<iframe>", "data:", "\ud800",
           "> ", "# ", "\n\n", "<", ">", "http://x.example/", "<form>", "<math>", "<table>"]


def pieces(bits: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(bits), st.text(max_size=8)), max_size=40).map(
        "".join)


@FUZZ
@given(text=pieces(YAML_BITS))
def test_front_matter_parsing_only_ever_raises_post_errors(text: str) -> None:
    try:
        raw = split(text, "fuzz.md", MTIME, header_fields=frozenset({"title", "date"}))
    except PostError as error:
        assert error.path == "fuzz.md" and error.message
        return
    lines = text.count("\n") + 1
    assert set(raw.meta_lines) <= set(raw.meta)  # every field line names a field
    assert all(1 <= line <= lines for line in raw.meta_lines.values())
    assert 1 <= raw.body_line <= lines + 1


FORBIDDEN_TAGS = {"script", "style", "iframe", "svg", "form", "math", "object", "embed",
                  "meta", "link", "base", "input"}


@FUZZ
@given(text=pieces(MD_BITS), kind=st.sampled_from(["markdown", "html", "text"]))
def test_bodies_come_out_safe_and_well_formed(text: str, kind: str) -> None:
    html = render_body(text, kind, PLACE)
    assert xml_safe(html) == html  # nothing XML forbids: feeds carry it as escaped text
    root = lxml.html.fragment_fromstring(html, create_parent="div") if html.strip() else None
    for element in root.iter() if root is not None else []:
        if not isinstance(element.tag, str):
            continue  # comments are dropped by the sanitiser; processing instructions too
        assert element.tag not in FORBIDDEN_TAGS, html
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on") and name != "style", html
            if name in ("href", "src", "cite"):
                assert value.split(":", 1)[0].lower() in ("http", "https", "mailto"), html
