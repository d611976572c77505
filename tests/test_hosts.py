"""The export on every host (docs/deploy.md, "Static export on every host"): the
sample blog built with `feeds build --host H` and served by the real nginx, Apache,
Caddy and lighttpd (and `python -m http.server` for a plain build) on 127.0.0.1;
every feed gets its own type, passes check-feed (when FEEDS_CHECK_FEED names it),
and a crawl from the home page finds no broken link. The hosts that cannot run here
are tested by the rules they document."""

from __future__ import annotations

import gzip
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest
from conftest import SAMPLE, free_port, wait_until
from lxml import etree, html

from feeds.export.build import file_for
from feeds.export.hosts import HOSTS, NAMED, content_type
from feeds.export.tree import JOURNAL, digest
from feeds.render.pages import CONTENT_SECURITY_POLICY

CHECK_FEED = os.environ.get("FEEDS_CHECK_FEED")  # e.g. check-feed (W3C validator and more)
APACHE_MODULES = Path("/usr/lib/apache2/modules")
PRIVATE = (".feeds-build.json", ".feeds-build.lock")
Starter = Callable[[Path, Path, int], list[str]]


def _build(out: Path, base: str, host: str | None, tmp: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp / "cache")
    subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(SAMPLE),
                    "--base-url", base, *(["--host", host] if host else []), str(out)],
                   check=True, timeout=120, env=env, capture_output=True)
    for folder in (*[p for p in out.parents if Path("/tmp") in p.parents], out,
                   *[p for p in out.rglob("*") if p.is_dir()]):
        folder.chmod(0o755)  # the servers' workers run as an unprivileged user


def _nginx(out: Path, tmp: Path, port: int) -> list[str]:
    block = (out / ".nginx.conf").read_text().replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = " ".join(f"{kind}_temp_path {tmp};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (tmp / "nginx.conf").write_text(
        f"pid {tmp}/nginx.pid; error_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n{block}\n}}\n")
    return ["nginx", "-c", str(tmp / "nginx.conf"), "-g", "daemon off;"]


def _apache(out: Path, tmp: Path, port: int) -> list[str]:
    modules = "".join(f"LoadModule {name}_module {APACHE_MODULES}/mod_{name}.so\n" for name in
                      ("mpm_event", "authz_core", "mime", "headers", "dir"))
    (tmp / "apache.conf").write_text(
        f"{modules}ServerName 127.0.0.1\nListen 127.0.0.1:{port}\nPidFile {tmp}/apache.pid\n"
        f"DefaultRuntimeDir {tmp}\nErrorLog {tmp}/error.log\nUser www-data\nGroup www-data\n"
        f"TypesConfig /etc/mime.types\nDocumentRoot {out}\n"
        f"<Directory {out}>\n  AllowOverride All\n  Require all granted\n</Directory>\n")
    return ["apache2", "-f", str(tmp / "apache.conf"), "-DFOREGROUND"]


def _caddy(out: Path, tmp: Path, port: int) -> list[str]:
    (tmp / "Caddyfile").write_text("{\n  admin off\n  auto_https off\n}\n"
                                   f"http://127.0.0.1:{port} {{\n  import {out}/.Caddyfile\n}}\n")
    return ["caddy", "run", "--config", str(tmp / "Caddyfile"), "--adapter", "caddyfile"]


def _lighttpd(out: Path, tmp: Path, port: int) -> list[str]:
    (tmp / "lighttpd.conf").write_text(
        f'server.bind = "127.0.0.1"\nserver.port = {port}\n'
        f'server.errorlog = "{tmp}/error.log"\ninclude "{out}/.lighttpd.conf"\n')
    return ["lighttpd", "-D", "-f", str(tmp / "lighttpd.conf")]


def _python(out: Path, tmp: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
            str(out), str(port)]


SERVERS: dict[str, tuple[str | None, Starter]] = {
    "nginx": ("nginx", _nginx), "apache2": ("apache", _apache), "caddy": ("caddy", _caddy),
    "lighttpd": ("lighttpd", _lighttpd), "python": (None, _python),
}


def _installed(program: str) -> bool:
    return program == "python" or shutil.which(program) is not None \
        or Path("/usr/sbin", program).exists()


