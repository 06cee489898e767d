"""Keep a replaced model's records beside its successor's in the committed result files.

When a new checkpoint is installed, the result files' ``shipped`` records are rerun and so
replaced.  This copies the records an engine had in a file at an earlier commit (read with
``git show REV:PATH``) into the current file under another engine name, replacing records
of that name with the same target and user, so the tables list the previous model beside
the current one and nothing is lost from the working tree::

    python bench/keep_previous.py --rev bb2d798 --engine shipped --name shipped-previous \
        bench/results/realdata_cpu.json bench/results/fresh_mr_cpu.json ...

Files are lists of records or ``{"records": [...], ...}`` (both kinds are kept as they are);
each is rewritten atomically.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from realdata import ROOT, records_of, replace_records  # bench/ is on sys.path as a script


def records_at(rev: str, path: Path) -> list[dict]:
    """The records of ``path`` (relative to the repository) at commit ``rev``."""
    rel = path.resolve().relative_to(ROOT)
    text = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{rel.as_posix()}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return records_of(json.loads(text))


def keep(path: Path, old: list[dict], *, engine: str, name: str) -> int:
    """Add ``old``'s ``engine`` records to ``path`` as ``name``; returns how many."""
    from reference_impl.evaluation.output import write_text

    d = json.loads(path.read_text())
    recs = records_of(d)
    add = [{**r, "engine": name} for r in old if r["engine"] == engine]
    recs[:] = replace_records(recs, add)
    write_text(path, json.dumps(d, indent=1) + "\n")
    return len(add)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("files", nargs="+", type=Path)
    p.add_argument("--rev", required=True, help="the commit whose records are kept")
    p.add_argument("--engine", default="shipped", help="the engine whose records are kept")
    p.add_argument("--name", required=True, help="the engine name they are kept under")
    args = p.parse_args(argv)
    if args.name == args.engine:
        p.error("--name must differ from --engine (the current records keep that name)")
    for f in args.files:
        if not f.is_file():
            p.error(f"{f}: no such file")
    olds = []  # every file is read, at the commit and now, before any is written
    for f in args.files:
        try:
            olds.append(records_at(args.rev, f))
            json.loads(f.read_text())
        except subprocess.CalledProcessError as exc:
            p.error(f"{f} at {args.rev}: {exc.stderr.strip()}")
        except ValueError as exc:  # outside the repository, or not JSON
            p.error(f"{f}: {exc}")
    for f, old in zip(args.files, olds, strict=True):
        print(
            f"{f}: kept {keep(f, old, engine=args.engine, name=args.name)} records as {args.name}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
