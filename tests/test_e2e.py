"""The real path: `feeds serve` (gunicorn) on loopback, read by real parsers.

Every address of the sample blog is fetched over HTTP; the feeds are read by
feedparser (bozo 0), lxml (no recovery) and the JSON Feed schema, and their
entries' fields are checked, not only the status codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import jsonschema
import pytest
from conftest import SAMPLE, Server, copy_sample, running
from lxml import etree

pytestmark = pytest.mark.e2e
SCHEMA = json.loads((Path(__file__).parent / "data/jsonfeed-1.1.schema.json").read_text())
STRICT_XML = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)
BASE = "http://127.0.0.1:8000/"
# What the sample blog publishes, newest first (docs/reference.md §4: dates in UTC).
EXPECTED = [
    ("harbour-light-radio-lifting-day", "Harbour Light Radio 2: Lifting Day",
     "2025-10-04T06:00:00Z", ["Lars Vik"]),
    ("last-race-of-the-summer", "The Last Race of the Summer", "2025-09-27T15:05:00Z",
     ["Tomás Ek"]),
    ("harbour-light-radio-the-morning-report", "Harbour Light Radio 1: The Morning Report",
     "2025-04-12T05:30:00Z", ["Lars Vik"]),
    ("harbour-light-radio-is-coming", "Harbour Light Radio Is Coming",
     "2025-04-05T07:00:00Z", ["Lars Vik"]),
    ("spring-tides-and-a-new-season", "Spring Tides and a New Season",
     "2025-03-07T23:00:00Z", ["Ingrid Solberg"]),
    ("winter-haul-out-checklist", "Winter Haul-Out Checklist",
     "2024-11-23T09:00:00Z", ["Amara Okafor", "Lars Vik"]),
    ("the-gale-warning-now-in-sound", "The Gale Warning, Now in Sound",
     "2024-10-19T16:40:00Z", ["Lars Vik"]),
    ("what-the-logger-writes-down", "What the Logger Actually Writes Down",
     "2024-09-14T06:00:00Z", ["Amara Okafor"]),
    ("club-night-knots-clouds-and-cinnamon-buns", "Club Night: Knots, Clouds and Cinnamon Buns",
     "2024-08-03T17:45:00Z",
     ["Ingrid Solberg", "Tomás Ek"]),
    ("why-the-barometer-hangs-by-the-door", "Why the Barometer Hangs by the Door",
     "2024-07-10T09:30:00Z", ["Tomás Ek"]),
    ("fog-week", "Fog Week", "2024-06-01T19:30:00Z", ["Amara Okafor"]),
    ("opening-race", "Opening Race: Light Airs and Heavy Sandwiches",
     "2024-05-25T13:40:00Z", ["Lars Vik"]),
    ("how-to-read-the-tide-board", "How to Read the Tide Board on the Quay",
     "2024-05-02T15:20:00Z", ["Tomás Ek"]),
    ("new-anemometer", "A New Anemometer for the Mast", "2024-04-06T06:15:00Z",
     ["Ingrid Solberg"]),
    ("ten-winters-on-the-breakwater", "Ten Winters on the Breakwater",
     "2024-03-17T23:00:00Z", ["Ingrid Solberg"]),
]


@pytest.fixture(scope="module", params=["granian", "gunicorn"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("e2e")
    with running(copy_sample(tmp / "posts"), tmp, BASE, server=request.param) as started:
        yield started


def _iso(parsed: object) -> str:
    return datetime(*parsed[:6], tzinfo=UTC).isoformat().replace("+00:00", "Z")  # type: ignore[index, misc]


def test_every_address_answers(server: Server) -> None:
    pages = ["/", "/about", "/about.json", "/rss.xml", "/atom.xml", "/feed.json", "/healthz",
             "/files/images/anemometer.png", "/files/audio/gale-warning.wav"]
    pages += [f"/posts/{slug}/" for slug, *_ in EXPECTED]
    for path in pages:
        status, headers, body = server.get(path)
        assert status == 200, path
        assert body, path
        assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(("path", "kind"), [("/rss.xml", "rss20"), ("/atom.xml", "atom10")])
def test_xml_feeds_read_by_feedparser_and_lxml(server: Server, path: str, kind: str) -> None:
    status, headers, body = server.get(path)
    assert status == 200
    assert headers["Content-Type"].endswith("; charset=utf-8")
    etree.fromstring(body, STRICT_XML)
    feed = feedparser.parse(body)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == kind
    assert feed.feed.title == "Harbour Light"
    assert feed.feed.link == BASE
    assert [e.link for e in feed.entries] == [f"{BASE}posts/{slug}/" for slug, *_ in EXPECTED]
    for entry, (slug, title, date, authors) in zip(feed.entries, EXPECTED, strict=True):
        assert entry.id.startswith("tag:harbourlight.example.org,") and entry.id.endswith(slug)
        assert entry.title == title
        assert _iso(entry.published_parsed) == date
        names = [a.get("name") for a in entry.get("authors", [])]
        assert names == authors or names == [", ".join(authors)]  # RSS joins dc:creator
        assert entry.summary and entry.content[0].value
    first = feed.entries[0]
    assert [t.term for t in first.tags] == ["community", "sailing"]


def test_json_feed_is_valid_and_matches(server: Server) -> None:
    _status, headers, body = server.get("/feed.json")
    assert headers["Content-Type"] == "application/feed+json; charset=utf-8"
    document = json.loads(body)
    jsonschema.validate(document, SCHEMA, format_checker=jsonschema.FormatChecker())
    items = document["items"]
    assert [i["url"] for i in items] == [f"{BASE}posts/{slug}/" for slug, *_ in EXPECTED]
    for item, (_slug, title, date, authors) in zip(items, EXPECTED, strict=True):
        assert item["date_published"] == date
        assert [a["name"] for a in item["authors"]] == authors
        assert item["title"] == title


def test_content_is_safe_and_absolute(server: Server) -> None:
    feed = feedparser.parse(server.get("/atom.xml")[2])
    by_link = {e.link.rsplit("/", 2)[-2]: e for e in feed.entries}
    anemometer = by_link["new-anemometer"].content[0].value
    assert f'src="{BASE}files/images/anemometer.png"' in anemometer
    assert "<figcaption>" in anemometer
    race = by_link["opening-race"].content[0].value
    assert f'href="{BASE}posts/new-anemometer/"' in race  # a relative link, made absolute
    assert "<table>" in race and "<del>" in race
    gale = by_link["the-gale-warning-now-in-sound"]
    assert [(e.href, e.type, e.length) for e in gale.enclosures] == [
        (f"{BASE}files/audio/gale-warning.mp3", "audio/mpeg",
         str((SAMPLE / "audio/gale-warning.mp3").stat().st_size))]


def test_drafts_and_scheduled_posts_appear_nowhere(server: Server) -> None:
    for path in ["/", "/about", "/about.json", "/rss.xml", "/atom.xml", "/feed.json"]:
        body = server.get(path)[2].decode()
        assert "harbour-webcam" not in body and "Webcam" not in body
        assert "next-century" not in body.lower() and "Next Century" not in body
    assert server.get("/posts/ideas-for-a-harbour-webcam/")[0] == 404
    assert server.get("/posts/a-letter-to-the-next-century/")[0] == 404


def test_identical_bytes_and_etags_across_requests_and_restarts(
        server: Server, tmp_path: Path) -> None:
    first = {p: server.get(p) for p in ["/rss.xml", "/atom.xml", "/feed.json", "/"]}
    again = {p: server.get(p) for p in first}
    with running(SAMPLE, tmp_path, BASE, workers=1) as restarted:
        after = {p: restarted.get(p) for p in first}
    for path, (_, headers, body) in first.items():
        assert again[path][2] == body and after[path][2] == body, path
        assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
        assert again[path][1]["ETag"] == after[path][1]["ETag"] == headers["ETag"]


def test_conditional_get_gives_304(server: Server) -> None:
    _, headers, _ = server.get("/rss.xml")
    status, again, body = server.get("/rss.xml", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert again["ETag"] == headers["ETag"]
    assert "max-age=300" in again["Cache-Control"]
    status, _, _ = server.get("/rss.xml", {"If-Modified-Since": headers["Last-Modified"]})
    assert status == 304
    assert server.get("/rss.xml", {"If-None-Match": '"garbage'})[0] == 200


def test_headers_of_pages_and_feeds(server: Server) -> None:
    _, page, _ = server.get("/")
    assert "default-src 'none'" in page["Content-Security-Policy"]
    _, feed, _ = server.get("/atom.xml")
    assert feed["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert feed["Cache-Control"] == "public, max-age=300"
    assert feed["Last-Modified"] == "Sat, 04 Oct 2025 06:00:00 GMT"


@pytest.mark.parametrize("path", [
    "/nope", "/posts/nope/", "/files/../pyproject.toml", "/files/%2e%2e/pyproject.toml",
    "/files/..%2fpyproject.toml", "/files/_blog.md", "/files/2024-05-25-opening-race.md",
    "/files//etc/passwd", "/files/images/%00.png", "/posts/%2e%2e/", "/files/" + "a" * 3000,
])
def test_path_tricks_get_404(server: Server, path: str) -> None:
    status, _headers, body = server.get(path)
    assert status == 404
    assert b"<h1>404</h1>" in body
    assert b"Traceback" not in body


def test_other_methods_get_405_and_head_works(server: Server) -> None:
    assert server.get("/rss.xml", method="POST")[0] == 405
    assert server.get("/", method="DELETE")[0] == 405
    for path in ["/rss.xml", "/healthz", "/files/images/logo.png", "/nope"]:
        assert server.get(path, method="OPTIONS")[0] == 405, path
    status, headers, body = server.get("/rss.xml", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 1000


def test_healthz_names_no_files(server: Server) -> None:
    status, headers, body = server.get("/healthz")
    text = body.decode()
    assert status == 200 and text.startswith("ok\nposts: 15\nloaded: ")
    assert ".md" not in text and "no-store" in headers["Cache-Control"]


def test_the_request_host_never_reaches_a_document(blog: Path, serve) -> None:  # type: ignore[no-untyped-def]
    # No --base-url and no `link`: the documents' base is the bind address, never the
    # Host (or X-Forwarded-*) a request brings.
    posts = blog
    settings = posts / "_blog.md"
    settings.write_text(settings.read_text().replace("link: https://harbourlight.example.org/\n",
                                                     ""))
    server = serve(posts, give_base_url=False)
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Proto": "https", "Forwarded": "host=evil.example"}
    for path in ("/rss.xml", "/atom.xml", "/feed.json", "/", "/feeds.opml", "/posts/fog-week/"):
        status, _, plain = server.get(path)
        assert status == 200, path
        assert server.get(path, forged)[2] == plain, path
    feed = feedparser.parse(server.get("/atom.xml")[2])
    links = [feed.feed.link] + [link.href for entry in feed.entries for link in entry.links]
    assert len(links) > len(feed.entries) > 0
    assert [url for url in links if not url.startswith(server.base)] == []


@pytest.mark.parametrize("kind", ["granian", "gunicorn"])
def test_workers_start_with_the_feeds_rendered(blog: Path, serve, kind: str) -> None:  # type: ignore[no-untyped-def]
    server = serve(blog, BASE, server=kind)
    for path in ("/rss.xml", "/atom.xml", "/feed.json", "/") * 6:  # over both workers
        assert server.get(path)[0] == 200
    renders: dict[str, str] = {}  # worker -> its renders line
    with ThreadPoolExecutor(16) as pool:
        # Bursts of concurrent connections: one after another, the kernel may hand every
        # connection to the worker that is already awake (it did under gunicorn in CI).
        for _ in range(10):
            for body in pool.map(lambda _: server.get("/healthz")[2], range(32)):
                lines = dict(line.split(": ", 1) for line in body.decode().splitlines()[1:])
                renders[lines["worker"]] = lines["renders"]
            if len(renders) == 2:
                break
    assert list(renders.values()) == ["0", "0"]
