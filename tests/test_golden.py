"""One document of every kind, byte for byte (regenerate: python tests/golden.py)."""

from __future__ import annotations

import pytest
from golden import DOCUMENTS, GOLDEN, render_sample


def test_every_golden_file_is_a_document_rendered() -> None:
    on_disk = {p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file()}
    assert on_disk == set(DOCUMENTS) == set(render_sample())


@pytest.mark.parametrize("name", DOCUMENTS)
def test_sample_documents_match_their_golden_copies(name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    assert render_sample()[name] == expected, f"run `python tests/golden.py` if intended: {name}"
