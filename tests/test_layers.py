"""Dependencies point one way along the pipeline (DEVELOPERS.md)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feeds"
# Which of our modules each module may import (by prefix), and who owns which library.
ALLOWED = {
    "feeds.errors": set(),
    "feeds.model": set(),
    "feeds.config": {"feeds.errors"},
    "feeds.frontmatter": {"feeds.errors", "feeds.formats"},
    "feeds.folder": set(),
    "feeds.formats": set(),
    "feeds.routes": set(),
    "feeds.sources": {"feeds.errors", "feeds.frontmatter", "feeds.folder", "feeds.formats"},
    "feeds.normalize": {"feeds.errors", "feeds.model", "feeds.config", "feeds.content",
                        "feeds.normalize", "feeds.frontmatter", "feeds.formats",
                        "feeds.routes"},
    "feeds.content": {"feeds.normalize.text", "feeds.nesting"},
    "feeds.nesting": set(),
    "feeds.records": set(),
    "feeds.index": {"feeds.errors"},
    "feeds.reading": {"feeds.sources", "feeds.errors", "feeds.frontmatter", "feeds.model",
                      "feeds.normalize", "feeds.records"},
    "feeds.postlist": {"feeds.model"},
    "feeds.catalog": {"feeds.errors", "feeds.model", "feeds.reading", "feeds.postlist"},
    "feeds.loader": {"feeds.sources", "feeds.config", "feeds.errors", "feeds.model",
                     "feeds.normalize", "feeds.index", "feeds.reading", "feeds.catalog",
                     "feeds.postlist", "feeds.__version__", "feeds.records"},
    "feeds.library": {"feeds.sources", "feeds.errors", "feeds.model", "feeds.normalize",
                      "feeds.frontmatter", "feeds.reading", "feeds.catalog", "feeds.loader",
                      "feeds.postlist", "feeds.records", "feeds.index"},
    "feeds.render": {"feeds.__version__", "feeds.library", "feeds.model", "feeds.errors",
                     "feeds.render", "feeds.normalize", "feeds.routes"},
    "feeds.shared": {"feeds.library", "feeds.records", "feeds.errors", "feeds.index"},
    "feeds.live": {"feeds.errors", "feeds.library", "feeds.shared"},
    "feeds.websub": set(),
    "feeds.delivery": {"feeds.errors", "feeds.render.site"},
    "feeds.web": {"feeds.errors", "feeds.library", "feeds.render", "feeds.delivery",
                  "feeds.live", "feeds.shared", "feeds.websub", "feeds.normalize.media"},
    "feeds.server": {"feeds.library", "feeds.shared", "feeds.web", "feeds.render.site"},
    "feeds.outtree": {"feeds.errors"},
    "feeds.export": {"feeds.delivery", "feeds.library", "feeds.render.site", "feeds.outtree"},
    "feeds.cli": {"feeds.errors", "feeds.library", "feeds.loader", "feeds.server", "feeds.export",
                  "feeds.model", "feeds.normalize", "feeds.sources", "feeds.index"},
    "feeds.__main__": {"feeds.cli"},
    "feeds": set(),
}
OWNERS = {"flask": {"feeds.web"}, "feedgen": {"feeds.render.syndication"},
          "gunicorn": {"feeds.server"}, "werkzeug": {"feeds.web"},
          "watchdog": {"feeds.live"}, "brotli": {"feeds.delivery"}}


def _modules() -> dict[str, set[str]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        imports = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "feeds":
                imports.update(f"feeds.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imports.add(node.module)
            elif isinstance(node, ast.Import):
                imports.update(alias.name for alias in node.names)
        found[name] = imports
    return found


def _rule(name: str) -> set[str]:
    key = max((k for k in ALLOWED if name == k or name.startswith(k + ".")), key=len)
    return ALLOWED[key]


def test_our_imports_point_one_way() -> None:
    for name, imports in _modules().items():
        ours = {i for i in imports if i == "feeds" or i.startswith("feeds.")}
        allowed = _rule(name)
        bad = {i for i in ours if not any(i == a or i.startswith(a + ".") for a in allowed)}
        assert not bad, f"{name} may not import {sorted(bad)}"


def test_libraries_have_one_owner() -> None:
    for name, imports in _modules().items():
        for library, owners in OWNERS.items():
            uses = any(i == library or i.startswith(library + ".") for i in imports)
            assert not uses or name in owners, f"{name} imports {library}"


def test_the_pure_layers_load_neither_flask_nor_feedgen() -> None:
    code = ("import sys, feeds.normalize.post, feeds.library, feeds.content; "
            "print(sorted(m for m in ('flask', 'feedgen', 'gunicorn', 'werkzeug') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "[]"

