"""Assemble the corpus data set from local git mirrors of the sampled repositories.

The sampled posts are never committed (tests/corpus/README.md, "Where the data lives");
this script rebuilds them from what is committed: each folder's PROVENANCE.md names the
repository, the snapshot commit and every sampled path with its git blob id. For each path
the blob at that commit is read with `git cat-file`, its id checked against PROVENANCE.md,
and written byte for byte to OUT/<folder>/<original path>.

    python tests/corpus/assemble.py --mirrors /work/.mirror --out /work/corpus-data

A mirror is the bare git directory MIRRORS/<owner>+<name>/repo (or MIRRORS/<owner>+<name>).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_RE = re.compile(r"^- Repository: https://github\.com/([^/\s]+/[^/\s]+?)/?$", re.M)
COMMIT_RE = re.compile(r"^- Snapshot commit: `([0-9a-f]{40})`", re.M)
ROW_RE = re.compile(r"^\| `([^`]+)` \| (\d+) \| `([0-9a-f]{40})` \|$", re.M)


@dataclass(frozen=True)
class Sample:
    """One sampled file: where it is in the repository and which blob it must be."""

    path: str
    size: int
    blob: str


@dataclass(frozen=True)
class Provenance:
    """What one corpus folder's PROVENANCE.md says about its source."""

    folder: str
    repository: str
    commit: str
    samples: tuple[Sample, ...]


def read_provenance(folder: Path) -> Provenance:
    """Parse the repository, commit and sampled-files table of folder/PROVENANCE.md."""
    text = (folder / "PROVENANCE.md").read_text(encoding="utf-8")
    repo, commit = REPO_RE.search(text), COMMIT_RE.search(text)
    if repo is None or commit is None:
        raise SystemExit(f"{folder}/PROVENANCE.md: no Repository or Snapshot commit line")
    rows = tuple(Sample(p, int(n), b) for p, n, b in ROW_RE.findall(text))
    return Provenance(folder.name, repo.group(1), commit.group(1), rows)


def mirror_of(mirrors: Path, repository: str) -> Path:
    """The bare git directory holding repository, as the fetch tool lays mirrors out."""
    base = mirrors / repository.replace("/", "+")
    return base / "repo" if (base / "repo").is_dir() else base


def git(mirror: Path, *args: str) -> bytes:
    """Run one git command against the mirror; its standard output."""
    command = ["git", "--git-dir", str(mirror), *args]
    return subprocess.run(command, check=True, capture_output=True).stdout


def copy_sample(mirror: Path, prov: Provenance, sample: Sample, out: Path) -> None:
    """Write one sample from the mirror after checking its blob id (a path never leaves out)."""
    blob = git(mirror, "rev-parse", f"{prov.commit}:{sample.path}").decode().strip()
    if blob != sample.blob:
        raise SystemExit(f"{prov.folder}: {sample.path}: blob {blob} at {prov.commit}, "
                         f"expected {sample.blob}")
    data = git(mirror, "cat-file", "blob", sample.blob)
    target = (out / prov.folder / sample.path).resolve()
    if not target.is_relative_to(out.resolve() / prov.folder) or len(data) != sample.size:
        raise SystemExit(f"{prov.folder}: {sample.path}: bad path or size")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def assemble(mirrors: Path, out: Path) -> int:
    """Copy every folder's samples; the number of files written."""
    count = 0
    for folder in sorted(p for p in HERE.iterdir() if (p / "PROVENANCE.md").is_file()):
        prov = read_provenance(folder)
        mirror = mirror_of(mirrors, prov.repository)
        for sample in prov.samples:
            copy_sample(mirror, prov, sample, out)
            count += 1
        print(f"{prov.folder}: {len(prov.samples)} files from {prov.repository}@{prov.commit[:8]}")
    return count


def main(argv: list[str]) -> int:
    """Command line: --mirrors DIR --out DIR; touches OUT/READY when every file is in place."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--out", type=Path, default=Path("/work/corpus-data"))
    args = parser.parse_args(argv)
    count = assemble(args.mirrors, args.out)
    (args.out / "READY").touch()
    print(f"{count} files under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
