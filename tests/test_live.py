"""Live posts (README, "Live posts"): only changed files are read; a broken save keeps
the last good version; every worker follows the one leader's versions in order. Reloads
go through `Live.reload`, the method the leader's watcher thread calls."""

from __future__ import annotations

import errno
import os
import threading
from datetime import datetime
from pathlib import Path

import pytest
from conftest import FakeClock, Leader, age, post, wait_until, write_posts

from feeds.errors import Severity
from feeds.library import Library, Options
from feeds.library import shared as shared_module
from feeds.library.live import Live, Watcher, join
from feeds.library.shared import Shared
from feeds.sources import files as sources
from feeds.sources import listing


def titles(library: Library) -> list[str]:
    return [p.title for p in library.snapshot().posts]


def test_the_periodic_listing_reads_only_what_changed(tmp_path: Path, leader) -> None:  # type: ignore[no-untyped-def]
    root = age(write_posts(tmp_path / "posts", {f"p{i}.md": post(f"P{i}", f"2024-01-0{i}")
                                                for i in range(1, 6)}))
    live: Leader = leader(root)
    assert live.live.library.last_reload.files_read == 5
    assert live.reload().files_read == 0
    assert live.live.shared.generation() == 0  # nothing new: nothing published
    (root / "p6.md").write_text(post("P6", "2024-01-06"))  # added
    (root / "p1.md").write_text(post("P1 edited", "2024-01-01"))  # edited
    (root / "p2.md").rename(root / "p2-renamed.md")  # renamed
    (root / "p3.md").unlink()  # deleted
    assert live.reload().files_read == 3
    assert live.titles() == ["P6", "P5", "P4", "P2", "P1 edited"]
    assert live.live.shared.generation() == 1


def test_a_broken_save_keeps_the_last_good_version(tmp_path: Path, leader) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"a.md": post("A"), "b.md": post("B", "2024-01-02")})
    live: Leader = leader(root)
    (root / "a.md").write_text("---\ntitle: A, half writ")  # an editor's first step
    live.reload({"a.md"})
    assert live.titles() == ["B", "A"]
    errors = [p for p in live.live.library.problems if p.severity is Severity.ERROR]
    assert [p.path for p in errors] == ["a.md"]
    assert "last good version is still published" in errors[0].message
    (root / "a.md").write_text(post("A, finished"))
    live.reload({"a.md"})
    assert live.titles() == ["B", "A, finished"]
    assert live.live.library.problems == ()
    (root / "new.md").write_text("---\ntitle: [broken")  # never good: never published
    live.reload({"new.md"})
    assert live.titles() == ["B", "A, finished"]
    assert [p.path for p in live.live.library.problems] == ["new.md"]


def test_a_change_of_blog_settings_or_assets_rereads_everything(tmp_path: Path, leader  # type: ignore[no-untyped-def]
                                                                ) -> None:
    root = write_posts(tmp_path / "posts",
                       {"a.md": "---\ntitle: A\ndate: 2024-01-01\n---\n![p](pic.png)\n"})
    live: Leader = leader(root)
    assert "files/pic.png" not in live.live.snapshot().posts[0].content_html
    (root / "pic.png").write_bytes(b"\x89PNG")
    assert live.reload({"pic.png"}).files_read == 1  # an event the leader cannot place
    assert "https://blog.example.org/files/pic.png" in live.live.snapshot().posts[0].content_html
    (root / "_blog.md").write_text("---\ntitle: Renamed\nlink: https://blog.example.org/\n---\n")
    assert live.reload({"_blog.md"}).files_read == 1
    assert live.live.snapshot().blog.title == "Renamed"


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


