"""MDX bodies (`.mdx`, as nodejs.org writes its blog): Markdown with JSX components and
ES module lines, read as the Markdown they hold (docs/reference.md §2.2).

feeds runs no JavaScript, so what only a JSX runtime understands is left out: `import` and
`export` statements, the tags of components (`<AlertBox level="info">`, `</AlertBox>`,
`<Chart />`; capitalised, as JSX requires of components) and `{/* comments */}`. What the
tags enclose stays, as the reader's text. Fenced code is never touched.
"""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# An ES module statement, not prose that starts with the word "import" or "export".
_ESM = re.compile(r"""^(?:import\s+(?:['"]|[\w$*{])|export\s+(?:default|const|let|var|"""
                  r"""function|async|class|\{|\*))""")
_ESM_END = re.compile(r"""(?:\bfrom\s*['"][^'"]*['"]|['"][^'"]*['"]|[;}])\s*;?\s*$""")
# A component's opening, closing or self-closing tag (attributes may hold `>` in
# quotes or braces); lower-case tags are HTML, left to the sanitiser.
_COMPONENT = re.compile(r"""</?[A-Z][\w.]*(?:\s(?:"[^"]*"|'[^']*'|\{[^{}]*\}|[^<>"'{}])*)?/?>""")
_COMMENT = re.compile(r"\{/\*.*?\*/\}")


def without_jsx(text: str) -> tuple[str, list[tuple[int | None, str]]]:
    """The Markdown of an MDX body, line for line, and a note (at the first line
    concerned) when something was left out."""
    out: list[str] = []
    fence: str | None = None
    in_esm = False
    first: int | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        opened = _FENCE.match(line)
        if fence is not None or opened:
            fence = _fence_after(fence, opened, line)
            out.append(line)
            continue
        if in_esm or _ESM.match(line):
            in_esm = not _ESM_END.search(line)
            first = first or number
            out.append("")  # an empty line keeps the lines after it where they were
            continue
        kept = _COMMENT.sub("", _COMPONENT.sub("", line))
        if kept != line:
            first = first or number
        out.append(kept if kept.strip() else "")
    notes: list[tuple[int | None, str]] = []
    if first is not None:
        notes.append((first, "MDX: JSX components, `import`/`export` lines and JSX comments "
                             "are left out (their text is kept)"))
    return "\n".join(out), notes


def _fence_after(fence: str | None, opened: re.Match[str] | None, line: str) -> str | None:
    """The open code fence after this line (None: outside code)."""
    if fence is None:
        return opened[1] if opened else None
    closing = line.strip()
    return None if closing.startswith(fence) and set(closing) == {fence[0]} else fence
