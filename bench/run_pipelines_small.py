"""Run every leaf's reference pipeline with the ``small`` budget on synthetic phantoms (CPU).

Writes ``bench/results/pipelines/small_cpu.json``: per pipeline the Dice curve, AUC, Final,
NoC, wall and CPU seconds; plus the machine (cores, torch threads, load average).
Usage: ``python bench/run_pipelines_small.py [--seed 0] [--threads 2] [--out PATH]``.
Wall times depend on the machine's load; CPU seconds (``process_time``) less so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None, help="leaf ids (default: all)")
    ap.add_argument("--out", default=str(ROOT / "bench/results/pipelines/small_cpu.json"))
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from reference_impl.pipelines import PIPELINES, run_pipeline

    rows = []
    t_all = time.perf_counter()
    for pid, pipe in PIPELINES.items():
        if args.only and pipe.leaf not in args.only:
            continue
        w0, c0 = time.perf_counter(), time.process_time()
        with tempfile.TemporaryDirectory() as tmp:
            m = run_pipeline(pid, data="synthetic", budget="small", device="cpu",
                             seed=args.seed, out=Path(tmp) / "run", show_progress=False).metrics
        row = {"leaf": pipe.leaf, "pipeline": pid, "curve_kind": m["curve_kind"],
               "dice": [round(v, 4) for v in m["dice"]],
               "auc": m.get("auc"), "final": m["final"], "NoC@90": m.get("NoC@90"),
               "NoC@90_failures": m.get("NoC@90_failures"),
               "wall_s": round(time.perf_counter() - w0, 2),
               "cpu_s": round(time.process_time() - c0, 2)}
        for key in ("box_only_dice", "active_learning"):
            if key in m:
                row[key] = m[key]
        rows.append(row)
        print(json.dumps({k: row[k] for k in ("leaf", "dice", "wall_s", "cpu_s")}), flush=True)
    out = {"command": "python bench/run_pipelines_small.py "
                      f"--seed {args.seed} --threads {args.threads}",
           "machine": {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                       "load_avg_at_end": list(os.getloadavg()),
                       "python": platform.python_version(), "torch": torch.__version__},
           "total_wall_s": round(time.perf_counter() - t_all, 2),
           "total_cpu_s": round(sum(r["cpu_s"] for r in rows), 2), "pipelines": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}: total wall {out['total_wall_s']} s, cpu {out['total_cpu_s']} s")


if __name__ == "__main__":
    main()
