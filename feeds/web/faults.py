"""Error pages, and the log of unexpected errors: once per cause, then counted
(docs/reference.md §6.2, §8).

Named `faults`, not `errors`: `feeds.errors` is the exception tree; this module
answers its `NotFound`, werkzeug's HTTP errors and anything unexpected with the
blog's error page, for Flask and for the fast path (which runs before Flask).
"""

from __future__ import annotations

import logging
import math
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from feeds.errors import NotFound
from feeds.render.channel import CONTENT_TYPES
from feeds.render.pages import CONTENT_SECURITY_POLICY, error_page
from feeds.web.delivery import Failed
from feeds.web.served import Current

UNEXPECTED = "Something went wrong on our side."


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


def nosniff(response: Response) -> Response:
    """Every response of ours is sent as the type we say (the fast path's carry it too)."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def init_app(app: Flask, current: Current) -> Failed:
    """Register the error pages and the 404 for every address nobody answers; returns
    the fast path's answer to a document that failed."""
    failures = current.failures = Failures(app.logger)
    page = _error_page(current)
    _not_found(app, page, current)

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

    return _failed(failures, page)


Page = Callable[[int, str], Response]


def _error_page(current: Current) -> Page:
    def page(status: int, message: str) -> Response:
        blog = current.live.snapshot().blog
        response = Response(error_page(blog, status, message), status=status,
                            content_type=CONTENT_TYPES["html"])
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    return page


def _not_found(app: Flask, page: Page, current: Current) -> None:
    @app.errorhandler(NotFound)
    def not_found(_error: NotFound) -> Response:
        return page(404, "There is nothing at this address.")

    @app.get("/", defaults={"path": ""}, provide_automatic_options=False)
    @app.get("/<path:path>", provide_automatic_options=False)
    def elsewhere(path: str) -> Response:
        # Documents never get here (the fast path sends them): an old address of a
        # post is sent on to its page (docs/reference.md §6.5), anything else is a 404.
        snapshot = current.live.snapshot()
        post = snapshot.redirects.target(path)
        if post is None:
            raise NotFound(path)
        response = Response(status=301, headers={"Location": post.url})
        response.headers["Cache-Control"] = f"public, max-age={snapshot.blog.cache_seconds}"
        return response


def _failed(failures: Failures, page: Page) -> Failed:
    def failed(environ: dict[str, Any], start_response: Callable[..., Any],
               error: Exception) -> Iterable[bytes]:
        failures.record(error)
        try:
            response = nosniff(page(500, UNEXPECTED))
        except Exception:  # the page itself failed: plain words then
            response = Response(UNEXPECTED, status=500, content_type=CONTENT_TYPES["text"])
        return response(environ, start_response)

    return failed
