"""The address map (docs/reference.md §6.1): one spelling of every address."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from feeds import routes
from feeds.routes import Route


@pytest.mark.parametrize(("path", "route"), [
    ("", Route("home")),
    ("about", Route("about")),
    ("about.json", Route("about-json")),
    ("feeds.opml", Route("opml")),
    ("feed.xsl", Route("xsl")),
    ("rss.xml", Route("feed", format="rss")),
    ("atom.xml", Route("feed", format="atom")),
    ("feed.json", Route("feed", format="json")),
    ("posts/hello/", Route("post", "hello")),
    ("tags/python/", Route("tag", "python")),
    ("tags/python/atom.xml", Route("tag", "python", format="atom")),
    ("authors/ann/feed.json", Route("author", "ann", format="json")),
    ("archive/12/rss.xml", Route("archive", number=12, format="rss")),
    ("rss.html", Route("feed", format="rss", view=True)),
    ("tags/python/atom.html", Route("tag", "python", format="atom", view=True)),
    ("authors/ann/rss.html", Route("author", "ann", format="rss", view=True)),
    ("archive/2/atom.html", Route("archive", number=2, format="atom", view=True)),
])
def test_every_kind_of_address_is_read(path: str, route: Route) -> None:
    assert routes.parse(path) == route


@pytest.mark.parametrize("path", [
    "index.html", "posts/hello", "posts/hello/rss.xml", "posts//", "tags/python/x.xml",
    "archive/3/", "archive/٣/rss.xml", "archive/ 3/rss.xml", "archive/-1/rss.xml",
    "archive/x/rss.xml", "files/a.png", "a/b/c/d", "tags/a/b/rss.xml", "elsewhere/x/",
    "feed.html", "tags/python/feed.html", "posts/hello/rss.html", "archive/3/index.html",
])
def test_what_is_no_address_is_none(path: str) -> None:
    assert routes.parse(path) is None


@pytest.mark.parametrize("key", ["hello", "привет", "a b", "100%"])
def test_the_folders_written_are_the_addresses_read(key: str) -> None:
    for make, kind in ((routes.post_folder, "post"), (routes.tag_folder, "tag"),
                       (routes.author_folder, "author")):
        folder = unquote(make(key))
        assert routes.parse(folder) == Route(kind, key)  # type: ignore[arg-type]
        if kind != "post":
            for fmt in routes.FEED_FILES:
                assert routes.parse(unquote(routes.feed(make(key), fmt))) == \
                    Route(kind, key, format=fmt)  # type: ignore[arg-type]
    assert routes.parse(routes.feed(routes.archive_folder(7), "json")) == \
        Route("archive", number=7, format="json")


@pytest.mark.parametrize(("path", "view"), [
    ("rss.xml", "rss.html"), ("atom.xml", "atom.html"), ("tags/a/rss.xml", "tags/a/rss.html"),
    ("archive/2/atom.xml", "archive/2/atom.html"), ("feed.json", None), ("rss.html", None),
    ("posts/a/rss.xml", None), ("", None), ("about", None),
])
def test_rss_and_atom_have_a_page_for_people(path: str, view: str | None) -> None:
    assert routes.view_of(path) == view
    if view is not None:
        assert routes.parse(view) == Route(**{**routes.parse(path).__dict__, "view": True})  # type: ignore[union-attr]