def test_a_load_of_its_own_reads_no_run_folder_before_a_publication(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that loaded the posts itself (a warm start) serves every request with a
    read of the counter alone while nothing is published; then it follows."""
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    first = Shared.create(tmp_path)
    folder = first.folder
    first.close()
    joined = Shared(folder)
    follower = Live(join(Options(root), clock, joined), joined)
    assert follower.library.generation is None
    reads: list[object] = []
    since = Shared.since
    monkeypatch.setattr(Shared, "since", lambda *args: reads.append(args) or since(*args))
    for _ in range(3):
        follower.snapshot()
    assert reads == []
    leader = Live(Library(Options(root), clock), Shared(folder))
    assert leader.shared.try_lead()
    (root / "b.md").write_text(post("B", "2024-01-02"))
    leader.reload()
    assert titles(follower.library) == ["A"] and len(reads) == 0
    assert follower.snapshot().version == leader.snapshot().version and len(reads) == 1
    assert titles(follower.library) == ["B", "A"]
    leader.shared.close()
    follower.shared.close()


def test_a_listing_taken_before_the_files_heard_since_is_newer_only_elsewhere(
        tmp_path: Path, clock: FakeClock) -> None:
    """A full listing taken while files were read one by one: what those files said when
    read wins over what the listing saw before (a post added and one deleted since)."""
    root = write_posts(tmp_path / "posts", {"a.md": post("A"), "b.md": post("B", "2024-01-02")})
    library = Library(Options(root), clock)
    taken = listing.list_files(root)
    (root / "c.md").write_text(post("C", "2024-01-03"))
    (root / "b.md").unlink()
    library.replace(library.loader.update({"c.md", "b.md"}).loaded)  # type: ignore[union-attr]
    assert titles(library) == ["C", "A"]
    library.replace(library.loader.load(taken, {"c.md", "b.md"}).loaded)
    assert titles(library) == ["C", "A"]
    assert not [p for p in library.problems if p.path == "b.md"]


def test_named_files_are_read_while_a_full_listing_is_taken(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The leader's full listings (at once when it starts leading, then every minute)
    are taken in a thread of their own: a post written meanwhile shows without waiting
    for them (at 100,000 files one takes 0.6 s)."""
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    live = Live(Library(Options(root), clock), Shared.create(tmp_path))
    release, listings = threading.Event(), []
    real = sources.list_files

    def slow(folder: Path, previous: listing.Listing | None = None) -> listing.Listing:
        listings.append(folder)
        assert release.wait(10)
        return real(folder, previous)

    monkeypatch.setattr(sources, "list_files", slow)
    live.start()
    try:
        wait_until(lambda: listings, 10, "the leader's first listing")
        (root / "b.md").write_text(post("B", "2024-01-02"))
        wait_until(lambda: titles(live.library) == ["B", "A"], 10, "the new post, read alone")
        assert len(listings) == 1 and not release.is_set()
        release.set()
        wait_until(lambda: live._listing is None, 10, "the listing taken and applied")
        assert titles(live.library) == ["B", "A"]
    finally:
        release.set()
        live.stop()
        live.shared.close()


def test_a_reload_with_nothing_new_publishes_nothing(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    live = Live(Library(Options(root), clock), Shared.create(tmp_path))
    live.reload()
    live.reload()
    assert live.shared.generation() == 0
    live.shared.close()


def test_named_paths_are_read_without_listing_the_folder(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("A"),
                                                "b.md": post("B", "2024-01-02")}))
    library = Library(Options(root), clock)
    loader = library.loader
    monkeypatch.setattr(sources, "list_files", _no_listing)
    (root / "c.md").write_text(post("C", "2024-01-03"))
    (root / "a.md").unlink()
    reload = loader.update(["c.md", "a.md", "b.md", ".c.md.swp", "#c.md#"])
    # b.md is read (an event may be a rewrite that kept its stat key) but changed nothing
    assert reload is not None and reload.stats.files_read == 2
    assert set(reload.changes) == {"c.md", "a.md"} and reload.changes["a.md"] is None
    assert [p.title for p in reload.loaded.posts] == ["C", "B"]
    nothing = loader.update([".hidden.md", "_private/x.md", "notes.md~"])
    assert nothing is not None and not nothing.changed


@pytest.mark.parametrize("setup", ["asset", "blog", "folder", "link", "bad"])
def test_paths_only_a_listing_can_place_ask_for_one(
        tmp_path: Path, clock: FakeClock, setup: str) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    loader = Library(Options(root), clock).loader
    named = {"asset": "pic.png", "blog": "_blog.md", "folder": "sub.md", "link": "l.md",
             "bad": "../a.md"}[setup]
    if setup == "folder":
        (root / "sub.md").mkdir()
    elif setup == "link":
        (root / "l.md").symlink_to(root / "a.md")
    else:
        (root / named.removeprefix("../")).touch()
    assert loader.update([named]) is None


def _no_listing(_root: Path) -> None:
    raise AssertionError("the folder was listed")


