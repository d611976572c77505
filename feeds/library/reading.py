"""Reading post files into normalised posts: one by one, or many at once on every core.

Used by the library's loader; each result records the file's stat key, the post
(or the last good one when the file stopped parsing) and its problems.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import logging
import os
import threading
import time
import zlib
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from isal import isal_zlib

from feeds.errors import PostError, Problem, Severity
from feeds.library import records
from feeds.model import Blog, Post
from feeds.normalize.fields import KNOWN_FIELDS
from feeds.normalize.post import Context, normalize_post, page_about
from feeds.sources import files as sources
from feeds.sources import probe
from feeds.sources.frontmatter import Limits, RawPost

log = logging.getLogger("feeds")
PARALLEL_FROM = 400  # files: fewer are read faster than a pool starts
# How close to its modification time a read may miss a second write of the same size
# (file systems with coarse clocks tick up to every 2 s; FAT does).
RACY_NS = 2_000_000_000
_CHUNK = 250
MAX_TEXT_BYTES = 256 * 1024 * 1024  # a kept text unpacks to no more (posts are far smaller)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class Entry:
    """A post as the library keeps it: the post, and what the library knows it by."""

    post: Post
    # A digest of what the file said (`source_digest`): the version of its body, to find
    # its text again (`Loader.text`) and to key the bodies kept.
    source: str
    # A digest of the post and its source: its version, summed into the blog's version
    # (`feeds.library.catalog.weight`) and the key of the pages that show it.
    digest: str
    # The About text of a page saved as text (docs/reference.md §2.3): it describes a
    # blog that has no description (`feeds.library.loader.described`).
    about: str | None = None

    @classmethod
    def of(cls, post: Post, source: str, about: str | None = None) -> Entry:
        """The entry of a post read from a file whose fields and body digest to `source`."""
        digest = hashlib.sha256(repr((post, source)).encode()).hexdigest()[:20]
        return cls(post, source, digest, about)


@dataclass(frozen=True, slots=True)
class FileState:
    """The last read of one post file: its stat key, what to publish, its problems."""

    key: sources.StatKey
    entry: Entry | None  # None: it never read well
    problems: tuple[Problem, ...]
    # Read within RACY_NS of its modification: a second write in the same tick of a
    # coarse clock would leave the key as it is, so the next look reads it again.
    racy: bool = False

    @property
    def post(self) -> Post | None:
        """The post to publish (the last good one, when the file stopped parsing)."""
        return self.entry.post if self.entry is not None else None


@dataclass(frozen=True, slots=True)
class Source:
    """What rendering a post's body needs of its file (`with_body`), kept for its last
    good version: a file that stops parsing still has a body to publish."""

    path: str
    body: str
    body_line: int
    front: str
    fields: tuple[str, ...]

    @classmethod
    def of(cls, raw: RawPost) -> Source:
        """The parts of a read file that its body is rendered from."""
        return cls(raw.path, raw.body, raw.body_line, raw.front, tuple(raw.meta))

    def raw(self, mtime: datetime) -> RawPost:
        """The file as read then, as far as rendering its body goes."""
        return RawPost(self.path, dict.fromkeys(self.fields), {}, self.body, self.body_line,
                       mtime, self.front)

    def packed(self) -> bytes:
        """Compressed plain data, for the index (see `unpacked`)."""
        # ISA-L's deflate: zlib's took a tenth of reading a post (most of it setting up
        # its state for a few kilobytes); any inflater reads the stream.
        return isal_zlib.compress(records.encode(self), 1)


def unpacked(blob: bytes) -> Source | None:
    """A packed Source, or None when the bytes are not one (or would unpack to more than
    any post may hold)."""
    inflate = zlib.decompressobj()
    try:
        data = inflate.decompress(blob, MAX_TEXT_BYTES)
    except zlib.error:
        return None
    return SOURCES.decode(data) if inflate.eof else None


def source_digest(raw: RawPost) -> str:
    """A digest of what a file said (its fields and its body): the version of its body.
    Not of its stat key: a rewrite that keeps size and time is still told apart."""
    digest = hashlib.sha256(repr((dict(raw.meta), raw.front)).encode())
    digest.update(b"\0")  # the body as it is (its repr, escaped, cost three times more)
    digest.update(raw.body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class AssetSizes:
    """Sizes of assets under the posts folder (for enclosures), as a picklable callable."""

    root: Path

    def __call__(self, rel: str) -> int | None:
        return sources.asset_size(self.root, rel)


@dataclass(frozen=True)
class AudioSeconds:
    """Playing times of audio assets (for `itunes:duration`), as a picklable callable."""

    root: Path

    def __call__(self, rel: str) -> float | None:
        return probe.audio_seconds(self.root, rel)


def cover_problems(root: Path, blog: Blog) -> list[Problem]:
    """Apple wants a square cover of 1400 to 3000 pixels: checked when the file is ours
    (the `podcast` image, or the blog's logo standing in for it)."""
    rel = blog.podcast.image_file
    if rel is None or not blog.podcast.declared:
        return []
    size = probe.image_pixels(root, rel)
    if size is not None and size[0] == size[1] and 1400 <= size[0] <= 3000:
        return []
    found = f"{size[0]}x{size[1]} pixels" if size else "not a picture that could be read"
    return [Problem(rel, None, Severity.WARNING, f"the podcast cover is {found}: Apple "
                    "Podcasts wants a square JPEG or PNG of 1400 to 3000 pixels")]


@dataclass(frozen=True)
class Job:
    """What to read: the folder, the context, whether bodies wait (`lazy`)."""

    root: Path
    ctx: Context
    lazy: bool

    @property
    def limits(self) -> Limits:
        blog = self.ctx.blog
        return Limits(blog.max_post_bytes, blog.max_front_matter_bytes)


def read_one(job: Job, rel: str, key: sources.StatKey, before: FileState | None
             ) -> tuple[FileState, Source | None]:
    """Read one file; a failure keeps the last good post and reports the error. With
    `lazy`, the parts its body will be rendered from come too (None: it failed)."""
    try:
        raw = sources.read_post(job.root, rel, job.limits, KNOWN_FIELDS)
        post, warnings = normalize_post(raw, job.ctx, render=not job.lazy)
    except PostError as exc:
        return failed(before, key, exc), None
    except Exception as exc:  # a bug of ours must not take the other posts down
        log.exception("unexpected error reading %s", rel)
        return failed(before, key, PostError(rel, None, f"could not be read ({exc})")), None
    entry = Entry.of(replace(post, extra=plain(post.extra)), source_digest(raw),
                     page_about(raw, job.ctx))
    return (FileState(key, entry, tuple(warnings), racy(key)),
            Source.of(raw) if job.lazy else None)


def plain(extra: tuple[tuple[str, object], ...]) -> tuple[tuple[str, object], ...]:
    """The unknown fields that are plain data (`feeds.library.records`): a value that is not
    (a number beyond 64 bits) is left out, so that every read can be kept and shared."""
    if not extra:
        return extra
    try:
        records.encode(extra)
    except (TypeError, ValueError, OverflowError):
        return tuple(item for item in extra if _encodes(item))
    return extra


def _encodes(value: object) -> bool:
    try:
        records.encode(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return True


def racy(key: sources.StatKey) -> bool:
    """Whether a file with this key was modified so recently that it may change again
    without its key changing."""
    return time.time_ns() - key[1] < RACY_NS


Read = tuple[FileState, bytes | None, bytes | None]  # a read, its record, its packed Source


def read_many(job: Job, wanted: list[tuple[str, sources.StatKey, FileState | None]]
              ) -> Iterator[list[Read]]:
    """Read many files, on every core when there are enough of them, in batches (in the
    order of `wanted`) as they are done: the caller stores one while the next is read.
    Each state comes with its record (`feeds.library.records`) when it was read in another
    process (the index keeps those bytes as they are, instead of encoding it again)."""
    cores = min(os.cpu_count() or 1, 8)
    if len(wanted) < PARALLEL_FROM or cores < 2 or \
            threading.current_thread() is not threading.main_thread():
        yield [(state, None, _pack(source)) for state, source in
               (read_one(job, *item) for item in wanted)]
        return
    chunks = [wanted[i:i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]
    canon = Canon()
    with ProcessPoolExecutor(max_workers=cores) as pool, quiet_gc():
        for chunk, blobs in zip(chunks, pool.map(_read_chunk, [job] * len(chunks), chunks),
                                strict=True):
            yield [(_decoded(blob, rel, key, canon), blob, source)
                   for (rel, key, _), (blob, source) in zip(chunk, blobs, strict=True)]


def _read_chunk(job: Job, items: list[tuple[str, sources.StatKey, FileState | None]]
                ) -> list[tuple[bytes, bytes | None]]:
    with quiet_gc():
        return [(records.encode(state), _pack(source)) for state, source in
                (read_one(job, *item) for item in items)]


def _pack(source: Source | None) -> bytes | None:
    return source.packed() if source is not None else None


STATES = records.Codec(FileState)
SOURCES = records.Codec(Source)


def _decoded(blob: bytes, rel: str, key: sources.StatKey, canon: Canon) -> FileState:
    state = STATES.decode(blob)
    if state is None:  # made by our own child process a moment ago: a bug, loudly
        raise ValueError("a post read in another process did not decode")
    return canon.adopt(state, rel, key)


class Canon:
    """One copy (a canonical one) of what many decoded records hold alike.

    A record decoded from the index or from a reading process comes with copies of its
    own of its stat key (the listing holds one already), its authors (a few people on
    thousands of posts), its tags and its dates: at 10,000 posts that was a fifth of
    the memory the posts take, in every worker. One `Canon` serves one load."""

    def __init__(self) -> None:
        self._seen: dict[object, object] = {}

    def adopt(self, state: FileState, rel: str, key: sources.StatKey) -> FileState:
        """`state` of the file `rel`, decoded a moment ago and held by no one else, made
        to hold the copies kept here (and the listing's path and `key`, when equal) in
        place: its records are frozen against the code that reads them later, not
        against this."""
        if state.key == key:
            object.__setattr__(state, "key", key)
        post = state.post
        if post is not None:
            if post.path == rel:
                object.__setattr__(post, "path", rel)
            object.__setattr__(post, "authors", self._one(post.authors))
            object.__setattr__(post, "tags", self._one(tuple(map(self._one, post.tags))))
            if post.updated == post.date:
                object.__setattr__(post, "updated", post.date)
        return state

    def _one(self, value: _T) -> _T:
        return self._seen.setdefault(value, value)  # type: ignore[return-value]


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while many long-lived objects are made: posts make
    no cycles, and the collector's passes over them cost a third of a load."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def failed(before: FileState | None, key: sources.StatKey, exc: PostError) -> FileState:
    """A failed read: the error, and the last good version if there was one."""
    kept = before.entry if before is not None else None
    note = " (its last good version is still published)" if kept else ""
    error = Problem(exc.path, exc.line, Severity.ERROR, exc.message + note)
    return FileState(key, kept, (*exc.warnings, error), racy(key))
