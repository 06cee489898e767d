"""``iseg bench metrics``: hd95 / NSD against MONAI on the bundled CT organs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from .bench import bench_metrics

    if args.repeats < 1:
        raise ValueError(f"--repeats must be >= 1, got {args.repeats}")
    res = bench_metrics(repeats=args.repeats, max_organs=args.max_organs)
    res["command"] = f"iseg bench metrics --repeats {args.repeats}" + (
        f" --max-organs {args.max_organs}" if args.max_organs else ""
    )
    from reference_impl.evaluation.output import write_text

    out = Path(args.out or "bench/results/metrics_cpu.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(res, indent=2) + "\n")
    for metric, s in res["summary"].items():
        print(
            f"{metric}: MONAI/ours {s['ratio_monai_over_ours']:.2f} over {res['n_organs']} organs "
            f"(per organ {s['per_organ_ratio_min']:.2f}-{s['per_organ_ratio_max']:.2f}), "
            f"max |value diff| {s['max_abs_value_diff']:.2e}"
        )
    print(f"wrote {out}")
    return 0


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg bench metrics``."""
    p = bench.add_parser("metrics", help="time hd95/NSD against MONAI on the bundled CT organs")
    p.add_argument("--repeats", type=int, default=5, help="interleaved timed runs per function")
    p.add_argument("--max-organs", type=int, default=None, help="only the first N organs")
    p.add_argument("--out", default=None, help="JSON path (default bench/results/metrics_cpu.json)")
    p.set_defaults(func=_run)
