"""`feeds build`: every address of the blog written as files, for any web server.

The bytes are those `feeds serve` sends for the same base URL: the same `Site`
renders them and the same gzip function makes the `.gz` twins. A re-run writes
only the files whose bytes changed and removes the ones no longer published.
Large blogs are rendered on several cores, each process writing its share.
Files are written and removed only through `feeds.export.tree`: never through a
link, never outside OUT (docs/deploy.md, "Static export").
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from feeds.export.hosts import host_files, keeps_twins
from feeds.export.ping import changed_feeds
from feeds.export.redirects import write_redirects
from feeds.export.tree import MANIFEST, Entry, Tree, digest
from feeds.library import Library, Options
from feeds.render.site import Site
from feeds.web.delivery import COMPRESSIBLE_MIN, gzip_body

__all__ = ["MANIFEST", "BuildStats", "export", "file_for", "plan"]

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
    changed_feeds: tuple[str, ...] = ()  # URLs of the feeds whose bytes changed
    rendered: int = 0  # bodies rendered (the others were kept in the index)


@dataclass(frozen=True)
class _Job:
    """What a process rendering chunks needs: the library and its site, OUT, the last
    build's files."""

    library: Library
    site: Site
    tree: Tree
    before: dict[str, Entry]
    twins: bool = True  # `.gz` twins: not for a host that compresses by itself


def export(library: Library, out: Path, progress: Progress | None = None,
           processes: int | None = None, host: str | None = None) -> BuildStats:
    """Write every address of the current snapshot under `out` (with `processes`
    rendering processes; None: as many as help, for a large blog), and the files
    `host` reads (feeds.export.hosts). OutputError if another build is writing
    `out`, or a file stands where a folder goes."""
    out.mkdir(parents=True, exist_ok=True)
    with Tree(out) as tree:
        tree.lock()
        tracked = tree.tracked()  # what earlier builds wrote, finished or killed
        journaled = {rel for rel, _ in tree.journaled()}  # a killed build's files
        library.keep_bodies()  # a rebuild renders only the bodies that changed
        first = library.rendered
        job = _Job(library, Site(library.snapshot(), keep=False), tree, tree.manifest(),
                   keeps_twins(host))
        addresses = list(job.site.addresses())
        _clear_folders(tree, tracked, {file_for(a) for a in addresses})
        chunks = plan(job.site, addresses)
        results = _render_chunks(job, chunks, library.options, processes)
        steps = progress(iter(range(len(chunks))), len(chunks)) if progress else None
        files, written, rendered = _gather(results, steps)
        rendered += library.rendered - first  # in this process: planning, or every chunk
        assets, copied = _copy_assets(library, tree)
        files.update(assets)
        moved, redirected = write_redirects(job.site.snapshot, tree)
        files.update(moved)
        written += _write_host(tree, host, files, job.site.snapshot.blog.cache_seconds)
        removed = _remove_stale(tree, tracked, journaled, files)
        tree.finish(files)
    changed = tuple(changed_feeds(job.site, job.before, files))
    if library.kept_bodies is not None:  # what this process rendered
        library.kept_bodies.save()
    return BuildStats(len(files), written + copied + redirected, removed, changed, rendered)


def _copy_assets(library: Library, tree: Tree) -> tuple[dict[str, Entry], int]:
    """Copy the posts folder's assets under files/; the files and how many changed."""
    files: dict[str, Entry] = {}
    written = 0
    for asset in sorted(library.loaded.assets):
        source = library.asset(asset)
        if source is not None:  # copied from the file opened inside posts/, never a path
            with source:
                data = source.read()
            files["files/" + asset] = Entry("", digest(data))
            written += tree.write("files/" + asset, data, files["files/" + asset].digest)
    return files, written


def _gather(results: Iterable[tuple[dict[str, Entry], int, int]],
            steps: Iterator[int] | None) -> tuple[dict[str, Entry], int, int]:
    files: dict[str, Entry] = {}
    written = rendered = 0
    for names, count, bodies in results:
        files.update(names)
        written += count
        rendered += bodies
        if steps is not None:
            next(steps, None)
    return files, written, rendered


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


def _render_chunks(job: _Job, chunks: list[list[str]], options: Options,
                   processes: int | None) -> Iterator[tuple[dict[str, Entry], int, int]]:
    if processes is None:
        processes = min(os.cpu_count() or 1, 8) if sum(map(len, chunks)) >= PARALLEL_FROM else 1
    if processes < 2:
        yield from ((*_render_chunk(job, chunk), 0) for chunk in chunks)
        return
    if job.library.kept_bodies is not None:  # rendered while planning: not the children's
        job.library.kept_bodies.save()
    # Forked processes start from this site; others (forkserver, spawn) load the blog
    # themselves: a site does not pickle. Either way they get it as arguments.
    forked = multiprocessing.get_start_method() == "fork"
    source: _Job | Options = job if forked else options
    with ProcessPoolExecutor(max_workers=processes, initializer=_start,
                             initargs=(source, job.tree.out, job.before, job.twins)) as pool:
        yield from pool.map(_render_in_child, chunks)


