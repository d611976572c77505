"""The HTTP edge: the Flask app, its fast path for documents, and error pages.

The only module that imports flask. Documents come ready-made from
`feeds.render.site` and are sent by `feeds.web.delivery` before Flask is involved;
Flask serves assets, /healthz and error pages.
"""

from __future__ import annotations

import atexit
import logging
import math
import os
import shutil
import threading
import traceback
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, BinaryIO

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response as WerkzeugResponse
from werkzeug.wsgi import wrap_file

from feeds.errors import NotFound
from feeds.library import Clock, Library, Options, Snapshot, system_clock
from feeds.library.live import Live, OnChange, join
from feeds.library.shared import Shared
from feeds.normalize.media import media_type
from feeds.render.channel import CONTENT_TYPES
from feeds.render.once import Once
from feeds.render.pages import CONTENT_SECURITY_POLICY, error_page
from feeds.render.site import Document, Site
from feeds.web.delivery import Failed, FastPath, Prepared
from feeds.web.websub import Publisher

ASSET_MAX_AGE = 3600
# Types a browser would run as a page of ours: assets of these types are downloads.
ACTIVE_TYPES = frozenset({"text/html", "image/svg+xml", "application/xml", "text/xml",
                          "application/xhtml+xml", "text/javascript"})


class Served:
    """The documents of one version, prepared for sending on first request."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._prepared: Once[Prepared] = Once()

    def prepared(self, path: str) -> Prepared:
        """The prepared document at `path`; NotFound if there is none. Rendering one
        document holds up only the requests for that document."""
        found = self._prepared.peek(path)  # the hot path: no closure made
        return found if found is not None else self._prepared.get(
            path, lambda: self._prepare(path))

    def _prepare(self, path: str) -> Prepared:
        document = self.site.document(path)
        blog = self.site.snapshot.blog
        common = [("Cache-Control", cache_control(document, blog.cache_seconds)),
                  ("X-Content-Type-Options", "nosniff")]
        if document.kind == "page":
            common.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        if document.kind == "feed" and blog.hubs:
            links = [f'<{hub}>; rel="hub"' for hub in blog.hubs]
            common.append(("Link", ", ".join([*links, f'<{blog.url(path)}>; rel="self"'])))
        browser = BROWSER_XML if path.endswith(".xml") else None
        return Prepared(document, common, browser)


# RSS and Atom for a browser: a type it renders (applying feed.xsl) instead of saving.
BROWSER_XML = "application/xml; charset=utf-8"


def cache_control(document: Document, seconds: int) -> str:
    """Full archive pages never change; feed.xsl changes only with feeds itself."""
    if document.kind == "archive":
        return "public, max-age=31536000, immutable"
    if document.kind == "static":
        return "public, max-age=86400"
    return f"public, max-age={seconds}"


class State:
    """This process's live blog and the prepared documents of its current version."""

    def __init__(self, live: Live, site: Site | None = None) -> None:
        """`site`: documents rendered already (by the server before forking), used when
        they are of the current version."""
        self.live = live
        self.renders = 0
        self.failures: Failures | None = None  # set with the app's error handlers
        snapshot = live.snapshot()
        if site is None or site.snapshot.version != snapshot.version:
            site = self._site(snapshot)
        site.on_render = self._count
        self._served = Served(site)
        self._lock = threading.Lock()

    def _site(self, snapshot: Snapshot) -> Site:
        return Site(snapshot, on_render=self._count)

    def _count(self) -> None:
        self.renders += 1

    def served(self) -> Served:
        """The Served of the current version (a new one when the version changed)."""
        snapshot = self.live.snapshot()
        if snapshot.version != self._served.site.snapshot.version:
            with self._lock:
                if snapshot.version != self._served.site.snapshot.version:
                    self._served = Served(self._site(snapshot))
        return self._served

    def lookup(self, path: str) -> Prepared:
        """The prepared document at `path` of the current version."""
        return self.served().prepared(path)


# What `feeds serve` renders before forking its workers: every worker starts with them.
AHEAD = ("rss.xml", "atom.xml", "feed.json", "")


def render_ahead(library: Library) -> Site:
    """The subscription feeds and the home page of the library's current version."""
    site = Site(library.snapshot())
    for path in AHEAD:
        site.document(path)
    return site


def create_app(options: Options | None = None, clock: Clock = system_clock,
               shared: Shared | None = None, start: bool = True, *,
               library: Library | None = None, site: Site | None = None) -> Flask:
    """The feeds WSGI app for a posts folder (FEEDS_POSTS, FEEDS_BASE_URL by default).

    With `start`, this process watches the posts folder at once; `feeds serve`
    passes False and starts watching in each worker after the fork. A `library`
    loaded already (by the server, before forking its workers) is used as it is,
    and so is a `site` it rendered (`render_ahead`).
    """
    options = options or Options.from_environ(fallback_url="http://127.0.0.1:5000/",
                                              lazy=True)
    if shared is None:  # a run folder of our own: removed when this process ends
        shared = Shared.create()
        atexit.register(shutil.rmtree, shared.folder, True)
    if library is None:
        library = join(options, clock, shared)  # a published load is reused
    live = Live(library, shared, on_change=_notifier())
    state = State(live, site)
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = state
    _routes(app, state)
    failed = _error_handlers(app, state)
    app.after_request(_common_headers)
    app.wsgi_app = FastPath(app.wsgi_app, state.lookup, failed)  # type: ignore[method-assign]
    if start:
        live.start()
    return app


