"""Bugs found in review, each pinned by a test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FakeClock, post, write_posts

from feeds.library import Library, Options
from feeds.library.live import Live
from feeds.library.shared import Shared
from feeds.render.document import Document
from feeds.render.site import Site
from feeds.web.delivery import Prepared


@pytest.mark.posts({"a.md": post("A", "2024-01-01"), "b.md": post("B", "2024-01-02"),
                    "c.md": post("C", "2024-01-03")},
                   blog="---\ntitle: T\nlink: https://t.example/\nfeed_limit: 1\n"
                        "archive_size: 1\n---\n")
def test_odd_digits_in_an_archive_address_are_not_found(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/archive/2/rss.xml").status_code == 200  # "2" is there, "²" is not
    assert client.get("/archive/%C2%B2/rss.xml").status_code == 404


def test_a_garbage_if_none_match_leaves_if_modified_since_in_charge() -> None:
    from datetime import UTC, datetime

    prepared = Prepared(Document.of(b"x" * 10, "text/plain", datetime(2024, 1, 1, tzinfo=UTC),
                                    "feed"), [])
    status, _, _ = prepared.respond({"HTTP_IF_NONE_MATCH": "garbage",
                                     "HTTP_IF_MODIFIED_SINCE": "Tue, 02 Jan 2024 00:00:00 GMT"})
    assert status == "304 Not Modified"


def test_the_newest_full_archive_page_is_not_immutable(tmp_path: Path, clock: FakeClock) -> None:
    blog = ("---\ntitle: T\nlink: https://t.example/\nfeed_limit: 1\narchive_size: 2\n---\n")
    root = write_posts(tmp_path / "posts", {f"p{i}.md": post(f"P{i}", f"2024-01-0{i + 1}")
                                            for i in range(3)}, blog=blog)
    site = Site(Library(Options(root), clock).snapshot())
    assert site.document("archive/1/atom.xml").kind == "feed"  # no next page yet
    (root / "p3.md").write_text(post("P3", "2024-01-04"))
    (root / "p4.md").write_text(post("P4", "2024-01-05"))
    site = Site(Library(Options(root), clock).snapshot())
    assert site.document("archive/1/atom.xml").kind == "archive"


def test_an_asset_appearing_changes_the_version_and_the_bodies(tmp_path: Path, leader  # type: ignore[no-untyped-def]
                                                               ) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01", "![p](pic.png)")})
    live = leader(root, lazy=True).live
    before = live.snapshot()
    assert "/files/pic.png" not in before.with_body(before.posts[0]).content_html
    (root / "pic.png").write_bytes(b"\x89PNG")
    live.reload({"pic.png"})
    after = live.snapshot()
    assert after.version != before.version
    assert "/files/pic.png" in after.with_body(after.posts[0]).content_html


def test_a_snapshot_renders_its_bodies_with_its_own_assets_after_a_newer_load(
        tmp_path: Path, leader) -> None:  # type: ignore[no-untyped-def]
    """A WebSub check renders the version before a change after the change is served:
    its bodies must be that version's, or old and new documents look the same."""
    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01", "![p](pic.png)")})
    live = leader(root, lazy=True).live
    before = live.snapshot()  # no body asked for yet
    (root / "pic.png").write_bytes(b"\x89PNG")
    live.reload({"pic.png"})
    after = live.snapshot()
    assert "/files/pic.png" in after.with_body(after.posts[0]).content_html
    old = before.with_body(before.posts[0]).content_html
    assert "/files/pic.png" not in old and "posts/a/pic.png" in old


def test_an_enclosure_length_follows_its_file(tmp_path: Path, clock: FakeClock, leader  # type: ignore[no-untyped-def]
                                              ) -> None:
    root = write_posts(tmp_path / "posts", {
        "a.md": "---\ntitle: A\ndate: 2024-01-01\nenclosures: [ep.mp3]\n---\nx\n",
        "ep.mp3": b"x" * 100})
    live = leader(root, cache=tmp_path / "cache", lazy=True).live
    assert live.snapshot().posts[0].enclosures[0].length == 100
    (root / "ep.mp3").write_bytes(b"x" * 5000)
    live.reload({"ep.mp3"})
    assert live.snapshot().posts[0].enclosures[0].length == 5000
    again = Library(Options(root, cache=tmp_path / "cache", lazy=True), clock)
    assert again.snapshot().posts[0].enclosures[0].length == 5000


def test_a_broken_save_keeps_the_rendered_body_in_lazy_mode(tmp_path: Path, leader  # type: ignore[no-untyped-def]
                                                             ) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01", "Kept words.")})
    live = leader(root, lazy=True).live
    library = live.library
    first = live.snapshot()
    assert "Kept words." in (first.with_body(first.posts[0]).content_html or "")
    (root / "a.md").write_text("---\ntitle: [broken")
    live.reload({"a.md"})
    assert [p.path for p in library.problems] == ["a.md"]
    now = live.snapshot()
    kept = now.posts[0]
    assert kept.title == "A"
    assert "Kept words." in (now.with_body(kept).content_html or "")


def test_a_leader_that_fails_to_start_gives_up_the_lead(tmp_path: Path, clock: FakeClock,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01")})
    folder = tmp_path / "run"
    live = Live(Library(Options(root), clock), Shared(folder))
    other = Shared(folder)

    def broken() -> None:
        live._stop.set()  # one attempt only
        raise OSError("disk full")

    monkeypatch.setattr(live, "_lead", broken)
    live._run()
    assert other.try_lead()  # the lock was released
    other.close()
    live.shared.close()


def test_two_exports_in_one_process_with_the_output_removed_between(tmp_path: Path,
                                                                    clock: FakeClock) -> None:
    from feeds.export.build import export

    root = write_posts(tmp_path / "posts", {"a.md": post("A", "2024-01-01")})
    export(Library(Options(root), clock), tmp_path / "out")
    shutil.rmtree(tmp_path / "out")
    assert export(Library(Options(root), clock), tmp_path / "out").written > 0
