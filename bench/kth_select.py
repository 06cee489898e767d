"""Exact k-th smallest value of one long slice: ``kth_smallest`` against ``torch.kthvalue``.

The θ truncation of the EDT and GDT signals (H2, ``truncate_top``) needs the k-th smallest of
every finite distance, k = 90 % of 56 M at the autoPET mean shape.  On the H200 the EDT
signal took 816 ms (docs/gpu.md), which matches pytorch/pytorch#75599 (``kthvalue`` on one
long CUDA slice is ~20x slower than a sort).  This times, interleaved and after a warm-up,
``torch.kthvalue`` (the old code), ``torch.sort`` and ``kth_smallest`` (numpy's introselect
on the CPU, a sort on CUDA), checks they return the same value, and writes
``bench/results/kth_select_<device>.json``.

    python bench/kth_select.py [--device cpu|cuda] [--sizes 5632000 56320000] [--repeats 5]
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
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from reference_impl.evaluation.output import write_text  # noqa: E402
from reference_impl.guidance.geodesic import kth_smallest  # noqa: E402


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def run(sizes: list[int], repeats: int, device: str) -> dict:
    dev = torch.device(device)
    rng = np.random.default_rng(0)
    rows = []
    for n in sizes:
        vals = torch.from_numpy(rng.random(n, dtype=np.float32) * 500.0).to(dev)
        k = int(np.ceil(0.9 * n))
        fns = {
            "torch.kthvalue": lambda v=vals, k=k: torch.kthvalue(v, k).values,
            "torch.sort": lambda v=vals, k=k: torch.sort(v).values[k - 1],
            "kth_smallest": lambda v=vals, k=k: kth_smallest(v, k),
        }
        ref = {name: float(fn()) for name, fn in fns.items()}  # warm-up and agreement
        times: dict[str, list[float]] = {name: [] for name in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                _sync(dev)
                t0 = time.perf_counter()
                fn()
                _sync(dev)
                times[name].append(time.perf_counter() - t0)
        med = {name: statistics.median(t) for name, t in times.items()}
        rows.append(
            {
                "n": n,
                "k": k,
                "same_value": len(set(ref.values())) == 1,
                "median_s": med,
                "min_s": {name: min(t) for name, t in times.items()},
                "ratio_kthvalue_over_kth_smallest": med["torch.kthvalue"] / med["kth_smallest"],
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return {
        "benchmark": "exact k-th smallest of one slice (guidance truncation H2)",
        "command": f"python bench/kth_select.py --device {device} --sizes "
        + " ".join(map(str, sizes))
        + f" --repeats {repeats}",
        "device": device,
        "machine": {
            "processor": platform.processor() or platform.machine(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "torch": torch.__version__,
            "numpy": np.__version__,
            "gpu": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
        },
        "results": rows,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--sizes", type=int, nargs="+", default=[5_632_000, 56_320_000])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda needs CUDA", file=sys.stderr)
        return 2
    if args.repeats < 1 or min(args.sizes) < 1:
        print("error: --repeats and --sizes must be >= 1", file=sys.stderr)
        return 2
    res = run(args.sizes, args.repeats, args.device)
    out = Path(args.out or ROOT / "bench" / "results" / f"kth_select_{args.device}.json")
    write_text(out, json.dumps(res, indent=1) + "\n")
    print(f"wrote {out}")
    return 0 if all(r["same_value"] for r in res["results"]) else 1


if __name__ == "__main__":
    sys.exit(main())
