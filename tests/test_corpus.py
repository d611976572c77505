"""The corpus of real blogs (tests/corpus/README.md): each is built with the real `feeds build`
and compared with what its generator publishes (expected.yaml). The data set is not in the
repository: set FEEDS_CORPUS (default /work/corpus-data, made by tests/corpus/assemble.py);
without it, as in CI, these tests skip."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent / "corpus"))
import measure  # the corpus tools live beside their data, not in a package

CORPUS = measure.DEFAULT_CORPUS
FLOOR: dict[str, dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "corpus" / "floor.yaml").read_text(encoding="utf-8"))

pytestmark = pytest.mark.skipif(not (CORPUS / "READY").is_file(),
                                reason=f"no corpus data set at {CORPUS} (FEEDS_CORPUS)")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, measure.Run]:
    """Every blog of the corpus, built once for this module."""
    return {folder: measure.build(CORPUS, folder, tmp_path_factory.mktemp(folder))
            for folder in measure.folders(CORPUS)}


def _number(value: object) -> int:
    """A count, or the matching part of a `hits/total` ratio."""
    return int(str(value).split("/")[0])


def test_every_blog_of_the_floor_is_in_the_data_set(runs: dict[str, measure.Run]) -> None:
    assert sorted(runs) == sorted(FLOOR)


@pytest.mark.parametrize("folder", sorted(FLOOR))
def test_no_figure_is_worse_than_the_floor(runs: dict[str, measure.Run], folder: str) -> None:
    got = measure.values(runs[folder])
    for name, _, better in measure.COLUMNS:
        if better and name in FLOOR[folder]:
            assert better * (_number(got[name]) - _number(FLOOR[folder][name])) >= 0, (
                f"{folder}: {name} is {got[name]}, was {FLOOR[folder][name]}")


@pytest.mark.parametrize("folder", sorted(FLOOR))
def test_what_feeds_publishes_carries_the_generators_title(
        runs: dict[str, measure.Run], folder: str) -> None:
    for path, entry, item in runs[folder].published():
        assert measure.same_title(entry["title"], item.get("title")), path


@pytest.mark.parametrize("folder", sorted(FLOOR))
def test_only_posts_are_published(runs: dict[str, measure.Run], folder: str) -> None:
    allowed = FLOOR[folder]["not a post"]
    titles = [item.get("title") for item in runs[folder].unattributed]
    assert len(titles) <= allowed, titles