def _notifier() -> OnChange:
    """A WebSub notifier: which feeds changed between two versions, sent to the hubs."""
    publisher = Publisher()
    last: list[Site] = []  # the newest version's feeds, rendered for the last change

    def on_change(before: Snapshot, after: Snapshot) -> None:
        if not after.blog.hubs:
            return
        old = last[0] if last and last[0].snapshot.version == before.version else Site(before)
        new = Site(after)
        last[:] = [new]
        changed = [after.blog.url(path) for path in new.feed_paths()
                   if _etag(old, path) != _etag(new, path)]
        publisher.notify(after.blog.hubs, changed)

    return on_change


def _etag(site: Site, path: str) -> str | None:
    try:
        return site.document(path).etag
    except NotFound:
        return None


def _routes(app: Flask, state: State) -> None:
    @app.get("/healthz", provide_automatic_options=False)
    def healthz() -> Response:
        snapshot = state.live.snapshot()
        text = (f"ok\nposts: {len(snapshot.posts)}\nloaded: {snapshot.loaded_at.isoformat()}\n"
                f"version: {snapshot.version}\nworker: {os.getpid()}\n"
                f"renders: {state.renders}\n")
        response = Response(text, content_type=CONTENT_TYPES["text"])
        response.cache_control.no_store = True
        return response

    @app.get("/files/<path:rel>", provide_automatic_options=False)
    def files(rel: str) -> WerkzeugResponse:
        handle = state.live.library.asset(rel)
        if handle is None:
            raise NotFound(rel)
        return asset_response(handle, rel)

    @app.get("/", defaults={"path": ""}, provide_automatic_options=False)
    @app.get("/<path:path>", provide_automatic_options=False)
    def elsewhere(path: str) -> Response:
        raise NotFound(path)  # documents never get here: the fast path sends them


def asset_response(handle: BinaryIO, rel: str) -> WerkzeugResponse:
    """The asset from its opened file (never opened again by path), with validators and
    single byte ranges; several ranges get the whole file, as RFC 9110 allows."""
    stat = os.fstat(handle.fileno())
    response = _asset_headers(Response(wrap_file(request.environ, handle),
                                       direct_passthrough=True), rel, stat)
    environ = request.environ
    if "," in environ.get("HTTP_RANGE", ""):
        # werkzeug answers several ranges with 416; the whole file is the kinder answer
        environ = {k: v for k, v in environ.items() if k != "HTTP_RANGE"}
    try:
        return response.make_conditional(environ, accept_ranges=True,
                                         complete_length=stat.st_size)
    except RequestedRangeNotSatisfiable:
        handle.close()
        raise


def _asset_headers(response: Response, rel: str, stat: os.stat_result) -> Response:
    kind = media_type(rel) or "application/octet-stream"
    response.mimetype = kind
    response.content_length = stat.st_size
    response.last_modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    response.set_etag(f"{stat.st_mtime_ns:x}-{stat.st_size:x}-{stat.st_ino:x}")
    response.cache_control.public = True
    response.cache_control.max_age = ASSET_MAX_AGE
    # An asset is the publisher's file, not sanitised: it may never run as our page.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if kind in ACTIVE_TYPES:
        response.headers["Content-Disposition"] = "attachment"
    return response


def _common_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


class Failures:
    """Unexpected errors, logged with their traceback once per cause (the exception's
    type and the line that raised it), then counted: a fault every request meets must
    not write a traceback per request."""

    def __init__(self, logger: logging.Logger) -> None:
        self.logger = logger
        self.counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()

    def record(self, error: BaseException) -> None:
        """Log `error` if its cause is new; on the 10th, 100th... time, say so in a line."""
        cause = _cause(error)
        with self._lock:
            count = self.counts[cause] = self.counts.get(cause, 0) + 1
        if count == 1:
            self.logger.error("unexpected error: %s", error, exc_info=error)
        elif math.log10(count).is_integer():
            self.logger.error("unexpected error %s at %s:%d: %d times so far", *cause, count)


def _cause(error: BaseException) -> tuple[str, str, int]:
    frames = traceback.extract_tb(error.__traceback__)
    where = frames[-1] if frames else None
    return (type(error).__qualname__, where.filename if where else "?",
            (where.lineno or 0) if where else 0)


def _error_handlers(app: Flask, state: State) -> Failed:
    """Flask's error pages; returns the fast path's answer to a failed document."""
    failures = Failures(app.logger)
    state.failures = failures

    def page(status: int, message: str) -> Response:
        blog = state.live.snapshot().blog
        response = Response(error_page(blog, status, message), status=status,
                            content_type=CONTENT_TYPES["html"])
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    @app.errorhandler(NotFound)
    def not_found(_error: NotFound) -> Response:
        return page(404, "There is nothing at this address.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = page(error.code or 500, error.description or "")
        if error.code == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        failures.record(error)
        return page(500, UNEXPECTED)

    def failed(environ: dict[str, Any], start_response: Callable[..., Any],
               error: Exception) -> Iterable[bytes]:
        failures.record(error)
        try:
            response = _common_headers(page(500, UNEXPECTED))
        except Exception:  # the page itself failed: plain words then
            response = Response(UNEXPECTED, status=500, content_type=CONTENT_TYPES["text"])
        return response(environ, start_response)

    return failed


UNEXPECTED = "Something went wrong on our side."
