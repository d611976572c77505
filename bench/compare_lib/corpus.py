"""The generated corpora (../shared/bench/make_corpus.py), one per layout and size."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from compare_lib.common import MAKE_CORPUS, SEED


def load_make_corpus() -> Any:
    """make_corpus.py loaded from its file (it is no package)."""
    spec = importlib.util.spec_from_file_location("make_corpus", MAKE_CORPUS)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {MAKE_CORPUS}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def make_corpus() -> Any:
    """make_corpus.py as a module: the title and date of post i."""
    return load_make_corpus()


INDEX = re.compile(r"(?:^|-)(\d{6})-")


class Corpus:
    """One generated corpus: make_corpus OUT folder for a layout and a size."""

    def __init__(self, work: Path, layout: str, size: int) -> None:
        self.layout, self.size = layout, size
        self.dir = work / "corpus" / f"{layout}-{size}"
        self.done = work / "corpus" / f"{layout}-{size}.done"
        self.staging = work / "staging" / f"{layout}-{size}"
        self.added: list[Path] = []

    @property
    def posts_dir(self) -> Path:
        """The folder the layout keeps its posts in."""
        folders = {"plain": self.dir / "posts", "hugo": self.dir / "content" / "posts",
                   "jekyll": self.dir / "_posts", "pelican": self.dir / "content"}
        return folders[self.layout]

    def ensure(self) -> None:
        """Generate the corpus, unless a finished one of this size is there."""
        if self.done.exists() and self.done.read_text().strip() == str(self.size):
            self.remove_extra()
            print(f"  corpus {self.dir} (reused)", flush=True)
            return
        shutil.rmtree(self.dir, ignore_errors=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, str(MAKE_CORPUS), "--layout", self.layout, "-n",
                        str(self.size), "-o", str(self.dir), "--seed", SEED],
                       check=True, capture_output=True, timeout=3600)
        self.done.write_text(f"{self.size}\n")
        print(f"  corpus {self.dir} ({time.perf_counter() - started:.0f} s)", flush=True)

    def remove_extra(self) -> None:
        """Posts a stopped earlier run appended (index >= size) go."""
        for entry in os.scandir(self.posts_dir):
            match = INDEX.search(entry.name)
            if match and int(match.group(1)) >= self.size:
                os.unlink(entry.path)

    def add_post(self) -> tuple[Path, bytes, float]:
        """Write post number `size` (the newest) into the corpus in one write.

        make_corpus writes it to a staging folder; it is copied in here so that
        the time taken is the write's, not the generator's start. A post that
        would be dated in the future (sizes above ~24,000, see make_corpus) is
        redated to now, or no system would publish it.
        Returns (path, title as bytes, perf_counter time right after the write)."""
        shutil.rmtree(self.staging, ignore_errors=True)
        done = subprocess.run([sys.executable, str(MAKE_CORPUS), "--layout", self.layout,
                               "--start", str(self.size), "--count", "1", "--print-paths",
                               "-o", str(self.staging), "--seed", SEED],
                              check=True, capture_output=True, timeout=60)
        staged = Path(done.stdout.decode().strip().splitlines()[-1])
        post = make_corpus().post(SEED, self.size)
        now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        text, name = staged.read_text(encoding="utf-8"), staged.name
        if post["local_date"] > now:
            text, name = redated(text, name, self.layout, now)
        target = self.posts_dir / name
        data = text.encode("utf-8")
        with open(target, "wb") as f:
            f.write(data)
        written = time.perf_counter()
        self.added.append(target)
        return target, post["title"].encode("utf-8"), written

    def drop_added(self) -> None:
        """Remove the posts add_post wrote."""
        for path in self.added:
            path.unlink(missing_ok=True)
        self.added.clear()


def redated(text: str, name: str, layout: str, when: dt.datetime) -> tuple[str, str]:
    """A post's text and file name dated `when` (its first date line; a Jekyll post's
    name starts with its date too)."""
    key = "Date: " if layout == "pelican" else "date: "
    text = re.sub(rf"^{key}.*$", key + when.strftime("%Y-%m-%dT%H:%M:%SZ"), text,
                  count=1, flags=re.M)
    if layout == "jekyll":
        name = when.strftime("%Y-%m-%d") + name[10:]
    return text, name
