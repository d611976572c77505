"""`feeds serve`: the Flask app under gunicorn, configured from our options."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from feeds.library import Options
from feeds.web import create_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    """gunicorn with its settings given in code, not read from argv or files."""

    def __init__(self, options: Options, settings: dict[str, Any]) -> None:
        self.feeds_options = options
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if key in self.cfg.settings:  # older gunicorns lack some settings
                self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(self.feeds_options)


def run(options: Options, bind: str, workers: int) -> None:
    """Run gunicorn in the foreground until it is stopped."""
    settings = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "preload_app": True,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "feeds",
        "timeout": 30,
        "graceful_timeout": 5,
        "control_socket_disable": True,  # several servers on one machine must not clash
    }
    _Gunicorn(options, settings).run()
