"""Run every leaf's reference pipeline with the ``small`` budget (CPU), beside the baselines.

Writes ``bench/results/pipelines/small_cpu.json`` (synthetic phantoms) or
``small_cpu_<data>.json`` (``--data ct_spleen`` etc.): per pipeline the split (what was
trained on, what was evaluated: never the same label), the Dice curve, AUC, Final, NoC, and
the three classical baselines (random walker, geodesic, ball floor) run through the same
robot-user protocol on the same evaluation volumes; wall and CPU seconds; the machine.
Usage: ``python bench/run_pipelines_small.py [--data synthetic] [--label L] [--seed 0]
[--threads 2] [--only LEAF ...] [--out PATH]``.  Wall times depend on the machine's load.
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
    ap.add_argument("--data", default="synthetic", help="synthetic | a sample | IMAGE,LABEL")
    ap.add_argument("--label", default=None, help="class of a multi-class label map")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None, help="leaf ids (default: all)")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    if args.out is None:
        tag = (
            ""
            if args.data == "synthetic"
            else "_" + "".join(c if c.isalnum() else "_" for c in f"{args.data}{args.label or ''}")
        )
        args.out = str(ROOT / f"bench/results/pipelines/small_cpu{tag}.json")
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
            m = run_pipeline(
                pid,
                data=args.data,
                label=args.label,
                budget="small",
                device="cpu",
                seed=args.seed,
                out=Path(tmp) / "run",
                show_progress=False,
            ).metrics
        row = {
            "leaf": pipe.leaf,
            "pipeline": pid,
            "curve_kind": m["curve_kind"],
            "split": m["split"],
            "dice": [round(v, 4) for v in m["dice"]],
            "auc": m.get("auc"),
            "final": m["final"],
            "NoC@90": m.get("NoC@90"),
            "NoC@90_failures": m.get("NoC@90_failures"),
            "baseline_protocol": m["baseline_protocol"],
            "baselines": {
                k: {
                    "dice": [round(v, 4) for v in b["dice"]],
                    "auc": b["auc"],
                    "final": b["final"],
                    "click_s": b["click_s"],
                    "interactions_used": b["interactions_used"],
                }
                for k, b in m["baselines"].items()
            },
            "final_dice_input_grid": m["final_dice_input_grid"],
            "wall_s": round(time.perf_counter() - w0, 2),
            "cpu_s": round(time.process_time() - c0, 2),
        }
        for key in ("box_only_dice", "active_learning"):
            if key in m:
                row[key] = m[key]
        rows.append(row)
        best = max(row["baselines"].items(), key=lambda kv: kv[1]["final"])
        print(
            json.dumps(
                {
                    "leaf": row["leaf"],
                    "dice": row["dice"],
                    "best_baseline": best[0],
                    "baseline_dice": best[1]["dice"],
                    "wall_s": row["wall_s"],
                }
            ),
            flush=True,
        )
    extra = "" if args.data == "synthetic" else f" --data {args.data}"
    extra += f" --label {args.label}" if args.label else ""
    only = f" --only {' '.join(args.only)}" if args.only else ""
    out = {
        "command": "python bench/run_pipelines_small.py "
        f"--seed {args.seed} --threads {args.threads}{extra}{only}",
        "machine": {
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "load_avg_at_end": list(os.getloadavg()),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "total_wall_s": round(time.perf_counter() - t_all, 2),
        "total_cpu_s": round(sum(r["cpu_s"] for r in rows), 2),
        "pipelines": rows,
    }
    from reference_impl.evaluation.output import write_text

    dest = Path(args.out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    write_text(dest, json.dumps(out, indent=2) + "\n")  # atomic: same folder, rename
    print(f"wrote {args.out}: total wall {out['total_wall_s']} s, cpu {out['total_cpu_s']} s")


if __name__ == "__main__":
    main()
