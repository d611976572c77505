"""The only code that lists and reads files under the posts folder.

It knows file names, encodings, size limits, symbolic-link rules and how front
matter is split from a body; it knows nothing of what the fields mean.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

import yaml

from feeds.errors import PostError, Problem, Severity

POST_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".html"})
BLOG_FILE = "_blog.md"
MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_FRONT_MATTER_BYTES = 64 * 1024
_HEADER = re.compile(r"^([A-Za-z][A-Za-z _-]{0,30}):[ \t]*(.*?)[ \t]*$")
_HEADER_SUFFIXES = (".md", ".markdown", ".txt")


@dataclass(frozen=True)
class Limits:
    """How much a post may weigh (settings `max_post_bytes`, `max_front_matter_bytes`)."""

    file_bytes: int = MAX_FILE_BYTES
    front_matter_bytes: int = MAX_FRONT_MATTER_BYTES
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

    @property
    def suffix(self) -> str:
        """The file's extension, lower-cased, with its dot."""
        return os.path.splitext(self.path)[1].lower()

    def line_of(self, key: str) -> int | None:
        """The line a front-matter field stands on, when known."""
        return self.meta_lines.get(key)


StatKey = tuple[int, int, int]


@dataclass(frozen=True)
class Listing:
    """What the posts folder holds: post files with their stat keys, assets, problems.

    A post's stat key (size, modification time in ns, inode) changes whenever
    the file is written or replaced; an unchanged key means an unchanged file.
    """

    posts: Mapping[str, StatKey] = field(default_factory=dict)
    assets: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = field(default=())


def is_ignored(name: str) -> bool:
    """Hidden, private (`_`) and editor leftover names are never posts or assets."""
    if name.startswith(("_", ".", ".#")) or name.endswith(("~", ".swp", ".tmp")):
        return True
    return name.startswith("#") and name.endswith("#")


def list_files(root: Path) -> Listing:
    """Walk the posts folder: posts (sorted, with stat keys), assets, link warnings."""
    real_root = root.resolve()
    posts: dict[str, StatKey] = {}
    assets: set[str] = set()
    problems: list[Problem] = []
    for rel, key in _walk(real_root, real_root, "", problems, set()):
        if _is_post_name(rel):
            posts[rel] = key
        else:
            assets.add(rel)
    return Listing(dict(sorted(posts.items())), frozenset(assets), tuple(problems))


def _walk(
    root: Path, folder: Path, prefix: str, problems: list[Problem], seen: set[Path]
) -> Iterator[tuple[str, StatKey]]:
    seen.add(folder)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(prefix or ".", None, Severity.ERROR, _os_reason(exc)))
        return
    for entry in entries:
        if is_ignored(entry.name):
            continue
        rel = prefix + entry.name
        # Only a link can lead outside: a plain entry of a folder inside root is inside.
        target = _inside(root, Path(entry.path), rel, problems) if entry.is_symlink() \
            else Path(entry.path)
        try:
            if target is None:
                continue
            if entry.is_dir():
                if target not in seen:
                    yield from _walk(root, target, rel + "/", problems, seen)
            elif entry.is_file():
                stat = entry.stat()
                yield rel, (stat.st_size, stat.st_mtime_ns, stat.st_ino)
        except OSError:
            continue  # vanished while listing: the next scan will not see it either


