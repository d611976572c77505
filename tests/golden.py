"""Golden copies of one document of every kind the site serves.

The sample blog's documents as `feeds serve --base-url SAMPLE_BASE` sends them, on
a fixed clock: the home, about and post pages, a tag's and an author's page and
feeds, the podcast feeds, feeds' pages for people, feeds.opml, feed.xsl and the 404
page; and, from a copy of the sample cut into small archive pages, the paged
subscription feeds and an archive page in each format. Regenerate after an intended
change of output, then review the diff:

    python tests/golden.py
"""

from __future__ import annotations

import functools
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from conftest import SAMPLE, SAMPLE_BASE, FakeClock  # noqa: E402

from feeds.export.build import file_for  # noqa: E402
from feeds.library import Library, Options  # noqa: E402
from feeds.library.shared import Shared  # noqa: E402
from feeds.render.site import Site  # noqa: E402
from feeds.web.app import create_app  # noqa: E402

GOLDEN = HERE / "golden"
FEEDS = ("rss.xml", "atom.xml", "feed.json")
# One address of each kind `feeds/render/site.py` renders, from the sample blog.
SAMPLE_PATHS = ("", "about", "about.json", "feeds.opml", "feed.xsl", *FEEDS, "rss.html",
                "atom.html", "posts/fog-week/", "tags/weather/rss.html",
                "tags/weather/", *(f"tags/weather/{f}" for f in FEEDS),
                "authors/tomas/", *(f"authors/tomas/{f}" for f in FEEDS),
                *(f"podcast/{f}" for f in FEEDS))
# From the sample with small archive pages: a subscription feed that links to the
# archives, a complete archive page and the newest one.
PAGED = "feed_limit: 4\narchive_size: 4\n"
PAGED_PATHS = (*FEEDS, *(f"archive/{n}/{f}" for n in (1, 2) for f in FEEDS))
NOT_FOUND = "404.html"  # the app's page for an address with nothing at it
DOCUMENTS = (*(file_for(p) for p in SAMPLE_PATHS), *(f"paged/{file_for(p)}" for p in
                                                     PAGED_PATHS), NOT_FOUND)


@functools.cache
def render_sample() -> dict[str, bytes]:
    """Every golden document's name (its file under golden/) and bytes, as rendered now."""
    site = Site(Library(Options(SAMPLE, SAMPLE_BASE), FakeClock()).snapshot())
    documents = {file_for(path): site.document(path).body for path in SAMPLE_PATHS}
    with tempfile.TemporaryDirectory() as tmp:
        documents |= {f"paged/{file_for(p)}": body for p, body in _paged(Path(tmp)).items()}
        documents[NOT_FOUND] = _not_found(Path(tmp))
    return documents


def _paged(tmp: Path) -> dict[str, bytes]:
    posts = tmp / "posts"
    shutil.copytree(SAMPLE, posts)
    settings = posts / "_blog.md"
    settings.write_text(settings.read_text(encoding="utf-8").replace("---\n", "---\n" + PAGED, 1),
                        encoding="utf-8")
    site = Site(Library(Options(posts, SAMPLE_BASE), FakeClock()).snapshot())
    return {path: site.document(path).body for path in PAGED_PATHS}


def _not_found(tmp: Path) -> bytes:
    shared = Shared.create(tmp)
    try:
        app = create_app(Options(SAMPLE, SAMPLE_BASE), FakeClock(), shared=shared, start=False)
        response = app.test_client().get("/no/such/address")
        assert response.status_code == 404
        return response.data
    finally:
        shared.close()


def main() -> None:
    for name, body in render_sample().items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        print(f"wrote {path} ({len(body)} bytes)")


if __name__ == "__main__":
    main()