_CHILD: list[_Job] = []  # in a rendering process only: its job, set by `_start`


def _start(source: _Job | Options, out: Path, before: dict[str, Entry], twins: bool) -> None:
    """In a new rendering process: its own library and site (unless it was forked with
    them), its own connection to the index and descriptor of OUT."""
    if isinstance(source, _Job):
        library, site = source.library, source.site
        library.loader.after_fork()
    else:
        library = Library(source)
        site = Site(library.snapshot(), keep=False)
    library.keep_bodies()
    _CHILD[:] = [_Job(library, site, Tree(out), before, twins)]


def _render_in_child(addresses: list[str]) -> tuple[dict[str, Entry], int, int]:
    """`_render_chunk` in a rendering process, and how many bodies it rendered."""
    library = _CHILD[0].library
    before = library.rendered
    names, written = _render_chunk(_CHILD[0], addresses)
    return names, written, library.rendered - before


def _render_chunk(job: _Job, addresses: list[str]) -> tuple[dict[str, Entry], int]:
    """Render and write some addresses; the files they made (with the keys of their
    documents) and how many changed. A post's or archive page whose key is the last
    build's, still in OUT with the bytes recorded, is not rendered again; the bodies
    rendered are kept in the index for the next build."""
    names: dict[str, Entry] = {}
    written = 0
    for address in addresses:
        name, key = file_for(address), job.site.key_of(address) or ""
        kept = _kept(job, name, key)
        if kept:
            names.update(kept)
            continue
        body = job.site.document(address).body
        written += _write(job.tree, names, name, key, body)
        if job.twins and len(body) >= COMPRESSIBLE_MIN:
            written += _write(job.tree, names, name + ".gz", "", gzip_body(body))
    if job.library.kept_bodies is not None:
        job.library.kept_bodies.save()
    return names, written


def _write(tree: Tree, names: dict[str, Entry], name: str, key: str, body: bytes) -> bool:
    """Write a document's file, recorded in `names` with its stat (what the next build
    checks to keep it); whether it changed."""
    sha = digest(body)
    written = tree.write(name, body, sha)
    names[name] = Entry(key, sha, tree.stat(name))
    return written


def _kept(job: _Job, name: str, key: str) -> dict[str, Entry]:
    """The files of a document the last build wrote, if they are still as it wrote
    them (its .gz twin too, when this build makes twins); else nothing."""
    entry, twin = job.before.get(name), job.before.get(name + ".gz")
    if not key or entry is None or entry.key != key or not job.tree.unchanged(name, entry):
        return {}
    if not job.twins:  # a twin the last build made goes with the other stale files
        return {name: entry}
    if twin is None or not job.tree.unchanged(name + ".gz", twin):
        return {}  # rendered again: its twin is made when it is large enough
    return {name: entry, name + ".gz": twin}


def file_for(address: str) -> str:
    """The file an address is kept in: folders, and addresses without an extension
    (`about`: GitHub Pages and S3 would send such a file as a download), get
    index.html; every host answers `/about` with a redirect to `/about/`."""
    if address == "" or address.endswith("/"):
        return address + "index.html"
    return address if "." in address.rpartition("/")[2] else address + "/index.html"


def _write_host(tree: Tree, host: str | None, files: dict[str, Entry], seconds: int) -> int:
    """Write the files `host` reads beside the site (none without a host); add them
    to `files`; how many changed."""
    if host is None:
        return 0
    extra = host_files(host, os.path.realpath(tree.out), list(files), seconds)
    files.update({name: Entry("", digest(body)) for name, body in extra.items()})
    return sum(tree.write(name, body, files[name].digest) for name, body in extra.items())


def _clear_folders(tree: Tree, tracked: dict[str, set[str]], wanted: set[str]) -> None:
    """Remove a file an earlier build wrote where this one needs a folder (`about`,
    now `about/index.html`), before the folder is made."""
    folders = {name.rsplit("/", i)[0] for name in wanted for i in range(1, name.count("/") + 1)}
    for rel in sorted(folders & set(tracked)):
        tree.remove(rel, tracked[rel])


def _remove_stale(tree: Tree, tracked: dict[str, set[str]], journaled: set[str],
                  wanted: dict[str, Entry]) -> int:
    """Remove what earlier builds wrote and this one did not (if still as they wrote
    it), then the folders that left empty; how many files went."""
    # A killed build's temporary files, whatever the blog: every file is journaled before
    # its temporary file is made, so only journaled files can have one.
    for rel in sorted(journaled):
        tree.sweep(rel)
    stale = sorted(set(tracked) - set(wanted))
    removed = sum(tree.remove(rel, tracked[rel]) for rel in stale)
    for folder in sorted({rel.rpartition("/")[0] for rel in stale} - {""},
                         key=lambda f: -f.count("/")):
        tree.prune(folder)
    return removed
