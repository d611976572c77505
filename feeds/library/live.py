"""Live posts (docs/reference.md §6.3): keep every worker's library current.

Each process runs one background thread. While another process leads, it only
waits for the lock. The leader watches the posts folder (watchdog, with a
polling fallback), reads what changed, and publishes each new version through
`feeds.library.shared`; every process picks the new version up on its next request.

The leader reads only the paths that file events name, without listing the
folder, so that a new post costs the same at any size of blog. Events it cannot
place (a folder, an asset, the blog file, a link) and a slow periodic check
(for file systems that send no events) list the whole folder.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feeds.errors import FeedsError
from feeds.library.core import Clock, Library, Options, Reload, Snapshot, WholeRecord
from feeds.library.shared import Shared
from feeds.sources import files as sources

log = logging.getLogger("feeds")
OnChange = Callable[[Snapshot, Snapshot], None]
POLL_SECONDS = 0.5  # the fallback's pace, and the leader's check for scheduled posts
SETTLE_SECONDS = 0.05  # editors write in steps: wait for a burst of events to end
LEAD_RETRY_SECONDS = 0.5
RESCAN_SECONDS = 60.0  # a full listing even with events: some file systems send none
_UNREADABLE = (OSError, EOFError, ValueError, LookupError, pickle.UnpicklingError)


def join(options: Options, clock: Clock, shared: Shared) -> Library:
    """A worker's library: the newest load published in the run folder, else a load of
    its own (which a leader then publishes whole)."""
    try:
        newest = shared.newest()
    except _UNREADABLE as exc:
        log.warning("the published load could not be read (%s); loading the posts", exc)
        newest = None
    if newest is None:
        return Library(options, clock)
    (first, *rest), generation = newest
    assert isinstance(first, WholeRecord)  # `since(None, …)` starts with a whole record
    library = Library(options, clock, first)
    library.follow(rest, generation)
    return library


class Live:
    """This process's view of the shared blog, and its background thread."""

    def __init__(self, library: Library, shared: Shared, on_change: OnChange | None = None,
                 poll_seconds: float = POLL_SECONDS) -> None:
        self.library = library
        self.shared = shared
        self.on_change = on_change
        self.poll_seconds = poll_seconds
        self._lock = threading.Lock()  # one reload or catch-up at a time
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None
        # A reload read but not published (writing its record failed): the loader holds
        # changes that no later update carries, so the next record must be whole.
        self._unpublished = False
        self._listing: _Listing | None = None  # a full listing being taken (`_catch_up`)

    def snapshot(self) -> Snapshot:
        """The current snapshot, following the leader's newest generation."""
        generation = self.shared.generation()
        # 0: nothing published yet, so nothing to follow (a load of one's own, such as a
        # warm-started worker's, has None until then: it must not try on every request).
        if generation != self.library.generation and generation:
            self._follow(generation)
        return self.library.snapshot()

    def _follow(self, generation: int) -> None:
        with self._lock:
            if generation == self.library.generation:
                return
            for attempt in (1, 2):  # once more at once: a record may have been pruned
                try:
                    records = self.shared.since(self.library.generation, generation)
                except _UNREADABLE as exc:
                    log.debug("generation %s not readable (%s), attempt %d", generation, exc,
                              attempt)
                    continue
                self.library.follow(records, generation)
                return

    def start(self) -> None:
        """Start the background thread (once per process, after any fork)."""
        self._thread = threading.Thread(target=self._run, name="feeds-live", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop watching and leading."""
        self._stop.set()
        self._wake.set()
        if self._watcher is not None:
            self._watcher.stop()
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
        published = self.snapshot()  # go on from the last leader's publications
        self._watcher = Watcher.start(self.library.options.posts, self._wake.set)
        scan_at = time.monotonic()  # at once: changes made while no one was watching
        while not self._stop.is_set():
            if self._watcher.stale():  # the folder was replaced (a redeploy): watch anew
                self._watcher.stop()
                self._watcher = Watcher.start(self.library.options.posts, self._wake.set)
                scan_at = time.monotonic()
            polling = self._watcher.observer is None
            wait = self.poll_seconds if polling else 5 * POLL_SECONDS
            self._wake.wait(max(0.0, min(wait, scan_at - time.monotonic())))
            if self._wake.is_set():
                time.sleep(SETTLE_SECONDS)
                self._wake.clear()
            paths = self._watcher.take()
            due = time.monotonic() >= scan_at
            if due:
                scan_at = time.monotonic() + RESCAN_SECONDS
            try:
                self._catch_up(paths, polling, due)
                published = self._announce(published)
            except Exception:  # the watcher must outlive any one bad reload
                log.exception("reload failed")

    def _catch_up(self, paths: set[str] | None, polling: bool, due: bool) -> None:
        """Read what the events name at once. A full listing, when one is due, is taken
        in a thread of its own, the named files read meanwhile (at 100,000 files it
        takes 0.6 s: a post written then would wait for it); it is taken at once when
        an event only a listing can place came, or when polling."""
        if polling or paths is None:
            self.reload()
            return
        if due and self._listing is None:
            loader = self.library.loader
            self._listing = _Listing(loader.options.posts, loader.listing, self._wake.set)
        if paths:
            self.reload(paths)
        listing = self._listing
        if listing is not None and listing.done.is_set():
            self._listing = None
            self._reload_listed(listing)

    def reload(self, paths: set[str] | None = None) -> None:
        """Read what changed (only `paths`, when known); publish it, when anything did.

        The new version is published before this worker serves it: serving it
        first would let a poller see it here, then the old one at a follower.
        """
        with self._lock:
            loader = self.library.loader
            try:
                reload = loader.update(paths) if paths is not None else None
                if reload is None:
                    self._listing = None  # older than this listing: of no more use
                    reload = loader.load()
                elif self._listing is not None:
                    self._listing.heard.update(paths or ())
            except FeedsError as exc:
                log.error("reload failed: %s", exc)
                return
            self._publish(reload)

    def _reload_listed(self, listing: _Listing) -> None:
        """A reload from a listing taken in its thread (`_catch_up`)."""
        if listing.result is None:
            log.error("listing %s failed: %s", self.library.options.posts, listing.failed)
            return
        with self._lock:
            try:
                reload = self.library.loader.load(listing.result, listing.heard)
            except FeedsError as exc:
                log.error("reload failed: %s", exc)
                return
            self._publish(reload)

    def _publish(self, reload: Reload) -> None:
        """Log and share a reload that changed anything (the caller holds the lock)."""
        stats = reload.stats
        if not reload.changed:  # nothing another process holds differs: the same version
            return
        log.info("reload: %d files read, %d errors, %.1f ms", stats.files_read,
                 stats.errors, stats.seconds * 1000)
        self._share(reload)

    def _share(self, reload: Reload) -> None:
        """Append a reload to the run folder for the other workers, then serve it (the
        caller holds the lock)."""
        loader = self.library.loader
        candidate = self.library.candidate(reload.loaded)
        behind = self.library.generation != self.shared.generation()
        whole = reload.rebuilt or behind or self._unpublished  # else no load to apply to
        loaded_at = reload.loaded.loaded_at
        try:
            generation = self.shared.append(loader.whole_record(loaded_at) if whole
                                            else reload.update_record())
        except BaseException:
            self._unpublished = True
            raise
        self._unpublished = False
        self.library.replace(reload.loaded, candidate)
        self.library.generation = generation
        if not whole and self.shared.checkpoint_due(generation):
            self.shared.checkpoint(generation, loader.whole_record(loaded_at))

    def _announce(self, published: Snapshot) -> Snapshot:
        """Tell `on_change` about a new version (a file change or a post coming due)."""
        current = self.library.snapshot()
        if current.version != published.version and self.on_change is not None:
            try:
                self.on_change(published, current)
            except Exception:
                log.exception("change notification failed")
        return current


class _Listing:
    """A full listing of the posts folder taken in a thread of its own, and the files
    read one by one (`Live.reload`) while it was taken (`Loader.load`'s `heard`)."""

    def __init__(self, root: Path, previous: sources.Listing | None,
                 done: Callable[[], None]) -> None:
        self.heard: set[str] = set()
        self.result: sources.Listing | None = None
        self.failed: BaseException | None = None
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(root, previous, done), name="feeds-listing",
                         daemon=True).start()

    def _run(self, root: Path, previous: sources.Listing | None,
             done: Callable[[], None]) -> None:
        try:
            self.result = sources.list_files(root, previous)
        except BaseException as exc:  # e.g. the folder gone: told by the next reload
            self.failed = exc
        finally:
            self.done.set()
            done()


class Watcher:
    """File events of the posts folder, gathered as the paths they name.

    `take` hands over the paths named since the last call (relative to the
    folder), or None when some event needs a full listing to be understood.
    """

    def __init__(self, folder: Path, wake: Callable[[], None]) -> None:
        # The real path: watchdog does not follow a link to the folder (it would watch
        # the link itself and hear nothing), and names events by the path it watches.
        self.folder = os.path.realpath(folder).rstrip(os.sep) + os.sep
        self.wake = wake
        self.observer: Any = None
        self._paths: set[str] | None = set()
        self._lock = threading.Lock()
        self._identity = _identity(self.folder)
        self._replaced = False

    @classmethod
    def start(cls, folder: Path, wake: Callable[[], None]) -> Watcher:
        """A watcher with its observer running (none: the leader polls instead)."""
        watcher = cls(folder, wake)
        if watcher._identity is not None:
            watcher.observer = _watch(Path(watcher.folder), watcher.event, watcher.parent_event)
        return watcher

    def stale(self) -> bool:
        """Whether the folder watched is gone or another one now has its name: an
        inotify watch dies with its folder, and a new folder has none."""
        return self._replaced or _identity(self.folder) != self._identity

    def parent_event(self, *paths: str) -> None:
        """An event in the folder holding the posts folder: only the posts folder's own
        name matters (deleted, created, moved), and then it must be watched anew."""
        if self.folder.rstrip(os.sep) in paths:
            self._replaced = True
            self.wake()

    def event(self, kind: str, is_directory: bool, *paths: str) -> None:
        """Note one file event (watchdog's kind, whether of a folder, its paths)."""
        if kind in ("opened", "closed_no_write") or (is_directory and kind == "modified"):
            return  # reads; a folder "modified" means an entry changed, which has its own
        with self._lock:
            if self._paths is not None:
                rels = [self._relative(path) for path in paths]
                if is_directory or None in rels:
                    self._paths = None
                else:
                    self._paths.update(rel for rel in rels if rel)
        self.wake()

    def _relative(self, path: str) -> str | None:
        return path[len(self.folder):] if path.startswith(self.folder) else None

    def take(self) -> set[str] | None:
        """The paths named since the last call; None: list the whole folder."""
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths

    def stop(self) -> None:
        """Stop the observer."""
        if self.observer is not None:
            with contextlib.suppress(Exception):
                self.observer.stop()


def _identity(folder: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(folder)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _watch(folder: Path, note: Callable[..., None], note_parent: Callable[..., None]) -> Any:
    """A watchdog observer telling `note` of every event in the folder, and
    `note_parent` of those beside it; None means: poll instead."""
    try:
        from watchdog.events import FileSystemEventHandler  # noqa: PLC0415
        from watchdog.observers import Observer  # noqa: PLC0415
    except ImportError:
        return None

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            note(event.event_type, event.is_directory, *_paths(event))

    class ParentHandler(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            note_parent(*_paths(event))

    observer = Observer()
    try:
        observer.schedule(Handler(), os.path.abspath(folder), recursive=True)
        observer.schedule(ParentHandler(), os.path.dirname(os.path.abspath(folder)))
        observer.daemon = True
        observer.start()
    except OSError as exc:  # e.g. out of inotify watches
        log.warning("watching %s failed (%s); polling every %.1f s", folder, exc, POLL_SECONDS)
        return None
    return observer


def _paths(event: Any) -> list[str]:
    return [os.fsdecode(p) for p in (event.src_path, getattr(event, "dest_path", "")) if p]
