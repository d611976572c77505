"""A new or changed asset reads again only the posts whose fields name files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import FakeClock, Leader, age, write_posts

from feeds.library import Library, Options
from feeds.library.live import Live, join
from feeds.library.shared import Shared

PLAIN = 30


def blog(tmp_path: Path) -> Path:
    files = {f"p{i:02d}.md": f"---\ntitle: Plain {i}\ndate: 2024-01-01T00:{i:02d}:00Z\n---\n"
                             f"See [the picture](pic.png) {i}.\n" for i in range(PLAIN)}
    files["img.md"] = "---\ntitle: Pictured\ndate: 2024-02-01\nimage: pic.png\n---\nI.\n"
    files["enc.md"] = ("---\ntitle: Episode\ndate: 2024-02-02\nenclosures:\n"
                       "  - {url: show.mp3, type: audio/mpeg}\n---\nE.\n")
    return age(write_posts(tmp_path / "posts", files))


def test_an_asset_reads_again_only_the_posts_that_name_files(
        tmp_path: Path, clock: FakeClock, leader: Callable[..., Leader]) -> None:
    root = blog(tmp_path)
    options = Options(root, "https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    lead = leader(root, base_url=options.base_url, cache=options.cache, lazy=True)
    library = lead.live.library
    assert {p.path for p in library.problems if p.severity.value == "error"} == \
        {"img.md", "enc.md"}  # the files they name are not there yet
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "show.mp3").write_bytes(b"ID3" + bytes(997))
    stats = lead.reload()
    assert stats.files_read == 2
    snapshot = library.snapshot()
    assert snapshot.by_slug["img"].image is not None
    assert snapshot.by_slug["enc"].enclosures[0].length == 1000
    assert not [p for p in library.problems if p.severity.value == "error"]
    plain = snapshot.by_slug["p03"]
    assert "https://a.example.org/files/pic.png" in (snapshot.with_body(plain).content_html or "")
    (root / "show.mp3").write_bytes(b"ID3" + bytes(1997))
    assert lead.reload().files_read == 2  # the image and the enclosure post
    assert library.snapshot().by_slug["enc"].enclosures[0].length == 2000
    again = Library(options, clock)  # a restart: the index holds what the assets gave
    assert again.last_reload.files_read == 0
    assert again.snapshot().version == library.snapshot().version


def test_a_follower_takes_the_new_assets_from_an_update(
        tmp_path: Path, clock: FakeClock) -> None:
    root = blog(tmp_path)
    options = Options(root, "https://a.example.org/", lazy=True)
    shared = Shared.create(tmp_path)
    leader = Live(Library(options, clock), shared)
    (root / "new.md").write_text("---\ntitle: New\ndate: 2024-03-01\n---\nN.\n")
    leader.reload()  # the first publication: a whole record
    theirs = Shared(shared.folder)
    follower = Live(join(options, clock, theirs), theirs)
    (root / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    leader.reload()
    assert shared._records() == {1: {"full"}, 2: {"update"}}
    seen = follower.snapshot()
    assert seen.version == leader.library.snapshot().version
    assert "/files/pic.png" in (seen.with_body(seen.by_slug["p01"]).content_html or "")
    assert seen.by_slug["img"].image is not None
    for one in (leader, follower):
        one.shared.close()
