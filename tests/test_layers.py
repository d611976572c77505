"""Dependencies point one way along the pipeline (README.md, "Architecture")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "feeds"
# Which of our modules each module may import (by prefix), and who owns which library.
ALLOWED = {
    # The vocabulary every stage shares: records, errors, settings, formats, addresses.
    "feeds.errors": set(),
    "feeds.model": set(),
    "feeds.formats": set(),
    "feeds.routes": set(),
    "feeds.settings": {"feeds.errors"},
    # The stages, in pipeline order; each may use its own folder and the ones before.
    "feeds.sources": {"feeds.__version__", "feeds.errors", "feeds.formats", "feeds.settings",
                      "feeds.sources"},
    "feeds.normalize": {"feeds.errors", "feeds.model", "feeds.settings", "feeds.formats",
                        "feeds.routes", "feeds.normalize", "feeds.sources.frontmatter"},
    "feeds.library": {"feeds.__version__", "feeds.errors", "feeds.model", "feeds.settings",
                      "feeds.routes", "feeds.sources", "feeds.normalize", "feeds.library"},
    "feeds.render": {"feeds.__version__", "feeds.errors", "feeds.model", "feeds.routes",
                     "feeds.normalize", "feeds.library", "feeds.render"},
    "feeds.web": {"feeds.errors", "feeds.routes", "feeds.normalize.media", "feeds.library",
                  "feeds.render", "feeds.web"},
    "feeds.export": {"feeds.errors", "feeds.library", "feeds.render", "feeds.web.delivery",
                     "feeds.web.websub", "feeds.export"},
    # Another tool's posts, read from what sources brings and written back through it.
    "feeds.importing": {"feeds.errors", "feeds.sources", "feeds.normalize.text",
                        "feeds.importing"},
    "feeds.cli": {"feeds.errors", "feeds.model", "feeds.normalize", "feeds.sources",
                  "feeds.importing",
                  "feeds.library", "feeds.web.server", "feeds.export"},
    "feeds.__main__": {"feeds.cli"},
    "feeds": set(),
}
# Inside a stage, the lower modules may not reach up to the ones that use them.
INSIDE = {
    "feeds.sources.folder": set(),
    "feeds.normalize.text": set(),
    "feeds.normalize.nesting": set(),
    "feeds.normalize.markdown": set(),
    "feeds.library.records": set(),
    "feeds.web.websub": set(),
}
# flask only where the app is made and answers (not served, notify, process, server).
WEB_EDGE = {"feeds.web.app", "feeds.web.assets", "feeds.web.faults", "feeds.web.health"}
OWNERS = {"flask": WEB_EDGE, "werkzeug": {"feeds.web.assets", "feeds.web.faults"},
          "feedgen": {"feeds.render.syndication"}, "gunicorn": {"feeds.web.server"},
          "granian": {"feeds.web.server"}, "watchdog": {"feeds.library.live"},
          "brotli": {"feeds.web.delivery"}, "msgspec": {"feeds.library.records"},
          "nh3": {"feeds.normalize.body"}, "cmarkgfm": {"feeds.normalize.markdown"},
          "yaml": {"feeds.sources.frontmatter", "feeds.sources.plainyaml",
                   "feeds.cli"},  # cli writes `feeds new`
          "isal": {"feeds.library.reading", "feeds.library.bodies",  # packed texts, bodies
                   "feeds.web.delivery"},  # gzip
          "sqlite3": {"feeds.library.index"},
          "feedparser": {"feeds.importing.feed"},
          "mutagen": {"feeds.sources.probe"}, "PIL": {"feeds.sources.probe"}}


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


def test_the_lowest_modules_of_a_stage_use_none_of_ours() -> None:
    modules = _modules()
    for name, allowed in INSIDE.items():
        ours = {i for i in modules[name] if i.startswith("feeds.")}
        assert ours <= allowed, f"{name} may not import {sorted(ours - allowed)}"


def test_libraries_have_one_owner() -> None:
    for name, imports in _modules().items():
        for library, owners in OWNERS.items():
            uses = any(i == library or i.startswith(library + ".") for i in imports)
            assert not uses or name in owners, f"{name} imports {library}"


def _loaded(modules: str, libraries: tuple[str, ...]) -> list[str]:
    """Which of `libraries` importing `modules` loads, in a fresh interpreter."""
    code = f"import sys, {modules}; print(sorted(m for m in {libraries!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    return list(ast.literal_eval(result.stdout.strip()))


def test_the_pure_layers_load_neither_flask_nor_feedgen() -> None:
    assert _loaded("feeds.normalize.post, feeds.library, feeds.normalize.body",
                   ("flask", "feedgen", "gunicorn", "werkzeug")) == []


def test_the_web_modules_outside_the_edge_load_no_flask() -> None:
    """What the fast path and the workers' setup need runs without flask loaded."""
    assert _loaded("feeds.web.served, feeds.web.delivery, feeds.web.notify, "
                   "feeds.web.process, feeds.web.websub", ("flask", "werkzeug")) == []
