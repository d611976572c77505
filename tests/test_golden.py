"""The sample blog's documents, byte for byte (regenerate: python tests/golden.py)."""

from __future__ import annotations

import pytest
from golden import DOCUMENTS, GOLDEN, render_sample


@pytest.mark.parametrize("name", DOCUMENTS)
def test_sample_documents_match_their_golden_copies(name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    assert render_sample()[name] == expected, f"run `python tests/golden.py` if intended: {name}"
