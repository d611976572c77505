"""Opening names inside the posts folder, never anything outside it.

A path is walked one component at a time, each opened relative to the folder
before it with `O_NOFOLLOW`, so no symbolic link is ever followed by the
kernel: a link met on the way is read (`readlink`) and its target walked the
same way from the posts folder, and only while it stays inside. What is opened
is then checked with `fstat` (a regular file) and is the only thing read: a
file swapped for a link, a FIFO or a device between a check and a read is
never read (docs/reference.md §2).
"""

from __future__ import annotations

import errno
import os
import stat as stat_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MAX_LINKS = 40  # links followed in one walk, as the kernel allows: more is a loop
DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Refused(OSError):
    """A name that may not be opened: outside the folder, a loop, not a regular file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Found:
    """Where a walk ended: the folder that holds the name (a descriptor the caller
    closes), the name, and the real path inside the posts folder."""

    parent: int
    name: str
    real: tuple[str, ...]


def kind_name(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = ((stat_module.S_ISFIFO, "a FIFO"), (stat_module.S_ISSOCK, "a socket"),
             (stat_module.S_ISCHR, "a device"), (stat_module.S_ISBLK, "a device"),
             (stat_module.S_ISDIR, "a folder"))
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def open_root(root: str) -> int:
    """A descriptor of the posts folder itself (the operator's path: a link there is
    the operator's choice and is followed)."""
    return os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def find(root: str, root_fd: int, rel: str) -> Found:
    """Walk `rel` from the posts folder, following links only while they stay inside.

    Raises Refused for a link outside or a loop, OSError for a missing name.
    """
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    real: list[str] = []
    fd = os.dup(root_fd)
    links = 0
    try:
        while True:
            if not parts:
                raise Refused("is a symbolic link to the posts folder itself")
            name = parts.pop(0)
            if name == "..":  # only a link's target says `..`: walk again from the root
                if not real:
                    raise Refused("is a symbolic link that points outside the posts folder")
                parts = real[:-1] + parts
                real.clear()
                os.close(fd)
                fd = os.dup(root_fd)
                continue
            mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            if stat_module.S_ISLNK(mode):
                links += 1
                if links > MAX_LINKS:
                    raise Refused("is a symbolic link loop")
                parts, fd = _through_link(root, root_fd, fd, name, rest=parts, real=real)
                continue
            if not parts:
                return Found(fd, name, (*real, name))
            fd = _down(fd, name)
            real.append(name)
    except BaseException:
        os.close(fd)
        raise


def _down(fd: int, name: str) -> int:
    try:
        child = os.open(name, DIR_FLAGS, dir_fd=fd)
    finally:
        os.close(fd)
    return child


def _through_link(root: str, root_fd: int, fd: int, name: str, *, rest: list[str],
                  real: list[str]) -> tuple[list[str], int]:
    """The parts left to walk after the link `name`, and the folder to walk them from."""
    try:
        target = os.readlink(name, dir_fd=fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:
            raise
        return [name, *rest], fd  # no longer a link since the check: look again
    if os.path.isabs(target):
        inside = os.path.relpath(os.path.normpath(target), os.path.realpath(root))
        if inside == ".." or inside.startswith("../"):
            raise Refused("is a symbolic link that points outside the posts folder")
        os.close(fd)
        real.clear()
        return [p for p in inside.split("/") if p not in ("", ".")] + rest, os.dup(root_fd)
    return [p for p in target.split("/") if p not in ("", ".")] + rest, fd


def open_file(root: str, rel: str, allowed: Callable[[tuple[str, ...]], bool]) -> int:
    """A descriptor of the regular file `rel` names inside the posts folder.

    `allowed` judges the real path (e.g. no private names). The file is opened
    without blocking (a FIFO cannot hang the caller) and checked after opening.
    """
    with _located(root, rel) as found:
        if not allowed(found.real):
            raise Refused("is a symbolic link to a private or hidden name")
        mode = os.stat(found.name, dir_fd=found.parent, follow_symlinks=False).st_mode
        if not stat_module.S_ISREG(mode):
            raise Refused(f"is {kind_name(mode)}, not a regular file")
        return _open_regular(found)


@contextmanager
def _located(root: str, rel: str) -> Iterator[Found]:
    """`find` from a descriptor of the posts folder; the folder found is closed after."""
    root_fd = open_root(root)
    try:
        found = find(root, root_fd, rel)
    finally:
        os.close(root_fd)
    try:
        yield found
    finally:
        os.close(found.parent)


def _open_regular(found: Found) -> int:
    try:
        fd = os.open(found.name, _FILE_FLAGS, dir_fd=found.parent)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # swapped for a link since the check
            raise Refused("was replaced by a symbolic link while being opened") from exc
        raise
    mode = os.fstat(fd).st_mode
    if not stat_module.S_ISREG(mode):  # swapped for something else since the check
        os.close(fd)
        raise Refused(f"is {kind_name(mode)}, not a regular file")
    return fd


def stat_file(root: str, rel: str) -> os.stat_result:
    """The stat of what `rel` names (links inside followed as by `find`), not opened."""
    with _located(root, rel) as found:
        return os.stat(found.name, dir_fd=found.parent, follow_symlinks=False)
