"""`feeds import`: a WordPress export (WXR) or a feed becomes post files (docs/reference.md §11).

sources.foreign reads the source; `wxr`, `feed` (RSS, Atom) and `jsonfeed` turn it
into `Entry` records (`wordpress` cleans WordPress content on the way); `write` writes
one post file per entry into the posts folder, never over a file that is there. An
entry keeps its old id and its old address (as an alias), so that readers of the old
feed see nothing twice and old links still lead to it.
"""

from __future__ import annotations

from pathlib import Path

from feeds.importing import feed, jsonfeed, wxr
from feeds.importing.entries import Outcome
from feeds.importing.write import id_notes, write_entries
from feeds.sources.foreign import read_source


def run_import(source: str, posts: Path) -> Outcome:
    """Import every entry of `source` (a path or an http(s) URL) into `posts`."""
    read = read_source(source)
    reader = wxr if wxr.is_wxr(read.data) else jsonfeed if jsonfeed.is_json(read.data) else feed
    parsed = reader.parse(read)
    written, kept = write_entries(parsed.entries, posts)
    notes = tuple(f"{e.where}: {note}" for e in parsed.entries
                  for note in e.notes + id_notes(e))
    return Outcome(written, parsed.skipped + kept, parsed.notes + notes)
