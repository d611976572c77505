"""Proof beyond examples (hypothesis): any text in any field of a post keeps every
document well-formed and valid, and the post is published or rejected on its own.

Each case (a field in a format, a kind of file in a format) is its own run, and
asserts that some of its examples were published and reached the renderers:
values are generated in the shape the field takes (a URL, a date, a language
tag) with any text where the shape has text, beside plain any text that is
mostly rejected.

More examples: FEEDS_HYPOTHESIS_EXAMPLES=5000 pytest tests/test_properties.py
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.errors import FeedsError
from feeds.model import Author, Post
from feeds.normalize.blog import default_blog
from feeds.normalize.post import Context, normalize_post
from feeds.normalize.text import clean_line
from feeds.render.channel import blog_channel
from feeds.render.jsonfeed import render_json
from feeds.render.syndication import render_atom, render_rss
from feeds.sources.files import RawPost, decode, split

EXAMPLES = int(os.environ.get("FEEDS_HYPOTHESIS_EXAMPLES", "150"))
SCHEMA = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
ANN = Author("ann", "Ann Example", "ann@example.org")
BLOG = default_blog("https://blog.example.org/", title="T", description="d",
                    default_authors=(ANN,), registry=((ANN, ()),), id_authority="blog.example.org")
CTX = Context.of(BLOG, frozenset({"images/a.png"}), lambda _: 10)
MTIME = datetime(2023, 6, 1, tzinfo=UTC)
GOOD = normalize_post(split("---\ntitle: Good\ndate: 2024-01-01\n---\nFine.\n", "good.md",
                            MTIME), CTX)[0]
# Every code point, controls and lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=200)
SUFFIXES = [".md", ".txt", ".html", ".markdown"]
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=-12)), timezone(timedelta(hours=14)),
                         timezone(timedelta(hours=5, minutes=30))])
DATES = st.one_of(st.datetimes(timezones=ZONES).map(datetime.isoformat),
                  st.dates().map(lambda d: d.isoformat()))


def prefixed(prefix: str) -> st.SearchStrategy[str]:
    """Any text behind a prefix that keeps the field acceptable (a letter, a URL)."""
    return ANY_TEXT.map(lambda text: prefix + text)


def uri_text(prefix: str) -> st.SearchStrategy[str]:
    """Any text made a URI's tail: the one thing a URI cannot hold is white space."""
    return ANY_TEXT.map(lambda text: prefix + ("".join(clean_line(text).split()) or "x"))


# Per field: values of the field's shape carrying any text (first, so that the
# simplest example is a published one), then any text at all.
SHAPED: dict[str, st.SearchStrategy[object]] = {
    "title": prefixed("A "),
    "summary": ANY_TEXT,
    "author": st.one_of(prefixed("Bo "), st.just("ann"), prefixed("Cy <cy@example.org> ")),
    "image_caption": prefixed("C "),  # with an image: without one it is dropped
    "slug": prefixed("s "),
    "id": uri_text("tag:blog.example.org,2024:"),
    "link": st.one_of(prefixed("https://x.example/"), st.just("http://x.example")),
    "lang": st.from_regex(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}", fullmatch=True),
    "date": DATES,
    "updated": DATES,
    "tags": st.lists(prefixed("t"), min_size=1, max_size=4),
    "categories": st.one_of(prefixed("c, d"), st.lists(prefixed("c"), min_size=1, max_size=4)),
    "image": st.one_of(st.just("images/a.png"), prefixed("https://x.example/")),
}
FIELDS = list(SHAPED)
# A host part of any text: urlsplit refuses some (`[`) with ValueError, not a PostError.
NOISE = st.one_of(ANY_TEXT, prefixed("https://"))
# What a published post shows of the field when the field reached it.
CARRIED: dict[str, Callable[[Post], object]] = {
    "image_caption": lambda post: post.image and post.image.caption,
    "link": lambda post: post.link,
    "lang": lambda post: post.lang,
    "tags": lambda post: post.tags,
    "categories": lambda post: post.tags,
    "image": lambda post: post.image,
}


