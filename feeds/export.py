"""`feeds build`: every address of the blog written as files, for any web server.

The bytes are those `feeds serve` sends for the same base URL: the same `Site`
renders them and the same gzip function makes the `.gz` twins. A re-run writes
only the files whose bytes changed and removes the ones no longer published.
Large blogs are rendered on every core, each process writing its share.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from feeds.delivery import COMPRESSIBLE_MIN, gzip_body
from feeds.library import Library
from feeds.render.site import Site

MANIFEST = ".feeds-build.json"
PARALLEL_FROM = 2000  # addresses: fewer are written faster than processes start
_CHUNK = 500
_MOST = 4 * _CHUNK  # a larger group is cut: one process would render most of the blog
Progress = Callable[[Iterator[int], int], Iterator[int]]


@dataclass(frozen=True)
class BuildStats:
    """What a build did."""

    files: int
    written: int
    removed: int


# The site of the build in progress and the keys of the last build's documents, for
# the processes forked to render it: they start from the bodies the parent rendered.
_SITE: Site | None = None
_BEFORE: dict[str, str] = {}


def export(library: Library, out: Path, progress: Progress | None = None) -> BuildStats:
    """Write every address of the current snapshot under `out`."""
    global _SITE, _BEFORE
    _SITE, _BEFORE = Site(library.snapshot(), keep=False), _read_manifest(out)
    _FOLDERS.clear()  # folders may have gone since an earlier export in this process
    chunks = plan(_SITE, list(_SITE.addresses()))
    results = _render_chunks(chunks, out)
    steps = progress(iter(range(len(chunks))), len(chunks)) if progress else None
    files: dict[str, str] = {}
    written = 0
    for names, count in results:
        files.update(names)
        written += count
        if steps is not None:
            next(steps, None)
    for asset in sorted(library.loaded.assets):
        source = library.asset(asset)
        if source is not None:  # copied from the file opened inside posts/, never a path
            with source:
                data = source.read()
            files["files/" + asset] = ""
            written += _write_if_changed(out / "files" / asset, data)
    return BuildStats(len(files), written, _remove_stale(out, files))


def plan(site: Site, addresses: list[str]) -> list[list[str]]:
    """The addresses in chunks, as processes take them. Documents that show the same
    post go in one chunk with the post's page, so its body is rendered once in the
    build (a process keeps more bodies than a chunk shows) rather than once in each
    process that needs it; only a group larger than `_MOST` is cut."""
    chunks: list[list[str]] = []
    for group in _groups(site, addresses):
        if chunks and len(chunks[-1]) + len(group) <= _CHUNK:
            chunks[-1].extend(group)
        else:
            chunks.extend(group[i:i + _MOST] for i in range(0, len(group), _MOST))
    return chunks


def _groups(site: Site, addresses: list[str]) -> list[list[str]]:
    """The addresses grouped by the posts their documents share (every document of a
    folder together), in the order they are listed."""
    parent: dict[str, str] = {}  # folder -> another folder of its group (union-find)
    first: dict[str, str] = {}  # post -> the first folder that shows it
    for address in addresses:
        folder = _folder(address)
        parent.setdefault(folder, folder)
        for post in site.shown(address):
            parent[_root(parent, first.setdefault(post.slug, folder))] = _root(parent, folder)
    members: dict[str, list[str]] = {}
    for address in addresses:
        members.setdefault(_root(parent, _folder(address)), []).append(address)
    return list(members.values())


def _folder(address: str) -> str:
    return address[:address.rfind("/") + 1]


def _root(parent: dict[str, str], item: str) -> str:
    while parent[item] != item:
        parent[item] = parent[parent[item]]  # halve the path for the next look-up
        item = parent[item]
    return item


def _render_chunks(chunks: list[list[str]], out: Path) -> Iterator[tuple[dict[str, str], int]]:
    cores = min(os.cpu_count() or 1, 8)
    if sum(map(len, chunks)) < PARALLEL_FROM or cores < 2:
        yield from (_render_chunk(chunk, out) for chunk in chunks)
        return
    with ProcessPoolExecutor(max_workers=cores) as pool:
        yield from pool.map(_render_chunk, chunks, [out] * len(chunks))


def _render_chunk(addresses: list[str], out: Path) -> tuple[dict[str, str], int]:
    """Render and write some addresses; the files they made (with the keys of their
    documents) and how many changed. A post's or archive page whose key is the last
    build's is not rendered again."""
    site = _SITE
    assert site is not None
    names: dict[str, str] = {}
    written = 0
    for address in addresses:
        name, key = file_for(address), site.key_of(address) or ""
        if key and _BEFORE.get(name) == key and (out / name).exists():
            names[name] = key
            if name + ".gz" in _BEFORE and (out / (name + ".gz")).exists():
                names[name + ".gz"] = ""
            continue
        body = site.document(address).body
        names[name] = key
        written += _write_if_changed(out / name, body)
        if len(body) >= COMPRESSIBLE_MIN:
            names[name + ".gz"] = ""
            written += _write_if_changed(out / (name + ".gz"), gzip_body(body))
    return names, written


def file_for(address: str) -> str:
    """The file an address is kept in: folders get index.html."""
    return address + "index.html" if address == "" or address.endswith("/") else address


_FOLDERS: set[Path] = set()  # made already, in this process


def _write_if_changed(path: Path, body: bytes) -> bool:
    """Write `body` unless the file holds it already; atomically (temporary file, rename)."""
    try:
        if path.stat().st_size == len(body) and path.read_bytes() == body:
            return False
    except OSError:
        pass
    if path.parent not in _FOLDERS:
        path.parent.mkdir(parents=True, exist_ok=True)
        _FOLDERS.add(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "wb") as handle:
        handle.write(body)
        os.fchmod(handle.fileno(), 0o644)
    os.replace(temporary, path)
    return True


def _read_manifest(out: Path) -> dict[str, str]:
    """What the last build wrote: file -> key of its document ("" when it has none)."""
    try:
        found = json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    if isinstance(found, list):  # written by an older feeds: no keys
        return {str(name): "" for name in found}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _remove_stale(out: Path, wanted: dict[str, str]) -> int:
    """Remove what an earlier build wrote and this one did not; record this one."""
    manifest = out / MANIFEST
    stale = sorted(set(_read_manifest(out)) - set(wanted))
    for rel in stale:
        (out / rel).unlink(missing_ok=True)
    for folder in sorted({(out / rel).parent for rel in stale}, key=lambda p: -len(p.parts)):
        if folder != out and folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
    manifest.write_text(json.dumps(dict(sorted(wanted.items())), indent=0))
    return len(stale)
