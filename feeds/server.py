"""`feeds serve`: the Flask app under gunicorn, configured from our options."""

from __future__ import annotations

import logging
import shutil
import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from feeds.library import Options
from feeds.shared import Shared
from feeds.web import State, create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with its settings given in code, not read from argv or files."""

    def __init__(self, app: Any, settings: dict[str, Any]) -> None:
        self.application = app
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if key in self.cfg.settings:  # older gunicorns lack some settings
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def _log_like_gunicorn() -> None:
    """Our lines (reloads, hub notifications) in gunicorn's format, on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] "
                                           "%(message)s", "%Y-%m-%d %H:%M:%S %z"))
    logger = logging.getLogger("feeds")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def run(options: Options, bind: str, workers: int) -> None:
    """Load the blog once, fork the workers, serve until stopped."""
    _log_like_gunicorn()
    shared = Shared.create()
    app = create_app(options, shared=shared, start=False)
    state: State = app.extensions["feeds"]
    settings = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "feeds",
        "timeout": 30,
        "graceful_timeout": 5,
        "control_socket_disable": True,  # several servers on one machine must not clash
        # Threads do not survive a fork: each worker starts its own watcher.
        "post_fork": lambda _server, _worker: state.live.start(),
        "worker_exit": lambda _server, _worker: state.live.stop(),
        "on_exit": lambda _server: shutil.rmtree(shared.folder, ignore_errors=True),
    }
    _Gunicorn(app, settings).run()