def run_settings(cases: int) -> settings:
    """Each case's share of the examples, and never fewer than a handful."""
    return settings(max_examples=max(5, EXAMPLES // cases), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def check_documents(posts: tuple[Post, ...]) -> None:
    channel = blog_channel(BLOG, posts)
    for render in (render_rss, render_atom):
        etree.fromstring(render(channel), STRICT)
    document = json.loads(render_json(channel))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())


def published(raw: RawPost) -> Post | None:
    """The post with the documents checked, or None when it is rejected on its own."""
    try:
        post, _ = normalize_post(raw, CTX)
    except FeedsError:
        return None  # rejected on its own: the other posts are untouched
    check_documents((post, GOOD))
    return post


def field_meta(field: str, value: object) -> dict[str, object]:
    meta: dict[str, object] = {"title": "T", "date": "2024-01-02", field: value}
    if field == "image_caption":
        meta["image"] = "images/a.png"
    return meta


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("field", FIELDS)
def test_any_text_in_any_field_keeps_documents_well_formed(field: str, suffix: str) -> None:
    reached = Counter[bool]()

    @run_settings(len(FIELDS) * len(SUFFIXES))
    @given(value=st.one_of(SHAPED[field], NOISE), body=ANY_TEXT)
    @example(value="https://[", body="")  # urlsplit's ValueError once escaped normalize_post
    @example(value=";", body="")  # no letter: a tag, a slug, a title refused
    def check(value: object, body: str) -> None:
        meta = field_meta(field, value)
        raw = RawPost(f"p{suffix}", meta, {k: 2 for k in meta}, body, 5, MTIME, "yaml")
        post = published(raw)
        carried = post is not None and bool(CARRIED.get(field, lambda _: True)(post))
        reached[carried] += 1

    check()
    assert reached[True], f"no `{field}` value reached a renderer in a {suffix} post: {reached}"


def yaml_file(meta: dict[str, object], body: str, _suffix: str) -> str:
    return f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n{body}"


def toml_file(meta: dict[str, object], body: str, _suffix: str) -> str:
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in meta.items()]
    return "+++\n" + "\n".join(lines) + f"\n+++\n{body}"


def one_line(value: object) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text.replace("\n", " ")


def headers_file(meta: dict[str, object], body: str, _suffix: str) -> str:
    lines = [f"{key.replace('_', ' ').title()}: {one_line(value)}" for key, value in meta.items()]
    return "\n".join(lines) + f"\n\n{body}"


def heading_file(meta: dict[str, object], body: str, suffix: str) -> str:
    """A Markdown `# heading`, or a text file's first line: a page saved as text."""
    title = one_line(meta["title"])
    return f"# {title}\n{body}" if suffix != ".txt" else f"{title}\n{body}"


# Per kind of file: how it is written, and the `front` a split of it reports.
KINDS = {"yaml": ("yaml", yaml_file), "toml": ("toml", toml_file),
         "headers": ("headers", headers_file), "heading": ("", heading_file)}
CASES = [(suffix, kind) for suffix in SUFFIXES for kind in KINDS
         if suffix != ".html" or kind in ("yaml", "toml")]  # HTML has no headers, no heading


def file_text(suffix: str, kind: str) -> st.SearchStrategy[str]:
    """A whole file of the kind, a title and one more field of any text; or any text.

    A heading file shows only its title (the other field is for front matter)."""
    write = KINDS[kind][1]
    extra = st.sampled_from(FIELDS).flatmap(lambda f: st.tuples(st.just(f), SHAPED[f]))
    shaped = st.builds(lambda title, more, body: write({"title": title, more[0]: more[1]},
                                                       body, suffix),
                       SHAPED["title"], extra, ANY_TEXT)
    return st.one_of(shaped, ANY_TEXT)


@pytest.mark.parametrize(("suffix", "kind"), CASES)
def test_any_file_text_is_published_or_rejected_alone(suffix: str, kind: str) -> None:
    reached = Counter[bool]()

    @run_settings(len(CASES))
    @given(text=file_text(suffix, kind))
    def check(text: str) -> None:
        rel = f"2024-01-03-x{suffix}"
        try:  # as a file holds it: bytes (lone surrogates cannot be saved), then decoded
            raw = split(decode(text.encode("utf-8", "replace"), rel), rel, MTIME,
                        header_fields=frozenset(FIELDS))
        except FeedsError:
            raw = None
        post = published(raw) if raw is not None else None
        carried = post is not None and raw is not None and raw.front == KINDS[kind][0]
        reached[carried] += 1

    check()
    assert reached[True], f"no {kind} {suffix} file reached a renderer: {reached}"
