"""Files a hostile poster can make (docs/reference.md §9): links swapped in at any
moment, FIFOs, sockets, link loops, unreadable folders, a replaced posts folder.
Driven through real files, the real `feeds serve`, `feeds check` and `feeds build`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import FakeClock, Server, wait_until, write_posts
from conftest import post as conftest_post

from feeds.errors import PostError, Severity
from feeds.library import Library, Options
from feeds.library.live import Live
from feeds.library.shared import Shared
from feeds.sources import files as sources

pytestmark = pytest.mark.e2e
SECRET = b"SECRET-OUTSIDE"
PNG = b"\x89PNG\r\n\x1a\n" + b"PUBLIC-PICTURE" * 4


def post(title: str, extra: str = "") -> str:
    """conftest's post, with `extra` text after its body."""
    return conftest_post(title, body=f"Body of {title}.{extra}")


def titles(server: Server) -> list[str]:
    status, _, body = server.get("/feed.json")
    assert status == 200
    return [item["title"] for item in json.loads(body)["items"]]


def feeds_command(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    return subprocess.run([sys.executable, "-m", "feeds", *args], capture_output=True,
                          text=True, timeout=timeout, env=env, check=False)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the posts folder that must never be published."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_bytes(b"---\ntitle: " + SECRET + b"\n---\n" + SECRET + b"\n")
    (folder / "secret.png").write_bytes(SECRET)
    return folder


def hostile_folder(root: Path) -> Path:
    """A posts folder full of things that are not posts, beside one good post."""
    write_posts(root, {"a.md": post("Alpha")})
    for i in range(10):
        os.mkfifo(root / f"fifo{i}.md")
    with closing(socket.socket(socket.AF_UNIX)) as sock:
        sock.bind(os.fspath(root / "sock.md"))
    os.symlink("loop2.md", root / "loop1.md")
    os.symlink("loop1.md", root / "loop2.md")
    os.symlink(".", root / "here")
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")
    os.symlink("deep/deeper", root / "sub" / "deep")
    return root


def test_fifos_sockets_and_link_loops_never_stall_serve(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    root = hostile_folder(tmp_path / "posts")
    server = serve(root)
    assert titles(server) == ["Alpha"]
    for path in ("/rss.xml", "/atom.xml", "/about", "/healthz"):
        assert server.get(path)[0] == 200
    os.mkfifo(root / "late-fifo.md")  # one more while running, then a real post
    (root / "b.md").write_text(post("Bravo"))
    wait_until(lambda: titles(server) == ["Alpha", "Bravo"] or titles(server) == ["Bravo", "Alpha"],
             15)
    assert server.get("/healthz")[0] == 200


def test_check_and_build_name_every_file_that_is_not_a_post(tmp_path: Path) -> None:
    root = hostile_folder(tmp_path / "posts")
    checked = feeds_command("check", "--posts", str(root))
    assert "Traceback" not in checked.stderr
    report = checked.stdout + checked.stderr
    assert "fifo3.md" in report and "is a FIFO, not a regular file" in report
    assert "sock.md" in report and "socket" in report
    assert "loop1.md" in report and "symbolic link loop" in report
    assert "posts folder itself" in report  # here -> . and sub/up -> ..
    built = feeds_command("build", "--posts", str(root), "--base-url",
                          "https://blog.example.org/", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert "Alpha" in (tmp_path / "out" / "feed.json").read_text()


def test_listing_reports_loops_and_special_files_with_their_reason(tmp_path: Path) -> None:
    listing = sources.list_files(hostile_folder(tmp_path / "posts"))
    assert list(listing.posts) == ["a.md"]
    reasons = {p.path: p.message for p in listing.problems}
    assert "FIFO" in reasons["fifo0.md"] and "socket" in reasons["sock.md"]
    assert "loop" in reasons["loop1.md"] and "loop" in reasons["sub/deep"]
    assert all(p.severity is Severity.WARNING for p in listing.problems)
    with pytest.raises(PostError, match="not a regular file"):
        sources.read_post(tmp_path / "posts", "fifo0.md")


class Swapper:
    """A thread swapping a post and a picture for links outside and back, as fast as
    it can, until `stop()` (bounded: at most 120 s); `swaps` counts its swaps."""

    def __init__(self, root: Path, outside: Path) -> None:
        self.root, self.outside, self.swaps = root, outside, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 120
        while not self._done.is_set() and time.monotonic() < deadline:
            name, target = ("a.md", "secret.md") if self.swaps % 2 else ("pic.png", "secret.png")
            os.symlink(self.outside / target, self.root / f".{name}.link")
            os.replace(self.root / f".{name}.link", self.root / name)
            (self.root / f".{name}.new").write_bytes(PNG if name == "pic.png" else
                                                     post("Alpha", " ![p](pic.png)").encode())
            os.replace(self.root / f".{name}.new", self.root / name)
            self.swaps += 1

    def stop(self) -> None:
        """End the swapping (the files are left as the last swap made them)."""
        self._done.set()
        self._thread.join(timeout=10)


@pytest.fixture
def swapper(tmp_path: Path, outside: Path) -> Iterator[Swapper]:
    """A posts folder under a `Swapper`, stopped at the end of the test."""
    root = write_posts(tmp_path / "posts", {"a.md": post("Alpha", " ![p](pic.png)"),
                                            "pic.png": PNG})
    running = Swapper(root, outside)
    yield running
    running.stop()


def test_a_link_swapped_in_at_any_moment_is_never_read(swapper: Swapper) -> None:
    root, before = swapper.root, swapper.swaps
    for _ in range(3000):
        try:
            raw = sources.read_post(root, "a.md")
            assert SECRET.decode() not in raw.body + str(raw.meta)
        except PostError as exc:
            assert "symbolic link" in str(exc) or "not a regular file" in str(exc), exc
        handle = sources.open_asset(root, "pic.png")
        if handle is not None:
            with handle:
                assert handle.read() == PNG
    assert swapper.swaps > before  # the files were being swapped all along


def test_a_link_swapped_in_is_never_served(swapper: Swapper, serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(swapper.root)
    before = swapper.swaps
    for _ in range(150):
        for path in ("/files/pic.png", "/feed.json", "/rss.xml"):
            status, _, body = server.get(path)
            assert SECRET not in body
            assert status in (200, 404)
    assert swapper.swaps > before  # the files were being swapped all along


def test_an_unreadable_folder_keeps_its_posts(tmp_path: Path, clock: FakeClock,
                                              monkeypatch: pytest.MonkeyPatch,
                                              request: pytest.FixtureRequest) -> None:
    root = write_posts(tmp_path / "posts", {"a.md": post("Alpha"), "sub/b.md": post("Bravo")})
    live = Live(Library(Options(root), clock), Shared.create(tmp_path))
    request.addfinalizer(live.shared.close)
    assert {p.title for p in live.snapshot().posts} == {"Alpha", "Bravo"}
    real_open = os.open

    def refuse_sub(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if path == "sub" and flags & os.O_DIRECTORY:
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_sub)
    (root / "c.md").write_text(post("Charlie"))
    live.reload()
    assert {p.title for p in live.snapshot().posts} == {"Alpha", "Bravo", "Charlie"}
    problems = {p.path: p.message for p in live.library.problems}
    assert "cannot be listed: Permission denied" in problems["sub"]
    monkeypatch.undo()
    (root / "sub" / "b.md").unlink()
    live.reload()  # readable again: now a missing post is a deleted one
    assert {p.title for p in live.snapshot().posts} == {"Alpha", "Charlie"}


def test_a_posts_folder_deleted_and_made_again_is_watched_again(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"a.md": post("Alpha")})
    server = serve(root)
    assert titles(server) == ["Alpha"]
    moved = tmp_path / "old-posts"
    root.rename(moved)  # a redeploy: the new tree takes the old one's name
    write_posts(root, {"b.md": post("Bravo")})
    wait_until(lambda: titles(server) == ["Bravo"], 15)  # the rescan without events is 60 s
    (root / "c.md").write_text(post("Charlie"))
    wait_until(lambda: sorted(titles(server)) == ["Bravo", "Charlie"], 15)


def test_several_ranges_get_the_whole_file_and_one_range_its_bytes(tmp_path: Path, serve) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"a.md": post("Alpha", " ![p](pic.png)"),
                                            "pic.png": PNG})
    server = serve(root)
    status, headers, body = server.get("/files/pic.png", {"Range": "bytes=0-3"})
    assert (status, body, headers["Content-Range"]) == (206, PNG[:4], f"bytes 0-3/{len(PNG)}")
    status, headers, body = server.get("/files/pic.png", {"Range": "bytes=0-1,4-5"})
    assert (status, body) == (200, PNG)
    assert headers["Accept-Ranges"] == "bytes"
    status, headers, _ = server.get("/files/pic.png", {"If-None-Match": headers["ETag"]})
    assert status == 304
    assert server.get("/files/pic.png", {"Range": f"bytes={len(PNG) + 5}-"})[0] == 416


def test_a_link_swapped_in_is_never_exported(swapper: Swapper, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(3):
        before = swapper.swaps
        built = feeds_command("build", "--posts", str(swapper.root), "--base-url",
                              "https://blog.example.org/", str(out))
        assert "Traceback" not in built.stderr
        assert swapper.swaps > before  # the build ran while the files were swapped
        for path in out.rglob("*"):
            assert path.is_dir() or SECRET not in path.read_bytes(), path
