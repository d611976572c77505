"""How to find and address the blog (`Options`), and the clock loads are made by.

Light on purpose: `feeds serve` reads these before it decides whether it needs to
load the blog at all (`feeds.library.front`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Options:
    """How to find and address the blog: the run settings of docs/reference.md §3 and §6.4."""

    posts: Path = Path("posts")
    base_url: str | None = None
    fallback_url: str = "http://127.0.0.1:8000/"
    environ: Mapping[str, str] = field(default_factory=dict)
    # The index's folder (None: no persistent index), and whether bodies are rendered
    # only for the documents that are asked for (a server, an export) or at load.
    cache: Path | None = None
    lazy: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None, **given: object) -> Options:
        """Options from arguments over FEEDS_POSTS / FEEDS_BASE_URL / FEEDS_CACHE over
        defaults."""
        env = dict(os.environ if environ is None else environ)
        posts = given.get("posts") or env.get("FEEDS_POSTS") or "posts"
        base_url = given.get("base_url") or env.get("FEEDS_BASE_URL") or None
        fallback = str(given.get("fallback_url", cls.fallback_url))
        cache = given.get("cache") or env.get("FEEDS_CACHE") or None
        return cls(Path(str(posts)), str(base_url) if base_url else None, fallback, env,
                   Path(str(cache)) if cache else None, bool(given.get("lazy", False)))
