"""Does the shipped network improve on its own random-walker prior?  A diagnosis, not a score.

Replays the ``shipped`` records of ``bench/results/realdata_cpu.json`` (the held-out targets;
their clicks are in the records): after each round the shipped session's mask is
recomputed (its Dice must equal the record's, else the script stops) and so is the
click-consistent mask of the prior alone, i.e. the random walker the network was given
(:func:`reference_impl.swfastedit.clicknet.make_prior`, the checkpoint's prior kind, on the
same canonical image and clicks).  Writes ``bench/results/prior_vs_network_cpu.json``:
per target and user, the Dice and voxel count of both after every round.

Nothing is tuned from this file; it explains the held-out losses in docs/evaluation.md.

    python bench/prior_vs_network.py
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from realdata import OUT as RECORDS
from realdata import ROOT, targets  # bench/ is on sys.path as a script

OUT = ROOT / "bench" / "results" / "prior_vs_network_cpu.json"


def replay(case, record: dict, net) -> dict:
    """Per-round Dice and voxels of the shipped mask and of its prior alone."""
    from reference_impl import InteractiveSession
    from reference_impl.interactions import Click
    from reference_impl.metrics import dice
    from reference_impl.orientation import Reorientation
    from reference_impl.swfastedit.clicknet import click_consistent, make_prior

    reo = Reorientation.from_affine(case.image.shape, case.affine)
    img_c = reo.to_canonical(case.image)
    session = InteractiveSession("shipped")
    session.set_image(img_c, affine=reo.canonical_affine)
    prior_fn = make_prior(net.config.prior, np.asarray(img_c, np.float32), reo.canonical_spacing)
    rounds = max((c[0] for c in record["clicks"]), default=0)
    out: dict = {"network": [], "prior": [], "network_voxels": [], "prior_voxels": []}
    clicks: list[Click] = []
    for k in range(1, rounds + 1):
        for _, label, *idx in (c for c in record["clicks"] if c[0] == k):
            ci = reo.index_to_canonical(idx)
            clicks.append(Click(int(label), ci))
            session.add_click(ci, positive=bool(label), run_prediction=False)
        mask = reo.from_canonical(session.predict().mask)
        d = float(dice(mask, case.label))
        if abs(d - record["dice"][k]) > 1e-6:
            raise SystemExit(
                f"{record['target']} {record['user']} round {k}: replay Dice {d} != {record['dice'][k]}"
            )
        if any(c.label == 1 for c in clicks):
            pm = reo.from_canonical(click_consistent(prior_fn(clicks), clicks))
        else:
            pm = np.zeros_like(case.label)
        out["network"].append(d)
        out["prior"].append(float(dice(pm, case.label)))
        out["network_voxels"].append(int(np.count_nonzero(mask)))
        out["prior_voxels"].append(int(np.count_nonzero(pm)))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args(argv)
    from reference_impl.engines.shipped import load_clicknet
    from reference_impl.evaluation.harness import load_cases
    from reference_impl.evaluation.output import write_text

    net, _ = load_clicknet()
    recs = [r for r in json.loads(RECORDS.read_text()) if r["engine"] == "shipped"]
    cases = {c.name: c for c in load_cases(targets())}
    rows = []
    for r in recs:
        case = cases[r["target"]]
        row = {"target": r["target"], "user": r["user"], "label_voxels": int(case.label.sum())}
        row |= replay(case, r, net)
        rows.append(row)
        print(
            f"{r['target']:>14} {r['user']}  round 1: network {row['network'][0]:.3f} "
            f"({row['network_voxels'][0]} vox)  prior {row['prior'][0]:.3f} "
            f"({row['prior_voxels'][0]} vox)  | round 10: network {row['network'][-1]:.3f}  "
            f"prior {row['prior'][-1]:.3f}  | label {row['label_voxels']} vox",
            flush=True,
        )
    write_text(args.out, json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
