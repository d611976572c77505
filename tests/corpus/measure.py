"""Measure feeds on the corpus: per blog, what its generator publishes and what feeds does.

Each blog of the data set (tests/corpus/README.md, "How it is meant to be used") is copied to a
temporary folder, given a `_blog.md` with only title, link and timezone, and built with the real
`feeds build`; the posts published are read back from the built JSON Feeds (the subscription feed
and every archive page, so `feed_limit` caps nothing) and compared with `expected.yaml`.

    python tests/corpus/measure.py [--corpus /work/corpus-data] [--markdown]

A column is one entry of `COLUMNS`: a name and a function of a `Run`; add one there.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from feeds.library import Library, Options
from feeds.normalize.text import slugify

HERE = Path(__file__).resolve().parent
BASE_URL = "https://example.org/"
DEFAULT_CORPUS = Path(os.environ.get("FEEDS_CORPUS", "/work/corpus-data"))
# The generator's zone where its settings name one (README, "How it is meant to be used").
ZONES = {"jekyll-jekyllrb": "America/Los_Angeles", "pelican-twir": "America/New_York"}
# The folder `--posts` names where the generator reads the posts from a folder of its own
# (golang.org/x/website serves _content/ as the site and its blog from _content/blog);
# elsewhere the root of the sample, as the generator sees it.
ROOTS = {"golangorg-go-blog": "_content/blog"}
_TAG = re.compile(r"<[^>]*>")
FLOOR_HEAD = ("# What feeds achieves on each corpus blog (tests/corpus/measure.py --write-floor);\n"
              "# tests/test_corpus.py fails when a figure gets worse. Raise it after a gain.\n")
_SUMMARY = re.compile(r"^(\d+) posts, (\d+) errors, (\d+) warnings$", re.M)


@dataclass
class Run:
    """One blog built by feeds: what was expected and what came out."""

    folder: str
    expected: dict[str, Any]
    out: Path
    items: dict[str, dict[str, Any]]  # the built feeds' items by the path of their file
    unattributed: list[dict[str, Any]]  # items of no sampled file
    problems: list[str]
    summary: tuple[int, int, int]  # posts, errors, warnings (feeds check)
    notes: dict[str, Any] = field(default_factory=dict)

    def files(self) -> Iterator[tuple[str, dict[str, Any]]]:
        """The sampled files the generator publishes as posts, with their expectations."""
        for path, entry in (self.expected.get("files") or {}).items():
            if isinstance(entry, dict) and entry.get("published") is True:
                yield path, entry

    def published(self) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
        """Expected posts that feeds published too: path, expectation, feed item."""
        for path, entry in self.files():
            if path in self.items:
                yield path, entry, self.items[path]


def expected_count(run: Run) -> int:
    """Posts the generator publishes (for a WXR export, its published `post` items)."""
    count = 0
    for entry in (run.expected.get("files") or {}).values():
        count += entry.get("published") is True
        count += sum(p.get("published") is True for p in entry.get("posts") or [])
    return count


def _ratio(hits: int, total: int) -> str:
    return f"{hits}/{total}"


def same_title(expected: object, published: object) -> bool:
    """The same title, spacing aside (feeds writes a no-break space as a space)."""
    return " ".join(str(expected).split()) == " ".join(str(published).split())


def titles(run: Run) -> str:
    """Published posts whose title is the generator's."""
    rows = list(run.published())
    return _ratio(sum(same_title(e.get("title"), i.get("title")) for _, e, i in rows), len(rows))


def same_date(expected: object, published: str | None) -> bool | None:
    """Whether feeds' date is the generator's: the same instant, or the same day when the
    generator gives only a day; None when the expectation is not a date."""
    if not isinstance(expected, str) or published is None:
        return None
    got = datetime.fromisoformat(published).astimezone(UTC)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", expected):
        return got.date().isoformat() == expected
    try:
        return got == datetime.fromisoformat(expected)
    except ValueError:
        return None


def dates(run: Run) -> str:
    """Published posts at the generator's date (where expected.yaml gives one)."""
    found = [same_date(e.get("date"), i.get("date_published")) for _, e, i in run.published()]
    return _ratio(sum(f is True for f in found), sum(f is not None for f in found))


