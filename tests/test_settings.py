"""The settings table: every setting checked and documented, its default written once."""

from __future__ import annotations

import itertools
import re
from dataclasses import MISSING, fields

import pytest
from conftest import ROOT

from feeds.errors import ConfigError
from feeds.model import Blog
from feeds.settings import BLOG_FILE, DEFAULTS, SETTINGS, Values, resolve
from feeds.sources.frontmatter import Limits


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in readme] == []


def readme_defaults() -> dict[str, str]:
    """The README's settings table: setting name -> its "default" cell."""
    table = (ROOT / "README.md").read_text().split("| setting | meaning | default |")[1]
    rows = itertools.takewhile(lambda line: line.startswith("|"), table.splitlines()[2:])
    cells = {}
    for row in rows:
        names, _, default = (cell.strip() for cell in row.strip("|").rsplit("|", 2))
        cells.update({name.strip("` "): default for name in names.split(",")})
    return cells


def as_documented(value: object) -> str | None:
    """How the README writes a default value; None: a computed default, described."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        for unit, size in (("MiB", 1024 ** 2), ("KiB", 1024)):
            if value % size == 0:
                return f"{value // size} {unit}"
        return f"{value:,}"
    if isinstance(value, str):
        return f"`{value}`"
    return "empty" if isinstance(value, dict) or value == () else None


def test_defaults_when_nothing_is_given_are_the_readmes() -> None:
    settings, documented = resolve({}, {}, {}), readme_defaults()
    assert set(documented) == {s.name for s in SETTINGS}
    shown = {s.name: as_documented(getattr(settings.values, s.name)) for s in SETTINGS}
    assert {n: documented[n] for n, v in shown.items() if v is not None} == \
        {n: v for n, v in shown.items() if v is not None} | {"hub": "none"}
    values = settings.values
    assert (values.feed_limit, values.language, values.hub) == (20, "en", ())
    assert [n for n, v in shown.items() if v is None] == [  # described, not a value
        "title", "link", "description", "author", "id_authority", "image", "icon",
        "copyright", "podcast_limit", "podcast"]
    assert all(getattr(values, n) is None for n, v in shown.items() if v is None)


def test_lists_from_text_and_urls_get_a_slash() -> None:
    settings = resolve({"chrome": "Menu, Share", "link": "https://b.example"},
                       {"FEEDS_HUB": "https://hub.example/a,https://hub.example/b"}, {})
    assert settings.values.chrome == ("Menu", "Share")
    assert settings.values.link == "https://b.example/"
    assert settings.values.hub == ("https://hub.example/a", "https://hub.example/b")
    assert settings.origins["hub"] == "FEEDS_HUB"


@pytest.mark.parametrize(("name", "value"), [("hub", "ftp://x"), ("cache_seconds", True),
                                             ("feed_max_bytes", 5), ("chrome", 5)])
def test_bad_values_name_the_setting_and_origin(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"setting '{name}'.*from _blog.md:4"):
        resolve({name: value}, {}, {}, {name: 4})


def test_the_typed_values_are_the_table_in_its_order() -> None:
    assert [f.name for f in fields(Values)] == [s.name for s in SETTINGS]
    assert resolve({}, {}, {}).values == DEFAULTS


def test_the_stages_take_their_defaults_from_the_table() -> None:
    assert (Limits().file_bytes, Limits().front_matter_bytes) == \
        (DEFAULTS.max_post_bytes, DEFAULTS.max_front_matter_bytes)
    assert all(f.default is MISSING and f.default_factory is MISSING for f in fields(Blog))


def test_each_default_and_the_blog_file_are_written_once() -> None:
    """No module but the table spells a default size or the settings file's name."""
    code = "\n".join(p.read_text() for p in sorted((ROOT / "feeds").rglob("*.py")))
    for spelled in ("4 * 1024 * 1024", "64 * 1024", "1_000_000", f'"{BLOG_FILE}"'):
        assert len(re.findall(re.escape(spelled), code)) == 1, spelled
