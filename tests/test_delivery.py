"""docs/reference.md §6.2: conditional GET, compression, methods; documents prepared once."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import brotli
import pytest

from feeds.render.document import Document
from feeds.web.delivery import Prepared, choose_encoding, entity_tags

LAST = datetime(2024, 5, 2, 8, 0, 0, 500000, tzinfo=UTC)
BODY = b"<rss>" + b"x" * 2000 + b"</rss>"
PREPARED = Prepared(Document.of(BODY, "application/rss+xml; charset=utf-8", LAST, "feed"),
                    [("Cache-Control", "public, max-age=300")])
ETAG = PREPARED.variant(None).etag


def respond(**headers: str) -> tuple[str, dict[str, str], bytes]:
    environ = {f"HTTP_{k.upper()}": v for k, v in headers.items()}
    status, header_list, body = PREPARED.respond(environ)
    return status, dict(header_list), body


def test_identity_gzip_and_brotli_bodies_with_their_own_etags() -> None:
    status, headers, body = respond()
    assert (status, body) == ("200 OK", BODY)
    assert headers["ETag"] == ETAG and "Content-Encoding" not in headers
    assert headers["Vary"] == "Accept-Encoding"
    _, headers, body = respond(accept_encoding="gzip, deflate")
    assert gzip.decompress(body) == BODY and headers["Content-Encoding"] == "gzip"
    assert headers["ETag"] == ETAG[:-1] + '-gzip"'
    assert headers["Content-Length"] == str(len(body))
    _, headers, body = respond(accept_encoding="gzip, br")
    assert brotli.decompress(body) == BODY and headers["Content-Encoding"] == "br"


def test_compressed_once_and_deterministic() -> None:
    again = Prepared(PREPARED.document, [])
    assert again.variant("gzip").body == PREPARED.variant("gzip").body
    assert PREPARED.respond({"HTTP_ACCEPT_ENCODING": "gzip"})[2] is \
        PREPARED.variant("gzip").body


def test_compressed_only_when_asked_for_but_every_etag_known() -> None:
    fresh = Prepared(PREPARED.document, [], "application/xml")
    assert fresh.respond({"HTTP_ACCEPT_ENCODING": "gzip"})[0] == "200 OK"
    assert set(fresh._bodies) == {None, "gzip"}  # brotli not made for a gzip poller
    # a brotli client's ETag validates before its body was ever made
    tag = ETAG[:-1] + '-x-br"'
    assert fresh.respond({"HTTP_IF_NONE_MATCH": tag, "HTTP_ACCEPT_ENCODING": "br"})[0] \
        == "304 Not Modified"
    assert "br" not in fresh._bodies  # a 304 needs no body
    assert brotli.decompress(fresh.variant("br", browser=True).body) == BODY


ENCODINGS = [
    ("", None), ("identity", None), ("gzip", "gzip"), ("GZIP", "gzip"), ("br", "br"),
    ("gzip;q=0, br;q=0", None), ("br;q=0, gzip", "gzip"), ("*", "br"), ("*;q=0", None),
    ("gzip;q=0.5", "gzip"), ("gzip;q=nonsense", None), ("deflate", None),
]


@pytest.mark.parametrize(("accept", "chosen"), ENCODINGS)
def test_choose_encoding(accept: str, chosen: str | None) -> None:
    assert choose_encoding(accept, PREPARED.codings) == chosen


CONDITIONAL = [
    # (request headers, expected status)
    ({"if_none_match": ETAG}, "304 Not Modified"),
    ({"if_none_match": "W/" + ETAG}, "304 Not Modified"),  # weak comparison
    ({"if_none_match": f'"other", {ETAG}'}, "304 Not Modified"),
    ({"if_none_match": ETAG[:-1] + '-gzip"'}, "304 Not Modified"),  # the gzip variant's tag
    ({"if_none_match": "*"}, "304 Not Modified"),
    ({"if_none_match": '"other"'}, "200 OK"),
    ({"if_none_match": "garbage"}, "200 OK"),  # not an entity tag: ignored
    ({"if_none_match": ETAG.strip('"')}, "200 OK"),
    ({"if_modified_since": "Thu, 02 May 2024 08:00:00 GMT"}, "304 Not Modified"),
    ({"if_modified_since": "Fri, 03 May 2024 00:00:00 GMT"}, "304 Not Modified"),
    ({"if_modified_since": "Thu, 02 May 2024 07:59:59 GMT"}, "200 OK"),
    ({"if_modified_since": "yesterday"}, "200 OK"),  # garbage: ignored
    ({"if_modified_since": "Thu, 02 May 2024 08:00:00"}, "200 OK"),  # no zone: ignored
    # If-None-Match wins over If-Modified-Since, both ways
    ({"if_none_match": '"other"', "if_modified_since": "Fri, 03 May 2024 00:00:00 GMT"},
     "200 OK"),
    ({"if_none_match": ETAG, "if_modified_since": "Mon, 01 Jan 2001 00:00:00 GMT"},
     "304 Not Modified"),
]


@pytest.mark.parametrize(("headers", "status"), CONDITIONAL, ids=[str(r[0]) for r in CONDITIONAL])
def test_conditional_requests(headers: dict[str, str], status: str) -> None:
    assert respond(**headers)[0] == status


def test_304_keeps_etag_cache_control_vary_and_has_no_body() -> None:
    status, headers, body = respond(if_none_match=ETAG, accept_encoding="gzip")
    assert (status, body) == ("304 Not Modified", b"")
    assert headers["ETag"] == ETAG[:-1] + '-gzip"'
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["Vary"] == "Accept-Encoding"
    assert "Content-Length" not in headers and "Content-Type" not in headers


def test_entity_tags() -> None:
    assert entity_tags('W/"a", "b" ,garbage, *') == {"a", "b", "*"}


# The `client` fixture (conftest.py) serves these posts in every test of this module.
pytestmark = pytest.mark.posts({
    "2024-01-01-a.md": "---\ntitle: A\n---\n" + "Words. " * 100,
    "images/x.svg": "<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>",
    "2024-01-02-Привет.md": "---\ntitle: Hello\n---\nx\n",
}, blog="---\ntitle: T\nlink: https://blog.example.org/\nhub: https://hub.example/\n---\n")


def test_the_app_sends_documents_with_every_header(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/rss.xml", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Link"] == ('<https://hub.example/>; rel="hub", '
                                        '<https://blog.example.org/rss.xml>; rel="self"')
    assert b'rel="hub"' in gzip.decompress(response.data)
    again = client.get("/rss.xml", headers={"If-None-Match": response.headers["ETag"],
                                            "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and again.data == b""
    assert client.head("/atom.xml").data == b""
    assert client.post("/atom.xml").status_code == 405
    assert client.open("/atom.xml", method="OPTIONS").status_code == 405
    assert client.get("/posts/%D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82/").status_code == 200


def test_assets_can_never_run_as_our_pages(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/files/images/x.svg")
    response.close()
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("image/svg+xml")
    assert response.headers["Content-Disposition"] == "attachment"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get("/files/" + "a" * 300 + ".png").status_code == 404


def test_a_document_is_prepared_once_however_often_it_is_asked_for(client) -> None:  # type: ignore[no-untyped-def]
    state = client.application.extensions["feeds"]
    for _ in range(5):
        client.get("/rss.xml")
        client.get("/rss.xml", headers={"Accept-Encoding": "gzip"})
    assert state.renders == 1
    assert state.served().prepared("rss.xml") is state.served().prepared("rss.xml")


def test_a_navigation_gets_the_view_made_once_on_first_need() -> None:
    made: list[Prepared] = []
    page = Document.of(b"<!doctype html>" + b"v" * 300, "text/html; charset=utf-8", LAST, "page")

    def make() -> Prepared:
        made.append(Prepared(page, [], vary="Sec-Fetch-Dest"))
        return made[-1]

    feed = Prepared(PREPARED.document, [], "application/xml", make, "Sec-Fetch-Dest")
    for environ in ({}, {"HTTP_ACCEPT": "text/html"}, {"HTTP_SEC_FETCH_DEST": "empty"},
                    {"HTTP_SEC_FETCH_MODE": "no-cors"}):
        assert feed.respond(environ)[2] == BODY
    assert not made  # pollers never pay for the page
    for environ in ({"HTTP_SEC_FETCH_DEST": "document"}, {"HTTP_SEC_FETCH_MODE": "Navigate"}):
        status, headers, body = feed.respond(environ)
        assert (status, body) == ("200 OK", page.body)
        assert dict(headers)["Content-Type"].startswith("text/html")
    assert len(made) == 1


def test_answers_are_kept_per_request_and_version(  # type: ignore[no-untyped-def]
        client, posts) -> None:
    """A poller's request is answered from the answers kept for its version: the same
    bytes as the first time, per method and header values; a new version starts afresh."""
    state = client.application.extensions["feeds"]
    first = client.get("/rss.xml", headers={"Accept-Encoding": "gzip"})
    again = client.get("/rss.xml", headers={"Accept-Encoding": "gzip"})
    assert again.data == first.data and again.headers == first.headers
    assert client.head("/rss.xml", headers={"Accept-Encoding": "gzip"}).data == b""
    assert client.get("/rss.xml").data == gzip.decompress(first.data)
    etag = first.headers["ETag"]
    assert client.get("/rss.xml", headers={"If-None-Match": etag,
                                           "Accept-Encoding": "gzip"}).status_code == 304
    kept = state.served().answers
    assert len(kept) == 4
    (posts / "2024-01-03-b.md").write_text("---\ntitle: Brand New\n---\nB.\n")
    state.live.reload()
    assert state.served().answers == {}
    newer = client.get("/rss.xml", headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert newer.status_code == 200 and b"Brand New" in gzip.decompress(newer.data)


def test_few_answers_are_kept_and_none_for_long_headers(client) -> None:  # type: ignore[no-untyped-def]
    state = client.application.extensions["feeds"]
    for number in range(300):  # junk a client may send: answered, not all kept
        assert client.get("/atom.xml", headers={"Accept": f"x/{number}"}).status_code == 200
    assert len(state.served().answers) == 256
    state.served().answers.clear()
    client.get("/atom.xml", headers={"If-None-Match": '"' + "x" * 3000 + '"'})
    assert state.served().answers == {}
