"""The index never stops publishing: names it cannot store, writes that fail."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Leader, Server, age, post, wait_until, write_posts
from test_live_server import every_worker_sees

BAD = b"caf\xe9.md"  # Latin-1, not UTF-8


def write_bad(root: Path, name: bytes, title: str) -> None:
    with open(os.path.join(os.fsencode(root), name), "wb") as handle:
        handle.write(post(title).encode())


@pytest.mark.e2e
def test_a_name_that_is_not_utf8_never_stops_a_cached_server(
        tmp_path: Path, serve: Any) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha")}))
    write_bad(root, BAD, "Latin")
    first: Server = serve(root)
    assert every_worker_sees(first, b"Alpha")
    first.stop()
    again: Server = serve(root)  # a start from the index the first one left
    assert every_worker_sees(again, b"Alpha")
    write_bad(root, b"ol\xe9-2.md", "Latin two")  # while it runs
    (root / "b.md").write_text(post("Bravo", "2024-01-02"))
    wait_until(lambda: every_worker_sees(again, b"Bravo"), 5.0)
    (root / "c.md").write_text(post("Charlie", "2024-01-03"))
    wait_until(lambda: every_worker_sees(again, b"Charlie"), 5.0)
    assert b"Latin" not in again.get("/rss.xml")[2]
    assert "Traceback" not in again.log.read_text()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    check = subprocess.run([sys.executable, "-m", "feeds", "check", "--posts", str(root)],
                           capture_output=True, text=True, timeout=60, env=env, check=False)
    assert "caf\\xe9.md: warning: file name is not valid UTF-8; ignored" in check.stdout


class Failing:
    """A database connection whose writes fail as on a full disk."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.in_transaction = False

    def execute(self, sql: str, *args: object) -> Any:
        return self.db.execute(sql, *args)

    def executemany(self, sql: str, rows: object) -> Any:
        raise sqlite3.OperationalError("database or disk is full")

    def rollback(self) -> None:
        self.db.rollback()

    def close(self) -> None:
        self.db.close()


def test_a_failing_index_is_switched_off_once_and_publishing_goes_on(
        tmp_path: Path, leader: Callable[..., Leader], caplog: pytest.LogCaptureFixture) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha")}))
    lead = leader(root, base_url="https://a.example.org/", cache=tmp_path / "cache", lazy=True)
    library = lead.live.library
    index = library.loader._index
    assert index is not None and index.working
    index._db = Failing(index._db)  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, "feeds"):
        for name in ("b", "c"):
            (root / f"{name}.md").write_text(post(name.upper() + "ravo", "2024-01-02"))
            lead.reload()
    assert {p.title for p in library.snapshot().posts} == {"Alpha", "Bravo", "Cravo"}
    assert not index.working
    warnings = [r for r in caplog.records if "is off for this process" in r.getMessage()]
    assert len(warnings) == 1 and "disk is full" in warnings[0].getMessage()


@pytest.mark.e2e
def test_a_server_whose_index_is_no_database_serves_from_memory(
        tmp_path: Path, serve: Any) -> None:
    root = age(write_posts(tmp_path / "posts", {"a.md": post("Alpha")}))
    first: Server = serve(root)
    first.stop()
    (database,) = (tmp_path / "cache").glob("index-*.sqlite")
    for extra in tmp_path.joinpath("cache").glob("index-*.sqlite-*"):
        extra.unlink()
    database.write_bytes(b"this is not a database" * 100)
    again: Server = serve(root)
    assert every_worker_sees(again, b"Alpha")
    (root / "b.md").write_text(post("Bravo", "2024-01-02"))
    wait_until(lambda: every_worker_sees(again, b"Bravo"), 5.0)
    assert "is off for this process" in again.log.read_text()
