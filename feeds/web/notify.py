"""WebSub on change (docs/reference.md §5.5): which feeds a new version changed.

`feeds.web.websub` sends; this module decides what to send, by comparing the
ETags of every feed of the two versions.
"""

from __future__ import annotations

from feeds.errors import NotFound
from feeds.library import Snapshot
from feeds.library.live import OnChange
from feeds.render.site import Site
from feeds.web.websub import Publisher


def hub_notifier() -> OnChange:
    """A `Live` change callback: the feeds that changed between two versions, sent to
    the blog's hubs (none sent when it names no hub)."""
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
