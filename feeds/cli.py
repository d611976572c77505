"""The command line (docs/reference.md §7): serve, build, new, import, check.
Errors become exit codes here.

Exit codes: 0 success, 1 errors in the posts or the run, 2 bad usage.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from feeds.errors import ConfigError, FeedsError, PostError, Problem, Severity
from feeds.export import HOSTS
from feeds.library.index import default_cache
from feeds.library.options import Options

if TYPE_CHECKING:  # each command imports what it uses: `feeds serve` restarts warm
    from feeds.library import Library  # without them (feeds.web.server)
    from feeds.model import Blog

PROGRESS_FROM = 4  # chunks of 500 addresses: a build shorter than this needs no bar

_POSTS = click.option("--posts", type=click.Path(path_type=Path), default=None,
                      help="posts folder (default: $FEEDS_POSTS or ./posts)")
_CACHE = click.option("--cache", type=click.Path(path_type=Path, file_okay=False),
                      default=None, help="folder of the persistent index (default: "
                      "$FEEDS_CACHE, else the user's cache folder)")
_BASE_URL = click.option("--base-url", default=None,
                         help="public base URL (default: $FEEDS_BASE_URL, _blog.md link, "
                         "else the bind address)")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="feeds")
def main() -> None:
    """feeds: a folder of posts served as RSS, Atom and JSON Feed."""


def _fail(exc: FeedsError) -> NoReturn:
    """Report an error of the posts or settings in plain words; exit 1."""
    if isinstance(exc, ConfigError):
        click.echo(f"_blog.md: error: {exc}", err=True)
    elif isinstance(exc, PostError):
        click.echo(str(exc), err=True)
    else:
        click.echo(f"error: {exc}", err=True)
    sys.exit(1)


def _library(options: Options) -> Library:
    from feeds.library import Library  # noqa: PLC0415 - see the imports

    try:
        library = Library(options)
    except FeedsError as exc:
        _fail(exc)
    return library


# Past this many problems `feeds check` also counts them by kind, most frequent first.
_SUMMARY_AFTER = 10


def _echo_kinds(problems: Sequence[Problem]) -> None:
    """One line per kind of problem, with its count (errors first, then most frequent)."""
    kinds = Counter(p.kind for p in problems)
    click.echo("by kind:")
    for kind, count in sorted(kinds.items(), key=lambda k: (not k[0].startswith("error"),
                                                            -k[1], k[0])):
        click.echo(f"{count:6} {kind}")


@main.command()
@_POSTS
def check(posts: Path | None) -> None:
    """Read every file; print problems and a summary; exit 1 on any error."""
    library = _library(Options.from_environ(posts=posts))
    found = (*library.problems, *library.snapshot().redirects.problems)  # §6.5
    problems = sorted(found, key=lambda p: (p.path, p.line or 0, p.message))
    for problem in problems:
        click.echo(str(problem))
    if len(problems) > _SUMMARY_AFTER:
        _echo_kinds(problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    count = len(library.loaded.posts) + len(library.loaded.drafts)
    click.echo(f"{count} posts, {errors} errors, {warnings} warnings")
    sys.exit(1 if errors else 0)


@main.command()
@_POSTS
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@_BASE_URL
@click.option("--server", type=click.Choice(["granian", "gunicorn"]), default="granian",
              show_default=True, help="the WSGI server")
@click.option("--behind-proxy", is_flag=True, help="a buffering proxy (nginx) is in front: "
              "lets --server gunicorn bind an address other than loopback")
@_CACHE
def serve(posts: Path | None, host: str, port: int, workers: int,  # noqa: PLR0917
          base_url: str | None, server: str, behind_proxy: bool, cache: Path | None) -> None:
    """Serve the blog with a production WSGI server (granian or gunicorn)."""
    from feeds.web.server import run  # noqa: PLC0415 - gunicorn and flask only when serving

    if server == "gunicorn" and not behind_proxy and not _loopback(host):
        click.echo(f"error: --server gunicorn on {host} needs --behind-proxy: its threaded "
                   "workers are held by slow clients (a few connections sending their "
                   "headers slowly stop the server), so it must sit behind a buffering proxy "
                   "such as nginx; granian (the default) can face clients itself "
                   "(docs/deploy.md)", err=True)
        sys.exit(2)
    bind_host = f"[{host}]" if ":" in host else host
    options = Options.from_environ(posts=posts, base_url=base_url, lazy=True,
                                   fallback_url=f"http://{bind_host}:{port}/",
                                   cache=cache or _default_cache())
    try:
        run(options, bind_host, port, workers, server)  # loads before any worker starts
    except FeedsError as exc:
        _fail(exc)




@main.command()
@_POSTS
@_BASE_URL
@_CACHE
@click.option("--processes", default=0, show_default=True, type=click.IntRange(0, 64),
              help="rendering processes (0: one per core, up to 8, for a large blog)")
@click.option("--host", "target", type=click.Choice(HOSTS), default=None,
              help="also write the files this host reads (types, cache headers); "
                   "no .gz twins where it compresses by itself (docs/deploy.md)")
@click.option("--ping", is_flag=True,
              help="notify the blog's WebSub hubs of each feed whose bytes changed")
@click.argument("out", type=click.Path(path_type=Path, file_okay=False))
def build(posts: Path | None, base_url: str | None, cache: Path | None, *,
          processes: int, target: str | None, ping: bool, out: Path) -> None:
    """Write every address of the blog as files (with .gz twins) to OUT."""
    from feeds.export.build import export  # noqa: PLC0415

    options = Options.from_environ(posts=posts, base_url=base_url, fallback_url="", lazy=True,
                                   cache=cache or _default_cache())
    _refuse_overlap(options.posts, out)
    library = _library(options)
    if not library.snapshot().blog.base_url.startswith("http"):
        click.echo("error: feeds build needs --base-url (or `link` in _blog.md)", err=True)
        sys.exit(2)
    try:
        out.mkdir(parents=True, exist_ok=True)
        stats = export(library, out, _progress, processes or None, target)
    except FeedsError as exc:
        _fail(exc)
    except OSError as exc:
        click.echo(f"error: {out}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    errors = sum(p.severity is Severity.ERROR for p in library.problems)
    click.echo(f"{stats.files} files, {stats.written} written, {stats.removed} removed; "
               f"{len(library.snapshot().posts)} posts, {errors} errors; "
               f"{stats.rendered} {'body' if stats.rendered == 1 else 'bodies'} rendered")
    if ping:
        _ping(library.snapshot().blog.hubs, list(stats.changed_feeds))


def _ping(hubs: tuple[str, ...], feeds: list[str]) -> None:
    """`--ping`: notify the hubs of the changed feeds; exit 1 if one was not."""
    from feeds.export.ping import ping  # noqa: PLC0415

    if not hubs:
        click.echo("warning: --ping: the blog names no hub (`hub` in _blog.md)", err=True)
        return
    failures = ping(hubs, feeds)
    for failure in failures:
        click.echo(f"error: websub: {failure}", err=True)
    click.echo(f"websub: {len(feeds)} changed feeds, {len(hubs) - len(failures)} of "
               f"{len(hubs)} hubs notified")
    if failures:
        sys.exit(1)


def _refuse_overlap(posts: Path, out: Path) -> None:
    """OUT must not be the posts folder, nor hold it, nor lie in it: a build would
    overwrite or remove the author's files (or publish its own output). Exit 2."""
    posts_real, out_real = Path(os.path.realpath(posts)), Path(os.path.realpath(out))
    if out_real == posts_real or posts_real in out_real.parents:
        why = "is the posts folder" if out_real == posts_real else "is inside the posts folder"
    elif out_real in posts_real.parents:
        why = "holds the posts folder"
    else:
        return
    click.echo(f"error: {out} {why} ({posts}): feeds build writes and removes files in "
               "OUT; give it a folder of its own", err=True)
    sys.exit(2)


