"""Live posts (SPEC §6.3): keep every worker's library current.

Each process runs one background thread. While another process leads, it only
waits for the lock. The leader watches the posts folder (watchdog, with a
polling fallback), reads what changed, and publishes each new version through
`feeds.shared`; every process picks the new version up on its next request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feeds.errors import FeedsError
from feeds.library import Library, Shareable, Snapshot
from feeds.shared import Shared

log = logging.getLogger("feeds")
OnChange = Callable[[Snapshot, Snapshot], None]
POLL_SECONDS = 0.5  # the fallback's pace, and the leader's check for scheduled posts
SETTLE_SECONDS = 0.05  # editors write in steps: wait for a burst of events to end
LEAD_RETRY_SECONDS = 0.5


class Live:
    """This process's view of the shared blog, and its background thread."""

    def __init__(self, library: Library, shared: Shared, on_change: OnChange | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.library = library
        self.shared = shared
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self._generation = shared.generation()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer: Any = None

    def snapshot(self) -> Snapshot:
        """The current snapshot, following the leader's newest generation."""
        generation = self.shared.generation()
        if generation != self._generation:
            self._follow(generation)
        return self.library.snapshot()

    def _follow(self, generation: int) -> None:
        try:
            self.library.replace(self.shared.read(generation).loaded)
        except (OSError, EOFError, ValueError) as exc:  # a newer one replaced it: next time
            log.debug("generation %s not readable yet: %s", generation, exc)
            return
        self._generation = generation

    def start(self) -> None:
        """Start the background thread (once per process, after any fork)."""
        self._thread = threading.Thread(target=self._run, name="feeds-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and leading."""
        self._stop.set()
        self._wake.set()
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.shared.try_lead():
                try:
                    self._lead()
                    return
                except Exception:  # let another worker (or this one, later) lead
                    log.exception("watching failed; giving up the lead")
                    self.shared.resign()
            self._stop.wait(LEAD_RETRY_SECONDS)

    def _lead(self) -> None:
        log.info("this worker now watches %s", self.library.options.posts)
        newest = self.shared.newest()
        if newest is not None:  # go on from the last leader's memory of the files
            self.library.loader.adopt(newest.state)
        self._observer = _watch(self.library.options.posts, self._wake.set)
        published = self.snapshot()
        self.reload()  # changes made while no one was leading
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds if self._observer is None else 5 * POLL_SECONDS)
            if self._wake.is_set():
                time.sleep(SETTLE_SECONDS)
                self._wake.clear()
            try:
                self.reload()
                published = self._announce(published)
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("reload failed")

    def reload(self) -> None:
        """Read what changed; publish a new generation when the content changed.

        The new version is published before this worker serves it: serving it
        first would let a poller see it here, then the old one at a follower.
        """
        loader = self.library.loader
        try:
            loaded, stats = loader.load()
        except FeedsError as exc:
            log.error("reload failed: %s", exc)
            return
        candidate = self.library.candidate(loaded)
        changed = candidate.version != self.library.snapshot().version
        if changed or stats.files_read:
            log.info("reload: %d files read, %d errors, %.1f ms", stats.files_read,
                     stats.errors, stats.seconds * 1000)
        if changed:
            generation = self.shared.publish(Shareable(loaded, loader.export()))
            self.library.replace(loaded, candidate)
            self._generation = generation
        else:
            self.library.loaded = loaded  # same content; keep its problems current

    def _announce(self, published: Snapshot) -> Snapshot:
        """Tell `on_change` about a new version (a file change or a post coming due)."""
        current = self.library.snapshot()
        if current.version != published.version and self.on_change is not None:
            try:
                self.on_change(published, current)
            except Exception:
                log.exception("change notification failed")
        return current


def _watch(folder: Path, wake: Callable[[], None]) -> Any:
    """A watchdog observer calling `wake` on any change; None means: poll instead."""
    try:
        from watchdog.events import FileSystemEventHandler  # noqa: PLC0415
        from watchdog.observers import Observer  # noqa: PLC0415
    except ImportError:
        return None

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            if event.event_type not in ("opened", "closed_no_write"):
                wake()

    observer = Observer()
    try:
        observer.schedule(Handler(), str(folder), recursive=True)
        observer.daemon = True
        observer.start()
    except OSError as exc:  # e.g. out of inotify watches
        log.warning("watching %s failed (%s); polling every %.1f s", folder, exc, POLL_SECONDS)
        return None
    return observer
