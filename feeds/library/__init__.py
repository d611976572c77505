"""What is published: the index, the catalog, loads and reloads, and the facade.

Other stages use `Library` and the records it hands out, from here. The facade is
imported on first use of one of its names, not with the package: a warm restart of
`feeds serve` reads its front documents (`feeds.library.front`) from the index
without loading the rest of the stage (140 ms of imports).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the facade re-exports its stage
    from feeds.library.core import (
        Clock,
        Library,
        Loaded,
        Options,
        Reload,
        ReloadStats,
        Snapshot,
        UpdateRecord,
        WholeRecord,
        snapshot_of,
        system_clock,
    )

# The names of `feeds.library.core.__all__` (tests/test_library.py checks they agree).
__all__ = ["Clock", "Library", "Loaded", "Options", "Reload", "ReloadStats", "Snapshot",
           "UpdateRecord", "WholeRecord", "snapshot_of", "system_clock"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from feeds.library import core  # noqa: PLC0415 - on first use, see above

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
