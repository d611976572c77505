"""The command line (SPEC §7): serve, check. Errors become exit codes here.

Exit codes: 0 success, 1 errors in the posts or the run, 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from feeds.errors import ConfigError, FeedsError, PostError, Severity
from feeds.library import Library, Options

_POSTS = click.option("--posts", type=click.Path(path_type=Path), default=None,
                      help="posts folder (default: $FEEDS_POSTS or ./posts)")
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
    try:
        library = Library(options)
    except FeedsError as exc:
        _fail(exc)
    return library


@main.command()
@_POSTS
def check(posts: Path | None) -> None:
    """Read every file; print problems and a summary; exit 1 on any error."""
    library = _library(Options.from_environ(posts=posts))
    problems = sorted(library.problems, key=lambda p: (p.path, p.line or 0, p.message))
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(library.loaded.posts)} posts, {errors} errors, {warnings} warnings")
    sys.exit(1 if errors else 0)


@main.command()
@_POSTS
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@_BASE_URL
@click.option("--server", type=click.Choice(["granian", "gunicorn"]), default="granian",
              show_default=True, help="the WSGI server")
def serve(posts: Path | None, host: str, port: int, workers: int,  # noqa: PLR0917
          base_url: str | None,
          server: str) -> None:
    """Serve the blog with a production WSGI server (granian or gunicorn)."""
    from feeds.server import run  # noqa: PLC0415 - gunicorn and flask only when serving

    bind_host = f"[{host}]" if ":" in host else host
    options = Options.from_environ(posts=posts, base_url=base_url,
                                   fallback_url=f"http://{bind_host}:{port}/")
    try:
        run(options, bind_host, port, workers, server)  # loads before any worker starts
    except FeedsError as exc:
        _fail(exc)


