"""The only code that lists and reads files under the posts folder.

It knows file names, encodings, size limits, symbolic-link rules and how front
matter is split from a body; it knows nothing of what the fields mean.
"""

from __future__ import annotations

import os
import secrets
import stat as stat_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from feeds import formats
from feeds.errors import PostError, Problem, Severity
from feeds.settings import BLOG_FILE
from feeds.sources import folder
from feeds.sources.frontmatter import (
    Limits,
    RawPost,
    decode,
    split,
)

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


def list_files(root: Path) -> Listing:
    """Walk the posts folder: posts (sorted, with stat keys), assets, problems.

    Links are followed only while they stay inside (`feeds.sources.folder`); a folder
    that cannot be listed is named in `unreadable`, so that a reload keeps the
    posts it held."""
    walk = _Walk(os.fspath(root))
    root_fd = folder.open_root(walk.root)
    try:
        walk.seen.add(_identity(os.fstat(root_fd)))
        walk.folder(root_fd, "")
    finally:
        os.close(root_fd)
    posts = {rel: key for rel, key in walk.files.items() if _is_post_name(rel)}
    assets = {rel: key for rel, key in walk.files.items() if rel not in posts}
    return Listing(dict(sorted(posts.items())), frozenset(assets),
                   dict(sorted(assets.items())), tuple(walk.problems), tuple(walk.links),
                   tuple(walk.unreadable))


class _Walk:
    """One listing of the posts folder: what it found and what it refused."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: dict[str, StatKey] = {}
        self.problems: list[Problem] = []
        self.links: list[str] = []
        self.unreadable: list[str] = []
        self.seen: set[tuple[int, int]] = set()  # folders walked: a link back is no loop

    def folder(self, fd: int, prefix: str) -> None:
        try:
            entries = sorted(os.scandir(fd), key=lambda e: e.name)
        except OSError as exc:
            self._unreadable(prefix, exc)
            return
        for entry in entries:
            if not is_ignored(entry.name):
                self._entry(fd, entry, prefix + entry.name)

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

    def _entry(self, fd: int, entry: os.DirEntry[str], rel: str) -> None:
        if undecodable(rel):
            self.problems.append(Problem(shown_name(rel), None, Severity.WARNING,
                                         "file name is not valid UTF-8; ignored"))
            return
        try:
            if entry.is_symlink():
                self.links.append(rel)
                self._link(rel)
            else:
                self._found(fd, entry.name, rel, entry.stat(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            pass  # vanished while listing: the next listing will not see it either
        except OSError as exc:
            self.problems.append(Problem(rel, None, Severity.WARNING, _os_reason(exc)))

    def _found(self, parent: int, name: str, rel: str, stat: os.stat_result) -> None:
        if stat_module.S_ISREG(stat.st_mode):
            self.files[rel] = key_of(stat)
        elif stat_module.S_ISDIR(stat.st_mode):
            if _identity(stat) in self.seen:
                return  # a link back to a folder already walked
            self.seen.add(_identity(stat))
            self._subfolder(parent, name, rel + "/")
        else:
            self.problems.append(Problem(rel, None, Severity.WARNING,
                                         f"is {folder.kind_name(stat.st_mode)}, not a "
                                         "regular file; ignored"))

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
            if _hidden_parts(found.real):
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


def _is_post_name(name: str) -> bool:
    return formats.of(name) is not None


def _hidden_parts(parts: tuple[str, ...]) -> bool:
    return any(is_ignored(part) for part in parts)


@dataclass(frozen=True)
class Seen:
    """What a change at one path means, told without listing the folder: a post
    file and its stat key (None: it is gone), or `scan` (only a full listing can
    tell: a folder, an asset, the blog file, a symbolic link on the way), or
    neither (a name the listing ignores)."""

    post: bool = False
    key: StatKey | None = None
    scan: bool = False


def seen(root: Path, rel: str) -> Seen:
    """What the listing would now say of the path `rel` (relative to `root`)."""
    parts = rel.split("/")
    if rel == BLOG_FILE or any(p in ("", ".", "..") for p in parts):
        return Seen(scan=True)
    if any(is_ignored(part) for part in parts):
        return Seen()
    if not _is_post_name(parts[-1]):
        return Seen(scan=True)
    return _seen_post(root, rel, parts)


def _seen_post(root: Path, rel: str, parts: list[str]) -> Seen:
    try:
        for depth in range(1, len(parts)):
            if stat_module.S_ISLNK(os.lstat(root.joinpath(*parts[:depth])).st_mode):
                return Seen(scan=True)
        stat = os.lstat(root / rel)
    except (FileNotFoundError, NotADirectoryError):
        return Seen(post=True)
    except OSError:
        return Seen(scan=True)
    if not stat_module.S_ISREG(stat.st_mode):  # a link or a folder with a post's name
        return Seen(scan=True)
    return Seen(post=True, key=key_of(stat))


def stat_key(root: Path, rel: str) -> StatKey | None:
    """The stat key of the file `rel` names, or None when there is none."""
    try:
        stat = folder.stat_file(os.fspath(root), rel)
    except OSError:
        return None
    return key_of(stat)


def open_asset(root: Path, rel: str) -> BinaryIO | None:
    """The asset an address names, opened (the caller closes it), or None if it is
    not a servable asset. Serve and copy from this file, never from its path."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or is_ignored(p) or "\\" in p for p in parts):
        return None
    if _is_post_name(parts[-1]) or "\x00" in rel or len(rel) > 1024 or undecodable(rel):
        return None
    try:
        return _open_inside(root, rel)
    except (OSError, PostError, ValueError):  # e.g. a name too long for the file system
        return None


