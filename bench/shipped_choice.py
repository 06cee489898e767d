"""Choose the shipped click model on the *validation* organs of the bundled CT.

The validation organs (:data:`reference_impl.evaluation.split.VALIDATION_CT_ORGANS`) are
trainable organs the training command never fits (it only uses them to pick its best
step); they are never evaluation targets.  Each candidate checkpoint is scored through the
evaluation harness beside the random-walker engine: robot users R1 and R4 (10 rounds,
Dice@10) and five positive clicks each at the centre of the largest missed part (the
browser test's protocol, Dice after the fifth click; the click rule of
``bench/rw_distance_cap.py``).  Writes ``bench/results/shipped_choice_cpu.json``.

    python -m reference_impl.swfastedit.train_shipped --out /tmp/new.pt
    python bench/shipped_choice.py --checkpoint new=/tmp/new.pt \
        --checkpoint shipped=reference_impl/swfastedit/checkpoints/shipped_clicknet.pt
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from rw_distance_cap import ORGANS, positive_clicks_dice  # bench/ is on sys.path as a script

from reference_impl.evaluation.output import write_text


def main() -> None:
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import evaluate_case, load_cases
    from reference_impl.evaluation.split import VALIDATION_CT_ORGANS
    from reference_impl.io import sample_paths

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/results/shipped_choice_cpu.json")
    ap.add_argument(
        "--checkpoint", action="append", default=[], metavar="NAME=PATH", help="repeatable"
    )
    ap.add_argument("--no-baseline", action="store_true", help="skip the random walker")
    args = ap.parse_args()
    assert tuple(ORGANS) == tuple(VALIDATION_CT_ORGANS)
    image, label, _ = sample_paths("ct_spleen")
    cases = load_cases([CaseSpec(o, image, label, o) for o in ORGANS])
    candidates = [] if args.no_baseline else [("random-walker", "random-walker", {})]
    for item in args.checkpoint:
        name, _, path = item.partition("=")
        candidates.append((name, "shipped", {"checkpoint": path}))
    rows = []
    for name, engine, options in candidates:
        score: dict[str, dict[str, float]] = {}
        for case in cases:
            s = {
                u: round(
                    evaluate_case(case, engine, user=u, rounds=10, engine_options=options).record[
                        "dice"
                    ][-1],
                    4,
                )
                for u in ("R1", "R4")
            }
            s["positive5"] = round(positive_clicks_dice(case, engine, **options), 4)
            score[case.name] = s
        means = {
            k: round(float(np.mean([v[k] for v in score.values()])), 4)
            for k in ("R1", "R4", "positive5")
        }
        rows.append(
            {
                "candidate": name,
                "engine": engine,
                "checkpoint": options.get("checkpoint"),
                "mean": means,
                "overall": round(float(np.mean(list(means.values()))), 4),
                "per_organ": score,
            }
        )
        print(name, means, rows[-1]["overall"], flush=True)
    out = Path(args.out)
    write_text(out, json.dumps({"organs": list(ORGANS), "results": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
