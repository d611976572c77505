"""`feeds check`, `feeds serve` and `flask --app app run`, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from conftest import ROOT, SAMPLE, free_port, run_feeds, wait_until, write_posts

feeds = run_feeds  # the real command line, as a user runs it


def test_check_passes_on_the_sample_blog() -> None:
    result = feeds("check", "--posts", str(SAMPLE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "17 posts, 0 errors, 0 warnings"


def test_check_reports_every_problem_with_path_and_line(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {
        "2024-01-01-good.md": "---\ntitle: Good\n---\nFine.\n",
        "2024-01-02-bad-title.md": "---\ntitle: no\n---\nx\n",
        "2024-01-03-bad-date.md": "---\ntitle: T\ndate: '10 Dec 2014 09:30 CET'\n---\nx\n",
        "2024-01-04-extra.md": "---\ntitle: T\nmood: happy\n---\nx\n",
        "2024-01-05-latin1.txt": "---\ntitle: T\n---\ncaf\xe9\n".encode("latin-1"),
    })
    result = feeds("check", "--posts", str(root))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "2024-01-02-bad-title.md:2: error: `title` must be text, not False (YAML reads "
        "yes/no/on/off as true/false: quote the value)",
        "2024-01-03-bad-date.md:3: error: `date`: unknown time zone 'CET'; use a numeric "
        "offset, UTC or an IANA name",
        "2024-01-04-extra.md:3: warning: unknown field `mood` (kept in extra)",
        "2024-01-05-latin1.txt:4: error: not valid UTF-8: byte 0xe9 at byte offset 20",
        "2 posts, 3 errors, 1 warnings",
    ]


def test_check_prints_the_warnings_of_a_file_with_an_error(tmp_path: Path) -> None:
    """Issue 11 item 8: a file with an error shows its warnings too, so fixing the error
    is not followed by a second round of news."""
    root = write_posts(tmp_path / "posts", {
        "2024-01-02-bad.md": "---\ntitle: T\nmood: happy\nlastmod: soon\n---\nx\n",
    })
    result = feeds("check", "--posts", str(root))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "2024-01-02-bad.md:3: warning: unknown field `mood` (kept in extra)",
        "2024-01-02-bad.md:4: error: `updated`: 'soon' is not a date I can read",
        "0 posts, 1 errors, 1 warnings",
    ]


def test_check_counts_many_problems_by_kind(tmp_path: Path) -> None:
    files = {f"2024-01-{n:02}-p{n}.md": f"---\ntitle: P{n}\nversion: {n}.0\nsig: x\n---\nx\n"
             for n in range(1, 6)}
    files["2024-02-01-bad.md"] = "---\ntitle: no\n---\nx\n"
    files["2024-02-02-bad.md"] = "---\ntitle: off\n---\nx\n"
    root = write_posts(tmp_path / "posts", files)
    lines = feeds("check", "--posts", str(root)).stdout.splitlines()
    assert lines[-5:] == [
        "by kind:",
        "     2 error: `title` must be text, not False (YAML reads yes/no/on/off as true/false: "
        "quote the value)",
        "     5 warning: unknown field `sig` (kept in extra)",
        "     5 warning: unknown field `version` (kept in extra)",
        "5 posts, 2 errors, 10 warnings",
    ]


def test_check_with_a_bad_setting_names_it(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {}, blog="---\ntimezone: Nowhere/Land\n---\n")
    result = feeds("check", "--posts", str(root))
    assert result.returncode == 1
    assert "setting 'timezone'" in result.stderr and "_blog.md:2" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_usage_exits_2() -> None:
    assert feeds("check", "--nope").returncode == 2
    assert feeds("serve", "--port", "notaport").returncode == 2
    assert feeds("frobnicate").returncode == 2


def test_serve_with_a_bad_setting_stops_before_starting(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {}, blog="---\nfeed_limit: -3\n---\n")
    result = feeds("serve", "--posts", str(root), "--port", str(free_port()))
    assert result.returncode == 1
    assert "setting 'feed_limit'" in result.stderr


def test_serve_without_base_url_uses_its_bind_address(serve, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    root = write_posts(tmp_path / "posts", {"2024-01-01-a.md": "---\ntitle: A\n---\nx\n"},
                       blog="---\ntitle: No Link\n---\nAbout.\n")
    server = serve(root, workers=1, give_base_url=False)
    body = server.get("/rss.xml")[2]
    assert f"<link>{server.base}</link>".encode() in body
    assert f"<link>{server.base}posts/a/</link>".encode() in body


def test_flask_development_server_runs_the_same_app(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_") or k == "FEEDS_CACHE"}
    env.update(FEEDS_POSTS=str(SAMPLE), FEEDS_BASE_URL="http://127.0.0.1:8000/")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port",
                                str(port)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        body = _wait_and_get(f"http://127.0.0.1:{port}/atom.xml", process)
        assert body == (ROOT / "tests/golden/atom.xml").read_bytes()
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_and_get(url: str, process: subprocess.Popen[bytes]) -> bytes:
    answers: list[bytes] = []

    def answered() -> bool:
        assert process.poll() is None, "the server exited"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                answers.append(bytes(response.read()))
        except OSError:  # not listening yet
            return False
        return True

    wait_until(answered, 20, f"an answer from {url}")
    return answers[0]


def test_new_writes_a_dated_post_atomically_and_never_overwrites(tmp_path: Path) -> None:
    root = write_posts(tmp_path / "posts", {})
    result = feeds("new", "Harbour: Reopened!", "--posts", str(root), "--author", "bo",
                   "--tag", "sea", "--tag", "news")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip())
    assert path.parent == root and path.name.endswith("-harbour-reopened.md")
    assert [p.name for p in root.iterdir() if p.name.startswith(".")] == []  # no temp left
    check = feeds("check", "--posts", str(root))
    assert check.returncode == 0 and check.stdout.endswith("1 posts, 0 errors, 0 warnings\n")
    from feeds.library import Library, Options

    post = Library(Options(root)).loaded.posts[0]
    assert (post.title, post.tags, post.authors[0].id) == ("Harbour: Reopened!",
                                                           ("sea", "news"), "bo")
    before = path.read_bytes()
    again = feeds("new", "Harbour: Reopened!", "--posts", str(root))
    assert again.returncode == 1 and "not overwritten" in again.stderr
    assert path.read_bytes() == before
