"""What a static host serves at an old address (docs/reference.md §6.5): a page that
sends browsers and crawlers on to the post's page, and the `_redirects` file of
Netlify and Cloudflare Pages, which answer with a real 301."""

from __future__ import annotations

import html
from collections.abc import Iterable
from urllib.parse import quote

from feeds.model import Post


def redirect_page(post: Post) -> bytes:
    """An HTML page at an old address: refresh at once to the post's page, which is
    also its canonical address (search engines move their entry), and a link."""
    url, title = html.escape(post.url), html.escape(post.title)
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n"
            f'<link rel="canonical" href="{url}">\n'
            f'<meta http-equiv="refresh" content="0; url={url}">\n'
            f'<meta name="robots" content="noindex">\n</head>\n<body>\n'
            f'<p>This post has moved to <a href="{url}">{url}</a>.</p>\n'
            "</body>\n</html>\n").encode()


def redirects_file(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Netlify's and Cloudflare Pages' `_redirects`: `/old /new 301`, one a line. The
    old path is percent-encoded: a space would end it, `:` and `*` are placeholders."""
    lines = [f"/{quote(old, safe='/')} /{new} 301" for old, new in pairs]
    return ("".join(line + "\n" for line in lines)).encode()
