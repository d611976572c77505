"""`feeds build`: every address of the blog written as files, for any web server.

The bytes are those `feeds serve` sends for the same base URL: the same `Site`
renders them and the same gzip function makes the `.gz` twins. A re-run writes
only the files whose bytes changed and removes the ones no longer published.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from feeds.delivery import COMPRESSIBLE_MIN, gzip_body
from feeds.library import Library
from feeds.render.site import Site

MANIFEST = ".feeds-build.json"


@dataclass(frozen=True)
class BuildStats:
    """What a build did."""

    files: int
    written: int
    removed: int


def export(library: Library, out: Path,
           progress: Callable[[Iterator[str], int], Iterator[str]] | None = None) -> BuildStats:
    """Write every address of the current snapshot under `out`."""
    site = Site(library.snapshot())
    addresses = list(site.addresses())
    wanted: dict[str, bytes] = {}
    for address in progress(iter(addresses), len(addresses)) if progress else addresses:
        body = site.document(address).body
        wanted[file_for(address)] = body
        if len(body) >= COMPRESSIBLE_MIN:
            wanted[file_for(address) + ".gz"] = gzip_body(body)
    for asset in sorted(library.loaded.assets):
        source = library.asset(asset)
        if source is not None:
            wanted["files/" + asset] = source.read_bytes()
    written = sum(_write_if_changed(out / rel, body) for rel, body in wanted.items())
    removed = _remove_stale(out, set(wanted))
    return BuildStats(len(wanted), written, removed)


def file_for(address: str) -> str:
    """The file an address is kept in: folders get index.html."""
    return address + "index.html" if address == "" or address.endswith("/") else address


def _write_if_changed(path: Path, body: bytes) -> bool:
    try:
        if path.stat().st_size == len(body) and path.read_bytes() == body:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
        handle.write(body)
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)
    return True


def _remove_stale(out: Path, wanted: set[str]) -> int:
    """Remove what an earlier build wrote and this one did not; record this one."""
    manifest = out / MANIFEST
    try:
        before = set(json.loads(manifest.read_text()))
    except (OSError, ValueError):
        before = set()
    stale = sorted(before - wanted)
    for rel in stale:
        (out / rel).unlink(missing_ok=True)
    for folder in sorted({(out / rel).parent for rel in stale}, key=lambda p: -len(p.parts)):
        if folder != out and folder.is_dir() and not any(folder.iterdir()):
            shutil.rmtree(folder, ignore_errors=True)
    manifest.write_text(json.dumps(sorted(wanted), indent=0))
    return len(stale)
