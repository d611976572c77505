"""The HTTP edge and `feeds new` against bad input: garbage validators, q-values,
render faults on the fast path, a missing posts folder, an empty title."""

from __future__ import annotations

import gzip
import http.client
import logging
import os
import stat
from pathlib import Path

import brotli
import pytest
from conftest import SAMPLE_BASE, write_posts
from test_cli import feeds

from feeds.library import Options
from feeds.web.delivery import choose_encoding

POST = "---\ntitle: Hello\ndate: 2024-01-01\n---\n" + "Some words to compress. " * 40 + "\n"
GARBAGE_DATES = [
    "Sat, 01 Jan 99999 00:00:00 GMT",
    "Sat, 01 Jan 9999999999999999999 00:00:00 GMT",
    "Sat, 01 Jan 2020 99:99:99 GMT",
    "Sat, 01 Jan 2020 00:00:00 +9999",
    "yesterday", "", ",,,", "Sat, 01 Jan 2020 00:00:00",  # no zone
]


def _request(port: int, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture
def blog_server(tmp_path: Path, serve):  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"2024-01-01-hello.md": POST})
    server = serve(root)
    return server, int(server.base.rsplit(":", 1)[1].strip("/"))


def test_garbage_if_modified_since_is_ignored_without_a_traceback(blog_server) -> None:  # type: ignore[no-untyped-def]
    server, port = blog_server
    paths = ("/rss.xml", "/about", "/posts/hello/", "/healthz")
    for number in range(200):  # every garbage date on every path, some several times
        header = GARBAGE_DATES[number % len(GARBAGE_DATES)]
        path = paths[number % len(paths)]
        status = _request(port, path, {"If-Modified-Since": header})[0]
        assert status == 200, (path, header, status)  # ignored: never taken as a date
    far = "01 Jan 9999 23:59:59 -2359"  # a valid date after every post: not modified
    assert [_request(port, path, {"If-Modified-Since": far})[0] for path in paths[:3]] == \
        [304, 304, 304]
    log = server.log.read_text(errors="replace")
    assert "Traceback" not in log and "Error" not in log


ENCODINGS = [
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=0.5, br;q=1", "br"),
    ("gzip;q=1, br;q=0.5", "gzip"),
    ("br;q=0.2, gzip;q=0.2", "br"),  # equal weights: the smaller body
    ("gzip;q=0.5, identity;q=0.9", None),
    ("identity;q=0", None),  # nothing else acceptable: identity anyway (docs/)
    ("*;q=0", None),
    ("*;q=0, gzip;q=0.1", "gzip"),
    ("*, br;q=0", "gzip"),
    ("gzip;q=0.001", "gzip"),
    ("br;q=nonsense, gzip;q=0.1", "gzip"),
]


@pytest.mark.parametrize(("accept", "chosen"), ENCODINGS)
def test_q_values_order_the_encoding(accept: str, chosen: str | None) -> None:
    assert choose_encoding(accept, (None, "gzip", "br")) == chosen


def test_the_real_server_follows_q_values(blog_server) -> None:  # type: ignore[no-untyped-def]
    _server, port = blog_server
    plain = _request(port, "/rss.xml", {})[2]
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}
    for accept, chosen in ENCODINGS:
        status, headers, body = _request(port, "/rss.xml", {"Accept-Encoding": accept})
        assert (status, headers.get("content-encoding")) == (200, chosen), accept
        assert decode[chosen](body) == plain
        assert "Accept-Encoding" in headers["vary"]


def test_a_render_fault_answers_the_500_page_and_logs_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from feeds.library.shared import Shared
    from feeds.render import pages
    from feeds.web.app import create_app

    root = write_posts(tmp_path / "posts", {"2024-01-01-hello.md": POST})
    shared = Shared.create(tmp_path)
    app = create_app(Options(root, SAMPLE_BASE), shared=shared, start=False)

    def broken(*_args: object) -> bytes:
        raise RuntimeError("the about page broke")

    monkeypatch.setattr(pages, "about_page", broken)
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        answers = [client.get("/about") for _ in range(50)]
        other = client.get("/rss.xml")
    assert {a.status_code for a in answers} == {500}
    assert b"Something went wrong on our side." in answers[0].data
    assert answers[0].headers["X-Content-Type-Options"] == "nosniff"
    assert other.status_code == 200 and client.get("/healthz").status_code == 200
    with_traceback = [r for r in caplog.records if r.exc_info]
    assert len(with_traceback) == 1 and "the about page broke" in with_traceback[0].getMessage()
    counted = [r.getMessage() for r in caplog.records if not r.exc_info]
    assert len(counted) == 1 and "10 times so far" in counted[0]  # 50: only the 10th said
    assert app.extensions["feeds"].failures.counts.popitem()[1] == 50
    shared.close()


def test_new_without_a_posts_folder_says_so(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = feeds("new", "Hello", "--posts", str(missing))
    assert result.returncode == 1
    assert str(missing) in result.stderr and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr and not missing.exists()
    missing.write_text("a file")
    result = feeds("new", "Hello", "--posts", str(missing))
    assert result.returncode == 1 and "is not a folder" in result.stderr


@pytest.mark.parametrize("title", ["", "   ", "\t"])
def test_new_refuses_an_empty_title(tmp_path: Path, title: str) -> None:
    root = write_posts(tmp_path / "posts", {})
    result = feeds("new", title, "--posts", str(root))
    assert result.returncode == 2 and "title is empty" in result.stderr
    assert [p.name for p in root.iterdir()] == ["_blog.md"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_get_the_umask_mode(tmp_path: Path, umask: int, mode: int) -> None:
    root = write_posts(tmp_path / "posts", {})
    before = os.umask(umask)  # inherited by the child process
    try:
        result = feeds("new", "Hello", "--posts", str(root))
    finally:
        os.umask(before)
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(Path(result.stdout.strip()).stat().st_mode) == mode
