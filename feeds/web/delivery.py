"""Sending rendered documents over HTTP (docs/reference.md §6.2), before Flask is involved.

Everything that can be computed once per document version is: the gzip and
brotli bodies, their ETags, and the header lists. Serving a cached document is
a dictionary lookup, a header comparison and a write. Anything that is not a
document (assets, /healthz, 404 pages) goes on to the Flask app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from typing import Any

from isal import igzip

from feeds.errors import NotFound
from feeds.render.document import Document

try:
    import brotli
except ImportError:  # brotli is optional: gzip only
    brotli = None

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
COMPRESSIBLE_MIN = 256
BROTLI_QUALITY = 5
GZIP_LEVEL = 3  # ISA-L's highest
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

    ISA-L's deflate at its level 3: measured on the 11,180 documents (406 MB) of a
    10,000-post export, 1.8 s for 169 MB, where zlib's level 6 took 11.9 s for
    159 MB; an export compresses every document, a server each version's once."""
    return igzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def brotli_body(body: bytes) -> bytes:
    """The brotli twin of a body. Quality 5, not the default 11: measured on a 420 KB
    feed, 12 ms instead of 600 ms for 139 KB instead of 127 KB (gzip: 153 KB)."""
    assert brotli is not None
    return bytes(brotli.compress(body, quality=BROTLI_QUALITY))


