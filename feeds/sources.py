"""The only code that lists and reads files under the posts folder.

It knows file names, encodings, size limits, symbolic-link rules and how front
matter is split from a body; it knows nothing of what the fields mean.
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from feeds.errors import PostError, Problem, Severity
from feeds.frontmatter import (
    Limits,
    RawPost,
    decode,
    split,
)

POST_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html"})
BLOG_FILE = "_blog.md"
StatKey = tuple[int, int, int]


@dataclass(frozen=True)
class Listing:
    """What the posts folder holds: post files with their stat keys, assets, problems.

    A post's stat key (size, modification time in ns, inode) changes whenever
    the file is written or replaced; an unchanged key means an unchanged file.
    """

    posts: Mapping[str, StatKey] = field(default_factory=dict)
    assets: frozenset[str] = frozenset()
    asset_keys: Mapping[str, StatKey] = field(default_factory=dict)
    problems: tuple[Problem, ...] = field(default=())
    # The symbolic links met: a change to a file reached through one is heard under
    # the real file's name only, so only a new listing can tell what it changed.
    links: tuple[str, ...] = ()


def is_ignored(name: str) -> bool:
    """Hidden, private (`_`) and editor leftover names are never posts or assets."""
    if name.startswith(("_", ".", ".#")) or name.endswith(("~", ".swp", ".tmp")):
        return True
    return name.startswith("#") and name.endswith("#")


def list_files(root: Path) -> Listing:
    """Walk the posts folder: posts (sorted, with stat keys), assets, link warnings."""
    real_root = root.resolve()
    posts: dict[str, StatKey] = {}
    assets: dict[str, StatKey] = {}
    problems: list[Problem] = []
    links: list[str] = []
    for rel, key in _walk(real_root, real_root, "", problems, set(), links=links):
        if _is_post_name(rel):
            posts[rel] = key
        else:
            assets[rel] = key
    return Listing(dict(sorted(posts.items())), frozenset(assets),
                   dict(sorted(assets.items())), tuple(problems), tuple(links))


def _walk(
    root: Path, folder: Path, prefix: str, problems: list[Problem], seen: set[Path],
    *, links: list[str],
) -> Iterator[tuple[str, StatKey]]:
    seen.add(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(prefix or ".", None, Severity.ERROR, _os_reason(exc)))
        return
    for entry in entries:
        if is_ignored(entry.name):
            continue
        rel = prefix + entry.name
        try:
            if entry.is_symlink():  # only a link can lead outside the folder
                links.append(rel)
                target = _inside(root, Path(entry.path), rel, problems)
                if target is None:
                    continue
            else:
                target = None
            if entry.is_dir():
                folder_path = target or Path(entry.path)
                if folder_path not in seen:
                    yield from _walk(root, folder_path, rel + "/", problems, seen, links=links)
            elif entry.is_file():
                stat = entry.stat()
                yield rel, (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            continue  # vanished while listing: the next scan will not see it either


def _is_post_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in POST_SUFFIXES


def _inside(root: Path, path: Path, rel: str, problems: list[Problem],
            private: bool = False) -> Path | None:
    """The real path of `path` if it lies inside `root` (and is not private unless
    `private`), else None, with a warning when a link led there."""
    real = path.resolve()
    inside = real == root or root in real.parents
    if inside and (private or not _hidden(real.relative_to(root))):
        return real
    if path.is_symlink():
        problems.append(
            Problem(rel, None, Severity.WARNING,
                    "symbolic link points outside the posts folder (or to a private "
                    "name); ignored")
        )
    return None


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
    return Seen(post=True, key=(stat.st_size, stat.st_mtime_ns, stat.st_ino))


def stat_key(path: Path) -> StatKey | None:
    """The stat key of a file, or None when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _hidden(rel: Path) -> bool:
    """A path through a private (`_`), hidden or leftover name."""
    return any(is_ignored(part) for part in rel.parts)


def resolve_asset(root: Path, rel: str) -> Path | None:
    """The real file an asset address names, or None if it is not a servable asset."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or is_ignored(p) or "\\" in p for p in parts):
        return None
    if _is_post_name(parts[-1]) or "\x00" in rel or len(rel) > 1024:
        return None
    try:
        real_root = root.resolve()
        target = _inside(real_root, real_root.joinpath(*parts), rel, [])
        return target if target is not None and target.is_file() else None
    except (OSError, ValueError):  # e.g. a name too long for the file system
        return None


def asset_size(root: Path, rel: str) -> int | None:
    """Size in bytes of an asset, or None when there is no such asset."""
    target = resolve_asset(root, rel)
    return target.stat().st_size if target else None


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
    """Open a file of the posts folder for reading, never one outside it.

    The common case costs one open: no link on the way (the folders are checked
    with lstat, the file is opened with O_NOFOLLOW). Through a link, the real path
    is resolved and checked first.
    """
    parts = rel.split("/")  # strings, not Paths: this runs once per post read
    if not private and any(is_ignored(part) for part in parts):
        raise PostError(rel, None, "is a private or hidden file")
    base = os.fspath(root)
    folders = [os.path.join(base, *parts[:depth]) for depth in range(1, len(parts))]
    if not any(stat_module.S_ISLNK(os.lstat(folder).st_mode) for folder in folders):
        try:
            return os.fdopen(os.open(os.path.join(base, rel), os.O_RDONLY | os.O_NOFOLLOW),
                             "rb")
        except OSError as exc:
            if exc.errno != errno.ELOOP:  # ELOOP: the file itself is a link
                raise
    if _inside(root.resolve(), root / rel, rel, [], private) is None:
        raise PostError(rel, None, "lies outside the posts folder")
    return open(root / rel, "rb")


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
    if rel.lower().endswith(".txt"):
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
    """Read `_blog.md` if the folder has one."""
    path = root / BLOG_FILE
    if not path.is_file() or not path.read_bytes().strip():
        return None  # no description, or an empty one: every setting has its default
    return read_post(root, BLOG_FILE, private=True)


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
    which fails rather than replace a file that exists.
    """
    target = root / name
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=root, prefix=".new-",
                                     suffix=".tmp", delete=False) as handle:
        handle.write(text)
    try:
        os.link(handle.name, target)
    finally:
        os.unlink(handle.name)
    return target
