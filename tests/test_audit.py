"""No file outside the posts folder is ever opened for the blog (docs/reference.md §2, §6.2).

A child process records every `open` audit event while it loads a blog full of
links pointing out of the folder and serves every address, path tricks
included; the test fails if any opened file lies outside the posts folder and
outside what Python itself needs (its libraries, our package, time zone data,
the server's private run folder).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import write_posts

SCRIPT = r"""
import json, sys
from pathlib import Path
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                 if event == "open" and isinstance(args[0], (str, bytes, Path)) else None)
from feeds.library import Options
from feeds.library.shared import Shared
from feeds.web.app import create_app
posts, run = Path(sys.argv[1]), Path(sys.argv[2])
app = create_app(Options(posts), shared=Shared.create(run), start=False)
client = app.test_client()
state = app.extensions["feeds"]
paths = ["/" + p for p in state.served().site.addresses()]
paths += ["/files/secret.md", "/files/out/secret.md", "/files/../outside/secret.md",
          "/files/%2e%2e/outside/secret.md", "/files/..%2Foutside%2Fsecret.md",
          "/files//etc/passwd", "/files/images/pic.png", "/files/pic-link.png",
          "/posts/..%2F..%2Foutside/", "/files/" + "a" * 5000, "/files/a%00b"]
statuses = {}
for path in paths:
    response = client.get(path)
    statuses[path] = response.status_code
    response.close()
state.live.reload()
print(json.dumps({"opened": opened, "statuses": statuses}))
"""


def test_nothing_outside_the_posts_folder_is_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("---\ntitle: Secret\n---\nDo not read.\n")
    (outside / "pic.png").write_bytes(b"\x89PNG secret")
    posts = write_posts(tmp_path / "posts", {
        "2024-01-01-a.md": "---\ntitle: A\n---\n![p](images/pic.png) [s](../outside/secret.md)\n",
        "images/pic.png": b"\x89PNG\r\n",
    })
    os.symlink(outside / "secret.md", posts / "secret.md")
    os.symlink(outside, posts / "out")
    os.symlink(outside / "pic.png", posts / "pic-link.png")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(posts), str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=120, check=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["statuses"]["/files/images/pic.png"] == 200
    assert all(status == 404 for path, status in report["statuses"].items()
               if "secret" in path or "outside" in path or "pic-link" in path
               or path.startswith(("/files//", "/files/aaa", "/files/a%00")))
    allowed = [Path(p).resolve() for p in (sys.prefix, sys.base_prefix, tmp_path / "run",
                                           Path(__file__).parent.parent / "feeds")]
    allowed += [Path(p).resolve() for p in sys.path if p]
    allowed += [Path("/usr/share/zoneinfo"), Path("/usr/lib/python3/dist-packages")]
    real_posts = posts.resolve()
    for name in report["opened"]:
        path = Path(name).resolve()
        if path == real_posts or real_posts in path.parents:
            continue
        assert any(path == a or a in path.parents for a in allowed), f"opened {path}"
        assert outside.resolve() not in path.parents, f"opened {path}"
    assert any(str(real_posts) in name for name in report["opened"])  # the hook saw our reads
