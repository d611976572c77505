"""What `feeds import` reads: an export file or a feed, from disk or over HTTP.

The source is the one thing outside the posts folder feeds ever reads, and only
because the publisher names it on the command line. Its size is bounded, a URL is
fetched with a timeout, and only `http` and `https` are followed.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from feeds import __version__
from feeds.errors import PostError

MAX_SOURCE_BYTES = 256 * 1024 * 1024  # a large WordPress export, not a disk
TIMEOUT = 30.0


@dataclass(frozen=True)
class Source:
    """The bytes of an import source, with the name messages give it and, for a URL,
    the address it came from (a feed's relative links resolve against it)."""

    name: str
    data: bytes
    url: str | None = None


def read_source(source: str, limit: int = MAX_SOURCE_BYTES) -> Source:
    """Read `source`: an http(s) URL, else a file path."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return Source(source, _download(source, limit), source)
    if len(scheme) > 1:  # a Windows drive letter is no scheme
        raise PostError(source, None, f"cannot import from a {scheme}: address "
                        "(give a file or an http(s) URL)")
    return Source(source, _read_file(Path(source), limit))


def _read_file(path: Path, limit: int) -> bytes:
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise PostError(str(path), None, f"cannot read: {exc.strerror or exc}") from exc
    return _bounded(str(path), data, limit)


def _download(url: str, limit: int) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": f"feeds/{__version__} import"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if urlsplit(response.geturl()).scheme.lower() not in ("http", "https"):
                raise PostError(url, None, "redirected away from http(s): not followed")
            return _bounded(url, response.read(limit + 1), limit)
    except urllib.error.HTTPError as exc:
        raise PostError(url, None, f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise PostError(url, None, f"cannot fetch: {reason}") from exc


def _bounded(name: str, data: bytes, limit: int) -> bytes:
    if len(data) > limit:
        raise PostError(name, None, f"larger than {limit // (1024 * 1024)} MB: not imported")
    return data


def post_holds(root: Path, name: str, line: str) -> bool:
    """Whether the post file `name` in `root` has `line` as one of its lines (an import
    run again finds the entries it wrote by their `id:` line). Links are not followed."""
    try:
        fd = os.open(root / name, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_SOURCE_BYTES)
    except OSError:
        return False
    return line in data.decode("utf-8", "replace").splitlines()
