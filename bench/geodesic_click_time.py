"""Seconds per geodesic-engine click on a volume (why the geodesic baseline is left out of
``bench/fresh_cta.py``): one positive click at the label's centre, then one negative click
in the corner, each timed once after the image is set, on the CPU.

    python bench/geodesic_click_time.py IMAGE LABEL [--label VALUE|NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main(argv: list[str]) -> int:
    from reference_impl import InteractiveSession
    from reference_impl.io import VolumeError, load_case
    from reference_impl.robot_users.clicksim import simulate_click

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("image")
    p.add_argument("label")
    p.add_argument("--label", dest="target", help="the class of a multi-class label map")
    args = p.parse_args(argv)
    try:
        v = load_case(args.image, args.label, label_value=args.target)
    except (VolumeError, FileNotFoundError) as exc:
        p.error(str(exc))  # exit 2 before any compute
    if v.label is None or not v.label.any():
        p.error(f"{args.label}: empty label")
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
