"""Golden copies of the sample blog's documents.

Regenerate after an intended change of output, then review the diff:

    python tests/golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from conftest import SAMPLE, SAMPLE_BASE, FakeClock  # noqa: E402

from feeds.library import Library, Options  # noqa: E402
from feeds.render.site import Site  # noqa: E402

GOLDEN = HERE / "golden"
DOCUMENTS = ("rss.xml", "atom.xml", "feed.json", "about.json")


def render_sample() -> dict[str, bytes]:
    """The sample blog's documents as `feeds serve --base-url SAMPLE_BASE` sends them."""
    site = Site(Library(Options(SAMPLE, SAMPLE_BASE), FakeClock()).snapshot())
    return {name: site.document(name).body for name in DOCUMENTS}


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, body in render_sample().items():
        (GOLDEN / name).write_bytes(body)
        print(f"wrote {GOLDEN / name} ({len(body)} bytes)")


if __name__ == "__main__":
    main()
