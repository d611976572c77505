"""A warm restart (docs/reference.md §6.6): the front documents at once, the rest when
the blog is loaded.

`keep` stores the front documents of the version a server rendered before forking
(`served.AHEAD`) in the index (`feeds.library.front`). On the next start with the
same posts, settings and installation, `WarmApp` answers with them in each worker
while a background thread makes the full app; from then on the full app answers
everything. The front documents are answered only within FRESH_SECONDS of the
check that found them valid: a post changed in that window is not yet watched, and
after it a request waits for the full app rather than get what may be old. No Flask
here: this module is what a warm worker runs before anything else is imported.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from feeds import routes
from feeds.errors import NotFound
from feeds.library import front
from feeds.render.document import Document
from feeds.web.delivery import FastPath, Prepared, WSGIApp

if TYPE_CHECKING:  # for the types only: both load the blog's stages
    from feeds.library import Library
    from feeds.render.site import Site

FRESH_SECONDS = 1.0  # the file events of the posts folder go unheard until the full app
log = logging.getLogger("feeds")


def keep(library: Library, site: Site) -> None:
    """Store the front documents of `site` (rendered ahead, `served.render_ahead`) for
    the next start; nothing without a working index."""
    from feeds.web.served import AHEAD, Served  # noqa: PLC0415 - loaded with the library

    loader = library.loader
    if loader.index is None or not loader.index.working or loader.listing is None:
        return
    served = Served(site)
    documents = tuple(_front_document(path, served.prepared(path)) for path in AHEAD)
    snapshot = site.snapshot
    front.save(loader.index, loader.options, front.Basis(loader.listing, loader.blog_key),
               front.Front(snapshot.blog.base_url, documents), snapshot.next_change)


def _front_document(path: str, prepared: Prepared) -> front.FrontDocument:
    document = prepared.document
    return front.FrontDocument(path, document.body, document.content_type,
                               document.last_modified, document.kind, tuple(prepared.common),
                               prepared.browser_type, prepared.vary, prepared.has_view)


class WarmApp:
    """The WSGI app of a worker started warm: front documents until `fresh_until`
    (time.monotonic) or until the full app is made, then the full app for everything.

    `make_full` runs in a thread of its own; if it fails the worker exits (the server
    starts another, which waits for its full app)."""

    def __init__(self, kept: front.Front, fresh_until: float,
                 make_full: Callable[[], Any]) -> None:
        self._documents = {doc.path: self._prepared(doc) for doc in kept.documents}
        self._fresh_until = fresh_until
        self._full: Any = None
        self._ready = threading.Event()
        self._fast = FastPath(self._wait, self._lookup, self._failed)
        threading.Thread(target=self._make, args=(make_full,), name="feeds-warm",
                         daemon=True).start()

    def _make(self, make_full: Callable[[], Any]) -> None:
        try:
            self._full = make_full()
        except BaseException:
            log.exception("loading the blog failed; this worker exits")
            os._exit(1)
        self._ready.set()

    def _prepared(self, doc: front.FrontDocument) -> Prepared:
        document = Document(doc.body, doc.content_type, doc.last_modified, doc.kind)
        view = partial(self._view, doc.path) if doc.has_view else None
        return Prepared(document, list(doc.common), doc.browser_type, view, doc.vary)

    def _view(self, path: str) -> Prepared:
        """A navigation to a front document that has a view: the full app's view."""
        view = routes.view_of(path)
        assert view is not None
        prepared: Prepared = self.full().extensions["feeds"].lookup(view)
        return prepared

    def full(self) -> Any:
        """The full app (the Flask app), waiting for it to be made."""
        self._ready.wait()
        return self._full

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        full = self._full
        if full is not None:
            return full(environ, start_response)  # type: ignore[no-any-return]
        return self._fast(environ, start_response)

    def _lookup(self, path: str) -> Prepared:
        found = self._documents.get(path)
        if found is None or self._full is not None or time.monotonic() > self._fresh_until:
            raise NotFound(path)
        return found

    def _wait(self, environ: dict[str, Any], start_response: Callable[..., Any]
              ) -> Iterable[bytes]:
        app: WSGIApp = self.full()
        return app(environ, start_response)

    def _failed(self, environ: dict[str, Any], start_response: Callable[..., Any],
                exc: Exception) -> Iterable[bytes]:
        log.error("answering %s from the front documents failed (%s); the full app answers",
                  environ.get("PATH_INFO"), exc)
        return self._wait(environ, start_response)