def _get(url: str) -> tuple[int, str, bytes]:
    """Status (after redirects), content type and body of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), b""


@pytest.fixture(params=list(SERVERS))
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """(server name, base URL, OUT) of the sample export served by a real server."""
    name = request.param
    if not _installed(name) and not os.environ.get("CI"):
        pytest.skip(f"{name} is not installed")
    host, starter = SERVERS[name]
    port, out = free_port(), tmp_path / "out"
    base = f"http://127.0.0.1:{port}/"
    _build(out, base, host, tmp_path)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    process = subprocess.Popen(starter(out, tmp_path, port), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env=env)
    try:
        wait_until(lambda: process.poll() is not None or _up(base), 15, f"{name} listening")
        assert process.poll() is None, (tmp_path / "error.log").read_text() \
            if (tmp_path / "error.log").exists() else f"{name} exited"
        yield name, base, out
    finally:
        process.terminate()
        process.wait(timeout=10)


def _up(base: str) -> bool:
    try:
        _get(base)
    except OSError:
        return False
    return True


def _feeds(base: str) -> list[str]:
    """Every feed address feeds.opml lists, as served."""
    status, _, body = _get(base + "feeds.opml")
    assert status == 200
    return sorted({str(o.get("xmlUrl")) for o in etree.fromstring(body).iter("outline")
                   if o.get("xmlUrl")})


def _expected(server: str, name: str) -> str:
    """The type a feed or page must have: ours on a configured host; Python's table's
    for `python -m http.server`."""
    if server == "python":
        return mimetypes.guess_type(name)[0] or "application/octet-stream"
    return content_type(name)


def _same(sent: str, wanted: str) -> bool:
    return sent.replace(" ", "").lower() == wanted.replace(" ", "").lower()


def test_every_feed_has_its_own_type(served: tuple[str, str, Path]) -> None:
    server, base, _ = served
    feeds = _feeds(base)
    assert len(feeds) >= 30
    for url in [*feeds, base + "feeds.opml", base + "feed.xsl", base + "about.json"]:
        status, sent, _ = _get(url)
        assert status == 200 and _same(sent, _expected(server, url)), (url, sent)


def test_the_build_files_are_private(served: tuple[str, str, Path]) -> None:
    server, base, out = served
    for private in PRIVATE:
        assert (out / private).exists()
        if server != "python":  # http.server sends every file: no host for the public
            assert _get(base + private)[0] in (403, 404), private


def crawl(base: str) -> tuple[int, int, list[str]]:
    """Pages, links and broken links of the site under `base`, from its home page."""
    seen, queue, links, broken = {base}, [base], 0, []
    while queue:
        url = queue.pop()
        status, sent, body = _get(url)
        if status != 200:
            broken.append(url)
            continue
        if not sent.startswith("text/html"):
            continue
        for _, _, link, _ in html.fromstring(body, base_url=url).iterlinks():
            target = urldefrag(urljoin(url, link))[0]
            links += 1
            if target.startswith(base) and target not in seen:
                seen.add(target)
                queue.append(target)
    return len(seen), links, broken


def test_a_crawl_finds_no_broken_link(served: tuple[str, str, Path]) -> None:
    server, base, _ = served
    pages, links, broken = crawl(base)
    print(f"{server}: {pages} addresses, {links} links, {len(broken)} broken")
    assert pages > 60 and broken == []
    assert _get(base + "about")[0] == 200  # a redirect to about/, on every server


@pytest.mark.skipif(not CHECK_FEED, reason="FEEDS_CHECK_FEED names no check-feed tool")
def test_the_served_feeds_pass_check_feed(served: tuple[str, str, Path]) -> None:
    _, base, _ = served
    for name, kind in (("rss.xml", "rss"), ("atom.xml", "atom"), ("feed.json", "json")):
        result = subprocess.run([str(CHECK_FEED), "--strict", "--kind", kind, base + name],
                                capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0 and "0 failed" in result.stdout, result.stdout


def test_netlify_and_cloudflare_headers_give_every_feed_its_type(tmp_path: Path) -> None:
    for host in ("netlify", "cloudflare"):
        out = tmp_path / host
        _build(out, "https://blog.example.org/", host, tmp_path)
        rules = _header_rules((out / "_headers").read_text())
        assert rules["/*"]["Cache-Control"] == "public, max-age=300"
        feeds = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.name in NAMED]
        assert len(feeds) >= 30 and not list(out.rglob("*.gz"))
        for name in feeds:
            assert rules["/" + name]["Content-Type"] == NAMED[Path(name).name], name


def _header_rules(text: str) -> dict[str, dict[str, str]]:
    """Netlify's `_headers` as its documentation reads it: a path, then indented
    `Name: value` lines."""
    rules: dict[str, dict[str, str]] = {}
    path = ""
    for line in text.splitlines():
        if line and not line[0].isspace():
            path = line.strip()
            rules[path] = {}
        elif line.strip():
            key, _, value = line.strip().partition(":")
            rules[path][key] = value.strip()
    return rules


def test_github_pages_gets_no_jekyll_and_types_from_the_extensions(tmp_path: Path) -> None:
    out = tmp_path / "github"
    _build(out, "https://blog.example.org/", "github", tmp_path)
    assert (out / ".nojekyll").exists() and not list(out.rglob("*.gz"))
    assert (out / "about" / "index.html").is_file() and not (out / "about").is_file()
    # GitHub Pages types files by extension (mime-db): the feeds' are XML and JSON ones
    for name in ("rss.xml", "atom.xml", "feed.json", "about.json", "feed.xsl"):
        assert mimetypes.guess_type(name)[0] in ("application/xml", "text/xml",
                                                 "application/json", "application/xslt+xml")


def test_s3_uploads_every_file_with_its_type(tmp_path: Path) -> None:
    out = tmp_path / "s3"
    _build(out, "https://blog.example.org/", "s3", tmp_path)
    script = (out / ".s3-upload.sh").read_text()
    files = [p.relative_to(out).as_posix() for p in out.rglob("*")
             if p.is_file() and not p.name.startswith(".")]
    for name in files:
        assert f"aws s3 cp '{name}' \"$1/{name}\" --content-type '{content_type(name)}'" \
            in script, name
    assert mimetypes.guess_type("feeds.opml")[0] is None  # why `aws s3 sync` will not do


def test_every_host_is_offered() -> None:
    assert set(HOSTS) == {"github", "netlify", "cloudflare", "s3", "apache", "nginx",
                          "caddy", "lighttpd"}


def test_a_rebuild_moves_about_into_its_folder_and_drops_another_hosts_files(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    _build(out, "https://blog.example.org/", "nginx", tmp_path)
    assert (out / ".nginx.conf").exists() and list(out.rglob("*.gz"))
    # as an older build left it: `about` a file, recorded in the journal
    shutil.rmtree(out / "about")
    (out / "about").write_bytes(b"the old page")
    (out / JOURNAL).write_text(json.dumps(["about", digest(b"the old page")]) + "\n")
    _build(out, "https://blog.example.org/", "github", tmp_path)
    assert (out / "about" / "index.html").is_file() and (out / ".nojekyll").exists()
    assert not (out / ".nginx.conf").exists() and not list(out.rglob("*.gz"))


def _fetch(url: str, headers: dict[str, str]) -> tuple[int, Message, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                    timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("served", ["nginx", "caddy"], indirect=True)
def test_the_gz_twins_are_sent_byte_for_byte(served: tuple[str, str, Path]) -> None:
    _, base, out = served
    for path in ("", "about/", "posts/fog-week/", "rss.xml", "tags/weather/atom.xml"):
        status, _, body = _fetch(base + path, {})
        assert status == 200 and body == (out / file_for(path)).read_bytes(), path
        status, headers, body = _fetch(base + path, {"Accept-Encoding": "gzip"})
        assert headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(body) == (out / file_for(path)).read_bytes(), path


@pytest.mark.parametrize("served", ["nginx"], indirect=True)
def test_nginx_sends_the_pages_policy_and_sandboxes_the_files(
        served: tuple[str, str, Path]) -> None:
    _, base, out = served
    for page in ("", "about/", "posts/fog-week/", "rss.html"):
        assert _fetch(base + page, {})[1]["Content-Security-Policy"] == \
            CONTENT_SECURITY_POLICY, page
    assert _fetch(base + "rss.xml", {})[1]["Content-Security-Policy"] is None
    assert "sandbox" in _fetch(base + "files/images/logo.png", {})[1]["Content-Security-Policy"]
    (out / "posts" / ".index.html.feeds-tmp").write_text("half\n")  # as a killed build leaves
    assert _fetch(base + "posts/.index.html.feeds-tmp", {})[0] == 404
    assert _fetch(base + "nope", {})[0] == 404
