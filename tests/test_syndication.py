"""RSS and Atom through feedgen: each workaround of feeds.render.syndication
has a test here that fails without it. JSON Feed is checked against its schema."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import jsonschema
import podcastparser
from lxml import etree

from feeds.model import Author, Enclosure, Image, Post
from feeds.normalize.blog import default_blog
from feeds.render.channel import blog_channel
from feeds.render.jsonfeed import render_json
from feeds.render.syndication import render_atom, render_rss

ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())
ANN = Author("ann", "Ann Example", "ann@example.org")
BO = Author("bo", "Bo Example", None, "https://bo.example.org/")
BLOG = default_blog("https://blog.example.org/", title="Test Blog", description="About it.",
                    about_html="<p>About it.</p>", default_authors=(ANN,))


def make_post(slug: str, day: int, **changes: object) -> Post:
    date = datetime(2024, 5, day, 8, 0, tzinfo=UTC)
    base = Post(path=f"{slug}.md", slug=slug, id=f"tag:blog.example.org,2024-05-{day:02}:{slug}",
                title=slug.title(), date=date, updated=date, authors=(ANN,), tags=("sea",),
                summary=f"About {slug}.", content_html=f"<p>About {slug}.</p>",
                url=f"https://blog.example.org/posts/{slug}/")
    return replace(base, **changes)  # type: ignore[arg-type]


POSTS = (make_post("newest", 3, updated=datetime(2024, 6, 1, tzinfo=UTC)),
         make_post("middle", 2), make_post("oldest", 1))


def rss_items(data: bytes) -> list[etree._Element]:
    return etree.fromstring(data).findall("channel/item")


def test_entries_keep_our_order_newest_first() -> None:  # trap 1: add_entry prepends
    channel = blog_channel(BLOG, POSTS)
    assert [i.findtext("title") for i in rss_items(render_rss(channel))] == \
        ["Newest", "Middle", "Oldest"]
    entries = etree.fromstring(render_atom(channel)).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Newest", "Middle", "Oldest"]


def test_document_date_is_the_newest_update_not_now() -> None:  # trap 2
    channel = blog_channel(BLOG, POSTS)
    rss = etree.fromstring(render_rss(channel))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 01 Jun 2024 00:00:00 +0000"
    atom = etree.fromstring(render_atom(channel))
    assert atom.findtext(f"{ATOM}updated") == "2024-06-01T00:00:00+00:00"


def test_same_posts_give_the_same_bytes() -> None:
    channel = blog_channel(BLOG, POSTS)
    for render in (render_rss, render_atom, render_json):
        assert render(channel) == render(blog_channel(BLOG, POSTS))


def test_dates_are_written_in_utc() -> None:  # trap 3: feedgen takes the zone as given
    plus_two = datetime(2024, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    channel = blog_channel(BLOG, (make_post("zoned", 1, date=plus_two, updated=plus_two),))
    assert rss_items(render_rss(channel))[0].findtext("pubDate") == \
        "Wed, 01 May 2024 08:00:00 +0000"
    entry = etree.fromstring(render_atom(channel)).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}published") == "2024-05-01T08:00:00+00:00"


def test_rss_channel_link_is_the_home_page() -> None:  # trap 4: last link() wins
    rss = etree.fromstring(render_rss(blog_channel(BLOG, POSTS)))
    assert rss.findtext("channel/link") == "https://blog.example.org/"
    self_link = rss.find(f"channel/{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.attrib == {"href": "https://blog.example.org/rss.xml", "rel": "self",
                                "type": "application/rss+xml"}


def test_feeds_link_their_page_for_people_and_keep_the_site_as_their_link() -> None:
    """RSS: `atom:link rel="alternate"` before `<link>` (feedparser keeps the last HTML
    alternate as the site); Atom: `related`, its one HTML alternate being the site."""
    rss, atom = render_rss(blog_channel(BLOG, POSTS)), render_atom(blog_channel(BLOG, POSTS))
    view = etree.fromstring(rss).find(f"channel/{ATOM}link[@rel='alternate']")
    assert view is not None and view.attrib == {
        "href": "https://blog.example.org/rss.html", "rel": "alternate", "type": "text/html"}
    related = etree.fromstring(atom).findall(f"{ATOM}link[@type='text/html']")
    assert [(link.get("rel"), link.get("href")) for link in related] == [
        ("alternate", "https://blog.example.org/"),
        ("related", "https://blog.example.org/atom.html")]
    for body in (rss, atom):
        assert feedparser.parse(body).feed.link == "https://blog.example.org/"


def test_atom_entry_links_keep_rel_type_and_length() -> None:  # trap 5: upstream issue 135
    post = make_post("pod", 1, enclosures=(
        Enclosure("https://blog.example.org/files/a.mp3", "audio/mpeg", 1234),
        Enclosure("https://blog.example.org/files/b.pdf", "application/pdf", 99)))
    entry = etree.fromstring(render_atom(blog_channel(BLOG, (post,)))).find(f"{ATOM}entry")
    assert entry is not None
    links = [dict(link.attrib) for link in entry.findall(f"{ATOM}link")]
    assert links == [
        {"rel": "alternate", "type": "text/html", "href": post.url},
        {"rel": "enclosure", "type": "audio/mpeg", "length": "1234",
         "href": "https://blog.example.org/files/a.mp3"},
        {"rel": "enclosure", "type": "application/pdf", "length": "99",
         "href": "https://blog.example.org/files/b.pdf"},
    ]
    parsed = feedparser.parse(render_atom(blog_channel(BLOG, (post,))))
    assert [e.length for e in parsed.entries[0].enclosures] == ["1234", "99"]
    item = rss_items(render_rss(blog_channel(BLOG, (post,))))[0]
    assert item.find("enclosure").attrib == {  # type: ignore[union-attr]
        "url": "https://blog.example.org/files/a.mp3", "length": "1234", "type": "audio/mpeg"}


def test_rss_authors_are_one_joined_dc_creator() -> None:  # trap 8
    posts = (make_post("one", 3), make_post("two", 2, authors=(ANN, BO)),
             make_post("noemail", 1, authors=(BO,)))
    data = render_rss(blog_channel(BLOG, posts))
    items = rss_items(data)
    dc = "{http://purl.org/dc/elements/1.1/}creator"
    assert [i.find("author") for i in items] == [None, None, None]
    assert [[c.text for c in i.findall(dc)] for i in items] == \
        [["Ann Example"], ["Ann Example, Bo Example"], ["Bo Example"]]
    assert b"ann@example.org" not in data  # the address stays in Atom and JSON Feed
    parsed = feedparser.parse(data)
    assert [e.author for e in parsed.entries] == \
        ["Ann Example", "Ann Example, Bo Example", "Bo Example"]
    assert all("email" not in e.author_detail for e in parsed.entries)


def test_atom_keeps_one_author_per_person() -> None:
    posts = (make_post("two", 2, authors=(ANN, BO)),)
    entry = etree.fromstring(render_atom(blog_channel(BLOG, posts))).find(f"{ATOM}entry")
    assert entry is not None
    assert [(a.findtext(f"{ATOM}name"), a.findtext(f"{ATOM}email"))
            for a in entry.findall(f"{ATOM}author")] == \
        [("Ann Example", "ann@example.org"), ("Bo Example", None)]


def test_lead_image_is_a_thumbnail_only_never_an_episode() -> None:
    image = Image("https://blog.example.org/files/p.png", "The pier", "image/png")
    post = make_post("pic", 1, image=image, enclosures=(
        Enclosure("https://blog.example.org/files/a.mp3", "audio/mpeg", 1234),))
    channel = blog_channel(BLOG, (post,))
    for data in (render_rss(channel), render_atom(channel)):
        assert b"media:content" not in data and b"media:description" not in data
        entry = feedparser.parse(data).entries[0]
        assert entry.media_thumbnail == [{"url": image.url}]
        assert entry.summary == "About pic."  # no caption in the place of the summary
        assert [e.href for e in entry.enclosures] == ["https://blog.example.org/files/a.mp3"]
    episode = podcastparser.parse(BLOG.url("rss.xml"), io.BytesIO(render_rss(channel)))
    [only] = episode["episodes"]
    assert [e["url"] for e in only["enclosures"]] == ["https://blog.example.org/files/a.mp3"]
    assert only["episode_art_url"] == image.url
    assert only["description"] == "About pic."


def test_lead_image_and_language_in_every_format() -> None:
    post = make_post("pic", 1, lang="nb", image=Image("https://blog.example.org/files/p.png",
                                                      "Cranes & boats", "image/png"))
    channel = blog_channel(BLOG, (post,))
    html = '<figure><img src="https://blog.example.org/files/p.png" alt="Cranes &amp; boats">'
    assert html in rss_items(render_rss(channel))[0].findtext(
        "{http://purl.org/rss/1.0/modules/content/}encoded", "")
    entry = etree.fromstring(render_atom(channel)).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "nb"
    item = json.loads(render_json(channel))["items"][0]
    assert item["image"] == post.image.url  # type: ignore[union-attr]
    assert item["_feeds"] == {"image_caption": "Cranes & boats"}
    assert item["language"] == "nb"


def test_json_feed_is_valid_and_complete() -> None:
    post = make_post("pod", 1, authors=(ANN, BO), link="https://elsewhere.example/p",
                     enclosures=(Enclosure("https://blog.example.org/files/a.mp3",
                                           "audio/mpeg", 1234),))
    document = json.loads(render_json(blog_channel(BLOG, (*POSTS, post))))
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == "https://blog.example.org/feed.json"
    assert [i["id"] for i in document["items"]][:1] == [POSTS[0].id]
    item = document["items"][-1]
    assert item["authors"] == [{"name": "Ann Example", "url": "mailto:ann@example.org"},
                               {"name": "Bo Example", "url": "https://bo.example.org/"}]
    # JSON Feed 1.0's deprecated `author`, for readers such as atoma that know no other
    assert item["author"] == item["authors"][0]
    assert document["author"] == document["authors"][0] == {
        "name": "Ann Example", "url": "mailto:ann@example.org"}
    assert item["external_url"] == "https://elsewhere.example/p"
    assert item["attachments"] == [{"url": "https://blog.example.org/files/a.mp3",
                                    "mime_type": "audio/mpeg", "size_in_bytes": 1234}]
    assert item["date_published"] == "2024-05-01T08:00:00Z"


def test_same_updated_instant_is_written_distinctly_for_the_validator() -> None:
    posts = tuple(make_post(slug, 2) for slug in ("first", "second", "third"))
    entries = etree.fromstring(render_atom(blog_channel(BLOG, posts))).findall(f"{ATOM}entry")
    texts = [e.findtext(f"{ATOM}updated") for e in entries]
    assert texts == ["2024-05-02T08:00:00+00:00", "2024-05-02T08:00:00Z",
                     "2024-05-02T08:00:00.0Z"]
    parsed = feedparser.parse(render_atom(blog_channel(BLOG, posts))).entries
    assert len({e.updated_parsed for e in parsed}) == 1  # the same instant, every time


def test_a_post_without_a_body_has_no_blank_content() -> None:
    """An empty body (a page of front matter only) would be `<content type="html"/>`,
    which the W3C validator warns about: the summary and the page link stand for it."""
    empty = make_post("empty", 4, content_html="")
    channel = blog_channel(BLOG, (empty, *POSTS))
    entries = etree.fromstring(render_atom(channel)).findall(f"{ATOM}entry")
    assert entries[0].find(f"{ATOM}content") is None
    assert entries[0].findtext(f"{ATOM}summary") == "About empty."
    assert [(link.get("rel"), link.get("href")) for link in entries[0].findall(f"{ATOM}link")] \
        == [("alternate", "https://blog.example.org/posts/empty/")]
    assert entries[1].find(f"{ATOM}content") is not None
    content = "{http://purl.org/rss/1.0/modules/content/}encoded"
    items = rss_items(render_rss(channel))
    assert items[0].find(content) is None and items[1].find(content) is not None
    parsed = feedparser.parse(render_atom(channel))
    assert not parsed.bozo and parsed.entries[0].summary == "About empty."
