"""`feeds build`: every address as files, byte-identical to `feeds serve` (served
by real web servers: tests/test_hosts.py)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import Server, copy_sample

from feeds.export.build import file_for
from feeds.library import Library, Options
from feeds.render.site import Site

BASE = "http://127.0.0.1:8000/"


def build(posts: Path, out: Path) -> str:
    result = subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(posts),
                             "--base-url", BASE, str(out)], capture_output=True, text=True,
                            timeout=120, check=True)
    return result.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("export")
    build(copy_sample(tmp / "posts"), tmp / "out")
    return tmp / "posts", tmp / "out"


def test_every_address_is_written_with_gzip_twins(exported: tuple[Path, Path]) -> None:
    posts, out = exported
    site = Site(Library(Options(posts, BASE)).snapshot())
    addresses = list(site.addresses())
    assert "archive/1/rss.xml" not in addresses  # 12 posts: all in the subscription feed
    for address in addresses:
        body = (out / file_for(address)).read_bytes()
        assert body == site.document(address).body, address
        if len(body) > 256:
            assert gzip.decompress((out / (file_for(address) + ".gz")).read_bytes()) == body
    assert (out / "files/images/anemometer.png").read_bytes() == \
        (posts / "images/anemometer.png").read_bytes()
    assert not (out / "files/_blog.md").exists()
    assert not list(out.rglob("*.md"))


def test_gzip_twins_are_the_same_bytes_in_every_build(exported: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    posts, out = exported
    build(posts, tmp_path / "again")
    twins = sorted(p.relative_to(out) for p in out.rglob("*.gz"))
    assert twins and twins == sorted(p.relative_to(tmp_path / "again")
                                     for p in (tmp_path / "again").rglob("*.gz"))
    for twin in twins:
        packed = (out / twin).read_bytes()
        assert packed == (tmp_path / "again" / twin).read_bytes(), twin
        # gzip header (RFC 1952): no file name (FLG 0), modification time 0
        assert packed[3] == 0 and packed[4:8] == bytes(4), twin


def test_exported_bytes_equal_served_bytes(exported: tuple[Path, Path], serve) -> None:  # type: ignore[no-untyped-def]
    posts, out = exported
    server: Server = serve(posts, base_url=BASE)
    site = Site(Library(Options(posts, BASE)).snapshot())
    for address in site.addresses():
        status, _, body = server.get("/" + urllib.parse.quote(address))
        assert status == 200 and body == (out / file_for(address)).read_bytes(), address


def test_a_rebuild_writes_only_what_changed(tmp_path: Path, blog: Path) -> None:
    posts = blog
    first = build(posts, tmp_path / "out")
    assert build(posts, tmp_path / "out").startswith(first.split(",")[0] + ", 0 written, 0 rem")
    (posts / "2025-09-27-last-race-of-the-summer.md").unlink()
    summary = build(posts, tmp_path / "out")
    assert ", 0 written" not in summary and ", 0 removed" not in summary
    assert not (tmp_path / "out/posts/last-race-of-the-summer").exists()


def test_a_file_changed_in_out_is_written_again_even_with_its_old_times(
        tmp_path: Path, blog: Path) -> None:
    """A kept file is known by its stat (size, times, inode); an edit that keeps the size
    and puts the modification time back still changes the change time."""
    out = tmp_path / "out"
    build(blog, out)
    page, twin = out / "posts/last-race-of-the-summer/index.html", out / "rss.xml.gz"
    pristine = {page: page.read_bytes(), twin: twin.read_bytes()}
    for path, data in pristine.items():
        before = path.stat()
        path.write_bytes(bytes(len(data)))  # the same size
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert ", 2 written" in build(blog, out)
    assert all(path.read_bytes() == data for path, data in pristine.items())
    manifest = json.loads((out / ".feeds-build.json").read_bytes())["files"]
    assert manifest["posts/last-race-of-the-summer/index.html"][2][0] == len(pristine[page])


def test_build_without_a_base_url_is_bad_usage(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts/a.md").write_text("---\ntitle: A\ndate: 2024-01-01\n---\nx\n")
    result = subprocess.run([sys.executable, "-m", "feeds", "build", "--posts",
                             str(tmp_path / "posts"), str(tmp_path / "out")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "--base-url" in result.stderr


def test_a_rebuild_renders_only_pages_whose_post_changed(
        tmp_path: Path, blog: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.export import build as exporter
    from feeds.render import pages

    posts = blog
    rendered: list[str] = []
    real = pages.post_page

    def counting(snapshot, post):  # type: ignore[no-untyped-def]
        rendered.append(post.slug)
        return real(snapshot, post)

    monkeypatch.setattr(pages, "post_page", counting)
    options = Options(posts, BASE, cache=tmp_path / "cache", lazy=True)
    exporter.export(Library(options), tmp_path / "out")
    assert len(rendered) == 15
    rendered.clear()
    (posts / "2025-10-01-new.md").write_text("---\ntitle: New\n---\nNews.\n")
    stats = exporter.export(Library(options), tmp_path / "out")
    assert rendered == ["new"]
    site = Site(Library(options).snapshot())
    for address in site.addresses():  # what was skipped is still right
        assert (tmp_path / "out" / file_for(address)).read_bytes() == \
            site.document(address).body, address
    assert stats.written > 0


def test_each_body_is_rendered_once_per_build_on_every_core(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents that share posts are rendered by one process, with the posts' pages:
    a body is read and rendered once, not once in every process that needs it."""
    from conftest import write_posts

    from feeds.export import build as exporter

    blog = ("---\ntitle: Many\nlink: https://many.example.org/\nfeed_limit: 7\n"
            "archive_size: 5\n---\nMany posts.\n")
    posts = write_posts(tmp_path / "posts", {
        f"{n:03}.md": f"---\ntitle: Post {n}\ndate: 2024-01-01T00:{n // 60:02}:{n % 60:02}Z\n"
                      f"tags: [t{n % 4}, all]\n---\nBody {n}.\n" for n in range(120)}, blog)
    log = tmp_path / "rendered.log"
    real = Library._render

    def logged(self: Library, entry, bodies):  # type: ignore[no-untyped-def]
        with open(log, "a") as handle:  # appended to by every process of the pool
            handle.write(entry.post.path + "\n")
        return real(self, entry, bodies)

    monkeypatch.setattr(Library, "_render", logged)
    monkeypatch.setattr(exporter, "PARALLEL_FROM", 0)
    monkeypatch.setattr(exporter, "_CHUNK", 20)
    exporter.export(Library(Options(posts, BASE, cache=tmp_path / "cache", lazy=True)),
                    tmp_path / "out")
    rendered = log.read_text().split()
    assert sorted(rendered) == sorted(f"{n:03}.md" for n in range(120))
    site = Site(Library(Options(posts, BASE, cache=tmp_path / "cache2")).snapshot())
    for address in site.addresses():
        assert (tmp_path / "out" / file_for(address)).read_bytes() == \
            site.document(address).body, address
