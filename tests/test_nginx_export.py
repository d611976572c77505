"""docs/nginx-export.conf sends the pages' Content-Security-Policy that `feeds
serve` sends, and keeps the build's own files (manifest, journal, lock) private."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE, free_port

from feeds.render.pages import CONTENT_SECURITY_POLICY

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONF = ROOT / "docs" / "nginx-export.conf"


def test_the_conf_carries_the_current_policy() -> None:
    assert f'~^text/html "{CONTENT_SECURITY_POLICY}";' in CONF.read_text()


def _get(url: str) -> tuple[int, Message]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def _nginx(out: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    assert NGINX is not None
    port = free_port()
    block = CONF.read_text().replace("/srv/blog-export", str(out)) \
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = " ".join(f"{kind}_temp_path {tmp};" for kind in
                    ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    conf = tmp / "nginx.conf"
    conf.write_text(f"pid {tmp}/nginx.pid; error_log {tmp}/error.log;\nevents {{}}\n"
                    f"http {{ include /etc/nginx/mime.types; access_log off; {temp}\n"
                    f"{block}\n}}\n")
    process = subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base, deadline = f"http://127.0.0.1:{port}/", time.monotonic() + 10
    while True:
        try:
            _get(base)
            return process, base
        except OSError:
            assert process.poll() is None, (tmp / "error.log").read_text()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.05)


@pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="nginx not installed")
def test_nginx_sends_the_policy_and_hides_the_build_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    env["FEEDS_CACHE"] = str(tmp_path / "cache")
    subprocess.run([sys.executable, "-m", "feeds", "build", "--posts", str(SAMPLE),
                    "--base-url", "http://127.0.0.1:8000/", str(out)], check=True,
                   timeout=120, env=env, capture_output=True)
    (out / ".feeds-build.journal").write_text("[]\n")  # as a killed build leaves it
    (out / "posts" / ".index.html.feeds-tmp").write_text("half\n")
    parents = [p for p in out.parents if p not in (Path("/tmp"), Path("/"))
               and Path("/tmp") in p.parents]
    for folder in (*parents, out, *[p for p in out.rglob("*") if p.is_dir()]):
        folder.chmod(0o755)  # nginx's workers run as an unprivileged user
    process, base = _nginx(out, tmp_path)
    try:
        for page in ("", "about", "posts/fog-week/"):
            status, headers = _get(base + page)
            assert status == 200 and headers["Content-Security-Policy"] == \
                CONTENT_SECURITY_POLICY, page
        status, headers = _get(base + "rss.xml")
        assert status == 200 and headers["Content-Security-Policy"] is None  # feed.xsl loads
        assert re.search("sandbox", _get(base + "files/images/logo.png")[1]
                         ["Content-Security-Policy"])
        for private in (".feeds-build.json", ".feeds-build.lock", ".feeds-build.journal",
                        "posts/.index.html.feeds-tmp"):
            assert (out / private).exists()
            assert _get(base + private)[0] == 404, private
    finally:
        process.terminate()
        process.wait(timeout=10)