def _is_post_name(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in POST_SUFFIXES


def _inside(root: Path, path: Path, rel: str, problems: list[Problem],
            private: bool = False) -> Path | None:
    """The real path of `path` if it lies inside `root` (and is not private unless
    `private`), else None, with a warning when a link led there."""
    real = path.resolve()
    inside = real == root or root in real.parents
    if inside and (private or not _hidden(real.relative_to(root))):
        return real
    if path.is_symlink():
        problems.append(
            Problem(rel, None, Severity.WARNING,
                    "symbolic link points outside the posts folder (or to a private "
                    "name); ignored")
        )
    return None


def stat_key(path: Path) -> StatKey | None:
    """The stat key of a file, or None when there is none."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def _hidden(rel: Path) -> bool:
    """A path through a private (`_`), hidden or leftover name."""
    return any(is_ignored(part) for part in rel.parts)


def resolve_asset(root: Path, rel: str) -> Path | None:
    """The real file an asset address names, or None if it is not a servable asset."""
    parts = rel.split("/")
    if not rel or any(p in ("", ".", "..") or is_ignored(p) or "\\" in p for p in parts):
        return None
    if _is_post_name(parts[-1]) or "\x00" in rel or len(rel) > 1024:
        return None
    try:
        real_root = root.resolve()
        target = _inside(real_root, real_root.joinpath(*parts), rel, [])
        return target if target is not None and target.is_file() else None
    except (OSError, ValueError):  # e.g. a name too long for the file system
        return None


def asset_size(root: Path, rel: str) -> int | None:
    """Size in bytes of an asset, or None when there is no such asset."""
    target = resolve_asset(root, rel)
    return target.stat().st_size if target else None


def read_post(root: Path, rel: str, limits: Limits = Limits(),
              header_fields: frozenset[str] = frozenset(), private: bool = False) -> RawPost:
    """Read and split one post file; raise PostError naming the file on any fault.

    `header_fields` are the field names that may open a `Key: value` block.
    """
    path = root / rel
    try:
        if _inside(root.resolve(), path, rel, [], private) is None:
            raise PostError(rel, None, "lies outside the posts folder")
        stat = path.stat()
        data = _read_bytes(path, rel, limits.file_bytes)
    except OSError as exc:
        raise PostError(rel, None, _os_reason(exc)) from exc
    text = decode(data, rel)
    mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
    return split(text, rel, mtime, limits, header_fields)


def read_blog(root: Path) -> RawPost | None:
    """Read `_blog.md` if the folder has one."""
    path = root / BLOG_FILE
    if not path.is_file() or not path.read_bytes().strip():
        return None  # no description, or an empty one: every setting has its default
    return read_post(root, BLOG_FILE, private=True)


def _read_bytes(path: Path, rel: str, max_bytes: int) -> bytes:
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise PostError(rel, None, f"file is larger than the limit of {max_bytes} bytes")
    return data


def _os_reason(exc: OSError) -> str:
    reasons = {
        FileNotFoundError: "file vanished while it was being read",
        PermissionError: "file cannot be read (permission denied)",
        IsADirectoryError: "is a folder, not a file",
    }
    return reasons.get(type(exc), f"cannot be read: {exc.strerror or exc}")


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


def split(text: str, rel: str, mtime: datetime, limits: Limits = Limits(),
          header_fields: frozenset[str] = frozenset()) -> RawPost:
    """Split front matter (YAML `---`, TOML `+++` or `Key: value` lines) from the body."""
    lines = text.split("\n")
    fence = lines[0].rstrip()
    if fence not in ("---", "+++"):
        return _split_headers(lines, rel, mtime, header_fields)
    end = _closing_fence(lines, fence, rel)
    source = "\n".join(lines[1:end])
    if len(source.encode()) > limits.front_matter_bytes:
        raise PostError(rel, 1, "front matter is larger than the limit of "
                        f"{limits.front_matter_bytes} bytes")
    parse = parse_yaml if fence == "---" else parse_toml
    meta, meta_lines = parse(source, rel, 2)
    body = "\n".join(lines[end + 1:])
    return RawPost(rel, MappingProxyType(meta), MappingProxyType(meta_lines), body, end + 2,
                   mtime, "yaml" if fence == "---" else "toml")


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
    if not meta or not rel.lower().endswith(_HEADER_SUFFIXES):
        return RawPost(rel, MappingProxyType({}), MappingProxyType({}), "\n".join(lines), 1,
                       mtime)
    return RawPost(rel, MappingProxyType(meta), MappingProxyType(meta_lines),
                   "\n".join(lines[end + 1:]), end + 2, mtime, "headers")


def _closing_fence(lines: list[str], fence: str, rel: str) -> int:
    closers = ("---", "...") if fence == "---" else ("+++",)
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in closers:
            return number
    raise PostError(rel, 1, f"front matter starts with {fence!r} but is never closed")


def parse_yaml(source: str, rel: str, first_line: int) -> tuple[dict[str, object], dict[str, int]]:
    """Safe-load a YAML mapping, keeping the line of each top-level key."""
    loader = _Loader(source)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_YAML_NODES:
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


def create_post(root: Path, name: str, text: str) -> Path:
    """Write a new post file atomically; FileExistsError if the name is taken.

    The text goes to a temporary file first, then is linked in under its name,
    which fails rather than replace a file that exists.
    """
    target = root / name
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=root, prefix=".new-",
                                     suffix=".tmp", delete=False) as handle:
        handle.write(text)
    try:
        os.link(handle.name, target)
    finally:
        os.unlink(handle.name)
    return target
