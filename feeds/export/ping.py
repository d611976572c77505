"""`feeds build --ping`: tell the blog's WebSub hubs which feeds a build changed
(docs/reference.md §5.5), with the request `feeds serve` sends (`notify_hub`).

A feed changed when its bytes differ from those the last finished build recorded
in OUT's manifest (a first build: every feed). The build waits for the hubs: it
is a command that ends, not a server with a thread to send from later.
"""

from __future__ import annotations

import time
import urllib.error
from collections.abc import Iterable, Mapping
from urllib.parse import unquote

from feeds.export.tree import Entry
from feeds.render.site import Site
from feeds.web.websub import Notification, notify_hub

__all__ = ["changed_feeds", "ping"]


def changed_feeds(site: Site, before: Mapping[str, Entry], after: Mapping[str, Entry]
                  ) -> list[str]:
    """The URLs of the feeds whose file `after` records with other bytes than
    `before` (or that `before` lacks)."""
    changed = []
    for path in site.feed_paths():
        name = unquote(path)
        old, new = before.get(name), after.get(name)
        if new is not None and (old is None or old.digest != new.digest):
            changed.append(site.snapshot.blog.url(path))
    return changed


def ping(hubs: Iterable[str], feeds: list[str], attempts: int = 3, delay: float = 1.0,
         timeout: float = 10.0) -> list[str]:
    """Notify every hub of every feed (a failure tried `attempts` times, waiting
    `delay` seconds, doubled each time; a hub that still fails is sent no more);
    the failures, as messages."""
    failures = []
    for hub in hubs:
        for number, feed in enumerate(feeds):
            reason = _send(Notification(hub, feed), attempts, delay, timeout)
            if reason:
                failures.append(f"{hub}: {feed} and {len(feeds) - number - 1} more feeds "
                                f"not notified ({reason})")
                break
    return failures


def _send(notification: Notification, attempts: int, delay: float, timeout: float) -> str:
    """'' once the hub accepts the notification, else the last reason it failed."""
    reason = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(delay * 2 ** (attempt - 1))
        try:
            status = notify_hub(notification, timeout)
        except (OSError, urllib.error.URLError) as exc:
            reason = str(getattr(exc, "reason", exc))
            continue
        if 200 <= status < 300:
            return ""
        reason = f"status {status}"
    return reason
