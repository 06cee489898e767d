"""Apply the three-table rule to a click-model candidate and write its validation file.

The rule (docs/swfastedit.md, fixed before each candidate since the zoom-in): a candidate
replaces the shipped checkpoint only if it beats the shipped model on all three of the
validation organs (``overall`` of its ``bench/shipped_choice.py`` file), the abdominal MR
(R1 mean Dice@10 of ``bench/fresh_mr.py``) and the CTA (R1 mean Dice@10 of
``bench/fresh_cta.py``).  This script reads the three outputs, prints each score beside its
threshold, and writes one file with the candidate's MR and CTA records (engine ``NAME``)
and its training curve (from the checkpoint), the layout of
``bench/results/onpolicy_validation_cpu.json``::

    python bench/candidate_rule.py --name rwonpolicy --checkpoint /work/cv/rwonpolicy.pt \\
        --choice bench/results/shipped_choice_rwonpolicy_cpu.json \\
        --mr MR.json --cta CTA.json --thresholds 0.7452,0.801,0.693 \\
        --command "python -m reference_impl.swfastedit.train_shipped ..." \\
        --out bench/results/rwonpolicy_validation_cpu.json

Exit status 0 when the candidate passes, 1 when it fails, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from realdata import ROOT  # bench/ is on sys.path as a script
from second_looks_summary import read_records

from reference_impl.evaluation.output import write_text

TRAINING_KEYS = ("step", "on_policy_round", "val_dice_untrained", "metrics")


def r1_mean(records: list[dict], engine: str) -> tuple[float, list[dict]]:
    """Mean Dice@10 of ``engine``'s R1 records, and all of ``engine``'s records."""
    mine = [r for r in records if r["engine"] == engine]
    r1 = [r["dice"][-1] for r in mine if r["user"] == "R1"]
    if not r1:
        raise ValueError(f"no R1 records of engine {engine!r}")
    return sum(r1) / len(r1), mine


def judge(scores: dict[str, float], thresholds: dict[str, float]) -> dict[str, bool]:
    """Which of the three tables the candidate beats (strictly above the threshold).

    >>> judge({"organs": 0.75, "mr": 0.80, "cta": 0.70}, {"organs": 0.7452, "mr": 0.801, "cta": 0.693})
    {'organs': True, 'mr': False, 'cta': True}
    """
    return {k: scores[k] > thresholds[k] for k in thresholds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", required=True, help="the candidate's engine name")
    ap.add_argument("--checkpoint", required=True, type=Path)
    ap.add_argument("--choice", required=True, type=Path, help="its shipped_choice file")
    ap.add_argument("--mr", required=True, type=Path, help="its fresh_mr output")
    ap.add_argument("--cta", required=True, type=Path, help="its fresh_cta output")
    ap.add_argument("--thresholds", required=True, help="ORGANS,MR,CTA of the shipped model")
    ap.add_argument("--command", required=True, help="the training command")
    ap.add_argument("--protocol", default="", help="commit that fixed the protocol")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args(argv)

    try:
        from reference_impl.swfastedit.checkpoint_io import read_checkpoint

        thr = dict(
            zip(("organs", "mr", "cta"), map(float, args.thresholds.split(",")), strict=True)
        )
        choice = json.loads(args.choice.read_text())
        organs = [r["overall"] for r in choice["results"] if r["candidate"] == args.name]
        if not organs:
            raise ValueError(f"{args.choice}: no results of candidate {args.name!r}")
        mr, mr_recs = r1_mean(read_records(args.mr), args.name)
        cta, cta_recs = r1_mean(read_records(args.cta), args.name)
        ck = read_checkpoint(args.checkpoint)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    scores = {"organs": organs[0], "mr": mr, "cta": cta}
    verdict = judge(scores, thr)
    for k in thr:
        print(
            f"{k}: {scores[k]:.4f} vs {thr[k]:.4f} -> {'beats' if verdict[k] else 'does not beat'}"
        )
    passed = all(verdict.values())
    print("PASSES the rule" if passed else "FAILS the rule")
    training = {k: ck[k] for k in TRAINING_KEYS if k in ck}
    training["best_step"] = training.pop("step", None)
    ckpt = args.checkpoint.name
    out = {
        "candidate": f"{args.name} ({args.command.split('train_shipped ', 1)[-1]}, seed 0)",
        "validation": str(args.choice),
        "note": (
            f"validation looks under the three-table rule"
            f"{' of ' + args.protocol if args.protocol else ''}: the MR and the CTA serve as "
            f"validation data; records of the candidate under engine {args.name!r}"
        ),
        "commands": [
            args.command,
            f"python bench/shipped_choice.py --no-baseline --checkpoint {args.name}=.../{ckpt} "
            f"--out {args.choice}",
            f"python bench/fresh_mr.py --data-dir DIR --checkpoint {args.name}=.../{ckpt} --out MR.json",
            f"python bench/fresh_cta.py --data-dir DIR --no-baselines --no-shipped "
            f"--checkpoint {args.name}=.../{ckpt} --out CTA.json",
        ],
        "thresholds": thr,
        "scores": scores,
        "passes": passed,
        "training": training,
        "fresh_mr": mr_recs,
        "fresh_cta": cta_recs,
    }
    out_path = args.out if args.out.is_absolute() else ROOT / args.out
    write_text(out_path, json.dumps(out, indent=1) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
