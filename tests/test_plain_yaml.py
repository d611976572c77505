"""The front-matter fast path (feeds.sources.plainyaml) gives what PyYAML gives, or
steps aside: generated front matter, including the shapes YAML reads otherwise."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feeds.errors import PostError
from feeds.sources.frontmatter import _Loader, parse_yaml
from feeds.sources.plainyaml import plain_mapping

KEYS = st.sampled_from(["title", "date", "tags", "a", "_x", "a-b", "Z9", "yes", "no", "on",
                        "null", "y", "n", "true", "False", "NULL", "x_y"])
SCALARS = st.sampled_from([
    "", "~", "null", "Null", "yes", "No", "ON", "off", "y", "n", "true", "TRUE", "0", "7",
    "010", "0x1F", "0o7", "0b11", "1_000", "-3", "+3", "1.5", "1e3", "1.0e+3", ".inf", "-.inf",
    ".NaN", "20:30", "1:20:30", "190:20:30", "2010-01-01", "2010-1-1", "2024-02-30",
    "2010-01-01 20:04:42 -07:00", "2010-01-02 03:48:38 +0530", "2010-01-01T07:28:42Z",
    "2010-01-01T14:36:51.675+10:00", "2010-01-01 20:04:42", "2010-01-01t07:28:42z",
    "9" * 40, "a: b", "a:b", "a :b", "a #b", "a#b", "a:", "a :", "&x a", "*x", "!x a",
    "!!str 1", "|", ">", "- a", "? a", "[a, b", "{a: 1}", "[a, [b]]", "'", "''", "'a''b'",
    '"', '""', '"a\\"b"', '"a\\nb"', '"tab\tin"', "a\tb", "@x", "`x`", "%x", "Café",
    "日本語", "a\u2028b", "a\x85b", "\ufeffa", "a\ufeff", "\xa0a", "a\xa0", "https://x.org/a?b#c",
    "[]", "[ ]", "[a]", "[a,b]", "[ a , b ]", "[yes, 1, 1.5, 2010-01-01]", '["a, b", \'c\']',
    "[a b, c]", "[a,]", "[,a]", "[a  b]", "a  b", "a ", " a", "<<", "=", "-", "---", "...",
    "1.2.3", "v1.0", "12abc", "0.5em", "Ü"])
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
VALUES = st.one_of(
    SCALARS, TEXTS, TEXTS.map(lambda t: f'"{t}"'), TEXTS.map(lambda t: f"'{t}'"),
    st.lists(st.one_of(SCALARS, TEXTS), max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"))
SEPARATORS = st.sampled_from([": ", ":", ":  ", ":\t", " : ", ": \t"])
LINES = st.one_of(
    st.tuples(KEYS, SEPARATORS, VALUES, st.sampled_from(["", " ", "  ", "\t", " # c", "#c"]))
    .map("".join),
    st.sampled_from(["", "# a comment", "  indented: 1", "- item", "---", "#\x85", "  "]))
FRONT = st.lists(LINES, max_size=8).map("\n".join)
# Lines that often take the fast path, so that it is the one being compared.
WORDS = st.text("abXY09 :#-_.,'\"é日\u2028\x85\t[]!&*", max_size=10)
LIKELY = st.dictionaries(st.sampled_from(["title", "date", "a", "_x", "a-b", "Z9"]), st.one_of(
    SCALARS, WORDS, WORDS.map(lambda t: f'"{t}"'), WORDS.map(lambda t: f"'{t}'"),
    st.lists(WORDS, max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]")),
    min_size=1, max_size=4).map(
    lambda fields: "\n".join(f"{key}: {value}" for key, value in fields.items()))


def by_pyyaml(source: str) -> object:
    try:
        return yaml.load(source, Loader=_Loader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return type(exc)


def key_lines(source: str, first: int) -> dict[str, int]:
    node = yaml.compose(source, Loader=_Loader)
    return {str(k.value): first + k.start_mark.line for k, _ in node.value}


@settings(max_examples=4000, deadline=None)
@given(st.one_of(FRONT, LIKELY, LIKELY))
@example("title: \"A post\"\ndate: 2024-05-01 10:00:00 +02:00\ntags: [python, web]")
def test_the_fast_path_gives_what_pyyaml_gives(source: str) -> None:
    fast = plain_mapping(source, 2)
    if fast is None:
        return
    data, lines = fast
    assert repr(data) == repr(by_pyyaml(source))  # repr: True is not 1, a date no datetime
    assert lines == key_lines(source, 2)


def test_common_front_matter_takes_the_fast_path() -> None:
    source = ('title: "Nema Ruanfi: a post"\ndate: 2010-01-01 20:04:42 -07:00\n'
              'author: "Donald Knuth"\ntags: [security, web dev]\nslug: 000499-nema\n'
              "summary: 'short'\ndraft: no\nweight: 3\nupdated:")
    fast = plain_mapping(source, 2)
    assert fast is not None
    assert repr(fast[0]) == repr(yaml.safe_load(source))
    assert fast[1]["slug"] == 6


def test_other_shapes_are_left_to_pyyaml() -> None:
    for source in ("tags:\n  - a\n  - b", "a: b # note", "a: &x 1\nb: *x", "a: |\n  text",
                   "a: 1\na: 2", "yes: 1", "a: !!python/object:os.system x", "# only"):
        assert plain_mapping(source, 2) is None, source


def test_parse_yaml_reports_errors_as_before() -> None:
    # The fast path steps aside: the error is PyYAML's, with its line.
    with pytest.raises(PostError, match="impossible value"):
        parse_yaml("title: ok\ndate: 2024-02-30", "p.md", 2)
    with pytest.raises(PostError, match="not valid YAML") as caught:
        parse_yaml("title: ok\nsummary: a: b", "p.md", 2)
    assert caught.value.line == 3
