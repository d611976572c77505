"""docs/reference.md §4.2: every author form and the registry matching, one row per case."""

from __future__ import annotations

import pytest

from feeds.errors import FieldError
from feeds.model import Author
from feeds.normalize.authors import Registry, parse_authors

MARIA = Author("maria", "Maria Lind", "maria@example.org")
TOMAS = Author("tomas", "Tomás Ek", None, "https://tomas.example.org/")
REGISTRY = Registry.build([(MARIA, ["M. Lind"]), (TOMAS, ["T. Ek"])])

ACCEPTED = [
    # (value, expected authors)
    ("Maria Lind", [MARIA]),  # registry name
    ("maria", [MARIA]),  # registry id
    ("m. LIND", [MARIA]),  # alias, case ignored
    ("  Maria    Lind ", [MARIA]),  # spacing ignored
    ("By Maria Lind", [MARIA]),
    ("maria@example.org", [MARIA]),  # bare email of a registry author
    ("Maria Lind <maria@example.org>", [MARIA]),
    ("Jane Roe", [Author("jane-roe", "Jane Roe")]),
    ("By Jane Roe", [Author("jane-roe", "Jane Roe")]),
    ("Jane Roe <jane@example.org>", [Author("jane-roe", "Jane Roe", "jane@example.org")]),
    ("jane@example.org (Jane Roe)", [Author("jane-roe", "Jane Roe", "jane@example.org")]),
    ("José   Ñúñez", [Author("jose-nunez", "José Ñúñez")]),  # Unicode kept, spaces collapsed
    ("Maria Lind and Tomás Ek", [MARIA, TOMAS]),
    ("Maria Lind & T. Ek", [MARIA, TOMAS]),
    ("Maria Lind, Jane Roe", [MARIA, Author("jane-roe", "Jane Roe")]),
    ("Ann <a@example.org>, Bo", [Author("ann", "Ann", "a@example.org"), Author("bo", "Bo")]),
    (["maria", "tomas"], [MARIA, TOMAS]),
    (["maria", "Maria Lind"], [MARIA]),  # the same person once
    ({"name": "Jane Roe", "email": "jane@example.org"},
     [Author("jane-roe", "Jane Roe", "jane@example.org")]),
    ("Fish &amp; Chips Ltd", [Author("fish", "Fish"), Author("chips-ltd", "Chips Ltd")]),
    # issue 11: a word that is no registry id is a name (Jekyll's `author: parkr`)
    ("parkr", [Author("parkr", "parkr")]),
    ("mattr-", [Author("mattr", "mattr-")]),
    (["parkr", "MARIA"], [Author("parkr", "parkr"), MARIA]),  # ids match in any case
    # Hugo (OpenTelemetry): Markdown links, an organisation after each
    ("[Sergey Kanzhelev](https://github.com/SergeyKanzhelev)",
     [Author("sergey-kanzhelev", "Sergey Kanzhelev", None, "https://github.com/SergeyKanzhelev")]),
    ("[Severin Neumann](https://github.com/svrnm) (Cisco), [Patrice Chalin](https://github.com/"
     "chalin/) (CNCF)", [Author("severin-neumann", "Severin Neumann", None, "https://github.com/svrnm"),
                         Author("patrice-chalin", "Patrice Chalin", None, "https://github.com/chalin/")]),
    ("[Maria Lind](https://example.org/m) (Acme)", [MARIA]),
    ("[Jane Roe](javascript:alert)", [Author("jane-roe", "Jane Roe")]),
    # Hugo (gRPC): mappings with `link` and keys for the theme
    ({"name": "Yuxuan Li", "link": "https://github.com/lyuxuan", "position": "Google"},
     [Author("yuxuan-li", "Yuxuan Li", None, "https://github.com/lyuxuan")]),
    ([{"name": "Robert Sayre", "position": "VSCO"}, {"name": "Melinda Lu", "guest": True}],
     [Author("robert-sayre", "Robert Sayre"), Author("melinda-lu", "Melinda Lu")]),
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED, ids=[repr(r[0])[:40] for r in ACCEPTED])
def test_accepted_authors(value: object, expected: list[Author]) -> None:
    assert list(parse_authors(value, REGISTRY)) == expected


REJECTED = [
    ("", "no author"),
    ("   ", "no author"),
    ([], "no author"),
    ("...", "no name"),
    ("-- !!", "no name"),
    ("jane@example.org", "email but no name"),
    (5, "not text"),
    ({"email": "x@example.org"}, "needs a `name`"),
]


@pytest.mark.parametrize(("value", "reason"), REJECTED, ids=[repr(r[0]) for r in REJECTED])
def test_rejected_authors(value: object, reason: str) -> None:
    with pytest.raises(FieldError, match=reason.replace("(", r"\(")):
        parse_authors(value, REGISTRY)


def test_every_author_has_a_stable_id() -> None:
    first = parse_authors("Åsa Öberg", Registry())
    second = parse_authors("  åsa   öberg ", Registry())
    assert first[0].id == "asa-oberg"
    assert second[0].id == first[0].id
