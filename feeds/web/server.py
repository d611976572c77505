"""`feeds serve`: the app under a production WSGI server.

granian (HTTP in Rust) is the default: with our document fast path it answers
about half as many requests a second as nginx sending the same file with
`sendfile` (`bench/serve`). gunicorn (threaded workers) is the alternative.
Either way the blog is loaded once, by this process, and published in the run
folder; every worker starts from that load, one of them then leads (see
`feeds.library.shared`).

A warm restart loads nothing here: when the index holds valid front documents
(`feeds.library.front`), the workers answer with them while each loads the blog
itself (`feeds.web.warm`). So this module imports the blog's stages only when it
loads the blog.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import importlib
import logging
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from feeds.library import front
from feeds.library.options import Options, system_clock
from feeds.library.shared import Shared

if TYPE_CHECKING:  # the blog's stages and flask are imported when a load is needed
    from feeds.library import Library
    from feeds.render.site import Site
    from feeds.web.served import Current

SERVERS = ("granian", "gunicorn")
RUN_DIR = "FEEDS_RUN_DIR"
RUN_PREFIX = "feeds-run-"  # the run folders `Shared.create` makes
OWNER = "owner"  # in a run folder: pid and start time of the server that made it
UNCLAIMED_SECONDS = 600  # a run folder without owner is taken as left behind after this
THREADS = 4  # request threads per worker: enough to hide slow clients, few for the GIL
RESPAWN_PAUSES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)  # s, before respawning after 1, 2, ... crashes
# s a stopping worker is given before it is killed: a SIGTERM that reaches a worker before
# granian has set up its signals is lost, and granian would wait for it for ever.
STOP_SECONDS = 5


def log_like_the_server() -> None:
    """Our lines (reloads, hub notifications) with a time, process and level, on stderr."""
    logger = logging.getLogger("feeds")
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(asctime)s] [%(process)d] [%(levelname)s] "
                                           "%(message)s", "%Y-%m-%d %H:%M:%S %z"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


# The blog as this process loaded it, for workers forked from it (granian forks on
# Linux): they start from it at once, instead of reading the published load.
_PRELOADED: Library | None = None
_AHEAD: Site | None = None  # and the documents rendered from it (`render_ahead`)
# Or, on a warm restart: the front documents, and until when they may be answered.
_WARM: tuple[front.Front, float] | None = None


def run(options: Options, host: str, port: int, workers: int, server: str = "granian") -> None:
    """Load the blog once (unless the restart is warm), start the workers, serve until
    stopped."""
    global _WARM  # noqa: PLW0603 - set once, before the workers are forked
    log_like_the_server()
    if server == "granian" and multiprocessing.get_start_method() == "fork":
        checked = time.monotonic()
        kept = front.load(options, system_clock)
        if kept is not None:
            from feeds.web.warm import FRESH_SECONDS  # noqa: PLC0415 - light, warm only

            _WARM = (kept, checked + FRESH_SECONDS)
            logging.getLogger("feeds").info("warm start: serving the feeds kept for %s",
                                            options.posts)
            _serve(options, kept.base_url, (host, port, workers, server))
            return
    library = _load(options)
    _serve(options, library.snapshot().blog.base_url, (host, port, workers, server), library)


def _load(options: Options) -> Library:
    """The blog loaded, its front documents rendered and kept for the next start."""
    global _PRELOADED, _AHEAD  # noqa: PLW0603 - set once, before the workers are forked
    from feeds.library import Library  # noqa: PLC0415 - see the module's docstring
    from feeds.web.served import render_ahead  # noqa: PLC0415
    from feeds.web.warm import keep  # noqa: PLC0415

    importlib.import_module("feeds.web.app")  # flask too: the forked workers share it
    library = Library(options)  # fails here, before any worker, on a bad setting
    _AHEAD = render_ahead(library)
    keep(library, _AHEAD)
    if library.loader.index is not None:
        library.loader.index.shrink()
    _settle_memory()
    _PRELOADED = library
    return library


def _serve(options: Options, base_url: str, bind: tuple[str, int, int, str],
           library: Library | None = None) -> None:
    """Make the run folder, start the workers (`bind`: host, port, workers, server)."""
    host, port, workers, server = bind
    sweep_run_folders()
    shared = Shared.create()
    _claim(shared.folder)
    if library is not None and multiprocessing.get_start_method() == "fork":
        library.generation = 0  # every worker starts from this load
    elif library is not None:  # spawned workers read it instead
        library.generation = shared.append(library.whole_record())
    try:
        if server == "gunicorn":
            assert library is not None and _AHEAD is not None
            _gunicorn(options, shared, host, port, workers, library, _AHEAD)
        else:
            _granian(Options(options.posts, base_url, cache=options.cache, lazy=True), shared,
                     host, port, workers)
    finally:
        shutil.rmtree(shared.folder, ignore_errors=True)


def sweep_run_folders(parent: Path | None = None) -> list[Path]:
    """Remove the run folders that servers of this user left when they were killed
    (no `finally` runs on SIGKILL): folders named feeds-run-*, owned by us, whose
    server is gone and whose leader lock no process holds. The ones removed."""
    parent = parent or Path(tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError), os.scandir(parent) as entries:
        for entry in entries:
            if entry.name.startswith(RUN_PREFIX) and _abandoned(entry):
                shutil.rmtree(entry.path, ignore_errors=True)  # rmtree follows no link
                removed.append(Path(entry.path))
    return removed


def _abandoned(entry: os.DirEntry[str]) -> bool:
    try:
        info = entry.stat(follow_symlinks=False)
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        return False
    folder = Path(entry.path)
    owner = _owner(folder)
    if owner is None:  # a server starting this moment, or an older feeds
        gone = time.time() - info.st_mtime > UNCLAIMED_SECONDS
    else:
        gone = _started(owner[0]) != owner[1]
    return gone and not _leader_alive(folder)


def _claim(folder: Path) -> None:
    """Record this process (pid and start time: pids are reused) as the folder's owner."""
    (folder / OWNER).write_text(f"{os.getpid()} {_started(os.getpid())}\n")


