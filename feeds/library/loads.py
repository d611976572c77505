"""What a load of the posts folder gives, and the records that tell another process of it.

A `Loader` (`feeds.library.loader`) makes a `Reload` each time it reads: the
`Loaded` that comes of it, with what changed. Workers of one server pass on
loads as records (`feeds.library.shared`): a `WholeRecord` of all a loader
knows, for a worker that starts or lost track, or an `UpdateRecord` of what one
reload changed, for the workers that hold the load before it. Both are plain
data (`feeds.library.records`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from feeds.errors import Problem
from feeds.library.postlist import PostList
from feeds.library.reading import FileState
from feeds.model import Blog, Post
from feeds.sources import files as sources

Changes = Mapping[str, FileState | None]  # new reads by path; None: the file is gone
# What the reading of every post depends on besides its file: the blog file's key and
# every asset's (an enclosure's length is read from its file).
ContextKey = tuple[sources.StatKey | None, tuple[tuple[str, sources.StatKey], ...]]


@dataclass(frozen=True)
class Loaded:
    """What a load of the posts folder gives (`Loader.assemble`): the blog, its posts
    (not drafts) newest first, drafts, problems. `Snapshot`s are made from it."""

    blog: Blog
    posts: PostList
    problems: tuple[Problem, ...]
    assets: frozenset[str]
    loaded_at: datetime
    drafts: tuple[Post, ...] = ()


@dataclass(frozen=True)
class WholeRecord:
    """All a Loader knows (`Loader.whole_record`), for another process to go on from
    (`Loader.adopt`): a worker that starts, or lost track, begins with one."""

    files: dict[str, FileState]
    context_key: ContextKey | None
    blog: Blog
    blog_problems: tuple[Problem, ...]
    assets: frozenset[str]
    listing_problems: tuple[Problem, ...]
    loaded_at: datetime


@dataclass(frozen=True)
class UpdateRecord:
    """One reload told as what it changed (`Reload.update_record`), for processes that
    hold the load before it (`Loader.apply`)."""

    changes: Changes
    listing_problems: tuple[Problem, ...]
    loaded_at: datetime
    # The new assets and context key, when only the assets changed (see `Loader._blog_change`).
    context: tuple[ContextKey, frozenset[str]] | None = None


@dataclass(frozen=True)
class ReloadStats:
    """What one (re)load did, for the log line."""

    files_read: int
    errors: int
    seconds: float


@dataclass(frozen=True)
class Reload:
    """One (re)load: its result, what it changed, and whether every post was read again
    (the blog file or an asset changed)."""

    loaded: Loaded
    stats: ReloadStats
    changes: Changes
    rebuilt: bool
    listing_problems: tuple[Problem, ...]
    listing_changed: bool = False
    # Only the assets changed (and the posts that name files were read again): the new
    # context key, with the assets in `loaded`.
    context_key: ContextKey | None = None

    @property
    def changed(self) -> bool:
        """Whether anything another process holds differs after this reload."""
        return bool(self.changes) or self.rebuilt or self.listing_changed or \
            self.context_key is not None

    def update_record(self) -> UpdateRecord:
        """This reload for the processes that hold the load before it."""
        context = (self.context_key, self.loaded.assets) if self.context_key else None
        return UpdateRecord(self.changes, self.listing_problems, self.loaded.loaded_at, context)
