"""The table of medians and ratios to Hugo, and its legend."""

from __future__ import annotations

import statistics
from typing import TYPE_CHECKING, Any

from compare_lib.common import METRICS, SYSTEMS

if TYPE_CHECKING:
    from compare_lib.run import Run


def fmt(value: Any, unit: str) -> str:
    """A table cell: a number to a sensible precision, else the status."""
    if isinstance(value, (int, float)):
        if unit == "MB":
            return f"{value:.0f}"
        return f"{value:.3f}" if value < 1 else f"{value:.2f}" if value < 100 else f"{value:.0f}"
    return str(value)


def ratio(value: Any, base: Any) -> str:
    """`value` / `base` as a cell ('' when either is no number)."""
    if isinstance(value, (int, float)) and isinstance(base, (int, float)) and base > 0:
        r = value / base
        return f"{r:.2f}x" if r < 10 else f"{r:.0f}x"
    return ""


def table(run: Run, systems: list[str]) -> str:
    """The run's table of medians, one column per system, then ratios to Hugo."""
    return render_table(run.medians(), systems)


def medians(results: dict[str, dict[str, list[Any]]]) -> dict[str, dict[str, Any]]:
    """Each system's and metric's median of the numbers; else the first status given
    (e.g. "timeout"); else "-"."""
    found: dict[str, dict[str, Any]] = {}
    for system, metrics in results.items():
        found[system] = {}
        for metric, values in metrics.items():
            numbers = [v for v in values if isinstance(v, int | float)]
            if numbers:
                found[system][metric] = statistics.median(numbers)
            else:
                found[system][metric] = values[0] if values else "-"
    return found


def render_table(med: dict[str, dict[str, Any]], systems: list[str]) -> str:
    """The table of `medians`, text aligned in columns."""
    med = {**med}
    for system in SYSTEMS:  # a system not run still gets its column, empty
        med.setdefault(system, {})
    others = [s for s in systems if s != "hugo"] if "hugo" in systems else []
    head = ["metric"] + [f"{s}" for s in systems] + [f"{s}/hugo" for s in others]
    rows = [head]
    for key, label, unit in METRICS:
        row = [f"{label} ({unit})"]
        row += [fmt(med[s].get(key, "-"), unit) for s in systems]
        row += [ratio(med[s].get(key), med["hugo"].get(key)) for s in others]
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("-" * len(lines[0]))
    return "\n".join(lines)


# Issue 14's yardsticks: (label, feeds' metric, Hugo's metric, target ratio). Cold and
# warm start are held to Hugo's feed-only build (the same job: the subscription feeds)
# and shown beside `hugo server` (its whole site), as the issue asks for both; memory
# beside the feed-only build too (the 351 MB is of that setup).
YARDSTICKS = [
    ("cold start to the three feeds / Hugo feed-only build", "cold", "feed_only", 1.0),
    ("  the same / hugo server (whole site)", "cold", "cold", None),
    ("warm restart / Hugo feed-only build", "warm", "feed_only", 0.25),
    ("  the same / hugo server second start", "warm", "warm", None),
    ("peak memory per worker / hugo server", "worker_mb", "worker_mb", 0.2),
    ("  the same / Hugo feed-only build", "worker_mb", "feed_only_mb", None),
    ("full feeds build / Hugo site build", "build", "build", 1.0),
    ("feeds build after one new post / Hugo rebuild", "new_post_cli", "new_post_cli", 0.5),
]


def yardsticks(med: dict[str, dict[str, Any]]) -> str:
    """Issue 14's table: each ratio of feeds to its Hugo yardstick, and the target."""
    feeds, hugo = med.get("feeds", {}), med.get("hugo", {})
    rows = [["yardstick", "feeds", "hugo", "ratio", "target"]]
    for label, ours, theirs, target in YARDSTICKS:
        unit = "MB" if ours.endswith("_mb") else "s"
        rows.append([label, fmt(feeds.get(ours, "-"), unit), fmt(hugo.get(theirs, "-"), unit),
                     ratio(feeds.get(ours), hugo.get(theirs)),
                     f"<= {target}x" if target else ""])
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return "\n".join("  ".join([r[0].ljust(widths[0])] +
                               [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
                               ).rstrip() for r in rows)


LEGEND = """\
cells: median of the repeats (seconds or MB); n/a = feature missing in this feeds;
'-' = not applicable (no server); skipped = --skip-slow; timeout/error = see notes.
  cold/warm: feeds serve --workers 2 until /rss.xml+/atom.xml+/feed.json (cold) or
    /rss.xml (warm) answer 200; hugo server until /index.xml (no content cache: warm
    is a second start). OS page cache is warm in both.
  new post -> in running server: from the file's write until its title is in the feed
    (polled every 10 ms, a new connection each); server CPU: all its processes,
    from before the write to 0.5 s after it was seen, less the polling's cost (CPU
    per poll measured over 1 s of the same polling just before the write).
  new post -> CLI rebuild: hugo (full rebuild), jekyll build --incremental, pelican
    with its content cache, feeds build with its --cache.
  peak memory per worker: feeds: max VmHWM of the worker processes after the cold
    start; hugo: VmHWM of the hugo server process.
  full build: jekyll with --incremental from an empty state (it writes its metadata);
    pelican with an empty content cache (it fills it). Peak memory = max RSS.
  feed-only build: hugo with only the RSS layout and no taxonomies, so it writes
    just /index.xml (the newest 50, full content): the setup of earlier reference
    numbers (10,000 posts: 2.3 s, 358 MB).
"""
