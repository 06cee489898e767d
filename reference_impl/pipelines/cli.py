"""``iseg run``: run one taxonomy leaf's reference pipeline (``iseg run --list`` lists them)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["register"]

_KEYS = ("pipeline", "data", "device", "budget", "seed", "interactions")


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg run``."""
    p = sub.add_parser(
        "run", help="run a leaf's reference pipeline (metrics.json, dice_curve.png, overlay.png)",
        description="Run one reference pipeline end to end. Bad inputs fail before any "
                    "training with exit code 2.")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--leaf", help="taxonomy leaf id, e.g. T2.1.2.2.1")
    which.add_argument("--pipeline", help="pipeline id, e.g. t2.1.2.2.1-center-largest-error")
    which.add_argument("--config", help="a config.yaml written by an earlier run (reproduces it)")
    which.add_argument("--list", action="store_true", help="list the pipelines and exit")
    p.add_argument("--data", default=None,
                   help="synthetic (default) | a sample name (ct_spleen, mr_brain1, ...) | "
                        "IMAGE,LABEL (NIfTI/NRRD) | a folder of image/label pairs")
    p.add_argument("--device", default=None, help="auto (default) | cpu | cuda")
    p.add_argument("--budget", default=None, choices=["small", "full"],
                   help="small (default; CPU, < 1 min) | full (GPU)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument("--interactions", type=int, default=None,
                   help="evaluation interactions (default: the budget's)")
    p.add_argument("--out", default=None, help="output folder (required unless --list)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _settings(args: argparse.Namespace) -> dict:
    """Merge ``--config`` with explicit options (explicit options win)."""
    cfg: dict = {}
    if args.config:
        import yaml

        path = Path(args.config)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such config file")
        cfg = yaml.safe_load(path.read_text()) or {}
        if not isinstance(cfg, dict) or "pipeline" not in cfg:
            raise ValueError(f"{path}: not a pipeline config (needs a 'pipeline' key)")
        unknown = sorted(set(cfg) - set(_KEYS) - {"leaf"})
        if unknown:
            raise ValueError(f"{path}: unknown keys {unknown}; allowed: {list(_KEYS)}")
    given = {"pipeline": args.pipeline or args.leaf, "data": args.data, "device": args.device,
             "budget": args.budget, "seed": args.seed, "interactions": args.interactions}
    cfg.update({k: v for k, v in given.items() if v is not None})
    defaults = {"data": "synthetic", "device": "auto", "budget": "small", "seed": 0,
                "interactions": None}
    return {**defaults, **cfg}


def _run(args: argparse.Namespace) -> int:
    from . import PIPELINES, run_pipeline

    if args.list:
        for pid, p in PIPELINES.items():
            print(f"{p.leaf:<11} {pid:<38} {p.summary}")
        return 0
    s = _settings(args)
    if not s.get("pipeline"):
        raise ValueError("give --leaf, --pipeline or --config (or --list)")
    if not args.out:
        raise ValueError("--out DIR is required")
    res = run_pipeline(s["pipeline"], data=s["data"], out=args.out, device=s["device"],
                       budget=s["budget"], seed=int(s["seed"]), n_interactions=s["interactions"],
                       show_progress=not args.quiet)
    m = res.metrics
    summary = {k: m.get(k) for k in ("pipeline", "leaf", "curve_kind", "dice", "auc", "final",
                                     "NoC@90", "device")}
    summary["total_s"] = round(m["timings"]["total_s"], 2)
    summary["out"] = str(res.out)
    print(json.dumps(summary, indent=1), file=sys.stdout)
    return 0
