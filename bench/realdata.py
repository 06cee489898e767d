"""Held-out real-data benchmark: every engine beside the classical baselines (issue 11).

Targets: the bundled CT's evaluation organs and the three lesion volumes of
:mod:`reference_impl.evaluation.split` (never trained on).  Users R1 and R4, 10 rounds,
engines ``shipped`` (when registered), ``random-walker``, ``geodesic``, ``ball-floor``.
The runs go through :func:`reference_impl.evaluation.evaluate`, the code path of
``iseg evaluate``.  Writes ``bench/results/realdata_cpu.json`` (a list of records
``{"target", "user", "engine", "dice": [Dice after 0..10 rounds], "auc", "click_s", ...}``),
rewritten after every record, and the summary tables into ``docs/evaluation.md``
between the ``realdata-table`` markers.  One command::

    python bench/realdata.py                       # shipped + any baseline without records
    python bench/realdata.py --all                 # everything again (hours on 2 busy cores)
    python bench/realdata.py --engine shipped      # rerun one engine, keep the other records

Without ``--engine``/``--all`` the baselines are rerun only where a record is missing: they
are deterministic (no training, seeded users) and change only with
``reference_impl/engines/classical.py``; the ``shipped`` model is always rerun.
    python bench/realdata.py --table-only          # only regenerate the docs tables

Two processes may share the work: ``--target ... --out part.json`` each, then
``python bench/realdata.py --merge part1.json part2.json`` (records of the parts replace
those with the same target, engine and user, and the docs tables are regenerated).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "results" / "realdata_cpu.json"
DOC = ROOT / "docs" / "evaluation.md"
BASELINES = ("random-walker", "geodesic", "ball-floor")
USERS = ("R1", "R4")
BEGIN, END = "<!-- realdata-table -->", "<!-- /realdata-table -->"


def targets() -> list:
    """CaseSpecs of the held-out targets (CT organs by name, then the lesions)."""
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.split import EVAL_CT_ORGANS, EVAL_LESIONS
    from reference_impl.io import shared_data_dir

    d = shared_data_dir()
    if d is None:
        raise SystemExit("shared data folder not found; set ISEG_DATA")
    ct = d / "totalsegmentator_example"
    les = d / "pyradiomics_lesions"
    out = [
        CaseSpec(f"ct_{o}", ct / "example_ct_sm.nii.gz", ct / "example_seg.nii.gz", o)
        for o in EVAL_CT_ORGANS
    ]
    out += [
        CaseSpec(f"mr_{n}", les / f"{n}_image.nrrd", les / f"{n}_label.nrrd") for n in EVAL_LESIONS
    ]
    return out


def _write(records: list[dict], out: Path = OUT) -> None:
    from reference_impl.evaluation.output import write_text

    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(records, indent=1) + "\n")


def _key(r: dict) -> tuple[str, str, str]:
    return r["target"], r["engine"], r["user"]


def records_of(d: list | dict) -> list[dict]:
    """The records of a parsed result file: a list of records, or ``{"records": [...], ...}``
    (the list itself, so that changing it changes ``d``)."""
    return d if isinstance(d, list) else d["records"]


def replace_records(old: list[dict], new: list[dict]) -> list[dict]:
    """``old``'s records, those of the same target, engine and user as one of ``new``'s
    replaced: ``new``'s are appended (the merge of every result file under ``bench/``)."""
    keys = {_key(r) for r in new}
    return [r for r in old if _key(r) not in keys] + list(new)


def tables(records: list[dict]) -> str:
    """Markdown: the summary per engine and user, then Dice@10 per target (R1, R4)."""
    import numpy as np

    from reference_impl.evaluation.harness import format_table, summarize

    rows = summarize(records)
    out = [format_table(rows), ""]
    out.append(
        "Share of rounds whose positive clicks all lie inside the engine's own final "
        "mask (before the session's click rule):"
    )
    out.append("")
    out.append("| engine | user | rounds | inside |")
    out.append("|---|---|---|---|")
    for eng, user in sorted({(r["engine"], r["user"]) for r in records}):
        rs = [r for r in records if r["engine"] == eng and r["user"] == user]
        n = sum(r["rounds_with_positive"] for r in rs)
        k = sum(
            round(r["pos_inside_final"] * r["rounds_with_positive"])
            for r in rs
            if r["pos_inside_final"] is not None
        )
        out.append(
            f"| {eng} | {user} | {n} | {k / n:.1%} |" if n else f"| {eng} | {user} | 0 | - |"
        )
    engines = sorted({r["engine"] for r in records})
    names = list(dict.fromkeys(r["target"] for r in records))
    for user in sorted({r["user"] for r in records}):
        out += [
            "",
            f"Dice@10 per target, {user}:",
            "",
            "| target | " + " | ".join(engines) + " |",
            "|---|" + "---|" * len(engines),
        ]
        for t in names:
            cells = []
            for e in engines:
                r = next(
                    (r for r in records if (r["target"], r["engine"], r["user"]) == (t, e, user)),
                    None,
                )
                cells.append("-" if r is None else f"{r['dice'][-1]:.3f}")
            out.append(f"| {t} | " + " | ".join(cells) + " |")
        means = [
            np.mean([r["dice"][-1] for r in records if r["engine"] == e and r["user"] == user])
            for e in engines
        ]
        out.append("| **mean** | " + " | ".join(f"**{m:.3f}**" for m in means) + " |")
    return "\n".join(out)


