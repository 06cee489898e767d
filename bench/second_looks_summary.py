"""Summary of a rejected click-model candidate's second looks beside the shipped model and the
random walker: ``python bench/second_looks_summary.py [bench/results/prior_norm_second_looks_cpu.json]``.

For each test in the file (held-out table, fresh MR, fresh CTA; a candidate scored on
some of them only, e.g. as validation, shows those) and user: mean Dice@10 of the candidate,
of the shipped model and of the random walker over the same targets, and the candidate's wins
against each (records of the shipped model and the baselines from the tests' own result files).
Prints a Markdown table.  The candidates of docs/swfastedit.md were judged against the model
shipped before the on-policy one, kept in the result files as ``shipped-previous``:
``--shipped shipped-previous`` reproduces their tables.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from realdata import ROOT, records_of  # bench/ is on sys.path as a script

FILES = {
    "realdata": "realdata_cpu.json",
    "fresh_mr": "fresh_mr_cpu.json",
    "fresh_cta": "fresh_cta_cpu.json",
}


def read_records(path: Path) -> list[dict]:
    """The records of a result file (a list of records, or ``{"records": [...]}``)."""
    return records_of(json.loads(path.read_text()))


def table(looks: dict, shipped: str = "shipped") -> str:
    """The Markdown table; ``shipped`` is the engine the candidate is compared with (the
    current ``shipped`` model, or a kept predecessor such as ``shipped-previous``)."""
    lines = [
        "| test | user | targets | candidate | shipped | random walker "
        "| candidate wins vs shipped | vs random walker |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for test, fname in FILES.items():
        if test not in looks:  # a candidate rejected on validation has no second looks
            continue
        base = read_records(ROOT / "bench" / "results" / fname)
        for user in ("R1", "R4"):
            cand = {r["target"]: r["dice"][-1] for r in looks[test] if r["user"] == user}
            ref = {
                eng: {
                    r["target"]: r["dice"][-1]
                    for r in base
                    if r["engine"] == eng and r["user"] == user
                }  # fmt: skip
                for eng in (shipped, "random-walker")
            }
            t = sorted(cand)
            mean = {k: sum(v[x] for x in t) / len(t) for k, v in ref.items()}
            wins = {k: sum(cand[x] > v[x] for x in t) for k, v in ref.items()}
            lines.append(
                f"| {test} | {user} | {len(t)} | {sum(cand.values()) / len(t):.3f} "
                f"| {mean[shipped]:.3f} | {mean['random-walker']:.3f} "
                f"| {wins[shipped]}/{len(t)} | {wins['random-walker']}/{len(t)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "file",
        nargs="?",
        type=Path,
        default=ROOT / "bench/results/prior_norm_second_looks_cpu.json",
    )
    p.add_argument("--shipped", default="shipped",
                   help="the model engine to compare with (e.g. shipped-previous: the model "
                   "that was shipped when the candidate was judged)")  # fmt: skip
    args = p.parse_args(argv)
    path = args.file
    try:
        looks = json.loads(path.read_text())
        present = [k for k in FILES if isinstance(looks.get(k), list)]
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        print(f"error: {path}: not a readable second-looks JSON ({exc})", file=sys.stderr)
        return 2
    if not present:
        print(f"error: {path}: no records for any of {list(FILES)}", file=sys.stderr)
        return 2
    print(table(looks, args.shipped))
    return 0


if __name__ == "__main__":
    sys.exit(main())
