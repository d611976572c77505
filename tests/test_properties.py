"""Proof beyond examples (hypothesis): any text in any field of a post keeps every
document well-formed and valid, and the post is published or rejected on its own.

More examples: FEEDS_HYPOTHESIS_EXAMPLES=5000 pytest tests/test_properties.py
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from feeds.errors import FeedsError
from feeds.model import Author, Blog
from feeds.normalize.post import Context, normalize_post
from feeds.render.channel import blog_channel
from feeds.render.jsonfeed import render_json
from feeds.render.syndication import render_atom, render_rss
from feeds.sources import RawPost, split

EXAMPLES = int(os.environ.get("FEEDS_HYPOTHESIS_EXAMPLES", "150"))
SCHEMA = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())
STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
ANN = Author("ann", "Ann Example", "ann@example.org")
BLOG = Blog(title="T", base_url="https://blog.example.org/", description="d", about_html="",
            default_authors=(ANN,), registry=((ANN, ()),), id_authority="blog.example.org")
CTX = Context.of(BLOG, frozenset({"images/a.png"}), lambda _: 10)
MTIME = datetime(2023, 6, 1, tzinfo=UTC)
GOOD = normalize_post(split("---\ntitle: Good\ndate: 2024-01-01\n---\nFine.\n", "good.md",
                            MTIME), CTX)[0]
# Every code point, controls and lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=200)
FIELDS = ["title", "summary", "author", "image_caption", "slug", "id", "link", "lang", "date",
          "updated", "tags", "categories", "image"]
SUFFIXES = [".md", ".txt", ".html", ".markdown"]


def check_documents(posts: tuple) -> None:  # type: ignore[type-arg]
    channel = blog_channel(BLOG, posts)
    for render in (render_rss, render_atom):
        etree.fromstring(render(channel), STRICT)
    document = json.loads(render_json(channel))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=ANY_TEXT, body=ANY_TEXT,
       suffix=st.sampled_from(SUFFIXES))
def test_any_text_in_any_field_keeps_documents_well_formed(field: str, value: str, body: str,
                                                           suffix: str) -> None:
    meta = {"title": "T", "date": "2024-01-02", field: value}
    raw = RawPost(f"p{suffix}", meta, {k: 2 for k in meta}, body, 5, MTIME, "yaml")
    try:
        post, _ = normalize_post(raw, CTX)
    except FeedsError:
        return  # rejected on its own: the other posts are untouched
    check_documents((post, GOOD))


@settings(max_examples=EXAMPLES, deadline=None)
@given(text=ANY_TEXT, suffix=st.sampled_from(SUFFIXES))
def test_any_file_text_is_published_or_rejected_alone(text: str, suffix: str) -> None:
    try:
        post, _ = normalize_post(split(text, f"2024-01-03-x{suffix}", MTIME,
                                       header_fields=frozenset(FIELDS)), CTX)
    except FeedsError:
        return
    check_documents((post, GOOD))
