"""docs/reference.md §2.3: pages saved as text, in several shapes of our own."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FakeClock, write_posts

from feeds.library import Library, Options
from feeds.normalize.textpage import read_text_page

CHROME_AROUND = """Skip to main content
Accessibility links
Menu
Search

Harbour Reopens After Storm

Share
Print

Cranes stand idle at the east pier on Tuesday.
Cranes stand idle at the east pier on Tuesday.

The harbour authority said on Tuesday that ships may enter again.

Pilots will board every vessel over 40 metres until the buoys are checked.

-- Maria Lind

About This Blog

"Coastal Notes" reports on the ports of the North Sea.

Latest Posts
Breaking News
"""

NO_SIGNATURE = """Breaking News
Ferry Timetable Changes

From Monday the early ferry leaves at 06:40.

The late ferry is unchanged.
Share
"""

TWO_AUTHORS_NO_CAPTION = """Menu
Night Sky Over the Breakwater

The clouds cleared just after midnight and the whole arc of the sky was visible.

We counted forty meteors in an hour.

— Kit Marlowe and Juno Park

Subscribe to our newsletter
"""

BYLINE_AT_TOP = """Lighthouse Open Day

By Juno Park

The lighthouse opens its doors on Saturday.

Bring sturdy shoes: there are 112 steps.

By Kit Marlowe
"""

PAGES = [
    # (text, title, body starts, body ends, authors, about)
    (CHROME_AROUND, "Harbour Reopens After Storm", "Cranes stand idle at the east pier on "
     "Tuesday.\n\nThe harbour", "until the buoys are checked.", "Maria Lind",
     '"Coastal Notes" reports on the ports of the North Sea.'),
    (NO_SIGNATURE, "Ferry Timetable Changes", "From Monday", "The late ferry is unchanged.",
     None, None),
    (TWO_AUTHORS_NO_CAPTION, "Night Sky Over the Breakwater", "The clouds cleared",
     "forty meteors in an hour.", "Kit Marlowe and Juno Park", None),
    (BYLINE_AT_TOP, "Lighthouse Open Day", "By Juno Park", "there are 112 steps.",
     "Kit Marlowe", None),
]


@pytest.mark.parametrize(("text", "title", "starts", "ends", "authors", "about"), PAGES,
                         ids=["chrome-around", "no-signature", "two-authors", "byline-at-top"])
def test_saved_pages(text: str, title: str, starts: str, ends: str,  # noqa: PLR0917
                     authors: str | None,
                     about: str | None) -> None:
    page = read_text_page(text, ("Subscribe to our newsletter",))
    assert page.title == title
    assert page.body.startswith(starts) and page.body.endswith(ends)
    assert page.authors == authors
    assert page.about == about
    for chrome in ("Share", "Print", "Menu", "Breaking News", "Subscribe to our newsletter"):
        assert chrome not in page.body.split("\n")
    assert page.body.count("Cranes stand idle") <= 1


def test_saved_pages_through_the_library(tmp_path: Path, clock: FakeClock) -> None:
    blog = ("---\ntitle: Coast\nlink: https://coast.example.org/\ntimezone: Europe/Oslo\n"
            "authors:\n  kit: {name: Kit Marlowe, email: kit@coast.example.org}\n---\n")
    root = write_posts(tmp_path / "posts", {
        "2024-05-02-harbour-reopens.txt": CHROME_AROUND,
        "2024-05-03-night-sky.txt": TWO_AUTHORS_NO_CAPTION.replace("Menu", "Menu\n"),
        "2024-05-04-ferry.txt": NO_SIGNATURE,
    }, blog=blog)
    snapshot = Library(Options(root), clock).snapshot()
    by_slug = snapshot.by_slug
    harbour = by_slug["harbour-reopens"]
    assert harbour.title == "Harbour Reopens After Storm"
    assert [a.name for a in harbour.authors] == ["Maria Lind"]
    assert harbour.date.isoformat() == "2024-05-01T22:00:00+00:00"  # the file name, Oslo
    assert "Maria Lind" not in harbour.content_html
    assert "Coastal Notes" not in harbour.content_html
    assert harbour.content_html.count("Cranes stand idle") == 1
    assert [a.id for a in by_slug["night-sky"].authors] == ["kit", "juno-park"]
    assert snapshot.blog.description == '"Coastal Notes" reports on the ports of the North Sea.'
    assert by_slug["ferry"].summary == "From Monday the early ferry leaves at 06:40."


def test_a_blog_description_wins_over_a_page_about(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"2024-05-02-h.txt": CHROME_AROUND})
    assert Library(Options(root), clock).snapshot().blog.description == \
        "A test blog about testing."


def test_key_value_header_blocks(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {
        "notes.txt": "Title: Harbour Notes\nDate: 10 Dec 2014 09:30 EST\nAuthor: bo\n"
                     "Tags: sea, wind\nDraft: no\n\nThe body.\n",
        "2024-05-02-both.md": "Title: Both Dates\nDate: 2020-01-01\n\nBody.\n",
        "2024-05-05-plain.txt": "Note: this is not a header block\n\nIt is a page.\n",
    })
    by_slug = Library(Options(root), clock).snapshot().by_slug
    notes = by_slug["notes"]
    assert (notes.title, notes.tags, notes.authors[0].id) == ("Harbour Notes", ("sea", "wind"),
                                                              "bo")
    assert notes.date.isoformat() == "2014-12-10T14:30:00+00:00"
    assert notes.content_html == "<p>The body.</p>"
    # docs/reference.md §2.1 (issue 11): an explicit `Date:` line wins over the file
    # name's date (Pelican: `Date: 2013-06-07 18:46` in 2013-06-07-this-week-in-rust.md),
    # and a file name on another day is warned about
    assert by_slug["both"].date.isoformat() == "2019-12-31T23:00:00+00:00"
    assert [p.line for p in Library(Options(root), clock).problems
            if "the file name says 2024-05-02" in p.message] == [2]
    assert by_slug["plain"].title == "Note: this is not a header block"
