"""`/healthz`: what this worker serves, for load balancers and the tests."""

from __future__ import annotations

import os

from flask import Flask, Response

from feeds.render.channel import CONTENT_TYPES
from feeds.web.served import Current


def init_app(app: Flask, current: Current) -> None:
    """Register `/healthz` on `app`: posts, load time, version, worker and renders."""

    @app.get("/healthz", provide_automatic_options=False)
    def healthz() -> Response:
        snapshot = current.live.snapshot()
        text = (f"ok\nposts: {len(snapshot.posts)}\nloaded: {snapshot.loaded_at.isoformat()}\n"
                f"version: {snapshot.version}\nworker: {os.getpid()}\n"
                f"renders: {current.renders}\n")
        response = Response(text, content_type=CONTENT_TYPES["text"])
        response.cache_control.no_store = True  # a probe must reach this very worker
        return response
