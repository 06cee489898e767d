"""Choose the shipped model's fitting settings on the *validation* organs (one collection).

Collects the interaction states of ``python -m reference_impl.swfastedit.train_shipped``
once (its defaults: 2 episodes per volume and user, seed 0), then fits one model per
candidate ``LR:STEPS:WEIGHT_DECAY`` on them and records each candidate's validation curve
(one-step Dice of the click-consistent mask on the validation organs' states, every 100
steps; the training command keeps the best step).  The validation organs are never fitted
and never evaluation targets (:mod:`reference_impl.evaluation.split`).  Writes
``bench/results/shipped_training_choice_cpu.json``; the winner's settings go into the
documented training command, and ``bench/shipped_choice.py`` then scores the checkpoint
with the interactive protocol.

    python bench/shipped_training_choice.py
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

CANDIDATES = ("1e-3:1000:0", "3e-4:2000:0", "3e-4:2000:1e-4", "1e-4:3000:0")


def main() -> None:
    import torch

    from reference_impl.swfastedit.train_shipped import (
        collect_states,
        train_clicknet,
        training_volumes,
    )

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/results/shipped_training_choice_cpu.json")
    ap.add_argument("--candidate", action="append", metavar="LR:STEPS:WEIGHT_DECAY")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    fit_vols, val_vols = training_volumes(n_synthetic=24, min_voxels=50, seed=0)
    kw = {"rounds": 10, "seed": 0, "prior": "rw-noborder-cap45", "roi_mm": 50.0, "workers": 1}
    states = (
        collect_states(fit_vols, episodes=2, **kw),
        collect_states(val_vols, episodes=1, **kw),
    )
    print(json.dumps({"states": len(states[0]), "val_states": len(states[1])}), flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for cand in args.candidate or CANDIDATES:
            lr, steps, wd = cand.split(":")
            res = train_clicknet(
                out=Path(tmp) / "m.pt",
                steps=int(steps),
                lr=float(lr),
                weight_decay=float(wd),
                eval_every=100,
                states=states,
                log=lambda *a, **k: None,
            )
            curve = [(m["step"], round(m["val_dice"], 4)) for m in res["metrics"]]
            rows.append(
                {
                    "candidate": cand,
                    "best_step": res["best_step"],
                    "best_val_dice": round(res["val_dice"], 4),
                    "val_dice_untrained": round(res["val_dice_untrained"], 4),
                    "curve": curve,
                }
            )
            print(json.dumps(rows[-1]), flush=True)
    out = Path(args.out)
    tmpf = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmpf.write_text(json.dumps({"candidates": rows}, indent=1) + "\n")
    os.replace(tmpf, out)


if __name__ == "__main__":
    main()