def write_section(begin: str, end: str, body: str) -> None:
    """Replace the text between the markers ``begin`` and ``end`` of docs/evaluation.md by
    ``body`` (atomically); the other benchmarks' sections are left as they are."""
    from reference_impl.evaluation.output import write_text

    text = DOC.read_text() if DOC.exists() else f"{begin}\n{end}\n"
    if begin not in text or end not in text:
        raise SystemExit(f"{DOC}: markers {begin} / {end} not found")
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    write_text(DOC, f"{head}{begin}\n{body}\n{end}{tail}")


def update_doc(records: list[dict]) -> None:
    """Replace the text between the markers of docs/evaluation.md by :func:`tables`."""
    write_section(BEGIN, END, tables(records))


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--engine",
        action="append",
        default=None,
        help="default: shipped (if registered) and the baselines that lack records; repeatable",
    )
    p.add_argument("--user", action="append", default=None, help="default R1 and R4")
    p.add_argument("--target", action="append", default=None, help="e.g. ct_spleen; repeatable")
    p.add_argument("--rounds", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--all", action="store_true", help="rerun the baselines too")
    p.add_argument(
        "--checkpoint",
        type=Path,
        default=None,
        help="another click-model checkpoint for the shipped engine (with --out elsewhere)",
    )
    p.add_argument("--table-only", action="store_true")
    p.add_argument("--out", type=Path, default=OUT, help=f"default {OUT.relative_to(ROOT)}")
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        default=None,
        help="merge these record files into --out and regenerate the tables",
    )
    args = p.parse_args(argv)
    if args.checkpoint is not None and args.out == OUT:
        p.error("--checkpoint needs --out: the records are not the shipped model's")
    if args.checkpoint is not None and not args.checkpoint.is_file():
        p.error(f"--checkpoint {args.checkpoint}: no such file")

    out = args.out
    old = json.loads(out.read_text()) if out.exists() else []
    if args.merge:
        old = replace_records(old, [r for f in args.merge for r in json.loads(f.read_text())])
        _write(old, out)
        args.table_only = True
    if args.table_only:
        update_doc(old)
        print(tables(old))
        return 0
    from reference_impl.engines import available_engines
    from reference_impl.evaluation.harness import evaluate, load_cases

    known = available_engines()
    users = args.user or list(USERS)
    specs = [s for s in targets() if not args.target or s.name in args.target]
    if not specs:
        raise SystemExit(f"no target among {args.target}")
    have = {_key(r) for r in old}
    engines = args.engine or [e for e in ("shipped",) if e in known] + [
        e
        for e in BASELINES
        if args.all or any((s.name, e, u) not in have for s in specs for u in users)
    ]
    if not engines:
        print(
            "every baseline record exists and no 'shipped' engine is registered; "
            "use --all or --engine",
            file=sys.stderr,
        )
    cases = load_cases(specs)
    done = {(s.name, e, u) for s in specs for e in engines for u in users}
    records = [r for r in old if _key(r) not in done]
    machine = {
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "omp_threads": os.environ.get("OMP_NUM_THREADS"),
    }

    def keep(res) -> None:
        rec = {**res.record, **machine}
        records.append(rec)
        _write(records, out)
        print(
            f"{rec['target']:>16} {rec['engine']:>14} {rec['user']}: Dice@{args.rounds} "
            f"{rec['dice'][-1]:.3f}  {rec['click_s'] or 0:.2f} s/click",
            flush=True,
        )

    t0 = time.time()
    options = {} if args.checkpoint is None else {"shipped": {"checkpoint": args.checkpoint}}
    evaluate(
        cases,
        engines,
        users,
        rounds=args.rounds,
        seed=args.seed,
        engine_options=options,
        on_result=keep,
    )
    if out != OUT:
        print(f"wrote {out}; merge it with --merge", file=sys.stderr)
        return 0
    update_doc(records)
    print(tables(records))
    print(f"wrote {out} and {DOC} ({time.time() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
