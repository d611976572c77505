"""The CI check of real feed readers (`.ci/clients.py`) lets through only what the
README's compatibility table lists."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _clients() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ci_clients", ROOT / ".ci" / "clients.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


clients = _clients()
PERMITTED, VERSIONS = clients.allowed((ROOT / "README.md").read_text(encoding="utf-8"))
URL = "http://127.0.0.1:1/rss.xml"


def test_the_readme_table_gives_each_unavoidable_disagreement_with_its_version() -> None:
    assert ("atoma", "rss", "authors") in PERMITTED
    assert ("reader", "atom", "authors") in PERMITTED
    assert ("fastfeedparser", "atom", "enclosures") in PERMITTED
    assert ("reader", "json", "authors") not in PERMITTED
    assert VERSIONS["reader"] == "3.26"
    assert "rss-parser" not in VERSIONS  # a row without a field is not a permission


def test_listed_disagreements_pass_and_any_other_fails() -> None:
    listed = (f"FAIL {URL} [rss, 12 items]: 2 of 11 clients disagree: "
              "reader(authors), atoma(authors)")
    also_title = (f"FAIL {URL} [rss, 12 items]: 2 of 11 clients disagree: "
                  "reader(authors,title), atoma(authors)")
    wrong_format = f"FAIL {URL} [json, 3 items]: 1 of 11 clients disagree: atoma(authors)"
    summary = "client-matrix: 1 passed, 1 failed, 0 skipped"
    assert clients.judge(f"{listed}\n{summary}", PERMITTED) == []
    for line in (also_title, wrong_format):
        assert clients.judge(f"{line}\n{summary}", PERMITTED) == [line]


def test_errors_skips_document_problems_and_a_missing_summary_fail() -> None:
    lines = [f"FAIL {URL} [rss, 2 items]: 1 of 11 clients disagree: reader(expected 2 requests)",
             f"FAIL {URL} [rss, 2 items]: document: date names no instant (+0); "
             "1 of 11 clients disagree: atoma(authors)",
             f"FAIL {URL}: HTTP status 500",
             "SKIP reader: not installed"]
    output = "\n".join(lines)
    assert clients.judge(output, PERMITTED) == [*lines, "client-matrix printed no summary line"]


def test_a_row_whose_client_changed_version_is_reported() -> None:
    listing = "reader                     3.27           PyPI reader   reads rss/atom/json\n"
    stale = clients.stale_versions({"reader": "3.26"}, listing)
    assert stale == ["README lists reader 3.26; installed: 3.27"]
    assert clients.stale_versions({"reader": "3.27"}, listing) == []
    missing = "reader                     NOT INSTALLED  PyPI reader   reads rss/atom/json\n"
    assert clients.stale_versions({"reader": "3.26"}, missing) == [
        "README lists reader 3.26; installed: not found"]