class Prepared:
    """A document ready to send in every encoding, with its validators.

    Each encoding's body is compressed on the first request that asks for it: a
    poller that takes only gzip never pays for brotli, and a new version is served
    as soon as it is rendered. ETags do not depend on the compressed bytes, so all
    of them are known at once.
    `browser_type`: a Content-Type for browsers (whose Accept starts with text/html):
    Chromium applies a feed's XSLT only to XML it is given as application/xml.
    `view`: makes the document a browser's navigation gets instead (the feed's page for
    people), on the first navigation; `vary`: the Vary header, when not the default.
    """

    def __init__(self, document: Document, common: list[tuple[str, str]],
                 browser_type: str | None = None, view: Callable[[], Prepared] | None = None,
                 vary: str | None = None) -> None:
        self.document = document
        self.last_modified = document.last_modified
        self.vary = vary or ("Accept, Accept-Encoding" if browser_type else "Accept-Encoding")
        self._make_view = view
        self._view: Prepared | None = None
        self._view_lock = threading.Lock()
        self.codings: tuple[str | None, ...] = (None,)
        if len(document.body) >= COMPRESSIBLE_MIN:
            self.codings = (None, "gzip", "br") if brotli is not None else (None, "gzip")
        self.common = common
        self.browser_type = browser_type
        self._types = {"": document.content_type, "-x": browser_type or document.content_type}
        self._bodies: dict[str | None, bytes] = {None: document.body}
        self._variants: dict[tuple[str | None, str], Variant] = {}
        self._lock = threading.Lock()
        self._browser = bool(browser_type)
        marks = ("", "-x") if browser_type else ("",)
        # Every representation's 304 headers (they need no body), and so its ETag.
        self._validators = {(coding, mark): self._made_validators(coding, mark)
                            for coding in self.codings for mark in marks}
        self.etags = {self._etag(coding, mark).strip('"') for coding, mark in self._validators}
        self._matching = frozenset({*self.etags, "*"})  # what If-None-Match may name

    def _key(self, coding: str | None, browser: bool) -> tuple[str | None, str]:
        return (coding, "-x" if browser and self._browser else "")

    def variant(self, coding: str | None, browser: bool = False) -> Variant:
        """The representation in `coding` (None: identity), made on first need."""
        key = self._key(coding, browser)
        found = self._variants.get(key)
        if found is None:
            with self._lock:
                found = self._variants.get(key) or self._variant(*key)
                self._variants[key] = found
        return found

    def _etag(self, coding: str | None, mark: str) -> str:
        return f'"{self.document.etag}{mark}{f"-{coding}" if coding else ""}"'

    def _body(self, coding: str | None) -> bytes:
        body = self._bodies.get(coding)
        if body is None:
            raw = self.document.body
            body = gzip_body(raw) if coding == "gzip" else brotli_body(raw)
            self._bodies[coding] = body
        return body

    def _made_validators(self, coding: str | None, mark: str) -> list[tuple[str, str]]:
        """The headers of a 304."""
        validators = [("ETag", self._etag(coding, mark)), ("Vary", self.vary), *self.common]
        if self.last_modified is not None:
            validators.append(("Last-Modified", format_datetime(self.last_modified, usegmt=True)))
        return validators

    def _variant(self, coding: str | None, mark: str) -> Variant:
        body = self._body(coding)
        etag = self._etag(coding, mark)
        validators = self._validators[(coding, mark)]
        headers = [("Content-Type", self._types[mark]),
                   ("Content-Length", str(len(body))), *validators]
        if coding:
            headers.append(("Content-Encoding", coding))
        return Variant(body, etag, headers, validators)

    @property
    def has_view(self) -> bool:
        """Whether a navigation gets another document (`view`)."""
        return self._make_view is not None

    def view(self) -> Prepared | None:
        """What a navigation gets instead of this document (None: this document)."""
        if self._make_view is not None and self._view is None:
            with self._view_lock:
                self._view = self._view or self._make_view()
        return self._view

    def respond(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for a GET or HEAD request."""
        if self._make_view is not None and is_navigation(environ):
            view = self.view()
            assert view is not None
            return view.respond(environ)
        browser = environ.get("HTTP_ACCEPT", "").startswith("text/html")
        coding = choose_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""), self.codings)
        if self._not_modified(environ):
            return "304 Not Modified", self._validators[self._key(coding, browser)], b""
        variant = self.variant(coding, browser)
        return "200 OK", variant.headers, variant.body

    def _not_modified(self, environ: dict[str, Any]) -> bool:
        """If-None-Match (weak comparison) wins; If-Modified-Since only without it."""
        tags = entity_tags(environ.get("HTTP_IF_NONE_MATCH", ""))
        if tags:  # a header with no entity tag in it is garbage: ignored
            return bool(tags & self._matching)
        since = http_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        if since is None or self.last_modified is None:
            return False
        return self.last_modified.replace(microsecond=0) <= since


def is_navigation(environ: dict[str, Any]) -> bool:
    """Whether a browser is opening the address as a page (Fetch Metadata): a person
    who clicked it. Feed readers send no Sec-Fetch-*, and some send Accept: text/html,
    so Accept cannot tell them apart."""
    dest = str(environ.get("HTTP_SEC_FETCH_DEST", "")).strip().lower()
    mode = str(environ.get("HTTP_SEC_FETCH_MODE", "")).strip().lower()
    return dest == "document" or mode == "navigate"


@lru_cache(maxsize=256)
def http_date(value: str | None) -> datetime | None:
    """An HTTP date with its zone, or None for anything else: RFC 9110 §13.1.3 has an
    invalid If-Modified-Since ignored, and a year such as 99999 is invalid too."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
        return when if when.tzinfo is not None else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


@lru_cache(maxsize=1024)
def entity_tags(header: str) -> frozenset[str]:
    """The opaque tags of an If-None-Match header, W/ dropped (weak comparison); cached:
    pollers send the same few headers again and again."""
    tags = set()
    for part in header.split(","):
        tag = part.strip().removeprefix("W/")
        if tag == "*" or (len(tag) >= 2 and tag[0] == tag[-1] == '"'):
            tags.add(tag.strip('"') if tag != "*" else "*")
    return frozenset(tags)


def choose_encoding(accept: str, available: Collection[str | None]) -> str | None:
    """The content coding (None: identity) the client weighs highest among `available`
    (RFC 9110 §12.5.3); equal weights go to br, then gzip, then identity. Identity not
    named is acceptable, below any named coding. When the header excludes everything
    we have, identity is sent anyway (RFC 9110 §12.1 lets a server disregard the header
    rather than answer 406: a feed reader is better served by a body)."""
    if not accept:
        return None
    return _choice(accept, tuple(available))


_PREFERENCE = {"br": 2, "gzip": 1, None: 0}  # on equal weights: the smaller body


@lru_cache(maxsize=512)
def _choice(accept: str, available: tuple[str | None, ...]) -> str | None:
    """Cached: clients send few distinct headers, and this runs on every request."""
    weights = _weights(accept)
    ranked = sorted(available, key=lambda coding: (_weight(weights, coding),
                                                   _PREFERENCE.get(coding, -1)))
    best = ranked[-1] if ranked else None
    return best if _weight(weights, best) > 0 else None


def _weight(weights: dict[str, float], coding: str | None) -> float:
    name = coding or "identity"
    if name in weights:
        return weights[name]
    if "*" in weights:
        return weights["*"]
    return _UNNAMED_IDENTITY if coding is None else 0.0


_UNNAMED_IDENTITY = 0.0001  # acceptable, but below the smallest weight one can write


def _weights(accept: str) -> dict[str, float]:
    """Coding name -> weight; a name given twice keeps its first weight."""
    weights: dict[str, float] = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip():
            weights.setdefault(name.strip(), _quality(params))
    return weights


def _quality(params: str) -> float:
    """The `q` parameter, within 0 and 1; a malformed one excludes the coding."""
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


Failed = Callable[[dict[str, Any], Callable[..., Any], Exception], Iterable[bytes]]


# The request headers (and method and path) a prepared response depends on: with the
# version, they make the key of `FastPath`'s answers kept.
_ASKED = ("PATH_INFO", "REQUEST_METHOD", "HTTP_IF_NONE_MATCH", "HTTP_ACCEPT_ENCODING",
          "HTTP_ACCEPT", "HTTP_SEC_FETCH_DEST", "HTTP_SEC_FETCH_MODE", "HTTP_IF_MODIFIED_SINCE")
ANSWERS_KEPT = 256  # per version: pollers send few distinct requests
KEY_CHARS_KEPT = 2048  # nor is a request with long headers kept (so: at most 0.5 MB)
Answer = tuple[str, list[tuple[str, str]], bytes]
Answers = dict[tuple[object, ...], Answer]


class FastPath:
    """WSGI middleware: documents from the cache, everything else to `fallback`.

    `failed` answers when making a document raised (the app's 500 page and logger):
    this runs before Flask, whose error handlers never see it. `answers`, when given,
    returns the current version's dictionary of answers already made, by the request
    fields of `_ASKED`: a poller's request is then one lookup (measured in process:
    2.4 us a request in all, 1.5 us with it). It must come from the same version as
    `lookup`, or a newer one, and start empty for each version."""

    def __init__(self, fallback: WSGIApp, lookup: Callable[[str], Prepared],
                 failed: Failed, answers: Callable[[], Answers] | None = None) -> None:
        self.fallback = fallback
        self.lookup = lookup
        self.failed = failed
        self.answers = answers

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        kept = self.answers() if self.answers is not None else None
        if kept is not None:
            key = tuple(map(environ.get, _ASKED))
            answer = kept.get(key)
            if answer is not None:
                start_response(answer[0], answer[1])
                return [answer[2]]
        try:  # WSGI gives the path's bytes as Latin-1; our slugs may be any script
            path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8")
            prepared = self.lookup(path[1:]) if path.startswith("/") else None
        except (NotFound, UnicodeError):
            prepared = None
        except Exception as exc:  # a render fault: a 500 page, the rest keeps serving
            return self.failed(environ, start_response, exc)
        if prepared is None:
            return self.fallback(environ, start_response)
        try:
            answer = self._answer(prepared, environ)
        except Exception as exc:  # compressing, say: answered like a render fault
            return self.failed(environ, start_response, exc)
        if kept is not None and len(kept) < ANSWERS_KEPT and _short(key):
            kept[key] = answer
        start_response(answer[0], answer[1])
        return [answer[2]]

    @staticmethod
    def _answer(prepared: Prepared, environ: dict[str, Any]) -> Answer:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in _METHODS:
            return ("405 Method Not Allowed", [("Allow", "GET, HEAD"), ("Content-Length", "0")],
                    b"")
        status, headers, body = prepared.respond(environ)
        return status, headers, b"" if method == "HEAD" else body


def _short(key: tuple[object, ...]) -> bool:
    return sum(len(part) for part in key if isinstance(part, str)) <= KEY_CHARS_KEPT
