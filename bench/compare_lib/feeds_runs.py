"""The feeds side of a run: feeds serve (cold, warm, new post) and feeds build."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from compare_lib.common import FEEDS_ENV, Failed
from compare_lib.probes import free_port, get, status_is_200, wait_until, warm_restart
from compare_lib.processes import measured, spawn, stop
from compare_lib.procfs import children_map, vm_hwm_mb


class FeedsRuns:
    """Run's feeds measurements."""

    # The attributes of Run: args, tools, size, work, corpora, results, notes;
    # and its record, failed and log.
    args: Any
    tools: Any
    size: int
    work: Path
    corpora: dict[str, Any]
    results: dict[str, dict[str, list[Any]]]
    notes: list[str]

    def feeds_cmd_serve(self, port: int, cache: Path) -> list[str]:
        """The `feeds serve` command, the same on every start."""
        # The same base URL on every start, as a real deployment has: the index is
        # keyed by it (posts carry absolute addresses), so a new one means a cold start.
        cmd = [self.tools.path("feeds"), "serve", "--posts", str(self.corpora["feeds"].posts_dir),
               "--port", str(port), "--workers", "2", "--base-url", "https://bench.example.org/"]
        if "--cache" in self.tools.feeds_serve_help:
            cmd += ["--cache", str(cache)]
        return cmd

    def run_feeds(self, rep: int) -> None:
        """One repeat of every feeds measurement."""
        self.feeds_serve(rep)
        if self.tools.feeds_build_help:
            self.feeds_build(rep)
        else:
            for m in ("build", "build_cpu", "build_mb", "new_post_cli"):
                self.record("feeds", m, "n/a")

    def feeds_serve(self, rep: int) -> None:
        """Cold start, peak memory, warm restart and a new post in the server."""
        cache = self.work / "cache" / f"feeds-serve-{self.size}"
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        timeout = self.args.timeout
        log = self.log("feeds-serve", rep)
        # cold: empty cache, until the three subscription feeds answered 200
        port = free_port()
        started = time.perf_counter()
        proc = spawn(self.feeds_cmd_serve(port, cache), log, env=FEEDS_ENV)
        try:
            deadline = started + timeout
            up = wait_until(status_is_200(port, "/healthz"), deadline, proc, log,
                            "feeds /healthz")
            self.record("feeds", "cold_healthz", up - started)
            end = started
            for path in ("/rss.xml", "/atom.xml", "/feed.json"):
                end = wait_until(status_is_200(port, path), deadline, proc, log, f"feeds {path}")
            self.record("feeds", "cold", end - started)
            for path in ("/rss.xml", "/atom.xml", "/feed.json") * 4:  # on every worker
                get(port, path)
            workers = children_map().get(proc.pid, [])
            hwm = [v for v in (vm_hwm_mb(p) for p in workers) if v is not None]
            self.record("feeds", "worker_mb", max(hwm) if hwm else "error")
            self.record("feeds", "main_process_mb", vm_hwm_mb(proc.pid))
        except Failed as exc:
            self.failed("feeds", ["cold", "worker_mb", "warm", "new_post_server",
                                  "new_post_cpu"], exc)
            return
        finally:
            stop(proc)
        # warm restart: the same command, the cache as the cold run left it
        port = free_port()
        warm_restart(self, "feeds", self.feeds_cmd_serve(port, cache), port=port,
                     path="/rss.xml", rep=rep, log=log, env=FEEDS_ENV)

    def feeds_build(self, rep: int) -> None:
        """A full `feeds build`, then a rebuild after a new post."""
        corpus = self.corpora["feeds"]
        cache = self.work / "cache" / f"feeds-build-{self.size}"
        out = self.work / "out" / f"feeds-{self.size}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        cmd = [self.tools.path("feeds"), "build", "--posts", str(corpus.posts_dir),
               "--base-url", "https://bench.example.org/"]
        if "--cache" in self.tools.feeds_build_help:
            cache.mkdir(parents=True)
            cmd += ["--cache", str(cache)]
        cmd.append(str(out))
        log = self.log("feeds-build", rep)
        try:
            result = measured(cmd, log, self.args.timeout, env=FEEDS_ENV)
            self.record_build("feeds", result)
        except Failed as exc:
            self.failed("feeds", ["build", "build_cpu", "build_mb", "new_post_cli"], exc)
            return
        try:
            _, title, _ = corpus.add_post()
            result = measured(cmd, log, self.args.timeout, env=FEEDS_ENV)
            self.record("feeds", "new_post_cli", result["wall"])
            self.check_output("feeds", [out / "rss.xml", out / "atom.xml", out / "feed.json"],
                              title)
        except Failed as exc:
            self.failed("feeds", ["new_post_cli"], exc)
        finally:
            corpus.drop_added()