def test_the_watcher_gathers_paths_and_asks_for_a_listing_when_lost(tmp_path: Path) -> None:
    woken: list[bool] = []
    watcher = Watcher(tmp_path, lambda: woken.append(True))
    watcher.event("modified", False, str(tmp_path / "a.md"))
    watcher.event("moved", False, str(tmp_path / "b.md"), str(tmp_path / "sub" / "c.md"))
    watcher.event("opened", False, str(tmp_path / "d.md"))  # reads change nothing
    watcher.event("modified", True, str(tmp_path / "sub"))  # its entries have their events
    assert watcher.take() == {"a.md", "b.md", "sub/c.md"} and len(woken) == 2
    assert watcher.take() == set()
    watcher.event("created", True, str(tmp_path / "new-folder"))
    assert watcher.take() is None
    watcher.event("deleted", False, "/elsewhere/x.md")
    assert watcher.take() is None


def forked_pair(root: Path, folder: Path, clock: FakeClock) -> tuple[Live, Live]:
    """A leader and a follower that start from the same load, as `feeds serve` forks
    its workers from one."""
    lives = []
    for _ in range(2):
        library = Library(Options(root), clock)
        library.generation = 0
        lives.append(Live(library, Shared(folder)))
    assert lives[0].shared.try_lead()
    return lives[0], lives[1]


def test_followers_apply_updates_and_start_late_from_a_full_record(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_module, "WHOLE_EVERY", 3)
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    folder = tmp_path / "run"
    leader, follower = forked_pair(root, folder, clock)
    read: list[str] = []
    reader = follower.shared._read
    monkeypatch.setattr(follower.shared, "_read", lambda g, kind: read.append(kind) or
                        reader(g, kind))
    for number in range(1, 8):
        (root / f"n{number}.md").write_text(post(f"N{number}", f"2024-02-0{number}"))
        leader.reload({f"n{number}.md"})
        assert follower.snapshot().version == leader.snapshot().version
    kinds = sorted(p.name for p in folder.iterdir() if p.name[0].isdigit())
    assert read == ["update"] * 7  # a worker in step never reads a whole load
    # updates, and a whole record beside every third; the oldest pruned
    assert kinds == ["000000000003.full", "000000000003.update", "000000000004.update",
                     "000000000005.update", "000000000006.full", "000000000006.update",
                     "000000000007.update"]
    third = Shared(folder)
    late = join(Options(root), clock, third)
    assert late.generation == 7 and titles(late) == titles(leader.library)
    assert titles(late)[:2] == ["N7", "N6"]
    for handle in (leader.shared, follower.shared, third):
        handle.close()


def test_a_leader_with_a_load_of_its_own_publishes_it_whole(tmp_path: Path, clock: FakeClock
                                                            ) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    folder = tmp_path / "run"
    leader = Live(Library(Options(root), clock), Shared(folder))
    assert leader.shared.try_lead()
    (root / "b.md").write_text(post("B", "2024-01-02"))
    leader.reload({"b.md"})
    assert [p.name for p in folder.iterdir() if p.name[0].isdigit()] == ["000000000001.full"]
    (root / "c.md").write_text(post("C", "2024-01-03"))
    leader.reload({"c.md"})
    assert (folder / "000000000002.update").exists()
    leader.shared.close()


@pytest.mark.parametrize("layout", ["file", "folder"])
def test_a_change_reaches_the_posts_read_through_a_link(
        tmp_path: Path, clock: FakeClock, layout: str) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A"), "sub/x.md": post("X")})
    if layout == "file":  # l.md is a post of its own, read from a.md
        (root / "l.md").symlink_to(root / "a.md")
        changed = "a.md"
    else:  # "alias" sorts first: the listing knows x.md only as alias/x.md
        (root / "alias").symlink_to(root / "sub")
        changed = "sub/x.md"
    loader = Library(Options(root), clock).loader
    (root / changed).write_text(post("Edited", "2024-01-02"))
    reload = loader.update([changed]) or loader.load()  # the events name the real file
    fresh = Library(Options(root), clock).loaded
    assert [(p.path, p.title) for p in reload.loaded.posts] == \
        [(p.path, p.title) for p in fresh.posts]
    assert reload.loaded.problems == fresh.problems


def test_the_watcher_hears_a_posts_folder_given_through_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "posts").symlink_to(real)  # e.g. a deployment's current/ link
    watcher = Watcher.start(tmp_path / "posts", lambda: None)
    try:
        assert watcher.observer is not None
        (real / "a.md").write_text(post("A"))
        heard: set[str] = set()

        def heard_it() -> bool:
            heard.update(watcher.take() or {"(listing)"})
            return "a.md" in heard

        wait_until(heard_it, 2, "the event of a.md")
    finally:
        watcher.stop()


