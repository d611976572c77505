"""bench/compare's pure parts: its arguments, the wrapper's report, /proc lines,
medians, the table, the corpus's redating and the commands it runs."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from compare_lib.cli import parse_args
from compare_lib.common import METRICS, SYSTEMS, Failed
from compare_lib.corpus import Corpus, redated
from compare_lib.processes import measurement
from compare_lib.procfs import hwm_mb, parent_of
from compare_lib.report import fmt, medians, ratio, render_table, yardsticks
from compare_lib.run import Run
from compare_lib.tools import feeds_notes


def test_arguments_are_parsed_and_checked(tmp_path: Path) -> None:
    args = parse_args(["--sizes", "1_000,20", "--only", "feeds, hugo", "--repeat", "2",
                       "--work", str(tmp_path / "w")])
    assert (args.sizes, args.only, args.repeat) == ([1000, 20], ["feeds", "hugo"], 2)
    assert args.work == (tmp_path / "w").resolve() and not args.skip_slow
    assert parse_args([]).only == list(SYSTEMS)


@pytest.mark.parametrize("argv", [["--sizes", "ten"], ["--only", "feeds,zola"],
                                  ["--repeat", "0"]])
def test_bad_arguments_exit_with_a_usage_error(argv: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse_args(argv)
    assert exit_.value.code == 2
    assert f"error: {argv[0]}" in capsys.readouterr().err


def test_the_script_keeps_its_command_line() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "compare"), "--help"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.startswith("usage: compare [-h] [--sizes SIZES]")
    assert "new post -> CLI rebuild" in done.stdout  # the epilog: the script's docstring


def test_the_wrappers_report_is_read_from_its_last_line(tmp_path: Path) -> None:
    report = {"rc": 0, "wall": 1.5, "cpu": 2.0, "maxrss_kb": 2048}
    stdout = b"noise\n" + json.dumps(report).encode() + b"\n"
    assert measurement(stdout, b"", ["hugo"], tmp_path / "log") == \
        {"wall": 1.5, "cpu": 2.0, "mb": 2.0}
    failed = json.dumps({**report, "rc": 3}).encode()
    with pytest.raises(Failed, match="hugo exited 3") as error:
        measurement(failed, b"", ["/usr/bin/hugo"], tmp_path / "log")
    assert error.value.status == "error"
    with pytest.raises(Failed, match="wrapper: Traceback"):
        measurement(b"", b"Traceback ...", ["hugo"], tmp_path / "log")


def test_proc_lines_are_read_even_with_odd_process_names() -> None:
    assert parent_of("4242 (feeds: a) (worker) S 17 4242 4242 0 -1") == 17
    assert hwm_mb(["Name:\tgranian\n", "VmHWM:\t  204800 kB\n"]) == 200.0
    assert hwm_mb(["Name:\tkthreadd\n"]) is None


def test_medians_take_numbers_else_the_first_status() -> None:
    results = {"feeds": {"cold": [3.0, 1.0, 2.0], "warm": ["timeout", 4.0],
                         "build": ["n/a", "n/a"], "feed_only": []}}
    assert medians(results) == {"feeds": {"cold": 2.0, "warm": 4.0, "build": "n/a",
                                          "feed_only": "-"}}


def test_cells_and_ratios_to_hugo() -> None:
    assert [fmt(v, "s") for v in (0.01234, 12.345, 1234.5, "timeout")] == \
        ["0.012", "12.35", "1234", "timeout"]
    assert fmt(357.6, "MB") == "358"
    assert [ratio(1.0, 4.0), ratio(50.0, 2.0), ratio("error", 2.0), ratio(1.0, 0)] == \
        ["0.25x", "25x", "", ""]


def test_the_table_has_a_row_per_metric_and_ratios_to_hugo() -> None:
    text = render_table({"feeds": {"cold": 0.5}, "hugo": {"cold": 2.0, "build": 4.0}},
                        ["feeds", "hugo"])
    lines = text.splitlines()
    assert lines[0].split() == ["metric", "feeds", "hugo", "feeds/hugo"]
    assert set(lines[1]) == {"-"} and len(lines) == 2 + len(METRICS)
    assert lines[2].split()[-3:] == ["0.500", "2.00", "0.25x"]
    build = next(line for line in lines if line.startswith("full build (site / export)"))
    assert build.split()[-2:] == ["-", "4.00"]  # feeds has no value: no ratio either


@pytest.mark.parametrize(("layout", "key", "name"), [
    ("plain", "date: ", "000123-post.md"), ("pelican", "Date: ", "000123-post.md"),
    ("jekyll", "date: ", "2099-01-01-000123-post.md")])
def test_a_post_dated_in_the_future_is_redated(layout: str, key: str, name: str) -> None:
    when = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    text = f"---\ntitle: T\n{key}2099-01-01T00:00:00Z\n---\n{key}in the body stays\n"
    new_text, new_name = redated(text, name, layout, when)
    assert new_text == text.replace("2099-01-01T00:00:00Z", "2026-03-04T05:06:07Z")
    assert new_name == (name.replace("2099-01-01", "2026-03-04") if layout == "jekyll"
                        else name)


def test_a_corpus_drops_the_posts_an_earlier_run_added(tmp_path: Path) -> None:
    corpus = Corpus(tmp_path, "jekyll", 3)
    assert corpus.posts_dir == tmp_path / "corpus" / "jekyll-3" / "_posts"
    corpus.posts_dir.mkdir(parents=True)
    names = ["2024-01-01-000002-kept.md", "2024-01-02-000003-extra.md", "notes.md"]
    for name in names:
        (corpus.posts_dir / name).write_text("x")
    corpus.remove_extra()
    assert sorted(p.name for p in corpus.posts_dir.iterdir()) == [names[0], names[2]]


def _run(tmp_path: Path, serve_help: str) -> Run:
    tools = SimpleNamespace(path=lambda system: f"/bin/{system}", feeds_serve_help=serve_help,
                            feeds_build_help="")
    args = SimpleNamespace(work=tmp_path, repeat=1, timeout=1, poll_timeout=1, skip_slow=True)
    return Run(args, tools, 2000, ["feeds", "hugo", "jekyll"])  # type: ignore[arg-type]


def test_the_commands_of_the_servers(tmp_path: Path) -> None:
    run = _run(tmp_path, "--cache DIR")
    posts = str(tmp_path / "corpus" / "plain-2000" / "posts")
    assert run.feeds_cmd_serve(8123, tmp_path / "c") == [
        "/bin/feeds", "serve", "--posts", posts, "--port", "8123", "--workers", "2",
        "--base-url", "https://bench.example.org/", "--cache", str(tmp_path / "c")]
    assert "--cache" not in _run(tmp_path, "").feeds_cmd_serve(8123, tmp_path / "c")
    assert run.hugo_server_cmd(8124)[:2] == ["/bin/hugo", "server"]
    assert "http://127.0.0.1:8124/" in run.hugo_server_cmd(8124)
    assert run.skipped("jekyll") and not run.skipped("hugo")
    assert set(run.results) == {"feeds", "hugo", "jekyll"}
    assert all(set(metrics) == {m for m, _, _ in METRICS} for metrics in run.results.values())


def test_notes_on_what_this_feeds_lacks() -> None:
    tools = SimpleNamespace(feeds_serve_help="--cache", feeds_build_help="")
    assert feeds_notes(tools) == ["feeds build does not exist here: its rows are n/a"]  # type: ignore[arg-type]
    full = SimpleNamespace(feeds_serve_help="--cache", feeds_build_help="--cache")
    assert feeds_notes(full) == []  # type: ignore[arg-type]


def test_the_yardsticks_hold_cold_and_warm_start_to_hugos_feed_only_build() -> None:
    med = {"feeds": {"cold": 1.5, "warm": 0.5, "worker_mb": 90.0, "build": 20.0},
           "hugo": {"feed_only": 1.5, "cold": 6.0, "warm": 5.0, "worker_mb": 350.0,
                    "build": 8.0}}
    lines = yardsticks(med).splitlines()
    assert lines[0].split() == ["yardstick", "feeds", "hugo", "ratio", "target"]
    cells = {line[:54].strip(): line[54:].split() for line in lines[1:]}
    assert cells["cold start to the three feeds / Hugo feed-only build"] == \
        ["1.50", "1.50", "1.00x", "<=", "1.0x"]
    assert cells["the same / hugo server (whole site)"] == ["1.50", "6.00", "0.25x"]
    assert cells["warm restart / Hugo feed-only build"] == ["0.500", "1.50", "0.33x", "<=",
                                                             "0.25x"]
    assert cells["peak memory per worker / hugo server"][:3] == ["90", "350", "0.26x"]
    assert cells["full feeds build / Hugo site build"][:3] == ["20.00", "8.00", "2.50x"]
    assert cells["feeds build after one new post / Hugo rebuild"] == ["-", "-", "<=", "0.5x"]
