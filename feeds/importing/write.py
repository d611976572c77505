"""One post file per entry, in the posts folder and nowhere else: `YYYY-MM-DD-slug.html`
(the content is HTML), written atomically and never over a file that is there. A name
taken by another post gets `-2`, `-3` …; a file holding the entry's id already is an
import run before, and the entry is left out.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

from feeds.importing.entries import Entry, Skipped
from feeds.sources.files import create_post
from feeds.sources.foreign import post_holds
from feeds.sources.frontmatter import front_matter

MAX_NAME_TRIES = 100
# RFC 3986's reserved and unreserved characters, and `%` (an id percent-encoded already).
_URI_SAFE = ":/?#[]@!$&'()*+,;=-._~%"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def write_entries(entries: tuple[Entry, ...], posts: Path
                  ) -> tuple[tuple[Path, ...], tuple[Skipped, ...]]:
    """Write every entry into `posts`; the files written and the entries left out."""
    written: list[Path] = []
    skipped: list[Skipped] = []
    for entry in entries:
        outcome = _write(entry, posts)
        if isinstance(outcome, Path):
            written.append(outcome)
        else:
            skipped.append(outcome)
    return tuple(written), tuple(skipped)


def _write(entry: Entry, posts: Path) -> Path | Skipped:
    text = post_text(entry)
    id_line = next((line for line in text.splitlines() if line.startswith("id:")), "")
    stem = f"{entry.published:%Y-%m-%d}-{entry.slug}"
    for n in range(1, MAX_NAME_TRIES + 1):
        name = f"{stem}.html" if n == 1 else f"{stem}-{n}.html"
        if id_line and post_holds(posts, name, id_line):
            return Skipped(entry.where, entry.title, f"imported before, as {name}")
        try:
            return create_post(posts, name, text)
        except FileExistsError:
            continue
    return Skipped(entry.where, entry.title, f"{MAX_NAME_TRIES} files named {stem}… exist")


def post_text(entry: Entry) -> str:
    """The post file for `entry`: YAML front matter, then the HTML content."""
    fields: dict[str, object] = {"title": entry.title, "date": _iso(entry)}
    if entry.updated:
        fields["updated"] = entry.updated.isoformat().replace("+00:00", "Z")
    if entry.authors:
        fields["author"] = entry.authors[0] if len(entry.authors) == 1 else list(entry.authors)
    fields.update({"tags": list(entry.tags)} if entry.tags else {})
    fields.update({"summary": entry.summary} if entry.summary else {})
    given = plain_uri(entry.old_id)
    fields.update({"id": given} if given else {})
    alias = old_address(entry.old_link)
    fields.update({"aliases": [alias]} if alias else {})
    fields.update({"image": entry.image} if entry.image else {})
    if entry.attachments:
        fields["enclosures"] = [{"url": a.url, "type": a.type, **_length(a.length)}
                                for a in entry.attachments]
    return front_matter(fields) + entry.content + "\n"


def plain_uri(text: str) -> str | None:
    """An id as a URI the feeds' validators accept: ASCII, characters outside it (and
    spaces, controls) percent-encoded as RFC 3987 maps an IRI to a URI. Most ids are
    plain already and stay byte for byte the same (readers compare them as strings).
    None for an id that is no URI at all (`10`): Atom needs one, so the post gets its own."""
    found = quote(text.strip(), safe=_URI_SAFE)
    return found if _SCHEME.match(found) else None


def id_notes(entry: Entry) -> tuple[str, ...]:
    """What a reader of the old feed will notice about the entry's id, if anything."""
    given = plain_uri(entry.old_id)
    if given == entry.old_id.strip():
        return ()
    what = f"written as {given}" if given else "not a URI: the post gets an id of its own"
    return (f"old id {entry.old_id!r} {what}; readers of the old feed may show it once more",)


def _iso(entry: Entry) -> str:
    return entry.published.isoformat().replace("+00:00", "Z")


def _length(length: int | None) -> dict[str, int]:
    return {"length": length} if length is not None else {}


def old_address(link: str | None) -> str | None:
    """The path of the entry's old page, which the blog keeps answering (an alias);
    none for the site's root or a query-only address such as WordPress's `/?p=1`."""
    if not link:
        return None
    path = urlsplit(link).path
    normal = posixpath.normpath(path) if path else ""
    return path if normal not in ("", "/", ".") and ".." not in path.split("/") else None
