"""Sending rendered documents over HTTP (SPEC §6.2), before Flask is involved.

Everything that can be computed once per document version is: the gzip and
brotli bodies, their ETags, and the header lists. Serving a cached document is
a dictionary lookup, a header comparison and a write. Anything that is not a
document (assets, /healthz, 404 pages) goes on to the Flask app.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from feeds.errors import NotFound
from feeds.render.site import Document

try:
    import brotli
except ImportError:  # brotli is optional: gzip only
    brotli = None

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
COMPRESSIBLE_MIN = 256
_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class Variant:
    """One representation of a document: its body, ETag and response headers."""

    body: bytes
    etag: str
    headers: list[tuple[str, str]]
    not_modified: list[tuple[str, str]]


def gzip_body(body: bytes) -> bytes:
    """The gzip twin of a body: the same bytes every time (no file name, no time).

    Level 6: within a few per cent of 9's size at a third of its time, which counts
    when an export compresses ten thousand pages."""
    return gzip.compress(body, compresslevel=6, mtime=0)


class Prepared:
    """A document ready to send in every encoding, with its validators.

    `browser_type`: a Content-Type for browsers (whose Accept starts with text/html):
    Chromium applies a feed's XSLT only to XML it is given as application/xml.
    """

    def __init__(self, document: Document, common: list[tuple[str, str]],
                 browser_type: str | None = None) -> None:
        self.document = document
        self.last_modified = document.last_modified
        self.vary = "Accept, Accept-Encoding" if browser_type else "Accept-Encoding"
        bodies: dict[str | None, bytes] = {None: document.body}
        if len(document.body) >= COMPRESSIBLE_MIN:
            bodies["gzip"] = gzip_body(document.body)
            if brotli is not None:
                bodies["br"] = brotli.compress(document.body)
        self.variants = {coding: self._variant(body, coding, common, document.content_type, "")
                         for coding, body in bodies.items()}
        self.browser = {coding: self._variant(body, coding, common, browser_type, "-x")
                        for coding, body in bodies.items()} if browser_type else self.variants
        self.etags = {v.etag.strip('"') for v in [*self.variants.values(),
                                                   *self.browser.values()]}

    def _variant(self, body: bytes, encoding: str | None, common: list[tuple[str, str]],
                 content_type: str, mark: str) -> Variant:
        suffix = f"-{encoding}" if encoding else ""
        etag = f'"{self.document.etag}{mark}{suffix}"'
        validators = [("ETag", etag), ("Vary", self.vary), *common]
        if self.last_modified is not None:
            validators.append(("Last-Modified", format_datetime(self.last_modified, usegmt=True)))
        headers = [("Content-Type", content_type),
                   ("Content-Length", str(len(body))), *validators]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        return Variant(body, etag, headers, validators)

    def respond(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for a GET or HEAD request."""
        variants = self.browser if environ.get("HTTP_ACCEPT", "").startswith("text/html") \
            else self.variants
        coding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""), variants)
        variant = variants.get(coding, variants[None])
        if self._not_modified(environ):
            return "304 Not Modified", variant.not_modified, b""
        return "200 OK", variant.headers, variant.body

    def _not_modified(self, environ: dict[str, Any]) -> bool:
        """If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
        tags = entity_tags(environ.get("HTTP_IF_NONE_MATCH", ""))
        if tags:  # a header with no entity tag in it is garbage: ignored
            return bool(tags & (self.etags | {"*"}))
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        if since is None or self.last_modified is None:
            return False
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError, IndexError):
            return False  # a garbage date is ignored
        if when.tzinfo is None:
            return False
        return self.last_modified.replace(microsecond=0) <= when


def entity_tags(header: str) -> set[str]:
    """The opaque tags of an If-None-Match header, W/ dropped (weak comparison)."""
    tags = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/")
        if tag == "*" or (len(tag) >= 2 and tag[0] == tag[-1] == '"'):
            tags.add(tag.strip('"') if tag != "*" else "*")
    return tags


def choose_encoding(accept: str, available: Mapping[str | None, Variant]) -> str | None:
    """The best content coding the client accepts: br, then gzip, else none."""
    if not accept:
        return None
    weights: dict[str, float] = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        weights[name.strip()] = _quality(params)
    for coding in ("br", "gzip"):
        if coding in available and weights.get(coding, weights.get("*", 0.0)) > 0:
            return coding
    return None


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


class FastPath:
    """WSGI middleware: documents from the cache, everything else to `fallback`."""

    def __init__(self, fallback: WSGIApp, lookup: Callable[[str], Prepared]) -> None:
        self.fallback = fallback
        self.lookup = lookup

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        try:  # WSGI gives the path's bytes as Latin-1; our slugs may be any script
            path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8")
            prepared = self.lookup(path[1:]) if path.startswith("/") else None
        except (NotFound, UnicodeError):
            prepared = None
        if prepared is None:
            return self.fallback(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in _METHODS:
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"),
                                                      ("Content-Length", "0")])
            return [b""]
        status, headers, body = prepared.respond(environ)
        start_response(status, headers)
        return [b""] if method == "HEAD" else [body]
