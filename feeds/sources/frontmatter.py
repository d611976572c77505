"""Front matter: YAML (`---`), TOML (`+++`) or `Key: value` lines, split from the body.

Pure parsing of text already read (by `feeds.sources.files`): UTF-8 decoding with
byte offsets, safe YAML with limits on size and aliases, line numbers for
every field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

import yaml

from feeds import formats
from feeds.errors import PostError
from feeds.settings import DEFAULTS
from feeds.sources.plainyaml import plain_mapping

_HEADER = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)[ \t]*$")


@dataclass(frozen=True)
class Limits:
    """How much a post may weigh (settings `max_post_bytes`, `max_front_matter_bytes`;
    their defaults until the blog's settings are read, as for `_blog.md` itself)."""

    file_bytes: int = DEFAULTS.max_post_bytes
    front_matter_bytes: int = DEFAULTS.max_front_matter_bytes

# Front matter as a tree, aliases expanded: more nodes than this is an alias bomb.
MAX_YAML_NODES = 10_000
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class RawPost:
    """A post file split into front matter and body, with line numbers.

    `front` says where the fields came from: "yaml", "toml", "headers" (a block
    of `Key: value` lines) or "" (none).
    """

    path: str
    meta: Mapping[str, object]
    meta_lines: Mapping[str, int]
    body: str
    body_line: int
    mtime: datetime
    front: str = ""
    # What was taken out of the front matter before it was parsed, as (line, message):
    # warnings, never errors (`feeds.normalize.fields.check_fields` reports them).
    notes: tuple[tuple[int, str], ...] = ()

    def line_of(self, key: str) -> int | None:
        """The line a front-matter field stands on, when known."""
        return self.meta_lines.get(key)


def decode(data: bytes, rel: str) -> str:
    """UTF-8 (with or without BOM, CRLF or LF) to text with LF line ends."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PostError(rel, 1, "file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        offset = data.index(b"\x00")
        raise PostError(rel, _line_at(data, offset),
                        f"binary file, not UTF-8 text (NUL byte at byte offset {offset})")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        raise PostError(
            rel, _line_at(data, start),
            f"not valid UTF-8: byte 0x{data[start]:02x} at byte offset {start}",
        ) from exc
    if not text.strip():
        raise PostError(rel, None, "file is empty")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def split(text: str, rel: str, mtime: datetime, limits: Limits | None = None,
          header_fields: frozenset[str] = frozenset()) -> RawPost:
    """Split front matter (YAML `---`, TOML `+++` or `Key: value` lines) from the body."""
    lines = text.split("\n")
    fence = lines[0].rstrip()
    if fence not in ("---", "+++"):
        return _split_headers(lines, rel, mtime, header_fields)
    end = _closing_fence(lines, fence, rel)
    front, notes = _without_controls(lines[1:end], 2)
    source = "\n".join(front)
    cap = (limits or Limits()).front_matter_bytes
    if len(source.encode()) > cap:
        raise PostError(rel, 1, f"front matter is larger than the limit of {cap} bytes")
    parse = parse_yaml if fence == "---" else parse_toml
    meta, meta_lines = parse(source, rel, 2)
    body = "\n".join(lines[end + 1:])
    return RawPost(rel, MappingProxyType(meta), MappingProxyType(meta_lines), body, end + 2,
                   mtime, "yaml" if fence == "---" else "toml", notes)


# Invisible control characters a word processor leaves (`\v` for a line break in Word):
# YAML and TOML refuse them, which would leave the whole post out for a character no
# one can see. Tab, line ends and NEL stay: they are the syntax's own.
_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x84\x86-\x9f]")


def _without_controls(lines: list[str], first: int
                      ) -> tuple[list[str], tuple[tuple[int, str], ...]]:
    """The front matter's lines with control characters removed, and a note per line."""
    notes = []
    for number, line in enumerate(lines, start=first):
        found = sorted(set(_CONTROLS.findall(line)))
        if found:
            names = ", ".join(f"U+{ord(c):04X}" for c in found)
            notes.append((number, f"removed invisible control characters ({names}) from the "
                                  "front matter"))
    return [_CONTROLS.sub("", line) for line in lines], tuple(notes)


def _split_headers(lines: list[str], rel: str, mtime: datetime,
                   fields: frozenset[str]) -> RawPost:
    """A block of `Key: value` lines ended by a blank line, if its first key is a field."""
    meta: dict[str, object] = {}
    meta_lines: dict[str, int] = {}
    end = len(lines)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            end = number - 1
            break
        match = _HEADER.match(line)
        key = match[1].strip().lower().replace(" ", "_").replace("-", "_") if match else ""
        if match is None or (number == 1 and key not in fields):
            return RawPost(rel, MappingProxyType({}), MappingProxyType({}), "\n".join(lines),
                           1, mtime)
        meta[key], meta_lines[key] = match[2], number
    if not meta or not _may_open_with_header(rel):
        return RawPost(rel, MappingProxyType({}), MappingProxyType({}), "\n".join(lines), 1,
                       mtime)
    return RawPost(rel, MappingProxyType(meta), MappingProxyType(meta_lines),
                   "\n".join(lines[end + 1:]), end + 2 if end < len(lines) else end + 1, mtime,
                   "headers")


def _closing_fence(lines: list[str], fence: str, rel: str) -> int:
    closers = ("---", "...") if fence == "---" else ("+++",)
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in closers:
            return number
    raise PostError(rel, 1, f"front matter starts with {fence!r} but is never closed")


def parse_yaml(source: str, rel: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
    """Safe-load a YAML mapping, keeping the line of each top-level key."""
    plain = plain_mapping(source, first_line)  # the same result, when it applies
    if plain is not None:
        return plain
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        # Without an alias (`*`) the tree is no bigger than the text, which is capped.
        if "*" in source and node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
            raise PostError(rel, first_line, "front matter expands to more than "
                            f"{MAX_YAML_NODES} values (too many aliases)")
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + mark.line if mark is not None else first_line
        reason = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise PostError(rel, line, f"front matter is not valid YAML: {reason}") from exc
    except (ValueError, OverflowError, TypeError, RecursionError) as exc:
        # PyYAML's own constructors raise these for values such as 2024-02-30.
        raise PostError(rel, first_line, f"front matter has an impossible value: {exc}"
                        ) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PostError(rel, first_line, "front matter must be a mapping of `field: value` lines")
    return _string_keys(data, rel, first_line), _key_lines(node, first_line)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many nodes the tree has with every alias expanded (memoised, capped)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = MAX_YAML_NODES + 1  # a cycle counts as too big
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(child, sizes) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(k, sizes) + _expanded_size(v, sizes) for k, v in node.value)
    sizes[id(node)] = min(size, MAX_YAML_NODES + 1)
    return sizes[id(node)]


def _key_lines(node: yaml.Node | None, first_line: int) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): first_line + k.start_mark.line for k, _ in node.value}