def people(names: list[str]) -> list[str]:
    """The people a feed's author names: a generator that joins several into one name
    ("Aaron Turon and Niko Matsakis", Zola's template) names two, as feeds does."""
    return [p for n in names for p in re.split(r",\s*(?:and\s+)?|\s+and\s+|\s*&\s*", n) if p]


def authors(run: Run) -> str:
    """Published posts credited to the people the generator's feed names (where it names any)."""
    rows = [(people(e["authors"]), people([a.get("name") for a in i.get("authors") or []]))
            for _, e, i in run.published() if e.get("authors")]
    return _ratio(sum(want == got for want, got in rows), len(rows))


def slugs(run: Run) -> str:
    """Published posts whose page is named as the generator names it (its slug, written as
    feeds writes slugs: `homebrew-1.0.0` is `homebrew-1-0-0`): the file name, the bundle's
    folder, Pelican's title."""
    rows = [(slugify(str(e["slug"])), i.get("url", "").removeprefix(BASE_URL + "posts/")
             .rstrip("/")) for _, e, i in run.published() if e.get("slug")]
    return _ratio(sum(want == got for want, got in rows), len(rows))


def collisions(run: Run) -> int:
    """Posts published under a slug of their own because another post has theirs."""
    return sum("same slug as" in line for line in run.problems)


def tags(run: Run) -> str:
    """Published posts with the generator's tags, case and order aside (where its feed lists
    any: nodejs.org's and Docsy's feeds write no <category>, their categories select feeds)."""
    rows = [({t.casefold() for t in e["tags"]}, {t.casefold() for t in i.get("tags") or []})
            for _, e, i in run.published() if e.get("tags")]
    return _ratio(sum(want == got for want, got in rows), len(rows))


def _text(item: dict[str, Any]) -> str:
    return html.unescape(_TAG.sub(" ", item.get("content_html") or ""))


def leaks(run: Run) -> int:
    """Template constructs of the generator found as text in feeds' content (those Jekyll's
    `{% raw %}` shows literally aside)."""
    count = 0
    for _, entry, item in run.published():
        text = _text(item)
        constructs = entry.get("template_syntax") or []
        literal = Counter(str(c.get("text", "")) for c in constructs if c.get("literal"))
        for construct in constructs:
            shown = str(construct.get("text", "")).removesuffix("...")
            # Shown more often than the post shows it literally (`{% raw %}{% raw %}…`).
            count += bool(shown) and not construct.get("literal") and \
                text.count(shown) > literal[shown]
    return count


