"""Link targets found in a body's text (feeds.normalize.links): the fast scanner gives
what one pattern of every alternative, matched by `finditer`, gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.normalize.body import Place, absolute_url, resolved
from feeds.normalize.links import link_keys, tokens

# The single pattern the scanner stands for (docs/reference.md §6.5 lists the forms).
ONE_PATTERN = re.compile(
    r"""\]\(\s*<([^>\n]*)>|\]\(\s*([^\s)]+)|^[ ]{0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)"""
    r"""|\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))|(https?://[^\s<>"'\])]+)""",
    re.MULTILINE | re.IGNORECASE)


def by_one_pattern(body: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in ONE_PATTERN.finditer(body)]


PIECES = st.sampled_from([
    "](", "](<", ">", ")", "[", "]", "]:", "[a]: ", "\n", "   ", " ", "\t", "\u2003",
    "href", "HREF", "src", "Src", "=", '"', "'", "http", "https", "HTTPS", "://", "x",
    "/posts/a/", "a.md", "é", "é", "<", "\\", "-", "hrefsrc", "ahref"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(PIECES, max_size=40).map("".join))
def test_the_scanner_finds_what_one_pattern_finds(body: str) -> None:
    assert list(tokens(body)) == by_one_pattern(body)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=200))
def test_the_scanner_finds_what_one_pattern_finds_in_any_text(body: str) -> None:
    assert list(tokens(body)) == by_one_pattern(body)


def test_every_form_of_link_is_found_in_order() -> None:
    body = ('See [the survey](survey.md) and [old](</2019/01/x.html>).\n'
            '  [ref]: /old/page/ "title"\n'
            '<a HREF = "https://blog.example.org/old/">x</a> <img src=pic.png>\n'
            'and https://blog.example.org/bare/ too')
    assert list(tokens(body)) == ["survey.md", "/2019/01/x.html", "/old/page/",
                                  "https://blog.example.org/old/", "pic.png",
                                  "https://blog.example.org/bare/"]


def test_link_keys_name_addresses_that_are_no_page_of_ours() -> None:
    place = Place("", "https://blog.example.org/first/", "https://blog.example.org/files/",
                  frozenset({"pic.png"}))
    body = ("[a](survey.md) [b](/2019/01/x.html) [c](/first/) [d](https://elsewhere.org/y) "
            "![p](pic.png) [e](/2019/01/x.html#part)")
    # (a post page is /posts/{slug}/: /first/ may be an old address)
    assert link_keys(body, place) == ("posts/survey", "2019/01/x", "first")


def test_many_equals_signs_cost_one_pass() -> None:
    body = "href" + " " * 50_000 + "=" * 50_000 + "x"
    assert list(tokens(body)) == by_one_pattern(body)


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["/", "a", "b-c", ".", "..", "x.png", "~u", "_", "%20", "?q",
                                 "#f", ";p", "//", "http:", "https://", "x.md", "é"]),
                min_size=1, max_size=6).map("".join),
       st.sampled_from(["https://blog.example.org/posts/first/",
                        "http://127.0.0.1:8000/sub/posts/x/", "HTTPS://Blog.Example.org/p/"]))
def test_the_shortcuts_give_what_the_long_way_gives(path: str, page: str) -> None:
    place = Place("", page, "https://blog.example.org/files/", frozenset({"a/x.png"}))
    assert absolute_url(path, place) == resolved(path, place)
