"""One size of a run: every system, every repeat."""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compare_lib.common import LAYOUT, METRICS, PEERS, Failed
from compare_lib.corpus import Corpus
from compare_lib.feeds_runs import FeedsRuns
from compare_lib.peer_runs import PeerRuns
from compare_lib.processes import stop_all
from compare_lib.report import medians

if TYPE_CHECKING:
    from compare_lib.tools import Tools


class Run(FeedsRuns, PeerRuns):
    """One size: every selected system, `repeat` times, interleaved."""

    def __init__(self, args: argparse.Namespace, tools: Tools, size: int,
                 systems: list[str]) -> None:
        self.args, self.tools, self.size, self.systems = args, tools, size, systems
        self.work = Path(args.work)
        self.logs = self.work / "logs"
        self.results: dict[str, dict[str, list[Any]]] = {
            s: {m: [] for m, _, _ in METRICS} for s in systems}
        self.notes: list[str] = []
        self.corpora = {s: Corpus(self.work, LAYOUT[s], size) for s in systems}

    def record(self, system: str, metric: str, value: Any) -> None:
        """Add one value of `metric` for `system`."""
        self.results[system].setdefault(metric, []).append(value)

    def failed(self, system: str, metrics: list[str], exc: Failed) -> None:
        """Record `exc`'s status for `metrics`, and note what failed."""
        for m in metrics:
            self.record(system, m, exc.status)
        note = f"{system} {self.size}: {exc}"
        print(f"    ! {note}", flush=True)
        self.notes.append(note)

    def log(self, name: str, rep: int) -> Path:
        """The log file of one step and repeat."""
        return self.logs / f"{name}-{self.size}-r{rep}.log"

    def run(self) -> None:
        """Every repeat of every system, interleaved; corpora made first."""
        print(f"\n== {self.size:,} posts", flush=True)
        for system in self.systems:
            if self.skipped(system):
                continue
            self.corpora[system].ensure()
            if system in ("hugo", "jekyll"):  # the site's config and layouts into the corpus
                shutil.copytree(PEERS / system, self.corpora[system].dir, dirs_exist_ok=True)
        try:
            for rep in range(1, self.args.repeat + 1):
                for system in self.systems:
                    print(f"  [{rep}/{self.args.repeat}] {system}", flush=True)
                    started = time.perf_counter()
                    getattr(self, f"run_{system}")(rep)
                    print(f"    ({time.perf_counter() - started:.1f} s)", flush=True)
        finally:
            stop_all()
            for corpus in self.corpora.values():
                corpus.drop_added()

    def medians(self) -> dict[str, dict[str, Any]]:
        """Each system's and metric's median (report.medians)."""
        return medians(self.results)