def _string_keys(data: dict[object, object], rel: str, line: int) -> dict[str, object]:
    for key in data:
        if not isinstance(key, str):
            raise PostError(rel, line, f"front matter field name {key!r} is not text")
    return {str(k): v for k, v in data.items()}


def parse_toml(source: str, rel: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
    """Load TOML front matter; top-level key lines are found by a plain scan."""
    try:
        data: dict[str, object] = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        line = first_line + getattr(exc, "lineno", 1) - 1
        reason = str(exc).split(" (at")[0]
        raise PostError(rel, line, f"front matter is not valid TOML: {reason}") from exc
    lines = {}
    for number, text in enumerate(source.split("\n")):
        key = text.split("=", 1)[0].strip().strip('"')
        if "=" in text and key in data and key not in lines:
            lines[key] = first_line + number
    return data, lines


def _may_open_with_header(rel: str) -> bool:
    found = formats.of(rel)
    return found is not None and found.header_block


def front_matter(fields: Mapping[str, object]) -> str:
    """`fields` written as a YAML front matter block that `split` reads back as they
    are (safe YAML only, keys in the order given, any Unicode kept as text)."""
    dumped = yaml.safe_dump(dict(fields), allow_unicode=True, sort_keys=False, width=1000)
    return f"---\n{dumped}---\n"
