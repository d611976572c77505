"""A folder of rough posts (tests/rough/, written without reading the code) is read
exactly as its expectations say: good posts normalised per docs/reference.md §4, each bad one
named by an error, ignored files ignored, and every document still valid."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from conftest import FakeClock
from lxml import etree, html

from feeds.errors import Severity
from feeds.library import Library, Options
from feeds.normalize.dates import rfc3339
from feeds.render.site import Site

ROUGH = Path(__file__).parent / "rough"
EXPECTED = yaml.safe_load((ROUGH / "expected.yaml").read_text())
FILES = sorted(k for k in EXPECTED if k != "_blog")


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    posts = tmp_path_factory.mktemp("rough") / "posts"
    shutil.copytree(ROUGH / "posts", posts, symlinks=True)
    return Library(Options(posts), FakeClock(datetime(2026, 1, 1, tzinfo=UTC)))


@pytest.mark.parametrize("path", FILES)
def test_each_rough_file(library: Library, path: str) -> None:
    expected = EXPECTED[path]
    errors = [p for p in library.problems if p.path == path and p.severity is Severity.ERROR]
    post = next((p for p in (*library.loaded.posts, *library.loaded.drafts)
                 if p.path == path), None)
    if "error" in expected:
        assert post is None and errors, f"{path} should be rejected"
        assert any(expected["error"].lower() in e.message.lower() for e in errors), errors
        if expected.get("line") is not None:
            assert any(e.line == expected["line"] for e in errors), errors
    elif expected.get("ignored"):
        assert post is None and not [p for p in library.problems if p.path == path]
    elif expected.get("published") is False:
        assert post is not None and post not in library.snapshot().posts
    else:
        assert not errors, errors
        assert post is not None
        assert post.title == expected["title"]
        assert rfc3339(post.date) == expected["date"]
        assert [a.name for a in post.authors] == expected["authors"]
        assert list(post.tags) == expected["tags"]
        warnings = [p.message for p in library.problems if p.path == path]
        assert "warning" not in expected or any(expected["warning"] in w for w in warnings)


def test_the_blog_description_comes_from_a_saved_page(library: Library) -> None:
    assert library.snapshot().blog.description == EXPECTED["_blog"]["description"]


def test_every_document_of_the_rough_blog_is_valid(library: Library) -> None:
    site = Site(library.snapshot())
    checked: dict[str, int] = {}
    for path in site.addresses():
        body = site.document(path).body
        kind = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else "page"
        kind = "page" if kind == "html" else kind  # a feed's page for people
        if kind in ("xml", "xsl", "opml"):
            etree.fromstring(body, etree.XMLParser(recover=False, resolve_entities=False))
        elif kind == "json":
            json.loads(body)
        else:  # a page: HTML with its title, every byte decoded
            page = html.document_fromstring(body.decode("utf-8"))
            assert page.findtext(".//title"), path
        checked[kind] = checked.get(kind, 0) + 1
    assert set(checked) == {"xml", "xsl", "opml", "json", "page"}
    assert checked["page"] > 2