def _owner(folder: Path) -> tuple[int, str] | None:
    try:
        fd = os.open(folder / OWNER, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with open(fd) as handle:
            pid, started = handle.read(100).split()
        return int(pid), started
    except (OSError, ValueError):
        return None


def _started(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot); None if there is none."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()[19]  # field 22; the name may hold spaces


def _leader_alive(folder: Path) -> bool:
    """Whether some process (a worker outliving its server) holds the leader lock."""
    try:
        fd = os.open(folder / "leader.lock", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # and with it our shared lock
    return False


_M_ARENA_MAX = -8  # glibc's mallopt parameter
ARENAS = 2  # the main thread's, and one for the others


def _settle_memory() -> None:
    """Before the workers fork: return the load's temporary memory (index rows, the
    pool's results) to the system, or every worker would keep it resident; then
    move the load out of the collector's sight, so that its pages stay shared with
    the workers instead of being copied when a collection visits them. (No
    collection first: posts make no cycles, and one pass over them costs 65 ms at
    10,000 posts to find nothing.)"""
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
        # Each thread (the server's, the leader's listing and watcher) would get a
        # malloc arena of its own, whose freed memory serves no other thread: a worker
        # listing 100,000 files in a thread kept 11 MB more resident than with one.
        libc.mallopt(_M_ARENA_MAX, ARENAS)
    gc.freeze()


def worker_app() -> Any:
    """The app of one granian worker: the options and run folder come by environment."""
    log_like_the_server()
    if _WARM is not None:
        from feeds.web.warm import WarmApp  # noqa: PLC0415 - light, warm only

        return WarmApp(*_WARM, _full_app)
    if _PRELOADED is not None:  # forked from the server: its index connection is not ours
        _PRELOADED.loader.after_fork()
    return _full_app()


def _full_app() -> Any:
    from feeds.web.app import create_app  # noqa: PLC0415 - flask: see the module's docstring

    return create_app(Options.from_environ(lazy=True), shared=Shared(Path(os.environ[RUN_DIR])),
                      library=_PRELOADED, site=_AHEAD)


def _granian(options: Options, shared: Shared, host: str, port: int, workers: int) -> None:
    from granian import Granian  # noqa: PLC0415 - only for this server
    from granian.constants import HTTPModes, Interfaces  # noqa: PLC0415

    # granian's workers import the app afresh: what they need goes by environment
    os.environ.update({RUN_DIR: str(shared.folder), "FEEDS_POSTS": str(options.posts),
                       "FEEDS_BASE_URL": str(options.base_url)})
    if options.cache is not None:
        os.environ["FEEDS_CACHE"] = str(options.cache)
    _patient(Granian)("feeds.web.server:worker_app", address=host.strip("[]"), port=port,
                      workers=workers, interface=Interfaces.WSGI, factory=True,
                      blocking_threads=THREADS, http=HTTPModes.http1, websockets=False,
                      log_access=False, respawn_failed_workers=True,
                      workers_kill_timeout=STOP_SECONDS).serve()


def _patient(granian: type[Any]) -> type[Any]:
    """granian, respawning a crashed worker however often it crashes, after a pause
    that doubles with each crash in quick succession (`RESPAWN_PAUSES`). granian
    alone exits, taking the whole blog down, when a worker it respawned less than
    5.5 s ago crashes again (its crash-loop guard): two crashes of the watching
    worker would do it."""

    class Patient(granian):  # type: ignore[misc]
        crashes: ClassVar[list[float]] = []

        def _respawn_workers(self, workers: list[int], spawn_target: Any, target_loader: Any,
                             delay: float = 0) -> None:
            if delay:  # a planned respawn (reload, lifetime): granian's own way
                super()._respawn_workers(workers, spawn_target, target_loader, delay)
                return
            now = time.monotonic()
            self.crashes[:] = [t for t in self.crashes if now - t < RESPAWN_PAUSES[-1] * 4]
            pause = RESPAWN_PAUSES[min(len(self.crashes), len(RESPAWN_PAUSES) - 1)]
            self.crashes.append(now)
            logging.getLogger("feeds").warning("worker crashed; respawning in %.1f s", pause)
            if self.main_loop_interrupt.wait(pause) and self.interrupt_signal:
                return  # stopping: nothing to respawn
            super()._respawn_workers(workers, spawn_target, target_loader, delay)
            for index in workers:  # so that granian's crash-loop guard never fires
                self.respawned_wrks.pop(index, None)

    return Patient


def _gunicorn_application(app: Any, settings: dict[str, Any]) -> Any:
    """gunicorn with its settings given in code, not read from argv or files (gunicorn
    is imported only when it is asked for: every start of the default server pays
    for what it imports)."""
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                if key in self.cfg.settings:  # older gunicorns lack some settings
                    self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    return Application()


def _start_worker(library: Library, current: Current) -> None:
    """In a gunicorn worker just forked: its own index connection, its own watcher."""
    library.loader.after_fork()
    current.live.start()


def _gunicorn(options: Options, shared: Shared, host: str, port: int,  # noqa: PLR0917
              workers: int, library: Library, site: Site) -> None:
    from feeds.web.app import create_app  # noqa: PLC0415 - flask: see the module's docstring

    app = create_app(options, shared=shared, start=False, library=library, site=site)
    current: Current = app.extensions["feeds"]
    settings = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "feeds",
        "timeout": 30,
        "graceful_timeout": 5,
        "control_socket_disable": True,  # several servers on one machine must not clash
        # Threads do not survive a fork: each worker starts its own watcher.
        "post_fork": lambda _server, _worker: _start_worker(library, current),
        "worker_exit": lambda _server, _worker: current.live.stop(),
    }
    _gunicorn_application(app, settings).run()
