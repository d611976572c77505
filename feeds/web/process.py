"""This process's live blog: the run folder it shares, its library and watcher.

`feeds serve` gives the app its run folder and the library it loaded before
forking; anyone else (the three-line `app.py` under `flask run`, the tests)
gets a run folder of its own, removed when the process ends.
"""

from __future__ import annotations

import atexit
import shutil

from feeds.library import Clock, Library, Options
from feeds.library.live import Live, join
from feeds.library.shared import Shared
from feeds.web.notify import hub_notifier


def own_run_folder() -> Shared:
    """A run folder for this process alone: no server owns it, so nobody else would
    remove it (atexit: it goes when the interpreter exits)."""
    shared = Shared.create()
    atexit.register(shutil.rmtree, shared.folder, True)
    return shared


def live_blog(options: Options, clock: Clock, shared: Shared | None = None,
              library: Library | None = None) -> Live:
    """The blog kept current in `shared` (not watching yet), telling hubs of changes.

    `library`: loaded already by the server, used as it is; without it a load the
    run folder published is reused, else the folder is loaded."""
    if shared is None:
        shared = own_run_folder()
    if library is None:
        library = join(options, clock, shared)
    return Live(library, shared, on_change=hub_notifier())
