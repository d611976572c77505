"""`feeds build --host H`: the files each kind of host reads beside the export
(docs/deploy.md, "Static export on every host"): the content type of every feed and
page, cache headers where the host takes them, and whether `.gz` twins help.

Each host's own file comes from one table of names and types, so every host
sends a feed with the type `feeds serve` sends; assets get the type Python's
`mimetypes` gives, as most hosts and uploaders do.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

from feeds.export import HOSTS
from feeds.render.channel import CONTENT_TYPES
from feeds.render.pages import CONTENT_SECURITY_POLICY

__all__ = ["HOSTS", "NAMED", "content_type", "host_files", "keeps_twins"]

# A file of these names has the type `feeds serve` gives it, wherever it lies.
NAMED: dict[str, str] = {
    "rss.xml": CONTENT_TYPES["rss"], "atom.xml": CONTENT_TYPES["atom"],
    "feed.json": CONTENT_TYPES["json"], "about.json": CONTENT_TYPES["about-json"],
    "feeds.opml": CONTENT_TYPES["opml"], "feed.xsl": CONTENT_TYPES["xsl"],
}
HTML = CONTENT_TYPES["html"]
# Hosts that compress by themselves and never send a `.gz` twin in its stead.
_COMPRESSING = frozenset({"github", "netlify", "cloudflare", "s3", "apache", "lighttpd"})


def content_type(name: str) -> str:
    """The type a file of the export is sent with (its path inside OUT)."""
    base = PurePosixPath(name).name
    if base in NAMED:
        return NAMED[base]
    if base.endswith(".html"):
        return HTML
    guessed = mimetypes.guess_type(base, strict=False)[0]
    return guessed or "application/octet-stream"


def keeps_twins(host: str | None) -> bool:
    """Whether the build writes `.gz` twins for this host (None: any server)."""
    return host not in _COMPRESSING


def host_files(host: str, root: str, names: Iterable[str], seconds: int) -> dict[str, bytes]:
    """The files `host` reads, by name inside OUT, for an export at `root` holding
    `names` (the site's files), with `Cache-Control: max-age=seconds`."""
    return {name: text.encode() for name, text in _WRITERS[host](root, sorted(names), seconds)}


def _github(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    # GitHub Pages runs Jekyll unless told not to; Jekyll leaves out `_redirects`.
    return [(".nojekyll", "")]


def _headers(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    """Netlify's and Cloudflare Pages' `_headers`: one rule for every path, then the
    type of each feed and page whose extension alone does not give it."""
    rules = [f"/*\n  X-Content-Type-Options: nosniff\n  Cache-Control: public, max-age={seconds}\n"]
    rules += [f"/{name}\n  Content-Type: {content_type(name)}\n" for name in names
              if PurePosixPath(name).name in NAMED]
    return [("_headers", "".join(rules))]


def _s3(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    """S3 sends the type given at upload: a script that uploads every file with its
    type (`aws s3 sync` guesses from Python's table, which lacks .opml and feeds)."""
    lines = ['#!/bin/sh\n# usage: sh .s3-upload.sh s3://BUCKET  (run in OUT)\nset -eu\n']
    lines += [f"aws s3 cp '{name}' \"$1/{name}\" --content-type '{content_type(name)}' "
              f"--cache-control 'public, max-age={seconds}'\n" for name in names]
    return [(".s3-upload.sh", "".join(lines))]


def _apache(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    files = "".join(f'<Files "{base}">\n  ForceType "{kind}"\n</Files>\n'
                    for base, kind in NAMED.items())
    return [(".htaccess",
             "# feeds build --host apache: needs AllowOverride All (mod_mime, mod_headers)\n"
             "DirectoryIndex index.html\nAddDefaultCharset utf-8\n"
             'AddType "text/html; charset=utf-8" .html\n' + files +
             '<FilesMatch "^\\.">\n  Require all denied\n</FilesMatch>\n'
             "<IfModule mod_headers.c>\n  Header always set X-Content-Type-Options nosniff\n"
             f'  Header set Cache-Control "public, max-age={seconds}"\n</IfModule>\n')]


def _nginx(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    named = "".join(f"    location ~ (^|/){base.replace('.', '[.]')}$ "
                    f"{{ types {{ }} default_type \"{kind}\"; }}\n"
                    for base, kind in NAMED.items())
    return [(".nginx.conf",
             "# feeds build --host nginx: put this in nginx's http block; set listen.\n"
             "map $sent_http_content_type $feeds_page_csp {\n"
             f'    ~^text/html "{CONTENT_SECURITY_POLICY}";\n    default "";\n}}\n'
             f"server {{\n    listen 80;\n    root {root};\n    index index.html;\n"
             "    gzip_static on;\n    charset utf-8;\n    absolute_redirect off;\n"
             "    add_header X-Content-Type-Options nosniff always;\n"
             f'    add_header Cache-Control "public, max-age={seconds}" always;\n'
             '    add_header Vary "Accept-Encoding" always;\n'
             "    add_header Content-Security-Policy $feeds_page_csp always;\n"
             "    location ~ /\\. { return 404; }\n" + named +
             '    location /files/ {\n        add_header X-Content-Type-Options nosniff always;\n'
             "        add_header Content-Security-Policy \"default-src 'none'; sandbox\" always;\n"
             f'        add_header Cache-Control "public, max-age={seconds}" always;\n    }}\n}}\n')]


def _caddy(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    named = "".join(f"@{base.replace('.', '_')} path_regexp (^|/){base.replace('.', '[.]')}$\n"
                    f'header @{base.replace(".", "_")} Content-Type "{kind}"\n'
                    for base, kind in NAMED.items())
    return [(".Caddyfile",
             "# feeds build --host caddy: import this file in a site block\n"
             f"root * {root}\nheader X-Content-Type-Options nosniff\n"
             f'header Cache-Control "public, max-age={seconds}"\n'
             '@html path_regexp (/|[.]html)$\nheader @html Content-Type "' + HTML + '"\n'
             + named + "file_server {\n    precompressed gzip\n    hide .*\n}\n")]


def _lighttpd(root: str, names: list[str], seconds: int) -> list[tuple[str, str]]:
    # lighttpd types by the end of the name: the feeds' whole names first.
    ends = {PurePosixPath(n).suffix for n in names if PurePosixPath(n).suffix} | {".html"}
    types = [*NAMED.items(), *((end, content_type("x" + end)) for end in sorted(ends))]
    assign = ",\n".join(f'  "{end}" => "{kind}"' for end, kind in types)
    return [(".lighttpd.conf",
             "# feeds build --host lighttpd: include this file in lighttpd.conf\n"
             'server.modules += ("mod_access", "mod_setenv")\n'
             f'server.document-root = "{root}"\nindex-file.names = ("index.html")\n'
             f"mimetype.assign = (\n{assign}\n)\n"
             '$HTTP["url"] =~ "/\\." { url.access-deny = ("") }\n'
             'setenv.add-response-header = ("X-Content-Type-Options" => "nosniff",\n'
             f'  "Cache-Control" => "public, max-age={seconds}")\n')]


_WRITERS: dict[str, Callable[[str, list[str], int], list[tuple[str, str]]]] = {
    "github": _github, "netlify": _headers, "cloudflare": _headers, "s3": _s3,
    "apache": _apache, "nginx": _nginx, "caddy": _caddy, "lighttpd": _lighttpd,
}
assert tuple(_WRITERS) == HOSTS, "feeds.export.HOSTS names the hosts of _WRITERS"
