"""SPEC §6.3: live posts. Only changed files are read; a broken save keeps the last
good version; every worker follows the one leader's versions in order."""

from __future__ import annotations

from pathlib import Path

from conftest import FakeClock, write_posts

from feeds.errors import Severity
from feeds.library import Library, Options
from feeds.live import Live
from feeds.shared import Shared


def post(title: str, date: str = "2024-01-01") -> str:
    return f"---\ntitle: {title}\ndate: {date}\n---\nBody of {title}.\n"


def titles(library: Library) -> list[str]:
    return [p.title for p in library.snapshot().posts]


def test_refresh_reads_only_what_changed(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {f"p{i}.md": post(f"P{i}", f"2024-01-0{i}")
                                            for i in range(1, 6)})
    library = Library(Options(root), clock)
    assert library.last_reload.files_read == 5
    assert library.refresh().files_read == 0
    (root / "p6.md").write_text(post("P6", "2024-01-06"))  # added
    (root / "p1.md").write_text(post("P1 edited", "2024-01-01"))  # edited
    (root / "p2.md").rename(root / "p2-renamed.md")  # renamed
    (root / "p3.md").unlink()  # deleted
    assert library.refresh().files_read == 3
    assert titles(library) == ["P6", "P5", "P4", "P2", "P1 edited"]


def test_a_broken_save_keeps_the_last_good_version(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A"), "b.md": post("B", "2024-01-02")})
    library = Library(Options(root), clock)
    (root / "a.md").write_text("---\ntitle: A, half writ")  # an editor's first step
    library.refresh()
    assert titles(library) == ["B", "A"]
    errors = [p for p in library.problems if p.severity is Severity.ERROR]
    assert [p.path for p in errors] == ["a.md"]
    assert "last good version is still published" in errors[0].message
    (root / "a.md").write_text(post("A, finished"))
    library.refresh()
    assert titles(library) == ["B", "A, finished"]
    assert library.problems == ()
    (root / "new.md").write_text("---\ntitle: [broken")  # never good: never published
    library.refresh()
    assert titles(library) == ["B", "A, finished"]


def test_a_change_of_blog_settings_or_assets_rereads_everything(
        tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts",
                       {"a.md": "---\ntitle: A\ndate: 2024-01-01\n---\n![p](pic.png)\n"})
    library = Library(Options(root), clock)
    assert "files/pic.png" not in library.snapshot().posts[0].content_html
    (root / "pic.png").write_bytes(b"\x89PNG")
    assert library.refresh().files_read == 1
    assert "https://blog.example.org/files/pic.png" in library.snapshot().posts[0].content_html
    (root / "_blog.md").write_text("---\ntitle: Renamed\nlink: https://blog.example.org/\n---\n")
    assert library.refresh().files_read == 1
    assert library.snapshot().blog.title == "Renamed"


def test_followers_take_the_leaders_versions(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    first = Shared.create(tmp_path)
    folder = first.folder
    first.close()
    # Two "workers" in one process: separate libraries, separate handles on the folder.
    leader = Live(Library(Options(root), clock), Shared(folder))
    follower = Live(Library(Options(root), clock), Shared(folder))
    assert leader.shared.try_lead() and not follower.shared.try_lead()
    (root / "b.md").write_text(post("B", "2024-01-02"))
    leader.reload()
    assert leader.shared.generation() == 1
    assert follower.snapshot().version == leader.snapshot().version
    assert titles(follower.library) == ["B", "A"]
    leader.shared.close()  # the leader dies: its lock goes with it
    assert follower.shared.try_lead()
    follower.shared.close()


def test_a_reload_with_nothing_new_publishes_nothing(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    live = Live(Library(Options(root), clock), Shared.create(tmp_path))
    live.reload()
    live.reload()
    assert live.shared.generation() == 0
    live.shared.close()