def test_a_failed_publication_is_not_lost_to_the_followers(
        tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    folder = tmp_path / "run"
    leader, follower = forked_pair(root, folder, clock)
    write = leader.shared._write

    def disk_full(generation: int, record: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(leader.shared, "_write", disk_full)
    (root / "b.md").write_text(post("B", "2024-01-02"))
    with pytest.raises(OSError):
        leader.reload({"b.md"})
    monkeypatch.setattr(leader.shared, "_write", write)
    (root / "c.md").write_text(post("C", "2024-01-03"))
    leader.reload({"c.md"})
    assert follower.snapshot().version == leader.snapshot().version
    assert titles(follower.library) == titles(leader.library) == ["C", "B", "A"]
    for handle in (leader.shared, follower.shared):
        handle.close()


def test_a_post_coming_due_does_not_undo_a_newer_load(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A"),
                                            "later.md": post("Later", "2026-01-02")})
    library = Library(Options(root), clock)  # the clock is at 2026-01-01: Later waits
    (root / "b.md").write_text(post("B", "2024-01-02"))
    newer = library.loader.load().loaded
    clock.advance(days=2)  # Later comes due
    calls: list[None] = []

    def racing() -> datetime:
        """The clock, read while the library publishes the post come due; meanwhile
        another request thread takes the leader's newer load."""
        calls.append(None)
        if len(calls) == 2:
            library.replace(newer)
        return clock()

    library.clock = racing
    library.snapshot()
    library.clock = clock
    assert titles(library) == ["Later", "B", "A"]


@pytest.mark.parametrize("change", ["asset", "blog"])
def test_a_broken_save_keeps_its_last_good_version_when_everything_is_read_again(
        tmp_path: Path, leader, change: str) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"a.md": post("A"), "b.md": post("B", "2024-01-02")})
    live: Leader = leader(root)
    (root / "a.md").write_text("---\ntitle: A, half writ")  # an editor's first step
    live.reload({"a.md"})
    if change == "asset":  # e.g. an image dropped into the post being written
        (root / "pic.png").write_bytes(b"\x89PNG")
        named = "pic.png"
    else:
        (root / "_blog.md").write_text("---\ntitle: Renamed\nlink: https://blog.example.org/\n---\n")
        named = "_blog.md"
    assert live.reload({named}).files_read == 2
    assert live.titles() == ["B", "A"]
    errors = [p.message for p in live.live.library.problems if p.path == "a.md"]
    assert len(errors) == 1 and "last good version is still published" in errors[0]


def test_a_second_write_in_the_same_clock_tick_is_not_missed(  # type: ignore[no-untyped-def]
        tmp_path: Path, leader, monkeypatch: pytest.MonkeyPatch) -> None:
    # A coarse clock (FAT, some network file systems) ticks the change time with the
    # modification time: the second write then leaves the whole key as it was.
    coarse = lambda s: (s.st_size, s.st_mtime_ns, s.st_ino, 0)  # noqa: E731
    monkeypatch.setattr(sources, "key_of", coarse)  # what reading and listing use
    monkeypatch.setattr(listing, "key_of", coarse)
    root = write_posts(tmp_path / "posts", {"a.md": post("Aaaa")})
    live: Leader = leader(root)
    loader = live.live.library.loader
    path = root / "a.md"
    before = path.stat()
    path.write_text(post("Bbbb"))  # the same size; a coarse clock gives the same time
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert sources.stat_key(root, "a.md") == loader.catalog.files["a.md"].key
    assert live.reload({"a.md"}).files_read == 1
    assert live.titles() == ["Bbbb"]
    generation = live.live.shared.generation()
    live.reload()  # read again while racy, but the same content: nothing to publish
    assert live.live.shared.generation() == generation
    age(root)
    live.reload()  # its key changed with the new time: read once more ...
    assert loader.update(["a.md"]) is not None
    assert not loader.update(["a.md"]).changed  # ... and no more: not racy now


def test_a_record_left_by_a_leader_that_died_before_counting_it_goes(
        tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("A")})
    folder = tmp_path / "run"
    leader = Live(Library(Options(root), clock), Shared(folder))
    leader.library.generation = 0
    (folder / "000000000001.full").write_bytes(b"left by a dead leader")
    assert leader.shared.try_lead()
    (root / "b.md").write_text(post("B", "2024-01-02"))
    leader.reload({"b.md"})
    assert sorted(p.name for p in folder.iterdir() if p.name[0].isdigit()) == \
        ["000000000001.update"]
    leader.shared.close()
