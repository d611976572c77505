"""The one exception tree of feeds, and the problem records `feeds check` prints.

Errors about a file carry its path (relative to the posts folder) and, where
known, the line. They are translated to HTTP statuses or exit codes only at the
edges (`feeds.web.faults`, `feeds.cli`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Severity(Enum):
    """How bad a problem is: errors reject a post, warnings only inform."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One reported problem: `path:line: severity: message`."""

    path: str
    line: int | None
    severity: Severity
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity.value}: {self.message}"

    @property
    def kind(self) -> str:
        """The problem with the values it quotes left out (names in backticks kept):
        `feeds check` counts problems of one kind together."""
        return f"{self.severity.value}: {_kind(self.message)}"


_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d[\d,.:-]*")


def _kind(message: str) -> str:
    return _QUOTED.sub("…", message)


def quote(value: object, limit: int = 60) -> str:
    """A value as it appears in a message: its repr, cut short (input can be huge)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**50 else "<huge number>"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class FeedsError(Exception):
    """Root of every error feeds raises on purpose."""


class ConfigError(FeedsError):
    """A bad setting: start-up stops with a message naming the setting."""

    def __init__(self, setting: str, message: str) -> None:
        super().__init__(f"setting {setting!r}: {message}")
        self.setting = setting


class PostError(FeedsError):
    """A post file that cannot be published, with where and why."""

    def __init__(self, path: str, line: int | None, message: str,
                 warnings: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message
        # What was warned about in the file before the error: reported with it, so that
        # fixing the error is not followed by a second round of news (issue 11).
        self.warnings = warnings

    def problem(self) -> Problem:
        """This error as a reportable problem."""
        return Problem(self.path, self.line, Severity.ERROR, self.message)

    def __str__(self) -> str:
        return str(self.problem())


class FieldError(FeedsError):
    """A bad value, raised by pure normalisation code that knows no file.

    The caller that knows the file turns it into a `PostError`.
    """


class NotFound(FeedsError):
    """An address that names nothing we publish."""


class OutputError(FeedsError):
    """`feeds build` cannot write its output folder as asked (a file where a folder
    goes, another build at work): the path and why."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


class CacheError(FeedsError):
    """A cache or run folder that feeds refuses to use (another user's, or writable by
    others: whoever writes it decides what is published)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason
