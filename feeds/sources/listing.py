"""Listing the posts folder: which files are posts, which are assets, and the stat
key that tells, without reading a file, that it is unchanged.

Apart from `feeds.sources.files` (which reads the files) so that a warm restart can
list the folder without importing the readers (`feeds.library.front`).
"""

from __future__ import annotations

import os
import stat as stat_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from feeds import formats
from feeds.errors import Problem, Severity
from feeds.sources import folder

# Size, modification time, inode and change time. The change time is there because no
# one can set it: a rewrite that keeps the size and restores the modification time
# (rsync -t, tar, `touch -r`) still changes it, so any listing sees the new version.
StatKey = tuple[int, int, int, int]


def key_of(stat: os.stat_result) -> StatKey:
    """The stat key of a file: what says, without reading it, that it is unchanged."""
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns)


@dataclass(frozen=True)
class Listing:
    """What the posts folder holds: post files with their stat keys, assets, problems.

    A post's stat key (`key_of`) changes whenever the file is written or replaced;
    an unchanged key means an unchanged file.
    """

    posts: Mapping[str, StatKey] = field(default_factory=dict)
    assets: frozenset[str] = frozenset()
    asset_keys: Mapping[str, StatKey] = field(default_factory=dict)
    problems: tuple[Problem, ...] = field(default=())
    # The symbolic links met: a change to a file reached through one is heard under
    # the real file's name only, so only a new listing can tell what it changed.
    links: tuple[str, ...] = ()
    # Folders that could not be listed ("sub/"; "" for the posts folder): what they
    # held before is kept, not taken as deleted.
    unreadable: tuple[str, ...] = ()


# Jekyll's folder of posts: a blog moved from Jekyll keeps it (issue 11).
JEKYLL_POSTS = "_posts"


def is_ignored(name: str) -> bool:
    """Hidden, private (`_`) and editor leftover names are never posts or assets;
    `_posts` is read, as Jekyll keeps a blog's posts there (docs/reference.md §2)."""
    if name == JEKYLL_POSTS:
        return False
    if name.startswith(("_", ".", ".#")) or name.endswith(("~", ".swp", ".tmp")):
        return True
    return name.startswith("#") and name.endswith("#")


def list_files(root: Path, previous: Listing | None = None) -> Listing:
    """Walk the posts folder: posts (sorted, with stat keys), assets, problems.

    Links are followed only while they stay inside (`feeds.sources.folder`); a folder
    that cannot be listed is named in `unreadable`, so that a reload keeps the
    posts it held. `previous`: a listing of the same folder, whose stat keys (and
    tables, when nothing changed) this one holds where they are equal."""
    before = previous or Listing()
    walk = _Walk(os.fspath(root), (before.posts, before.asset_keys))
    root_fd = folder.open_root(walk.root)
    try:
        walk.seen.add(_identity(os.fstat(root_fd)))
        walk.folder(root_fd, "")
    finally:
        os.close(root_fd)
    if walk.kept == len(walk.files) == len(before.posts) + len(before.asset_keys):
        # Nothing changed: the tables before, not new ones (a running server lists its
        # folder every minute; at 100,000 files each listing held anew was 30 MB).
        posts, asset_keys, assets = before.posts, before.asset_keys, before.assets
    else:
        names = sorted(walk.files)
        posts = {rel: walk.files[rel] for rel in names if is_post_name(rel)}
        asset_keys = {rel: walk.files[rel] for rel in names if rel not in posts}
        assets = frozenset(asset_keys)
    return Listing(posts, assets, asset_keys, tuple(walk.problems), tuple(walk.links),
                   tuple(walk.unreadable))


