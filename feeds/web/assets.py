"""`/files/<path>`: the publisher's own files beside the posts (images, audio), as
docs/reference.md §6.2 has them.

Each is sent from the file the library opened (never opened again by path), with
validators and single byte ranges, and never as a page of ours: an asset is not
sanitised, so it runs in a sandbox, and types a browser would run are downloads.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import BinaryIO

from flask import Flask, Response, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.wrappers import Response as WerkzeugResponse
from werkzeug.wsgi import wrap_file

from feeds.errors import NotFound
from feeds.normalize.media import media_type
from feeds.web.served import Current

ASSET_MAX_AGE = 3600
# Types a browser would run as a page of ours: assets of these types are downloads.
ACTIVE_TYPES = frozenset({"text/html", "image/svg+xml", "application/xml", "text/xml",
                          "application/xhtml+xml", "text/javascript"})


def init_app(app: Flask, current: Current) -> None:
    """Register `/files/<path>` on `app`, answered from `current`'s library."""

    @app.get("/files/<path:rel>", provide_automatic_options=False)
    def files(rel: str) -> WerkzeugResponse:
        handle = current.live.library.asset(rel)
        if handle is None:
            raise NotFound(rel)
        return asset_response(handle, rel)


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
