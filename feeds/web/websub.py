"""WebSub publishing (docs/reference.md §5.5): tell the hubs which feeds changed.

Notifications go out from a background thread with retries and exponential
backoff; a request never waits for a hub. Each attempt's outcome is logged.
"""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass

log = logging.getLogger("feeds")


@dataclass(frozen=True)
class Notification:
    """One feed to announce to one hub."""

    hub: str
    feed: str


class Publisher:
    """Sends `hub.mode=publish` notifications in the background."""

    def __init__(self, attempts: int = 5, first_delay: float = 1.0, timeout: float = 10.0
                 ) -> None:
        self.attempts = attempts
        self.first_delay = first_delay
        self.timeout = timeout
        # (due time, order, notification, attempt): the earliest due first
        self._queue: queue.PriorityQueue[tuple[float, int, Notification, int]] = \
            queue.PriorityQueue()
        self._order = itertools.count()
        self._added = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def notify(self, hubs: Iterable[str], feeds: Iterable[str]) -> None:
        """Queue a notification of every feed to every hub; returns at once."""
        self._ensure_thread()
        for hub in hubs:
            for feed in feeds:
                self._put(Notification(hub, feed), 1, 0.0)
        self._added.set()

    def _put(self, notification: Notification, attempt: int, due: float) -> None:
        self._queue.put((due, next(self._order), notification, attempt))

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="feeds-websub",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            due, order, notification, attempt = self._queue.get()
            wait = due - time.monotonic()
            if wait > 0:  # a retry not due yet: sleep until then or until news arrives
                self._queue.put((due, order, notification, attempt))
                self._added.clear()
                self._added.wait(wait)
                continue
            self._send(notification, attempt)

    def _send(self, notification: Notification, attempt: int) -> None:
        try:
            status = notify_hub(notification, self.timeout)
        except (OSError, urllib.error.URLError) as exc:
            reason = str(getattr(exc, "reason", exc))
        else:
            if 200 <= status < 300:
                log.info("websub: %s notified of %s (%d)", notification.hub, notification.feed,
                         status)
                return
            reason = f"status {status}"
        self._retry(notification, attempt, reason)

    def _retry(self, notification: Notification, attempt: int, reason: str) -> None:
        if attempt >= self.attempts:
            log.error("websub: gave up notifying %s of %s after %d attempts: %s",
                      notification.hub, notification.feed, attempt, reason)
            return
        delay = self.first_delay * 2 ** (attempt - 1)
        log.warning("websub: %s failed for %s (%s); retry %d in %.1f s", notification.hub,
                    notification.feed, reason, attempt + 1, delay)
        self._put(notification, attempt + 1, time.monotonic() + delay)


def notify_hub(notification: Notification, timeout: float) -> int:
    """POST one `hub.mode=publish` request; the hub's status code."""
    body = urllib.parse.urlencode({"hub.mode": "publish", "hub.url": notification.feed})
    request = urllib.request.Request(
        notification.hub, data=body.encode(), method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
