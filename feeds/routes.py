"""The address map: every kind of address the blog publishes, declared once
(docs/reference.md §6.1).

Paths here are relative to the base URL, without a leading slash. `parse`
reads one (as the server and the export see it, percent-decoded) and the
`*_folder` functions write them (percent-encoded, as they go into a URL), so
no other module needs to know how an address is spelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote

# The three syndication formats and the file name of each in every feed folder.
FEED_FILES: dict[str, str] = {"rss": "rss.xml", "atom": "atom.xml", "json": "feed.json"}
FORMAT_OF: dict[str, str] = {name: kind for kind, name in FEED_FILES.items()}
# The page a person reads for each XML feed, beside it in every feed folder
# (docs/reference.md §5.4): browsers without XSLT show the feeds themselves raw.
FEED_VIEWS: dict[str, str] = {"rss": "rss.html", "atom": "atom.html"}
VIEW_OF: dict[str, str] = {name: kind for kind, name in FEED_VIEWS.items()}
# The addresses at the top that are not feeds, and what each is.
TOP_PAGES: dict[str, str] = {"": "home", "about": "about", "about.json": "about-json",
                             "feeds.opml": "opml", "feed.xsl": "xsl"}
# A section folder, and what a key in it names.
SECTIONS: dict[str, str] = {"posts": "post", "tags": "tag", "authors": "author"}
STYLESHEET = "feed.xsl"
FILES = "files/"  # the publisher's assets, served as they are
PODCAST = "podcast/"  # the podcast feeds: every episode (docs/reference.md §10)

Kind = Literal["home", "about", "about-json", "opml", "xsl", "feed", "post", "tag", "author",
               "archive", "podcast"]


@dataclass(frozen=True)
class Route:
    """What an address names: its kind, the key in its section (a post's slug, a tag's
    slug, an author's id), an archive page's number, and the feed format ("" for a
    page); `view`: the feed's page for people (rss.html, atom.html), not the feed."""

    kind: Kind
    key: str = ""
    number: int = 0
    format: str = ""
    view: bool = False

    @property
    def is_feed(self) -> bool:
        """Whether the address is a syndication document (RSS, Atom or JSON Feed)."""
        return bool(self.format) and not self.view


def parse(path: str) -> Route | None:
    """The route of `path` (decoded, no leading slash); None when no address is spelled
    so (whether a post or tag of that name exists is the library's question)."""
    parts = path.split("/")
    if len(parts) == 1:
        return _top(path)
    if len(parts) == 2 and parts[0] + "/" == PODCAST and parts[1] in _FEED_NAMES:
        return _feed_route("podcast", parts[1])
    if len(parts) != 3 or not parts[1]:
        return None
    section, key, name = parts
    if section == "archive":
        return _archive(key, name)
    kind = SECTIONS.get(section)
    if kind is None or (name and (kind == "post" or name not in _FEED_NAMES)):
        return None
    return _feed_route(kind, name, key)


def _top(name: str) -> Route | None:
    if name in _FEED_NAMES:
        return _feed_route("feed", name)
    kind = TOP_PAGES.get(name)
    return Route(kind) if kind is not None else None  # type: ignore[arg-type]


def _archive(number: str, name: str) -> Route | None:
    # ASCII digits only: int() would also take "٣" or " 3"
    if not (number.isascii() and number.isdigit()) or name not in _FEED_NAMES:
        return None
    return _feed_route("archive", name, number=int(number))


_FEED_NAMES = frozenset({*FORMAT_OF, *VIEW_OF})


def _feed_route(kind: str, name: str, key: str = "", number: int = 0) -> Route:
    """The route of file `name` in a feed folder ("" for the folder's page)."""
    if name in VIEW_OF:
        return Route(kind, key, number, VIEW_OF[name], view=True)  # type: ignore[arg-type]
    return Route(kind, key, number, FORMAT_OF.get(name, ""))  # type: ignore[arg-type]


def post_folder(slug: str) -> str:
    """A post's page, as it goes into a URL."""
    return f"posts/{quote(slug, safe='')}/"


def tag_folder(slug: str) -> str:
    """A tag's page and feeds, as they go into a URL."""
    return f"tags/{quote(slug, safe='')}/"


def author_folder(author_id: str) -> str:
    """An author's page and feeds, as they go into a URL."""
    return f"authors/{quote(author_id, safe='')}/"


def archive_folder(number: int) -> str:
    """Archive page `number`'s feeds (RFC 5005)."""
    return f"archive/{number}/"


def feed(folder: str, kind: str) -> str:
    """The feed of format `kind` ("rss", "atom", "json") in `folder` ("" for the blog's)."""
    return folder + FEED_FILES[kind]


def view(folder: str, kind: str) -> str:
    """The page for people of the feed of format `kind` ("rss", "atom") in `folder`."""
    return folder + FEED_VIEWS[kind]


def view_of(path: str) -> str | None:
    """The page for people of the RSS or Atom feed at `path`; None for any other path."""
    folder, _, name = path.rpartition("/")
    kind = FORMAT_OF.get(name)
    if kind not in FEED_VIEWS or parse(path) is None:
        return None
    return view(folder + "/" if folder else "", kind)
