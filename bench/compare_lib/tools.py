"""The commands of the systems compared, their versions and features."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
from pathlib import Path

from compare_lib.common import Failed
from compare_lib.processes import capture


class Tools:
    """The commands found for each system, and what this feeds can do."""

    def __init__(self, args: argparse.Namespace) -> None:
        here = Path(sys.executable).parent
        self.feeds = args.feeds or shutil.which("feeds", path=str(here)) \
            or shutil.which("feeds") or "/work/.venv/bin/feeds"
        self.hugo = shutil.which("hugo")
        self.jekyll = shutil.which("jekyll")
        self.pelican = args.pelican or next(
            (p for p in ("/work/.venv-pelican/bin/pelican", shutil.which("pelican"))
             if p and os.path.exists(p)), None)
        if not os.path.exists(self.feeds):
            self.feeds = None
        self.feeds_serve_help = capture([self.feeds, "serve", "--help"])[1] if self.feeds else ""
        code, text = capture([self.feeds, "build", "--help"]) if self.feeds else (1, "")
        self.feeds_build_help = text if code == 0 else ""

    def installed(self, system: str) -> bool:
        """Whether `system`'s command was found."""
        return bool(getattr(self, system))

    def path(self, system: str) -> str:
        """`system`'s command; Failed when it was not found."""
        found = getattr(self, system)
        if not isinstance(found, str):
            raise Failed("not installed", system)
        return found

    def versions(self) -> dict[str, str]:
        """Each system's version line, and Python's."""
        found = {}
        for system, flag in (("feeds", "--version"), ("hugo", "version"),
                             ("jekyll", "-v"), ("pelican", "--version")):
            if self.installed(system):
                code, text = capture([self.path(system), flag])
                found[system] = text.strip().splitlines()[0] if code == 0 and text.strip() \
                    else f"({self.path(system)}: exit {code})"
            else:
                found[system] = "not installed"
        if self.jekyll:
            code, text = capture(["dpkg-query", "-W", "-f", "${Version}", "ruby-jekyll-feed"])
            found["jekyll-feed"] = text.strip() if code == 0 else "?"
        found["python"] = platform.python_version()
        return found


def feeds_notes(tools: Tools) -> list[str]:
    """Notes on the features this feeds lacks, for the report."""
    notes = []
    if "--cache" not in tools.feeds_serve_help:
        notes.append("feeds serve has no --cache: run without it, so the warm restart "
                     "is a second start with nothing kept but the OS page cache")
    if not tools.feeds_build_help:
        notes.append("feeds build does not exist here: its rows are n/a")
    elif "--cache" not in tools.feeds_build_help:
        notes.append("feeds build has no --cache: the rebuild after a new post is a "
                     "full build")
    return notes
