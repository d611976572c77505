"""What this process serves: the prepared documents of the blog's current version.

`Current` follows the live blog and holds one `Served` per version; a new version
gets a new `Served`, so a request never mixes documents of two versions. No Flask
here: the fast path (`feeds.web.delivery`) asks `Current.lookup` before Flask runs.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from feeds import routes
from feeds.errors import NotFound
from feeds.library import Library, Snapshot
from feeds.library.live import Live
from feeds.render.document import Document
from feeds.render.once import Once
from feeds.render.pages import CONTENT_SECURITY_POLICY
from feeds.render.site import Site
from feeds.web.delivery import Answers, Prepared

if TYPE_CHECKING:  # for the type only: importing faults would load flask
    from feeds.web.faults import Failures

# RSS and Atom for a browser: a type it renders (applying feed.xsl) instead of saving.
BROWSER_XML = "application/xml; charset=utf-8"
# RSS and Atom answer a navigation with their page for people: caches keep them apart.
FEED_VARY = "Accept, Accept-Encoding, Sec-Fetch-Dest, Sec-Fetch-Mode"
# What `feeds serve` renders before forking its workers: every worker starts with them.
AHEAD = (*(routes.feed("", kind) for kind in routes.FEED_FILES), "")


class Served:
    """The documents of one version, prepared for sending on first request."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._prepared: Once[Prepared] = Once()
        self.answers: Answers = {}  # `FastPath`'s answers of this version

    def prepared(self, path: str) -> Prepared:
        """The prepared document at `path`; NotFound if there is none. Rendering one
        document holds up only the requests for that document."""
        found = self._prepared.peek(path)  # the hot path: no closure made
        if found is not None:
            return found
        if routes.parse(path) is None:  # an asset, /healthz, a 404: no lock, nothing kept
            raise NotFound(path)
        return self._prepared.get(path, lambda: self._prepare(path))

    def _prepare(self, path: str) -> Prepared:
        document = self.site.document(path)
        view = routes.view_of(path)
        if view is None:
            return Prepared(document, self._common(document, path))
        return Prepared(document, self._common(document, path), BROWSER_XML,
                        lambda: self._view(view), FEED_VARY)

    def _view(self, path: str) -> Prepared:
        """The page for people a feed answers a navigation with (rendered on the first)."""
        document = self.site.document(path)
        return Prepared(document, self._common(document, path), vary=FEED_VARY)

    def _common(self, document: Document, path: str) -> list[tuple[str, str]]:
        blog = self.site.snapshot.blog
        common = [("Cache-Control", cache_control(document, blog.cache_seconds)),
                  ("X-Content-Type-Options", "nosniff")]
        if document.kind == "page":
            common.append(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        if document.kind == "feed" and blog.hubs:
            links = [f'<{hub}>; rel="hub"' for hub in blog.hubs]
            common.append(("Link", ", ".join([*links, f'<{blog.url(path)}>; rel="self"'])))
        return common


def cache_control(document: Document, seconds: int) -> str:
    """Full archive pages never change; feed.xsl changes only with feeds itself."""
    if document.kind == "archive":
        return "public, max-age=31536000, immutable"
    if document.kind == "static":
        return "public, max-age=86400"
    return f"public, max-age={seconds}"


class Current:
    """This process's live blog and the `Served` documents of its current version
    (the app keeps it in `app.extensions["feeds"]`)."""

    def __init__(self, live: Live, site: Site | None = None) -> None:
        """`site`: documents rendered already (by the server before forking), used when
        they are of the current version."""
        self.live = live
        self.renders = 0
        # Set by `feeds.web.faults.init_app`: the once-per-cause error log, for tests.
        self.failures: Failures | None = None
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

    def answers(self) -> Answers:
        """The answers made from the current version's documents (`FastPath`)."""
        return self.served().answers


def render_ahead(library: Library) -> Site:
    """The subscription feeds and the home page of the library's current version."""
    site = Site(library.snapshot())
    for path in AHEAD:
        site.document(path)
    return site
