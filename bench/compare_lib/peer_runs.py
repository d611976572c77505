"""The peers' side of a run: Hugo (build, feed-only build, server), Jekyll, Pelican."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from typing import Any

from compare_lib.common import PEERS, SLOW, Failed
from compare_lib.probes import free_port, status_is_200, wait_until, warm_restart
from compare_lib.processes import measured, spawn, stop
from compare_lib.procfs import vm_hwm_mb


class PeerRuns:
    """Run's measurements of the peers, and what every build records."""

    # The attributes of Run: args, tools, size, work, corpora, results, notes;
    # and its record, failed and log.
    args: Any
    tools: Any
    size: int
    work: Path
    corpora: dict[str, Any]
    results: dict[str, dict[str, list[Any]]]
    notes: list[str]

    def record_build(self, system: str, result: dict[str, float]) -> None:
        """Record a measured build's wall time, CPU and peak memory."""
        self.record(system, "build", result["wall"])
        self.record(system, "build_cpu", result["cpu"])
        self.record(system, "build_mb", result["mb"])

    def check_output(self, system: str, files: list[Path], title: bytes) -> None:
        """After a CLI rebuild, the new post must be in the feed it wrote."""
        existing = [f for f in files if f.exists()]
        if existing and not any(title in f.read_bytes() for f in existing):
            note = f"{system} {self.size}: the new post is not in {existing[0]} after the rebuild"
            print(f"    ! {note}", flush=True)
            self.notes.append(note)

    def run_hugo(self, rep: int) -> None:
        """One repeat of every Hugo measurement."""
        corpus = self.corpora["hugo"]
        out = self.work / "out" / f"hugo-{self.size}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [self.tools.path("hugo"), "--source", str(corpus.dir), "--destination", str(out),
               "--quiet"]
        log = self.log("hugo-build", rep)
        try:
            self.record_build("hugo", measured(cmd, log, self.args.timeout))
            _, title, _ = corpus.add_post()
            self.record("hugo", "new_post_cli", measured(cmd, log, self.args.timeout)["wall"])
            self.check_output("hugo", [out / "index.xml"], title)
        except Failed as exc:
            self.failed("hugo", [m for m in ("build", "build_cpu", "build_mb", "new_post_cli")
                                 if len(self.results["hugo"][m]) < rep], exc)
        finally:
            corpus.drop_added()
        self.hugo_feed_only(rep)
        self.hugo_server(rep)

    def hugo_feed_only(self, rep: int) -> None:
        """Hugo writing only the home page's RSS: no HTML layouts, no taxonomies."""
        layouts = self.work / "hugo-feed-only-layouts"
        (layouts / "_default").mkdir(parents=True, exist_ok=True)
        shutil.copy(PEERS / "hugo" / "layouts" / "_default" / "rss.xml", layouts / "_default")
        out = self.work / "out" / f"hugo-feed-only-{self.size}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [self.tools.path("hugo"), "--source", str(self.corpora["hugo"].dir),
               "--destination", str(out), "--quiet", "--layoutDir", str(layouts),
               "--disableKinds", "taxonomy,term,sitemap,section"]
        try:
            result = measured(cmd, self.log("hugo-feed-only", rep), self.args.timeout)
            self.record("hugo", "feed_only", result["wall"])
            self.record("hugo", "feed_only_mb", result["mb"])
        except Failed as exc:
            self.failed("hugo", ["feed_only", "feed_only_mb"], exc)

    def hugo_server_cmd(self, port: int) -> list[str]:
        """The `hugo server` command on 127.0.0.1:`port`."""
        return [self.tools.path("hugo"), "server", "--source", str(self.corpora["hugo"].dir),
                "--bind", "127.0.0.1", "--port", str(port),
                "--baseURL", f"http://127.0.0.1:{port}/", "--appendPort=false",
                "--disableLiveReload"]

    def hugo_server(self, rep: int) -> None:
        """Hugo's server: cold start, peak memory, restart and a new post."""
        log = self.log("hugo-server", rep)
        timeout = self.args.timeout
        port = free_port()
        started = time.perf_counter()
        proc = spawn(self.hugo_server_cmd(port), log)
        try:
            end = wait_until(status_is_200(port, "/index.xml"), started + timeout, proc, log,
                             "hugo server /index.xml")
            self.record("hugo", "cold", end - started)
            self.record("hugo", "worker_mb", vm_hwm_mb(proc.pid))
        except Failed as exc:
            self.failed("hugo", ["cold", "worker_mb", "warm", "new_post_server",
                                 "new_post_cpu"], exc)
            return
        finally:
            stop(proc)
        port = free_port()
        warm_restart(self, "hugo", self.hugo_server_cmd(port), port=port, path="/index.xml",
                     rep=rep, log=log)

    def skipped(self, system: str) -> bool:
        """Whether --skip-slow leaves `system` out at this size."""
        return bool(self.args.skip_slow) and system in SLOW and self.size > 1000

    def skip_slow(self, system: str) -> bool:
        """Record `system`'s builds as skipped, when they are."""
        if self.skipped(system):
            for m in ("build", "build_cpu", "build_mb", "new_post_cli"):
                self.record(system, m, "skipped")
            return True
        return False

    def run_jekyll(self, rep: int) -> None:
        """Jekyll: a full incremental build, then one after a new post."""
        if self.skip_slow("jekyll"):
            return
        corpus = self.corpora["jekyll"]
        out = self.work / "out" / f"jekyll-{self.size}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(corpus.dir / ".jekyll-cache", ignore_errors=True)
        (corpus.dir / ".jekyll-metadata").unlink(missing_ok=True)
        cmd = [self.tools.path("jekyll"), "build", "--incremental", "--source", str(corpus.dir),
               "--destination", str(out)]
        log = self.log("jekyll-build", rep)
        try:
            self.record_build("jekyll", measured(cmd, log, self.args.timeout))
            _, title, _ = corpus.add_post()
            self.record("jekyll", "new_post_cli",
                        measured(cmd, log, self.args.timeout)["wall"])
            self.check_output("jekyll", [out / "feed.xml"], title)
        except Failed as exc:
            self.failed("jekyll", [m for m in ("build", "build_cpu", "build_mb", "new_post_cli")
                                   if len(self.results["jekyll"][m]) < rep], exc)
        finally:
            corpus.drop_added()

    def run_pelican(self, rep: int) -> None:
        """Pelican: a full build with its cache, then one after a new post."""
        if self.skip_slow("pelican"):
            return
        corpus = self.corpora["pelican"]
        out = self.work / "out" / f"pelican-{self.size}"
        cache = self.work / "cache" / f"pelican-{self.size}"
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        cmd = [self.tools.path("pelican"), str(corpus.posts_dir),
               "--settings", str(PEERS / "pelican" / "pelicanconf.py"),
               "--output", str(out), "--quiet",
               "--extra-settings", f"CACHE_PATH={json.dumps(str(cache))}"]
        log = self.log("pelican-build", rep)
        try:
            self.record_build("pelican", measured(cmd, log, self.args.timeout))
            _, title, _ = corpus.add_post()
            self.record("pelican", "new_post_cli",
                        measured(cmd, log, self.args.timeout)["wall"])
            self.check_output("pelican", [out / "feeds" / "all.atom.xml"], title)
        except Failed as exc:
            self.failed("pelican", [m for m in ("build", "build_cpu", "build_mb",
                                                "new_post_cli")
                                    if len(self.results["pelican"][m]) < rep], exc)
        finally:
            corpus.drop_added()
