"""CI: eleven real feed readers read every feed of two blogs the way the documents say.

Runs `client-matrix --strict --site` (the tool beside the repository, in
`../shared/tools/client-matrix`, installed by its own `setup` into `.ci/clients`)
against a real `feeds serve` of the sample blog (`posts/`) and of a blog made by
`../shared/bench/make_corpus.py`. Every document must pass, except for the
disagreements that no valid markup avoids: those are the rows of the README's
"What no valid markup avoids" table (client, version, format, field), and only
they are let through. A row whose version is not the installed one fails the run
too, so the table is re-checked whenever a client changes.

Usage: python .ci/clients.py  (exit 0: every document agrees or differs only as
the table says; 1 otherwise).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("FEEDS_SHARED", ROOT.parent / "shared"))
TOOL = SHARED / "tools" / "client-matrix"
CORPUS = SHARED / "bench" / "make_corpus.py"
HOME = ROOT / ".ci" / "clients"
TABLE_HEADING = "What no valid markup avoids"
LINE = re.compile(r"^FAIL (\S+)(?: \(prev-archive\))? \[(rss|atom|json), \d+ items\]: "
                  r"\d+ of \d+ clients disagree: (.+)$")
CLIENT = re.compile(r"([\w.@/-]+)\(([\w,]+)\)")
Allowed = set[tuple[str, str, str]]  # (client, format, field)


def allowed(readme: str) -> tuple[Allowed, dict[str, str]]:
    """The README table's (client, format, field) triples and each client's version."""
    section = readme.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    triples: Allowed = set()
    versions: dict[str, str] = {}
    for row in section.splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] in ("client", "---") or not cells[3].startswith("`"):
            continue
        client, version, formats, field = cells[0], cells[1], cells[2], cells[3].strip("`")
        versions[client] = version
        for kind in (f.strip().lower() for f in formats.split(",")):
            triples.add((client, {"json feed": "json"}.get(kind, kind), field))
    return triples, versions


def judge(output: str, permitted: Allowed) -> list[str]:
    """What in client-matrix's --site output is not a permitted disagreement."""
    wrong = [line for line in output.splitlines()
             if line.startswith(("FAIL", "SKIP")) and not _permitted(line, permitted)]
    if not re.search(r"^client-matrix: \d+ passed", output, re.M):
        wrong.append("client-matrix printed no summary line")
    return wrong


def _permitted(line: str, permitted: Allowed) -> bool:
    match = LINE.match(line)
    if match is None or "document:" in line:
        return False
    _, kind, what = match.groups()
    found = CLIENT.findall(what)
    if ", ".join(f"{name}({fields})" for name, fields in found) != what:
        return False  # a reason instead of fields, or a shape this script does not know
    return all((name, kind, field) in permitted
               for name, fields in found for field in fields.split(","))


def stale_versions(versions: dict[str, str], installed: str) -> list[str]:
    """Table rows whose version is not the one `client-matrix --versions` reports."""
    return [f"README lists {client} {version}; installed: "
            f"{_installed(installed, client) or 'not found'}"
            for client, version in versions.items()
            for one, number in zip(client.split(", "), version.split(", "), strict=False)
            if _installed(installed, one) != number]


def _installed(listing: str, client: str) -> str | None:
    match = re.search(rf"^\s*{re.escape(client)}\s+(\S+)", listing, re.M)
    return match.group(1) if match and match.group(1) != "NOT" else None  # NOT INSTALLED


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(posts: Path, cache: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real `feeds serve` of `posts` on a free loopback port, once it answers."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDS_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "feeds", "serve", "--posts", str(posts), "--port", str(port),
         "--base-url", base, "--cache", str(cache)], env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(base + "healthz", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"feeds serve of {posts} did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    """End the server this script started, and its workers (its own process group)."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def matrix(posts: Path, cache: Path, env: dict[str, str]) -> str:
    """client-matrix's --site output for a served blog."""
    process, base = serve(posts, cache)
    try:
        return subprocess.run([str(TOOL / "client-matrix"), "--strict", "--site", base, "-v"],
                              env=env, capture_output=True, text=True, timeout=900,
                              check=False).stdout
    finally:
        stop(process)


def main() -> int:
    """Install the clients, read both blogs, and say what is not as the table says."""
    if not TOOL.is_dir() or not CORPUS.is_file():
        print(f"clients: {TOOL} or {CORPUS} is missing", file=sys.stderr)
        return 1
    env = {**os.environ, "CLIENT_MATRIX_HOME": str(HOME)}
    subprocess.run([str(TOOL / "setup")], env=env, check=True, stdout=subprocess.DEVNULL)
    permitted, versions = allowed((ROOT / "README.md").read_text(encoding="utf-8"))
    installed = subprocess.run([str(TOOL / "client-matrix"), "--versions"], env=env,
                               capture_output=True, text=True, check=False).stdout
    problems = stale_versions(versions, installed)
    if _installed(installed, "newsboat") is None:  # --strict lets only newsboat be missing
        problems.append("newsboat is not installed")
    with tempfile.TemporaryDirectory(prefix="feeds-clients-") as scratch:
        made = Path(scratch) / "made"
        subprocess.run([sys.executable, str(CORPUS), "-n", "40", "-o", str(made)], check=True,
                       stdout=subprocess.DEVNULL)
        for name, posts in (("sample blog", ROOT / "posts"), ("generated blog", made / "posts")):
            output = matrix(posts, Path(scratch) / f"cache-{name[0]}", env)
            print(f"## {name}\n{output}")
            problems += [f"{name}: {line}" for line in judge(output, permitted)]
    for problem in problems:
        print(f"clients: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