def asset_size(root: Path, rel: str) -> int | None:
    """Size in bytes of an asset, or None when there is no such asset."""
    handle = open_asset(root, rel)
    if handle is None:
        return None
    with handle:
        return os.fstat(handle.fileno()).st_size


def read_post(root: Path, rel: str, limits: Limits | None = None,
              header_fields: frozenset[str] = frozenset(), private: bool = False) -> RawPost:
    """Read and split one post file; raise PostError naming the file on any fault.

    `header_fields` are the field names that may open a `Key: value` block.
    """
    try:
        with _open_inside(root, rel, private) as handle:
            stat = os.fstat(handle.fileno())
            data = _read_limited(handle, rel, (limits or Limits()).file_bytes, stat.st_size)
    except OSError as exc:
        raise PostError(rel, None, _os_reason(exc)) from exc
    text = decode(data, rel)
    mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
    return split(text, rel, mtime, limits or Limits(), header_fields)


def _open_inside(root: Path, rel: str, private: bool = False) -> BinaryIO:
    """Open a regular file of the posts folder for reading, never one outside it,
    never a link's target outside, never a FIFO or device (`feeds.sources.folder`)."""
    parts = rel.split("/")
    if not private and any(is_ignored(part) for part in parts):
        raise PostError(rel, None, "is a private or hidden file")

    def allowed(real: tuple[str, ...]) -> bool:
        return private or not _hidden_parts(real)

    try:
        fd = folder.open_file(os.fspath(root), rel, allowed)
    except folder.Refused as exc:
        raise PostError(rel, None, exc.reason) from exc
    return os.fdopen(fd, "rb")


def _read_limited(handle: BinaryIO, rel: str, max_bytes: int, size: int) -> bytes:
    """The file's bytes, at most `max_bytes`; `size` (from fstat) sizes the first read: a
    read of `max_bytes` would allocate megabytes for every small post."""
    data = handle.read(min(size, max_bytes) + 1)
    if len(data) > size:  # it grew since: the rest, still within the limit
        data += handle.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise PostError(rel, None, f"file is larger than the limit of {max_bytes} bytes")
    return data


HEAD_BYTES = 8 * 1024


def read_head(root: Path, rel: str, limits: Limits | None = None,
              header_fields: frozenset[str] = frozenset()) -> RawPost:
    """Like `read_post`, but of a large file only the front matter and the start of
    the body are read (an index needs no more); text files are read whole, since a
    page saved as text is understood from its end too."""
    limits = limits or Limits()
    if formats.of_post(rel).whole_file:
        return read_post(root, rel, limits, header_fields)
    try:
        with _open_inside(root, rel) as handle:
            stat = os.fstat(handle.fileno())
            if stat.st_size > limits.file_bytes:
                raise PostError(rel, None, "file is larger than the limit of "
                                f"{limits.file_bytes} bytes")
            data = handle.read(HEAD_BYTES + 1)
    except OSError as exc:
        raise PostError(rel, None, _os_reason(exc)) from exc
    if len(data) <= HEAD_BYTES:  # the whole file
        return split(decode(data, rel), rel, datetime.fromtimestamp(stat.st_mtime, UTC),
                     limits, header_fields)
    text = decode(data[: data.rfind(b"\n") + 1], rel)  # whole lines: no cut character
    try:
        return split(text, rel, datetime.fromtimestamp(stat.st_mtime, UTC), limits,
                     header_fields)
    except PostError:  # front matter longer than the head: read it all
        return read_post(root, rel, limits, header_fields)


def read_blog(root: Path) -> RawPost | None:
    """Read `_blog.md` if the folder has one (an empty one: every setting has its
    default)."""
    try:
        with _open_inside(root, BLOG_FILE, private=True) as handle:
            stat = os.fstat(handle.fileno())
            data = _read_limited(handle, BLOG_FILE, Limits().file_bytes, stat.st_size)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise PostError(BLOG_FILE, None, _os_reason(exc)) from exc
    if not data.strip():
        return None
    return split(decode(data, BLOG_FILE), BLOG_FILE, datetime.fromtimestamp(stat.st_mtime, UTC),
                 Limits(), frozenset())


def _os_reason(exc: OSError) -> str:
    reasons = {
        FileNotFoundError: "file vanished while it was being read",
        PermissionError: "file cannot be read (permission denied)",
        IsADirectoryError: "is a folder, not a file",
    }
    return reasons.get(type(exc), f"cannot be read: {exc.strerror or exc}")


def create_post(root: Path, name: str, text: str) -> Path:
    """Write a new post file atomically; FileExistsError if the name is taken.

    The text goes to a temporary file first, then is linked in under its name,
    which fails rather than replace a file that exists. The file's mode is the
    umask's, as for any file one saves (not a temporary file's private 0600).
    """
    target = root / name
    temporary = root / f".new-{secrets.token_hex(8)}.tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.link(temporary, target)
    finally:
        os.unlink(temporary)
    return target