def _loopback(host: str) -> bool:
    """Whether `host` is a loopback address (or `localhost`), reachable from this
    machine only."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _default_cache() -> Path:
    return Path(os.environ["FEEDS_CACHE"]) if os.environ.get("FEEDS_CACHE") else default_cache()


def _progress(items: Iterator[int], length: int) -> Iterator[int]:
    """A progress bar on stderr for long builds."""
    if length < PROGRESS_FROM:
        yield from items
        return
    with click.progressbar(items, length=length, label="rendering", file=sys.stderr) as bar:
        yield from bar


def _title(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    if not value.strip():
        raise click.BadParameter("the title is empty: give the post a title")
    return value.strip()


@main.command()
@_POSTS
@click.argument("title", callback=_title)
@click.option("--author", default=None, help="the author (default: the blog's)")
@click.option("--tag", "tags", multiple=True, help="a tag (repeat for more)")
def new(posts: Path | None, title: str, author: str | None, tags: tuple[str, ...]) -> None:
    """Write a new dated post file atomically and print its path."""
    import yaml  # noqa: PLC0415 - see the imports

    from feeds.normalize.dates import DateContext  # noqa: PLC0415
    from feeds.normalize.text import slugify  # noqa: PLC0415

    options = Options.from_environ(posts=posts)
    _need_folder(options.posts)
    blog = _blog(options)
    now = datetime.now(UTC).astimezone(DateContext(blog.timezone).zone).replace(microsecond=0)
    name = f"{now:%Y-%m-%d}-{slugify(title) or 'post'}.md"
    front: dict[str, object] = {"title": title, "date": now.isoformat()}
    front.update({"author": author} if author else {})
    front.update({"tags": list(tags)} if tags else {})
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n\n"
    click.echo(str(_create(options.posts, name, text)))


@main.command("import")
@_POSTS
@click.argument("source")
def import_(posts: Path | None, source: str) -> None:
    """Write one post file per entry of a WordPress export (WXR) or of an RSS, Atom or
    JSON feed (a file or an http(s) URL), keeping each entry's old id and address."""
    from feeds.importing import run_import  # noqa: PLC0415 - feedparser: for this command only

    options = Options.from_environ(posts=posts)
    _need_folder(options.posts)
    try:
        outcome = run_import(source, options.posts)
    except FeedsError as exc:
        _fail(exc)
    for path in outcome.written:
        click.echo(str(path))
    for line in (*map(str, outcome.skipped), *outcome.notes):
        click.echo(line, err=True)
    click.echo(f"{len(outcome.written)} posts written, {len(outcome.skipped)} left out",
               err=True)


def _need_folder(root: Path) -> None:
    if not root.is_dir():
        what = "is not a folder" if root.exists() else "does not exist"
        click.echo(f"error: the posts folder {root} {what} "
                   "(create it, or name another with --posts)", err=True)
        sys.exit(1)


def _create(root: Path, name: str, text: str) -> Path:
    from feeds.sources.files import create_post  # noqa: PLC0415 - see the imports

    try:
        return create_post(root, name, text)
    except FileExistsError:
        click.echo(f"error: {name} exists already; not overwritten", err=True)
    except OSError as exc:
        click.echo(f"error: cannot write {name} in {root}: {exc.strerror or exc}", err=True)
    sys.exit(1)


def _blog(options: Options) -> Blog:
    from feeds.library.loader import load_blog  # noqa: PLC0415 - see the imports
    from feeds.sources.listing import list_files  # noqa: PLC0415

    try:
        return load_blog(options, list_files(options.posts).assets)[0]
    except FeedsError as exc:
        _fail(exc)
