"""What every part of bench/compare shares: the systems, the metrics, the failure of
a measurement."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent  # bench/compare_lib/ -> the repository


PEERS = ROOT / "bench" / "peers"


MAKE_CORPUS = ROOT.parent / "shared" / "bench" / "make_corpus.py"


SYSTEMS = ("feeds", "hugo", "jekyll", "pelican")


LAYOUT = {"feeds": "plain", "hugo": "hugo", "jekyll": "jekyll", "pelican": "pelican"}


SLOW = ("jekyll", "pelican")


FEED_LIMIT = 50


SEED = "feedbench-1"


POLL = 0.010  # seconds between polls; a new connection per request


SETTLE = 0.5  # after a new post is seen, before the server's CPU time is read


FEEDS_ENV = {"FEEDS_FEED_LIMIT": str(FEED_LIMIT),
             # no entry dropped for size: the peers' feeds have no byte cap either
             "FEEDS_FEED_MAX_BYTES": str(100_000_000)}


# (key, label, unit) in table order
METRICS = [
    ("cold", "cold start -> feeds served", "s"),
    ("warm", "warm restart -> first feed", "s"),
    ("new_post_server", "new post -> in running server", "s"),
    ("new_post_cpu", "  server CPU for the new post", "s"),
    ("new_post_cli", "new post -> CLI rebuild", "s"),
    ("worker_mb", "peak memory per worker", "MB"),
    ("build", "full build (site / export)", "s"),
    ("build_cpu", "  full build CPU", "s"),
    ("build_mb", "  full build peak memory", "MB"),
    ("feed_only", "feed-only build", "s"),
    ("feed_only_mb", "  feed-only peak memory", "MB"),
]


class Failed(Exception):
    """A measurement that did not complete: its cell shows `status`."""

    def __init__(self, status: str, detail: str = "") -> None:
        super().__init__(f"{status}: {detail}" if detail else status)
        self.status = status
        self.detail = detail
