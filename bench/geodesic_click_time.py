"""Seconds per geodesic-engine click on a volume (why the geodesic baseline is left out of
``bench/fresh_cta.py``): one positive click at the label's centre, then one negative click
in the corner, each timed once after the image is set, on the CPU.

    python bench/geodesic_click_time.py IMAGE LABEL
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def main(argv: list[str]) -> int:
    from reference_impl import InteractiveSession
    from reference_impl.io import load_case
    from reference_impl.robot_users.clicksim import simulate_click

    v = load_case(argv[0], argv[1])
    centre = simulate_click(v.label > 0, spacing=v.spacing, ties="first")
    s = InteractiveSession("geodesic")
    s.set_image(v.image, affine=v.affine)
    out = {"shape": list(v.image.shape), "voxels": int(v.image.size), "seconds": []}
    for idx, pos in ((centre, True), ((1, 1, 1), False)):
        t = time.perf_counter()
        s.add_click(idx, positive=pos)
        out["seconds"].append(time.perf_counter() - t)
    out["median_s"] = float(np.median(out["seconds"]))
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