def answered(run: Run, path: str) -> bool:
    """Whether the static export answers an old address: a file or redirect page there,
    or a line of `_redirects`."""
    clean = "/" + path.strip("/")
    rel = clean.lstrip("/")
    if rel and ((run.out / rel).is_file() or (run.out / rel / "index.html").is_file()):
        return True
    redirects = run.out / "_redirects"
    if not redirects.is_file():
        return False
    sources = {line.split()[0].rstrip("/") for line in redirects.read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    return clean.rstrip("/") in sources


def dead_old_urls(run: Run) -> int:
    """Old addresses of published posts (aliases, redirect_from, …) the export does not answer."""
    return sum(not answered(run, url) for _, e in run.files() for url in e.get("old_urls") or [])


def _link_path(text: str, base: str) -> str:
    target = text.removeprefix("](").removesuffix(")").split()[0].split("#")[0]
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != urlsplit(base).netloc:
        return ""
    return parts.path


def dead_links(run: Run) -> int:
    """Links in posts to another sampled post's address on the old site that lead nowhere:
    neither answered by the export nor rewritten in feeds' content."""
    config = run.expected.get("site_config") or {}
    base = str(config.get("url") or config.get("base_url") or config.get("baseURL")
               or config.get("base") or "")
    known = {"/" + str(u).strip("/") for _, e in run.files()
             for u in [e.get("url_path"), *(e.get("old_urls") or [])] if u}
    count = 0
    for _, entry, item in run.published():
        for link in entry.get("links_to_other_posts") or []:
            path = _link_path(str(link.get("text", "")), base)
            if path and "/" + path.strip("/") in known and not answered(run, path):
                count += path in (item.get("content_html") or "")
    return count


# A column: its name, how it is measured, and which way is better (+1 more, -1 fewer, 0 neither):
# tests/test_corpus.py holds every blog to floor.yaml in that direction.
Column = tuple[str, Callable[[Run], object], int]
COLUMNS: list[Column] = [
    ("generator publishes", expected_count, 0),
    ("feeds publishes", lambda run: sum(1 for _ in run.published()), +1),
    ("not a post", lambda run: len(run.unattributed), -1),
    ("title =", titles, +1),
    ("date =", dates, +1),
    ("authors =", authors, +1),
    ("tags =", tags, +1),
    ("slug =", slugs, +1),
    ("slug collisions", collisions, -1),
    ("template leaks", leaks, -1),
    ("dead old URLs", dead_old_urls, -1),
    ("dead old links", dead_links, -1),
    ("errors", lambda run: run.summary[1], -1),
    ("warnings", lambda run: run.summary[2], 0),
]


def _feeds(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "feeds", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=600,
                          check=False)


def _items(out: Path) -> list[dict[str, Any]]:
    """Every item of the built blog: the subscription feed and each archive page."""
    found: dict[str, dict[str, Any]] = {}
    for path in [out / "feed.json", *sorted(out.glob("archive/*/feed.json"))]:
        for item in json.loads(path.read_text(encoding="utf-8")).get("items", []):
            found.setdefault(item["id"], item)
    return list(found.values())


def _ids_by_path(posts: Path, cache: Path) -> dict[str, str]:
    """Which file each published post came from (the built feeds name ids, not files)."""
    library = Library(Options.from_environ(posts=posts, cache=cache))
    return {post.id: post.path for post in library.loaded.posts}


def build(corpus: Path, folder: str, work: Path) -> Run:
    """Copy one blog (or import each of its WordPress exports with `feeds import`, one
    blog per export), give it a `_blog.md`, run `feeds build` and `feeds check` on it."""
    expected = yaml.safe_load((HERE / folder / "expected.yaml").read_text(encoding="utf-8"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    exports = _exports(expected)
    if not exports:
        root = ROOTS.get(folder, "")
        shutil.copytree(corpus / folder / root, work / "posts")
        built = _built(folder, work, env)
        paths = {i: posixpath.join(root, p) for i, p in built.paths.items()}
        return _run(folder, expected, work / "out", [(built, paths)])
    parts = []
    for n, path in enumerate(exports):
        place = work / str(n)
        _import(corpus / folder / path, place / "posts", env)
        built = _built(folder, place, env)
        # an imported post keeps its entry's old guid as its id (issue 11 item 6)
        parts.append((built, {i: _guid_key(path, i) for i in built.paths}))
    return _run(folder, {**expected, "files": _wxr_posts(expected)}, work, parts)


@dataclass(frozen=True)
class Built:
    """One `feeds build` and `feeds check` of a posts folder."""

    items: list[dict[str, Any]]
    paths: dict[str, str]  # the file of each published post, by id
    problems: list[str]
    summary: tuple[int, int, int]


def _built(folder: str, work: Path, env: dict[str, str]) -> Built:
    posts, out, cache = work / "posts", work / "out", work / "cache"
    zone = ZONES.get(folder, "UTC")
    (posts / "_blog.md").write_text(f"---\ntitle: X\nlink: {BASE_URL}\ntimezone: {zone}\n---\n")
    built = _feeds("build", "--posts", str(posts), "--cache", str(cache), "--base-url", BASE_URL,
                   str(out), env=env)
    if built.returncode != 0:
        raise RuntimeError(f"{folder}: feeds build exited {built.returncode}: {built.stderr}")
    checked = _feeds("check", "--posts", str(posts), env=env)
    summary = _SUMMARY.search(checked.stdout)
    if summary is None:
        raise RuntimeError(f"{folder}: feeds check said {checked.stdout!r} {checked.stderr!r}")
    return Built(_items(out), _ids_by_path(posts, cache), checked.stdout.splitlines()[:-1],
                 (int(summary[1]), int(summary[2]), int(summary[3])))


def _run(folder: str, expected: dict[str, Any], out: Path,
         parts: list[tuple[Built, dict[str, str]]]) -> Run:
    """One blog's run from its builds (one, or one per export), items named by the key
    of their expectation."""
    items = [(keys.get(i["id"]), i) for built, keys in parts for i in built.items]
    return Run(folder, expected, out, {k: i for k, i in items if k is not None},
               [i for k, i in items if not _is_post(expected, k)],
               [line for built, _ in parts for line in built.problems],
               (sum(b.summary[0] for b, _ in parts), sum(b.summary[1] for b, _ in parts),
                sum(b.summary[2] for b, _ in parts)))


def _exports(expected: dict[str, Any]) -> list[str]:
    """The WordPress exports (WXR) of a blog: files whose expectation lists `posts`."""
    return [path for path, entry in (expected.get("files") or {}).items()
            if isinstance(entry, dict) and "posts" in entry]


def _import(export: Path, posts: Path, env: dict[str, str]) -> None:
    """`feeds import` one export into an empty posts folder."""
    posts.mkdir(parents=True)
    done = _feeds("import", str(export), "--posts", str(posts), env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{export}: feeds import exited {done.returncode}: {done.stderr}")


def _guid_key(export: str, guid: str) -> str:
    return f"{export}#{unquote(guid)}"


def _wxr_posts(expected: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each exported post as an expectation, keyed by its guid: its title, its date (GMT),
    and its categories and tags (WordPress's feed lists both as <category>)."""
    found: dict[str, dict[str, Any]] = {}
    for path in _exports(expected):
        for post in expected["files"][path]["posts"]:
            gmt = str(post.get("post_date_gmt") or "")
            found[_guid_key(path, str(post.get("guid")))] = {
                **post, "date": gmt.replace(" ", "T") + "+00:00" if gmt else None,
                "tags": [*(post.get("categories") or []), *(post.get("tags") or [])],
                "authors": [], "export": path}
    return found


def _is_post(expected: dict[str, Any], path: str | None) -> bool:
    entry = (expected.get("files") or {}).get(path)
    return isinstance(entry, dict) and entry.get("published") is True


def values(run: Run) -> dict[str, object]:
    """Every column's value for one blog, by column name."""
    return {name: fn(run) for name, fn, _ in COLUMNS}


def folders(corpus: Path) -> list[str]:
    """The blogs that are both described here and present in the data set."""
    return sorted(p.parent.name for p in HERE.glob("*/expected.yaml")
                  if (corpus / p.parent.name).is_dir())


def table(runs: list[Run]) -> str:
    """The per-blog table in Markdown, with a total row for the numeric columns."""
    head = ["blog", *(name for name, _, _ in COLUMNS)]
    rows = [[run.folder, *(str(fn(run)) for _, fn, _ in COLUMNS)] for run in runs]
    rows.append(["total", *(_total([r[i + 1] for r in rows]) for i in range(len(COLUMNS)))])
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * len(COLUMNS)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _total(cells: list[str]) -> str:
    if all("/" in c for c in cells):
        pairs = [c.split("/") for c in cells]
        return f"{sum(int(a) for a, _ in pairs)}/{sum(int(b) for _, b in pairs)}"
    return str(sum(int(c) for c in cells)) if all(c.isdigit() for c in cells) else ""


def measure(corpus: Path, work: Path) -> list[Run]:
    """Build every blog of the corpus in a folder of its own under `work` (which must
    outlive the runs: the columns read the built files)."""
    return [build(corpus, folder, work / folder) for folder in folders(corpus)]


def main(argv: list[str]) -> int:
    """Print the table (and, with --problems, every problem `feeds check` reported)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--problems", action="store_true")
    parser.add_argument("--write-floor", action="store_true",
                        help="record these figures in floor.yaml (after an improvement)")
    args = parser.parse_args(argv)
    if not (args.corpus / "READY").is_file():
        print(f"no corpus at {args.corpus} (run tests/corpus/assemble.py)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="corpus-") as work:
        runs = measure(args.corpus, Path(work))
        print(table(runs))
        if args.write_floor:
            floor = {run.folder: values(run) for run in runs}
            (HERE / "floor.yaml").write_text(FLOOR_HEAD + yaml.safe_dump(floor, sort_keys=False))
        for run in runs if args.problems else []:
            print(f"\n## {run.folder}\n" + "\n".join(run.problems))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
