"""Per-click latency of the "Segment interactively" page's engines on a 128x128x32 volume.

What the page does after a click, timed: ``InteractiveSession.add_click`` then
``predict()`` (the engine's work plus the click rule), on the CPU.  The clicks are placed
as in the browser test: each positive click at the voxel deepest inside the largest part
of the label still missed.  Volumes: synthetic phantoms of shape (z, y, x) = (32, 128, 128)
(2 lesions, 1 look-alike, seeds 0..N-1).  The median is the number to compare with the
2 s target; it is a measurement, not a test.  Usage::

    OMP_NUM_THREADS=1 python bench/segment_latency.py [--engines random-walker shipped]
        [--volumes 3] [--clicks 5] [--out bench/results/segment_latency_cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rw_distance_cap import missed_centre  # noqa: E402  (bench/ is on sys.path as a script)

from reference_impl.evaluation.output import write_text  # noqa: E402

SHAPE = (32, 128, 128)


def run(engine: str, volumes: int, clicks: int) -> dict:
    """Latencies (s) of every click on ``volumes`` phantoms with ``engine``."""
    from reference_impl.metrics import dice
    from reference_impl.phantoms import make_phantom
    from reference_impl.session import InteractiveSession

    rows = []
    for seed in range(volumes):
        vol = make_phantom(SHAPE, rng=seed)
        session = InteractiveSession(engine=engine, device="cpu")
        t0 = time.perf_counter()
        session.set_image(vol.image, affine=vol.affine, spacing=vol.spacing)
        set_image_s = time.perf_counter() - t0
        pred = np.zeros_like(vol.label)
        for k in range(clicks):
            idx = missed_centre(vol.label, pred, vol.spacing)  # 1 mm isotropic phantoms
            if idx is None:
                break
            t0 = time.perf_counter()
            session.add_click(idx, positive=True, run_prediction=False)
            res = session.predict()
            wall = time.perf_counter() - t0
            pred = res.mask
            rows.append(
                {
                    "volume": seed,
                    "click": k + 1,
                    "seconds": round(wall, 4),
                    "engine_seconds": round(float(res.seconds), 4),
                    "dice": round(float(dice(pred, vol.label)), 4),
                    "set_image_seconds": round(set_image_s, 4),
                }
            )
    secs = [r["seconds"] for r in rows]
    return {
        "engine": engine,
        "clicks": rows,
        "median_seconds": statistics.median(secs),
        "min_seconds": min(secs),
        "max_seconds": max(secs),
        "meets_2s_target": statistics.median(secs) <= 2.0,
    }


def _shipped_sha256() -> str | None:
    """SHA-256 of the installed shipped checkpoint (None when it is not installed)."""
    import hashlib
    import importlib.resources as resources

    from reference_impl.engines.shipped import SHIPPED_CHECKPOINT

    ref = resources.files("reference_impl.swfastedit") / "checkpoints" / SHIPPED_CHECKPOINT
    with resources.as_file(ref) as p:
        return hashlib.sha256(Path(p).read_bytes()).hexdigest() if Path(p).is_file() else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engines", nargs="+", default=["random-walker", "shipped"])
    ap.add_argument("--volumes", type=int, default=3)
    ap.add_argument("--clicks", type=int, default=5)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "segment_latency_cpu.json"))
    args = ap.parse_args(argv)
    if args.volumes < 1 or args.clicks < 1:
        ap.error("--volumes and --clicks must be >= 1")
    import torch

    from reference_impl.engines import available_engines

    known = available_engines()
    results, missing = [], []
    for engine in args.engines:
        if engine not in known:
            missing.append({"engine": engine, "why": f"not registered (engines: {known})"})
            print(f"{engine}: not available here (engines: {', '.join(known)})", file=sys.stderr)
            continue
        try:
            r = run(engine, args.volumes, args.clicks)
        except (FileNotFoundError, RuntimeError, ValueError) as exc:
            missing.append({"engine": engine, "why": f"{exc.__class__.__name__}: {exc}"})
            print(f"{engine}: could not run: {exc}", file=sys.stderr)
            continue
        results.append(r)
        print(
            f"{engine}: median {r['median_seconds']:.2f} s a click "
            f"(min {r['min_seconds']:.2f}, max {r['max_seconds']:.2f}, n={len(r['clicks'])})"
        )
    doc = {
        "benchmark": "segment_latency",
        "shipped_checkpoint_sha256": _shipped_sha256(),
        "shape_zyx": list(SHAPE),
        "device": "cpu",
        "target_seconds_per_click": 2.0,
        "volumes": args.volumes,
        "clicks": args.clicks,
        "results": results,
        "engines_missing": missing,
        "torch_threads": torch.get_num_threads(),
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "note": "the machine was shared with other jobs while this ran",
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(doc, indent=2) + "\n")
    print(f"wrote {out}")
    return 0 if not missing else 1


if __name__ == "__main__":
    sys.exit(main())
