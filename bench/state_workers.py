"""Wall time of the click model's state collection with worker processes, with and without
one OpenMP/BLAS thread per worker (``states.single_threaded_children``).

    python bench/state_workers.py [--volumes 6] [--workers 2] [--repeats 3]

Both sides collect the same states (checked equal) from the first ``--volumes`` fitted
volumes of the shipped recipe with the ``random-walker`` prior (one episode per volume and
user, 10 rounds); the parent process runs with the thread variables unset, as a user's shell
would.  One warm-up run of each, then the median of ``--repeats``, alternating.  Writes
``bench/results/state_workers_cpu.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time

from realdata import ROOT  # bench/ is on sys.path as a script

from reference_impl.evaluation.output import write_text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--volumes", type=int, default=6)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "state_workers_cpu.json"))
    args = ap.parse_args(argv)
    if args.volumes < 1 or args.workers < 2 or args.repeats < 1:
        ap.error("--volumes and --repeats must be >= 1 and --workers >= 2")

    from reference_impl.swfastedit import states
    from reference_impl.swfastedit.train_shipped import recipe_volumes

    for k in states.THREAD_VARS:  # the parent as a user's shell starts it
        os.environ.pop(k, None)
    settings = {
        "prior": "random-walker", "n_synthetic": 24, "n_anisotropic": 24, "n_tiny": 0,
        "n_large": 0, "min_voxels": 50, "seed": 0,
    }  # fmt: skip
    fit, _ = recipe_volumes(settings)
    vols = fit[: args.volumes]
    real = states.single_threaded_children

    def run(single: bool) -> tuple[float, list[dict]]:
        states.single_threaded_children = real if single else contextlib.nullcontext
        try:
            t = time.perf_counter()
            out = states.collect_states(
                vols, episodes=1, rounds=10, seed=0, prior="random-walker", roi_mm=50.0,
                workers=args.workers,
            )  # fmt: skip
            return time.perf_counter() - t, out
        finally:
            states.single_threaded_children = real

    _, a = run(True)  # warm-up of each side; also the equality check
    _, b = run(False)
    same = len(a) == len(b) and all(
        x["data"] == y["data"] and x["clicks"] == y["clicks"] and (x["prior"] == y["prior"]).all()
        for x, y in zip(a, b, strict=True)
    )
    times: dict[str, list[float]] = {"single": [], "default": []}
    for _ in range(args.repeats):
        times["single"].append(run(True)[0])
        times["default"].append(run(False)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "what": "collect_states wall time, 2 workers, random-walker prior",
        "command": "python bench/state_workers.py "
        f"--volumes {args.volumes} --workers {args.workers} --repeats {args.repeats}",
        "volumes": [v[0] for v in vols],
        "states": len(a),
        "same_states": same,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "seconds": times,
        "median_s": med,
        "ratio_default_over_single": med["default"] / med["single"],
    }
    print(json.dumps({k: result[k] for k in ("states", "same_states", "median_s")}))
    print(f"default / one thread per worker: {result['ratio_default_over_single']:.2f}x")
    write_text(args.out, json.dumps(result, indent=1) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
