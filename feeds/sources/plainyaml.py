"""A fast path for the commonest front matter: one `key: value` line per field.

PyYAML builds a node tree and constructs it in Python, which cost a post more
than the rest of its reading. Most front matter is lines such as

    title: "A post"
    date: 2024-05-01 10:00:00 +02:00
    tags: [python, web]

for which the tree is flat. `plain_mapping` reads only that shape: a key that is
a plain word, then a double-quoted or single-quoted string without escapes, a
flow list of such items, a plain scalar on one line, or nothing. Plain scalars
(`2024-05-01`, `yes`, `42`, `~`) are resolved and constructed by PyYAML's own
resolver and safe constructor, so they give what `yaml.safe_load` gives. Any
other line (indented, a comment after a value, an anchor, a tag, a block
scalar, a duplicate key ...) gives None, and the caller parses the whole block
with PyYAML, which also words the errors. tests/test_plain_yaml.py holds the
result equal to PyYAML's on generated front matter.
"""

from __future__ import annotations

import functools
import re

import yaml
from yaml.constructor import ConstructorError

# What YAML allows in a stream (libyaml's printable characters) beyond ASCII, less the
# line breaks NEL, LS and PS and the byte-order mark.
_WIDE = r"\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff"
_DOUBLE = rf'"[\x20\x21\x23-\x5b\x5d-\x7e{_WIDE}]*"'  # no `"`, no backslash
_SINGLE = rf"'[\x20-\x26\x28-\x7e{_WIDE}]*'"  # no `'`
# A plain scalar on one line: a letter or digit first (no indicator), then no `: ` or
# trailing `:` (a mapping), no ` #` (a comment), no trailing space.
_PLAIN = re.compile(rf"[A-Za-z0-9{_WIDE}](?:[\x21-\x22\x24-\x39\x3b-\x7e{_WIDE}]"
                    r"|:(?=[^ ])|#| +(?=[^ #]))*")
_PRINTABLE = re.compile(rf"[\x20-\x7e{_WIDE}]*")
_ITEM = rf"(?:{_DOUBLE}|{_SINGLE}|[A-Za-z0-9][A-Za-z0-9_.+-]*(?: [A-Za-z0-9_.+-]+)*)"
_LIST = re.compile(rf"\[ *(?:{_ITEM}(?: *, *{_ITEM})*)? *\]")
_ITEMS = re.compile(_ITEM)
_QUOTED = re.compile(f"{_DOUBLE}|{_SINGLE}")
_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: (.*))?")


class _Scalars(yaml.resolver.Resolver, yaml.constructor.SafeConstructor):
    """PyYAML's own resolution and safe construction of one plain scalar."""

    def __init__(self) -> None:
        yaml.resolver.Resolver.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)

    def value(self, text: str) -> object:
        """What `yaml.safe_load` makes of `text` as a plain scalar."""
        tag = self.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
        construct = self.yaml_constructors.get(tag)
        if construct is None:
            raise _NotPlain
        # The constructor itself, not construct_object, which would remember the node.
        return construct(self, yaml.ScalarNode(tag, text))


class _Every:
    def __contains__(self, item: object) -> bool:
        return True


class _NotPlain(Exception):
    """The text is not of the shape read here (PyYAML reads it instead)."""


def plain_mapping(source: str, first_line: int
                  ) -> tuple[dict[str, object], dict[str, int]] | None:
    """The mapping and the line of each key, as `yaml.safe_load` would give them, of
    front matter made only of plain `key: value` lines; None for any other text."""
    data: dict[str, object] = {}
    lines: dict[str, int] = {}
    try:
        for number, line in enumerate(source.split("\n")):
            if not line or (line.startswith("#") and _PRINTABLE.fullmatch(line)):
                continue
            match = _LINE.fullmatch(line)
            if match is None or match[1] in data or not _text_key(match[1]):
                return None
            data[match[1]], lines[match[1]] = _value(match[2]), first_line + number
    except (_NotPlain, ValueError, TypeError, OverflowError, ConstructorError):
        return None
    return (data, lines) if data else None


def _value(written: str | None) -> object:
    text = written.strip(" ") if written else ""
    if not text:
        return None
    if _QUOTED.fullmatch(text):
        return text[1:-1]
    if text.startswith("["):
        if _LIST.fullmatch(text) is None:
            raise _NotPlain
        return [_item(item) for item in _ITEMS.findall(text)]
    if _PLAIN.fullmatch(text) is None:
        raise _NotPlain
    return _scalar(text)


def _item(text: str) -> object:
    return text[1:-1] if text[:1] in "\"'" else _scalar(text)


def _scalar(text: str) -> object:
    # PyYAML tries implicit types by the first character; with none for it, it is text.
    if text[0] not in _TYPED_FIRST:
        return text
    return _SCALARS.value(text)


@functools.lru_cache(maxsize=512)
def _text_key(key: str) -> bool:
    """Whether a key is read as text (not `yes`, `null` ...); the same few keys recur."""
    return isinstance(_scalar(key), str)


_SCALARS = _Scalars()
# (Every character, were there a resolver for any first character.)
_TYPED_FIRST: frozenset[str | None] | _Every = (
    frozenset(yaml.resolver.Resolver.yaml_implicit_resolvers)
    if None not in yaml.resolver.Resolver.yaml_implicit_resolvers else _Every())
