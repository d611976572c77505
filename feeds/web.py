"""The HTTP edge: the Flask app, conditional GET and error pages.

The only module that imports flask. Documents come ready-made from
`feeds.render.site`; this layer adds headers and turns errors into statuses.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, request, send_file
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from feeds.errors import NotFound
from feeds.library import Clock, Library, Options, system_clock
from feeds.render.channel import CONTENT_TYPES
from feeds.render.pages import CONTENT_SECURITY_POLICY, error_page
from feeds.render.site import Document, Site

ASSET_MAX_AGE = 3600


class State:
    """The app's library and the rendered site of its current snapshot."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._site = Site(library.snapshot())
        self._lock = threading.Lock()

    def site(self) -> Site:
        """The Site of the current snapshot (a new one when the version changed)."""
        snapshot = self.library.snapshot()
        if snapshot.version != self._site.snapshot.version:
            with self._lock:
                if snapshot.version != self._site.snapshot.version:
                    self._site = Site(snapshot)
        return self._site


def create_app(options: Options | None = None, clock: Clock = system_clock) -> Flask:
    """The feeds WSGI app for a posts folder (FEEDS_POSTS, FEEDS_BASE_URL by default)."""
    options = options or Options.from_environ(fallback_url="http://127.0.0.1:5000/")
    state = State(Library(options, clock))
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = state
    _routes(app, state)
    _error_handlers(app, state)
    app.after_request(_common_headers)
    return app


def _routes(app: Flask, state: State) -> None:
    @app.get("/healthz")
    def healthz() -> Response:
        snapshot = state.library.snapshot()
        text = f"ok\nposts: {len(snapshot.posts)}\nloaded: {snapshot.loaded_at.isoformat()}\n"
        response = Response(text, content_type=CONTENT_TYPES["text"])
        response.cache_control.no_store = True
        return response

    @app.get("/files/<path:rel>")
    def files(rel: str) -> WerkzeugResponse:
        target = state.library.asset(rel)
        if target is None:
            raise NotFound(rel)
        return send_file(target, conditional=True, max_age=ASSET_MAX_AGE)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def document(path: str) -> Response:
        site = state.site()
        return _respond(site.document(path), site.snapshot.blog.cache_seconds)


def _respond(document: Document, max_age: int) -> Response:
    response = Response(document.body, content_type=document.content_type)
    response.set_etag(document.etag)
    if document.last_modified is not None:
        response.last_modified = document.last_modified
    response.cache_control.public = True
    response.cache_control.max_age = max_age
    if document.kind == "page":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.make_conditional(request)  # a 304 when a validator matches
    return response


def _common_headers(response: Response) -> Response:
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _error_handlers(app: Flask, state: State) -> None:
    def page(status: int, message: str) -> Response:
        blog = state.library.snapshot().blog
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
        app.logger.exception("unexpected error: %s", error)
        return page(500, "Something went wrong on our side.")
