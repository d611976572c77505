"""docs/reference.md §2.2 (issue 11 item 7): `.mdx` posts are read as Markdown, JSX and
ES module lines left out with a warning, written as nodejs.org's blog writes them."""

from __future__ import annotations

from pathlib import Path

from conftest import FakeClock, write_posts

from feeds.errors import Severity
from feeds.library import Library, Options

MDX = """---
date: '2025-10-28T00:04:00.000Z'
category: migrations
title: Node.js v22 to v24
layout: blog-post
author: AugustinMauroy, Richard Lau
---
import { Chart } from '../components/chart';
export const meta = {
  draft: false,
};

# Node.js v22 to v24

<AlertBox level="info" title="!">
  This article covers a part of the migration.

  <a href="https://github.com/nodejs/userland-migrations/issues/239">
    Read this issue.
  </a>
</AlertBox>

{/* a JSX comment nobody should read */}
Import maps are not ESM lines, and neither is this <Chart data={[1, 2]} /> text.

```diff
import http2 from "node:http2";
<AlertBox>in code</AlertBox>
```
"""


def test_an_mdx_post_is_markdown_without_its_jsx(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"migrations/v22-to-v24.mdx": MDX})
    library = Library(Options(root), clock)
    post = library.snapshot().with_body(library.snapshot().posts[0])
    html = post.content_html or ""
    assert post.title == "Node.js v22 to v24"
    assert [a.name for a in post.authors] == ["AugustinMauroy", "Richard Lau"]
    assert post.tags == ("migrations",)
    assert "This article covers a part of the migration." in html
    assert '<a href="https://github.com/nodejs/userland-migrations/issues/239"' in html
    assert "Import maps are not ESM lines, and neither is this  text." in html
    for gone in ("AlertBox level", "Chart }", "export const", "JSX comment", "&lt;Chart"):
        assert gone not in html
    # code is code: shown as written
    assert 'import http2 from "node:http2";' in html
    assert "&lt;AlertBox&gt;in code&lt;/AlertBox&gt;" in html
    warnings = [(p.line, p.message) for p in library.problems
                if p.path.endswith(".mdx") and p.severity is Severity.WARNING]
    assert warnings == [(8, "MDX: JSX components, `import`/`export` lines and JSX comments "
                            "are left out (their text is kept)")]


def test_an_mdx_file_is_a_post_never_an_asset(tmp_path: Path, clock: FakeClock) -> None:
    root = write_posts(tmp_path / "posts", {"npm/peer-dependencies.mdx":
                                            "---\ntitle: Peer Dependencies\ndate: 2013-02-08\n"
                                            "---\nPlain Markdown.\n"})
    library = Library(Options(root), clock)
    assert [p.title for p in library.snapshot().posts] == ["Peer Dependencies"]
    assert "npm/peer-dependencies.mdx" not in library.loaded.assets
