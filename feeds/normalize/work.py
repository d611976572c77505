"""One post being normalised: what it depends on (`Context`) and its fields read with
their lines, for warnings and errors (`Work`; docs/reference.md §2.1)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from feeds.errors import PostError, Problem, Severity, quote
from feeds.model import Blog
from feeds.normalize.authors import Registry
from feeds.normalize.blog import registry_of
from feeds.normalize.dates import DateContext
from feeds.normalize.text import clean_line
from feeds.sources.frontmatter import RawPost


@dataclass(frozen=True)
class Context:
    """Everything a post's normalisation depends on besides its own file."""

    blog: Blog
    assets: frozenset[str]
    asset_size: Callable[[str], int | None] = lambda _path: None
    # Playing time in seconds of an audio asset, from its header (feeds.sources.probe).
    asset_seconds: Callable[[str], float | None] = lambda _path: None
    registry: Registry = field(default_factory=Registry)
    dates: DateContext = field(default_factory=DateContext)

    @classmethod
    def of(cls, blog: Blog, assets: frozenset[str],
           asset_size: Callable[[str], int | None],
           asset_seconds: Callable[[str], float | None] = lambda _path: None) -> Context:
        """A context with the registry and date rules taken from the blog."""
        return cls(blog, assets, asset_size, asset_seconds, registry_of(blog),
                   DateContext(blog.timezone, blog.date_order))


@dataclass
class Work:
    """One post being normalised: its file, context and the warnings met."""

    raw: RawPost
    ctx: Context
    warnings: list[Problem] = field(default_factory=list)
    # The fields under our names (`feeds.normalize.fields.start`: other generators' read
    # as ours), and the name each was written under in the file; None: as written.
    meta: Mapping[str, object] | None = None
    origin: Mapping[str, str] = field(default_factory=dict)

    def line_of(self, key: str | None) -> int | None:
        """The line a field stands on, under whatever name it was written."""
        return self.raw.line_of(self.origin.get(key, key)) if key else None

    def fail(self, key: str | None, message: str) -> PostError:
        """The error that leaves the post out, at the line of `key`."""
        return PostError(self.raw.path, self.line_of(key), message)

    def warn(self, key: str | None, message: str) -> None:
        """Note a warning at the line of `key` (or of no line)."""
        self.warnings.append(Problem(self.raw.path, self.line_of(key), Severity.WARNING,
                                     message))

    def get(self, key: str) -> object:
        """The value of a field, None when absent."""
        return (self.raw.meta if self.meta is None else self.meta).get(key)

    def text(self, key: str) -> str | None:
        """A text field on one line; an error when it is not text."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"`{key}` must be text, not {yaml_hint(value)}")
        return clean_line(value)


def yaml_hint(value: object) -> str:
    """How a YAML value that is not text reads, and why it was not text."""
    if isinstance(value, bool):
        return f"{quote(value)} (YAML reads yes/no/on/off as true/false: quote the value)"
    if isinstance(value, int | float):
        return f"the number {quote(value)} (YAML reads 20 or 1:20 as numbers: quote text)"
    return f"{type(value).__name__} {quote(value)}"
