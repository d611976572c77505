"""The old addresses of the posts in a static export (docs/reference.md §6.5): a
redirect page at each (`old/index.html`, or the old path itself when it names an
`.html` file), and one `_redirects` file for the hosts that read it."""

from __future__ import annotations

from feeds.export.tree import Entry, Tree, digest
from feeds.library import Snapshot
from feeds.render.redirect import redirect_page, redirects_file

REDIRECTS_FILE = "_redirects"


def redirect_file(old: str) -> str:
    """The file a redirect page for the old address `old` is written to."""
    if old.lower().endswith((".html", ".htm")):
        return old
    return old.rstrip("/") + "/index.html"


def write_redirects(snapshot: Snapshot, tree: Tree) -> tuple[dict[str, Entry], int]:
    """Write the redirect pages and `_redirects`; the files and how many changed."""
    redirects = snapshot.redirects
    contents = {redirect_file(old): redirect_page(post) for old, post in redirects.spelled}
    if contents:
        contents[REDIRECTS_FILE] = redirects_file(redirects.pairs())
    files = {name: Entry("", digest(body)) for name, body in contents.items()}
    written = sum(tree.write(name, body, files[name].digest)
                  for name, body in sorted(contents.items()))
    return files, written
