"""The only code that lists and reads files under the posts folder.

It knows file names, encodings, size limits, symbolic-link rules and how front
matter is split from a body; it knows nothing of what the fields mean.
"""

from __future__ import annotations

import os
import secrets
import stat as stat_module
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from feeds import formats
from feeds.errors import PostError
from feeds.settings import BLOG_FILE
from feeds.sources import folder
from feeds.sources.frontmatter import (
    Limits,
    RawPost,
    decode,
    split,
)
from feeds.sources.listing import (
    JEKYLL_POSTS,
    LINK_OUTSIDE,
    Listing,
    StatKey,
    hidden_parts,
    is_ignored,
    is_post_name,
    key_of,
    list_files,
    os_reason,
    shown_name,
    stat_key,
    undecodable,
)

# The listing's names too: the readers' callers have always found them here.
__all__ = [
    "HEAD_BYTES",
    "JEKYLL_POSTS",
    "LINK_OUTSIDE",
    "Limits",
    "Listing",
    "RawPost",
    "Seen",
    "StatKey",
    "asset_size",
    "create_post",
    "decode",
    "hidden_parts",
    "is_ignored",
    "is_post_name",
    "key_of",
    "list_files",
    "open_asset",
    "os_reason",
    "read_blog",
    "read_head",
    "read_post",
    "seen",
    "shown_name",
    "split",
    "stat_key",
    "undecodable",
]


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
    if not is_post_name(parts[-1]):
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


def open_asset(root: Path, rel: str) -> BinaryIO | None:
    """The asset an address names, opened (the caller closes it), or None if it is
    not a servable asset. Serve and copy from this file, never from its path."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or is_ignored(p) or "\\" in p for p in parts):
        return None
    if is_post_name(parts[-1]) or "\x00" in rel or len(rel) > 1024 or undecodable(rel):
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
        raise PostError(rel, None, os_reason(exc)) from exc
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
        return private or not hidden_parts(real)

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
        raise PostError(rel, None, os_reason(exc)) from exc
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
        raise PostError(BLOG_FILE, None, os_reason(exc)) from exc
    if not data.strip():
        return None
    return split(decode(data, BLOG_FILE), BLOG_FILE, datetime.fromtimestamp(stat.st_mtime, UTC),
                 Limits(), frozenset())


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
