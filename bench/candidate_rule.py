"""Apply the validation rule to a click-model candidate and write its validation file.

The rule (docs/swfastedit.md, fixed before each candidate since the zoom-in): a candidate
replaces the shipped checkpoint only if it beats the shipped model on every validation
table: the validation organs (``overall`` of its ``bench/shipped_choice.py`` file) and the
R1 mean Dice@10 of each fresh table given: the abdominal MR (``--mr``,
``bench/fresh_mr.py``), the CTA (``--cta``, ``bench/fresh_cta.py``), the brain
(``--brain``, ``bench/fresh_brain.py``; the tenth candidate fits the MR and the CTA, so the
brain is its only fresh validation table).  This script reads the outputs, prints each score
beside its threshold, and writes one file with the candidate's fresh records (engine
``NAME``) and its training curve (from the checkpoint), the layout of
``bench/results/onpolicy_validation_cpu.json``::

    python bench/candidate_rule.py --name rwonpolicy --checkpoint /work/cv/rwonpolicy.pt \\
        --choice bench/results/shipped_choice_rwonpolicy_cpu.json \\
        --mr MR.json --cta CTA.json --thresholds 0.7452,0.801,0.693 \\
        --command "python -m reference_impl.swfastedit.train_shipped ..." \\
        --out bench/results/rwonpolicy_validation_cpu.json

``--thresholds`` is ``ORGANS,MR,CTA`` or ``KEY=VALUE,...`` with the keys ``organs`` and
those of the tables given (``organs=0.7452,brain=0.62``).

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


TABLES = ("mr", "cta", "brain")
#: table: (what it is, the command that scores a candidate on it).
FRESH = {
    "mr": (
        "the MR",
        "python bench/fresh_mr.py --data-dir DIR --checkpoint {name}=.../{ckpt} --out MR.json",
    ),
    "cta": (
        "the CTA",
        "python bench/fresh_cta.py --data-dir DIR --no-baselines --no-shipped "
        "--checkpoint {name}=.../{ckpt} --out CTA.json",
    ),
    "brain": (
        "the brain",
        "python bench/fresh_brain.py --data-dir DIR --checkpoint {name}=.../{ckpt} --out BRAIN.json",
    ),
}


def parse_thresholds(text: str) -> dict[str, float]:
    """``{table: threshold}`` of ``--thresholds``.

    >>> parse_thresholds("0.7452,0.801,0.693")
    {'organs': 0.7452, 'mr': 0.801, 'cta': 0.693}
    >>> parse_thresholds("organs=0.7452,brain=0.62")
    {'organs': 0.7452, 'brain': 0.62}
    """
    if "=" not in text:
        return dict(zip(("organs", "mr", "cta"), map(float, text.split(",")), strict=True))
    out = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        if key not in ("organs", *TABLES) or key in out:
            raise ValueError(f"--thresholds: unknown or repeated table {key!r}")
        out[key] = float(value)
    return out


def judge(scores: dict[str, float], thresholds: dict[str, float]) -> dict[str, bool]:
    """Which of the tables the candidate beats (strictly above the threshold).

    >>> judge({"organs": 0.75, "mr": 0.80, "cta": 0.70}, {"organs": 0.7452, "mr": 0.801, "cta": 0.693})
    {'organs': True, 'mr': False, 'cta': True}
    """
    return {k: scores[k] > thresholds[k] for k in thresholds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--name", required=True, help="the candidate's engine name")
    ap.add_argument("--checkpoint", required=True, type=Path)
    ap.add_argument("--choice", required=True, type=Path, help="its shipped_choice file")
    ap.add_argument("--mr", type=Path, help="its fresh_mr output")
    ap.add_argument("--cta", type=Path, help="its fresh_cta output")
    ap.add_argument("--brain", type=Path, help="its fresh_brain output")
    ap.add_argument(
        "--thresholds", required=True, help="ORGANS,MR,CTA or KEY=VALUE,... of the shipped model"
    )
    ap.add_argument("--command", required=True, help="the training command")
    ap.add_argument("--protocol", default="", help="commit that fixed the protocol")
    ap.add_argument("--out", required=True, type=Path)
    args = ap.parse_args(argv)

    try:
        from reference_impl.swfastedit.checkpoint_io import read_checkpoint

        thr = parse_thresholds(args.thresholds)
        given = {t: getattr(args, t) for t in TABLES if getattr(args, t) is not None}
        if set(thr) != {"organs", *given}:
            raise ValueError(
                f"--thresholds has {sorted(thr)} but the tables given are organs + {sorted(given)}"
            )
        choice = json.loads(args.choice.read_text())
        organs = [r["overall"] for r in choice["results"] if r["candidate"] == args.name]
        if not organs:
            raise ValueError(f"{args.choice}: no results of candidate {args.name!r}")
        fresh = {t: r1_mean(read_records(f), args.name) for t, f in given.items()}
        ck = read_checkpoint(args.checkpoint)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    scores = {"organs": organs[0], **{t: v[0] for t, v in fresh.items()}}
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
            f"validation looks under the {len(thr)}-table rule"
            f"{' of ' + args.protocol if args.protocol else ''}: "
            f"{' and '.join(FRESH[t][0] for t in given)} serve as validation data; records of "
            f"the candidate under engine {args.name!r}"
        ),
        "commands": [
            args.command,
            f"python bench/shipped_choice.py --no-baseline --checkpoint {args.name}=.../{ckpt} "
            f"--out {args.choice}",
            *(FRESH[t][1].format(name=args.name, ckpt=ckpt) for t in given),
        ],
        "thresholds": thr,
        "scores": scores,
        "passes": passed,
        "training": training,
        **{f"fresh_{t}": v[1] for t, v in fresh.items()},
    }
    out_path = args.out if args.out.is_absolute() else ROOT / args.out
    write_text(out_path, json.dumps(out, indent=1) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
