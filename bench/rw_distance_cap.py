"""Choose the random walker's distance cap on *training* organs of the bundled CT.

Protocol: five positive clicks, each at the voxel deepest inside the largest missed part of
the label (the browser test's protocol), on eight organs the shipped model may train on
(never an evaluation target of ``reference_impl.evaluation.split``); Dice after the fifth
click for each ``max_distance_mm``.  Writes ``bench/results/rw_distance_cap_cpu.json``.

    python bench/rw_distance_cap.py
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy import ndimage

from reference_impl.evaluation.output import write_text
from reference_impl.evaluation.split import VALIDATION_CT_ORGANS as ORGANS

CAPS = (None, 45.0, 60.0, 90.0)


def missed_centre(label, pred, spacing):
    """The voxel deepest inside the largest missed part of ``label`` (None when none is missed)."""
    comp, n = ndimage.label((label > 0) & (pred == 0))
    if n == 0:
        return None
    big = int(np.argmax(np.bincount(comp.ravel())[1:])) + 1
    dist = ndimage.distance_transform_edt(comp == big, sampling=spacing)
    return tuple(int(v) for v in np.unravel_index(int(np.argmax(dist)), dist.shape))


def positive_clicks_dice(case, engine: str, *, n: int = 5, **options) -> float:
    """Dice after ``n`` positive clicks, each at :func:`missed_centre` of the last mask, on a
    case with ``image``, ``affine``, ``label`` and ``spacing`` (the browser test's protocol)."""
    from reference_impl import InteractiveSession
    from reference_impl.metrics import dice

    session = InteractiveSession(engine, **options)
    session.set_image(case.image, affine=case.affine)
    pred = np.zeros_like(case.label)
    for _ in range(n):
        idx = missed_centre(case.label, pred, case.spacing)
        if idx is None:
            break
        session.add_click(idx, positive=True, run_prediction=False)
        pred = session.predict().mask
    return float(dice(pred, case.label))


def main() -> None:
    from reference_impl.evaluation.split import is_trainable_ct_organ
    from reference_impl.io import load_case, sample_paths

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="bench/results/rw_distance_cap_cpu.json")
    args = ap.parse_args()
    assert all(is_trainable_ct_organ(o) for o in ORGANS)
    image_path, label_path, _ = sample_paths("ct_spleen")
    rows = []
    for cap in CAPS:
        scores = {}
        for organ in ORGANS:
            vol = load_case(image_path, label_path, label_value=organ)
            scores[organ] = round(
                positive_clicks_dice(vol, "random-walker", max_distance_mm=cap), 4
            )
        rows.append(
            {
                "max_distance_mm": cap,
                "dice_after_5": scores,
                "mean": round(float(np.mean(list(scores.values()))), 4),
            }
        )
        print(cap, rows[-1]["mean"], scores, flush=True)
    out = Path(args.out)
    write_text(
        out,
        json.dumps(
            {
                "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
                "organs": list(ORGANS),
                "results": rows,
            },
            indent=1,
        )
        + "\n",
    )


if __name__ == "__main__":
    main()
