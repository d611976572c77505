"""bench/compare's command line: its arguments, the run of every size, the summary."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path
from typing import Any

from compare_lib.common import FEED_LIMIT, MAKE_CORPUS, SYSTEMS
from compare_lib.corpus import make_corpus
from compare_lib.processes import stop_all
from compare_lib.report import LEGEND, table, yardsticks
from compare_lib.run import Run
from compare_lib.tools import Tools, feeds_notes


def parse_args(argv: list[str] | None = None, doc: str = "bench/compare\n\n\n\n"
               ) -> argparse.Namespace:
    """The command line (`argv`, else sys.argv's), checked; `doc`: the script's
    docstring, for --help."""
    parser = argparse.ArgumentParser(
        description=doc.split("\n\n", maxsplit=1)[0], epilog=doc.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="corpus sizes, comma-separated (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; "
                        "the median is shown (default: %(default)s)")
    parser.add_argument("--only", default=",".join(SYSTEMS),
                        help="systems to run, comma-separated (default: %(default)s)")
    parser.add_argument("--skip-slow", action="store_true",
                        help="skip Jekyll and Pelican above 1,000 posts (they take minutes)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/feeds-bench-compare"),
                        help="corpora, outputs, caches, logs, results.json "
                        "(default: %(default)s; corpora are reused)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds allowed for one build or one server start "
                        "(default: %(default)s)")
    parser.add_argument("--poll-timeout", type=float, default=120,
                        help="seconds allowed for a new post to show in a running "
                        "server (default: %(default)s)")
    parser.add_argument("--feeds", help="the feeds command (default: the one next to this "
                        "Python, else on PATH)")
    parser.add_argument("--pelican", help="the pelican command (default: "
                        "/work/.venv-pelican/bin/pelican, else on PATH)")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes: integers, comma-separated")
    args.only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(args.only) - set(SYSTEMS))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)} (known: {', '.join(SYSTEMS)})")
    if args.repeat < 1:
        parser.error("--repeat: at least 1")
    args.work = args.work.resolve()
    return args


def main(doc: str) -> None:
    """Run every size, print the tables and write the results (`doc`: for --help)."""
    args = parse_args(doc=doc)
    if not MAKE_CORPUS.exists():
        raise SystemExit(f"no corpus generator at {MAKE_CORPUS}")
    make_corpus()
    args.work.mkdir(parents=True, exist_ok=True)
    tools = Tools(args)
    versions = tools.versions()
    systems = [s for s in SYSTEMS if s in args.only]
    missing = [s for s in systems if not tools.installed(s)]
    systems = [s for s in systems if s not in missing]
    notes = [f"{s}: not installed, left out (see bench/peers/README.md)" for s in missing]
    if "feeds" in systems:
        notes += feeds_notes(tools)
    print("bench/compare", " ".join(sys.argv[1:]))
    print(f"machine: {os.cpu_count()} CPUs, {platform.platform()}, "
          f"load average {os.getloadavg()[0]:.2f} (at start)")
    for name, version in versions.items():
        print(f"  {name:12} {version}")
    for note in notes:
        print(f"note: {note}")
    if not systems:
        raise SystemExit("nothing to run")
    report: dict[str, Any] = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "argv": sys.argv[1:], "cpus": os.cpu_count(), "platform": platform.platform(),
        "load_at_start": os.getloadavg(), "versions": versions, "systems": systems,
        "feed_limit": FEED_LIMIT, "notes": notes, "sizes": {}}
    tables = run_sizes(args, tools, systems, report)
    print("\n" + "=" * 78)
    print(f"Summary (median of {args.repeat}; load average at end "
          f"{os.getloadavg()[0]:.2f})")
    for size, text, run_notes in tables:
        print(f"\n{size:,} posts\n{text}")
        for note in run_notes:
            print(f"  note: {note}")
    print("\n" + LEGEND)
    for note in notes:
        print(f"note: {note}")
    print(f"results: {args.work / 'results.json'} (and results-<UTC time>.json)")


def run_sizes(args: argparse.Namespace, tools: Tools, systems: list[str],
              report: dict[str, Any]) -> list[tuple[int, str, list[str]]]:
    """Every size in turn; results.json rewritten after each."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    tables = []

    def save() -> None:
        """Write the report so far: this run's file and results.json."""
        text = json.dumps(report, indent=2, default=str) + "\n"
        for name in (f"results-{stamp}.json", "results.json"):  # this run; the latest
            (args.work / name).write_text(text)

    try:
        for size in args.sizes:
            run = Run(args, tools, size, systems)
            try:
                run.run()
            finally:
                report["sizes"][str(size)] = {"runs": run.results, "medians": run.medians(),
                                              "notes": run.notes}
                save()
            text = table(run, systems) + "\n\nissue 14's yardsticks\n" + \
                yardsticks(run.medians())
            tables.append((size, text, run.notes))
            print(f"\n{size:,} posts, median of {args.repeat}:\n{text}", flush=True)
    finally:
        stop_all()
        report["load_at_end"] = os.getloadavg()
        save()
    return tables
