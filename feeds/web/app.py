"""The Flask application factory, in the shape of Flask's tutorial.

`create_app` builds the app and lets each module of `feeds.web` register its part
(`init_app`): `/healthz` (`health`), `/files/` (`assets`), error pages (`faults`).
Documents never reach Flask: the fast path (`delivery.FastPath`) sends them from
`served.Current` first.
"""

from __future__ import annotations

from flask import Flask

from feeds.library import Clock, Library, Options, system_clock
from feeds.library.shared import Shared
from feeds.render.site import Site
from feeds.web import assets, faults, health
from feeds.web.delivery import FastPath
from feeds.web.process import live_blog
from feeds.web.served import Current


def create_app(options: Options | None = None, clock: Clock = system_clock,
               shared: Shared | None = None, start: bool = True, *,
               library: Library | None = None, site: Site | None = None) -> Flask:
    """The feeds WSGI app for a posts folder (FEEDS_POSTS, FEEDS_BASE_URL by default).

    With `start`, this process watches the posts folder at once; `feeds serve`
    passes False and starts watching in each worker after the fork. A `library`
    loaded already (by the server, before forking its workers) is used as it is,
    and so is a `site` it rendered (`served.render_ahead`).
    """
    options = options or Options.from_environ(fallback_url="http://127.0.0.1:5000/",
                                              lazy=True)
    live = live_blog(options, clock, shared, library)
    current = Current(live, site)
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = current
    health.init_app(app, current)
    assets.init_app(app, current)
    failed = faults.init_app(app, current)
    app.after_request(faults.nosniff)
    app.wsgi_app = FastPath(app.wsgi_app, current.lookup, failed,  # type: ignore[method-assign]
                            current.answers)
    if start:
        live.start()
    return app
