"""Choose the shipped click model's prior on *training* organs of the bundled CT.

For each candidate ``PRIOR:EPISODES`` (by default each random-walker prior of
:data:`reference_impl.swfastedit.clicknet.PRIORS` except the engine-backed one, 5 episodes),
train the shipped model with the documented command's other settings (seed 0) and score it, through the evaluation harness, on eight organs the
model may train on (never an evaluation target of ``reference_impl.evaluation.split``):
robot users R1 and R4 (10 rounds, Dice@10) and five positive clicks each at the centre of
the largest missed part (the browser test's protocol, Dice after the fifth click); the organs and the click rule of ``bench/rw_distance_cap.py``.
Writes ``bench/results/shipped_prior_choice_cpu.json``.

    python bench/shipped_prior_choice.py
    python bench/shipped_prior_choice.py --candidate rw-noborder-cap45:5 \
        --candidate rw-noborder-cap45:60 --out bench/results/shipped_episodes_choice_cpu.json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from rw_distance_cap import ORGANS, missed_centre  # bench/ is on sys.path as a script

CANDIDATES = ("rw-noborder:5", "rw-noborder-cap45:5", "rw-noborder-cap45-untilneg:5")


def _positive_only(case, checkpoint) -> float:
    from reference_impl import InteractiveSession
    from reference_impl.metrics import dice

    session = InteractiveSession("shipped", checkpoint=checkpoint)
    session.set_image(case.image, affine=case.affine)
    pred = np.zeros_like(case.label)
    for _ in range(5):
        idx = missed_centre(case.label, pred, case.spacing)
        if idx is None:
            break
        session.add_click(idx, positive=True, run_prediction=False)
        pred = session.predict().mask
    return float(dice(pred, case.label))


def main() -> None:
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import evaluate_case, load_cases
    from reference_impl.evaluation.split import is_trainable_ct_organ
    from reference_impl.io import sample_paths
    from reference_impl.swfastedit.train_shipped import train_clicknet

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/results/shipped_prior_choice_cpu.json")
    ap.add_argument(
        "--candidate",
        action="append",
        metavar="PRIOR:EPISODES",
        help=f"repeatable; default {' '.join(CANDIDATES)}",
    )
    args = ap.parse_args()
    assert all(is_trainable_ct_organ(o) for o in ORGANS)
    image, label, _ = sample_paths("ct_spleen")
    cases = load_cases([CaseSpec(o, image, label, o) for o in ORGANS])
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cand in args.candidate or CANDIDATES:
            prior, episodes = cand.split(":")
            ck = Path(tmp) / f"{prior}-{episodes}.pt"
            train_clicknet(
                out=ck, episodes=int(episodes), seed=0, prior=prior, log=lambda *a, **k: None
            )
            score: dict[str, dict[str, float]] = {}
            for case in cases:
                s = {
                    u: round(
                        evaluate_case(
                            case, "shipped", user=u, rounds=10, engine_options={"checkpoint": ck}
                        ).record["dice"][-1],
                        4,
                    )
                    for u in ("R1", "R4")
                }
                s["positive5"] = round(_positive_only(case, ck), 4)
                score[case.name] = s
            means = {
                k: round(float(np.mean([v[k] for v in score.values()])), 4)
                for k in ("R1", "R4", "positive5")
            }
            rows.append(
                {
                    "prior": prior,
                    "mean": means,
                    "overall": round(float(np.mean(list(means.values()))), 4),
                    "per_organ": score,
                }
            )
            print(prior, episodes, means, rows[-1]["overall"], flush=True)
    out = Path(args.out)
    tmpf = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmpf.write_text(json.dumps({"organs": list(ORGANS), "results": rows}, indent=1) + "\n")
    os.replace(tmpf, out)


if __name__ == "__main__":
    main()