class _Walk:
    """One listing of the posts folder: what it found and what it refused."""

    def __init__(self, root: str, held: tuple[Mapping[str, StatKey], ...] = ()) -> None:
        self.root = root
        self.held = held  # the stat keys of a listing before, to keep where equal
        self.kept = 0  # how many of them were equal
        self.files: dict[str, StatKey] = {}
        self.problems: list[Problem] = []
        self.links: list[str] = []
        self.unreadable: list[str] = []
        self.seen: set[tuple[int, int]] = set()  # folders walked: a link back is no loop

    def folder(self, fd: int, prefix: str) -> None:
        try:
            # Names only, sorted (the walk is the same on every file system): directory
            # entries, each with its stat once asked, held 400 bytes a file until the
            # folder was done (40 MB at 100,000 files, on every listing of a server).
            names = os.listdir(fd)
            names.sort()
        except OSError as exc:
            self._unreadable(prefix, exc)
            return
        for name in names:
            if not is_ignored(name):
                self._entry(fd, name, prefix + name)

    def _subfolder(self, parent: int, name: str, prefix: str) -> None:
        try:
            child = os.open(name, folder.DIR_FLAGS, dir_fd=parent)
        except (FileNotFoundError, NotADirectoryError):
            raise  # gone since it was listed: `_entry` drops it, it is no problem
        except OSError as exc:
            self._unreadable(prefix, exc)
            return
        try:
            self.folder(child, prefix)
        finally:
            os.close(child)

    def _unreadable(self, prefix: str, exc: OSError) -> None:
        self.problems.append(Problem(prefix.rstrip("/") or ".", None, Severity.ERROR,
                                     f"folder cannot be listed: {exc.strerror or exc}"))
        self.unreadable.append(prefix)

    def _entry(self, fd: int, name: str, rel: str) -> None:
        if undecodable(rel):
            self.problems.append(Problem(shown_name(rel), None, Severity.WARNING,
                                         "file name is not valid UTF-8; ignored"))
            return
        try:
            stat = os.stat(name, dir_fd=fd, follow_symlinks=False)
            if stat_module.S_ISLNK(stat.st_mode):
                self.links.append(rel)
                self._link(rel)
            else:
                self._found(fd, name, rel, stat)
        except (FileNotFoundError, NotADirectoryError):
            pass  # vanished while listing: the next listing will not see it either
        except OSError as exc:
            self.problems.append(Problem(rel, None, Severity.WARNING, os_reason(exc)))

    def _found(self, parent: int, name: str, rel: str, stat: os.stat_result) -> None:
        if stat_module.S_ISREG(stat.st_mode):
            self.files[rel] = self._kept(rel, key_of(stat))
        elif stat_module.S_ISDIR(stat.st_mode):
            if _identity(stat) in self.seen:
                return  # a link back to a folder already walked
            self.seen.add(_identity(stat))
            self._subfolder(parent, name, rel + "/")
        else:
            self.problems.append(Problem(rel, None, Severity.WARNING,
                                         f"is {folder.kind_name(stat.st_mode)}, not a "
                                         "regular file; ignored"))

    def _kept(self, rel: str, key: StatKey) -> StatKey:
        for keys in self.held:
            old = keys.get(rel)
            if old is not None:
                self.kept += old == key
                return old if old == key else key
        return key

    def _link(self, rel: str) -> None:
        root_fd = folder.open_root(self.root)
        try:
            found = folder.find(self.root, root_fd, rel)
        except folder.Refused as exc:
            self.problems.append(Problem(rel, None, Severity.WARNING, _refusal(exc)))
            return
        finally:
            os.close(root_fd)
        try:
            if hidden_parts(found.real):
                self.problems.append(Problem(rel, None, Severity.WARNING, LINK_OUTSIDE))
                return
            stat = os.stat(found.name, dir_fd=found.parent, follow_symlinks=False)
            self._found(found.parent, found.name, rel, stat)
        finally:
            os.close(found.parent)


LINK_OUTSIDE = ("symbolic link points outside the posts folder (or to a private name); "
                "ignored")


def _refusal(exc: folder.Refused) -> str:
    if "outside" in exc.reason:
        return LINK_OUTSIDE
    return f"{exc.reason}; ignored"


def _identity(stat: os.stat_result) -> tuple[int, int]:
    return (stat.st_dev, stat.st_ino)


def undecodable(name: str) -> bool:
    """A name the file system gave as bytes that are not UTF-8 (Python keeps them as
    lone surrogates): it cannot go into a feed, an index row or a log line as is."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shown_name(name: str) -> str:
    """A name safe to print, with the bytes that are not UTF-8 as escapes."""
    raw = name.encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "backslashreplace")


def is_post_name(name: str) -> bool:
    return formats.of(name) is not None


def hidden_parts(parts: tuple[str, ...]) -> bool:
    return any(is_ignored(part) for part in parts)


def stat_key(root: Path, rel: str) -> StatKey | None:
    """The stat key of the file `rel` names, or None when there is none."""
    try:
        stat = folder.stat_file(os.fspath(root), rel)
    except OSError:
        return None
    return key_of(stat)


def os_reason(exc: OSError) -> str:
    reasons = {
        FileNotFoundError: "file vanished while it was being read",
        PermissionError: "file cannot be read (permission denied)",
        IsADirectoryError: "is a folder, not a file",
    }
    return reasons.get(type(exc), f"cannot be read: {exc.strerror or exc}")
