"""The settings table: every setting checked and documented."""

from __future__ import annotations

import pytest
from conftest import ROOT

from feeds.config import SETTINGS, resolve
from feeds.errors import ConfigError


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in readme] == []


def test_defaults_when_nothing_is_given() -> None:
    settings = resolve({}, {}, {})
    assert {s.name: settings[s.name] for s in SETTINGS} == {s.name: s.default for s in SETTINGS}


def test_lists_from_text_and_urls_get_a_slash() -> None:
    settings = resolve({"chrome": "Menu, Share", "link": "https://b.example"},
                       {"FEEDS_HUB": "https://hub.example/a,https://hub.example/b"}, {})
    assert settings["chrome"] == ("Menu", "Share")
    assert settings["link"] == "https://b.example/"
    assert settings["hub"] == ("https://hub.example/a", "https://hub.example/b")
    assert settings.origins["hub"] == "FEEDS_HUB"


@pytest.mark.parametrize(("name", "value"), [("hub", "ftp://x"), ("cache_seconds", True),
                                             ("feed_max_bytes", 5), ("chrome", 5)])
def test_bad_values_name_the_setting_and_origin(name: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"setting '{name}'.*from _blog.md:4"):
        resolve({name: value}, {}, {}, {name: 4})
