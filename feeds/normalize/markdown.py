"""Markdown to HTML with cmark-gfm, without leaking what cmark allocates.

cmarkgfm's `markdown_to_html_with_extensions` (2025.10.22) frees the parser
but neither the document tree nor the rendered string: a server leaked about
18 MB per 60 KB body, and 4 MB per ordinary 100 KB one, for as long as it ran
(tests/test_content.py pins it). Its own low-level calls are used here in the
same order, and the tree and the string are handed back to cmark's allocator
(the C library's `free`), which cmarkgfm's compiled module does not expose to
Python: ctypes reaches the same symbols.
"""

from __future__ import annotations

import ctypes
from typing import Any

from cmarkgfm import _cmark, cmark

# Raw HTML passes cmark (nh3 sanitises after); source positions locate a problem.
UNSAFE: int = cmark.Options.CMARK_OPT_UNSAFE
SOURCEPOS: int = cmark.Options.CMARK_OPT_SOURCEPOS
_LIB = ctypes.CDLL(_cmark.__file__)
_LIB.cmark_node_free.argtypes = [ctypes.c_void_p]
_LIB.cmark_node_free.restype = None
_FREE = ctypes.CDLL(None).free  # cmark's default allocator is the C library's
_FREE.argtypes = [ctypes.c_void_p]
_FREE.restype = None


def to_html(text: str, options: int, extensions: list[str]) -> str:
    """`text` rendered by cmark-gfm with `options` and the named extensions."""
    cmark.core_extensions_ensure_registered()
    found = [cmark.find_syntax_extension(name) for name in extensions]
    parser = cmark.parser_new(options=options)
    try:
        for extension in found:
            cmark.parser_attach_syntax_extension(parser, extension)
        cmark.parser_feed(parser, text)
        root = cmark.parser_finish(parser)  # the caller's to free, not the parser's
        try:
            return _render(root, options, cmark.parser_get_syntax_extensions(parser))
        finally:
            _LIB.cmark_node_free(_address(root))
    finally:
        cmark.parser_free(parser)


def _render(root: Any, options: int, extensions: Any) -> str:
    raw = _cmark.lib.cmark_render_html(root, options, extensions)
    try:
        return str(_cmark.ffi.string(raw).decode("utf-8"))
    finally:
        _FREE(_address(raw))


def _address(pointer: Any) -> int:
    return int(_cmark.ffi.cast("uintptr_t", pointer))
