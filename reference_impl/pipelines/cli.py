"""``iseg run``: run one taxonomy leaf's reference pipeline (``iseg run --list`` lists them)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["register"]

_KEYS = ("pipeline", "data", "label", "device", "budget", "seed", "interactions")


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg run``."""
    p = sub.add_parser(
        "run",
        help="run a leaf's reference pipeline (metrics.json, dice_curve.png, overlay.png)",
        description="Run one reference pipeline end to end. Bad inputs fail before any "
        "training with exit code 2.",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--leaf", help="taxonomy leaf id, e.g. T2.1.2.2.1")
    which.add_argument("--pipeline", help="pipeline id, e.g. t2.1.2.2.1-center-largest-error")
    which.add_argument("--config", help="a config.yaml written by an earlier run (reproduces it)")
    which.add_argument("--list", action="store_true", help="list the pipelines and exit")
    p.add_argument(
        "--data",
        default=None,
        help="synthetic (default) | a sample name (ct_spleen, mr_brain1, ...) | "
        "IMAGE,LABEL (NIfTI/NRRD) | an image with its <case>_seg (_label, _mask ...) "
        "beside it | a folder of image/label pairs (the forms iseg evaluate accepts)",
    )
    p.add_argument(
        "--label",
        default=None,
        help="the class to evaluate in a multi-class label map: a value or a name "
        "from labels.json beside the label (the other classes may be trained "
        "on; the chosen one never is)",
    )
    p.add_argument("--device", default=None, help="auto (default) | cpu | cuda")
    p.add_argument(
        "--budget",
        default=None,
        choices=["small", "full"],
        help="small (default; CPU, < 1 min) | full (GPU)",
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 0)")
    p.add_argument(
        "--interactions",
        type=int,
        default=None,
        help="evaluation interactions (default: the budget's)",
    )
    p.add_argument("--out", default=None, help="output folder (required unless --list)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_run)


def _read_config(path: Path) -> dict:
    """The settings of a ``config.yaml``, each key type-checked (ValueError names the file)."""
    import yaml

    if not path.is_file():
        raise FileNotFoundError(f"--config {path}: no such config file")
    try:
        cfg = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"--config {path}: not valid YAML: {exc}") from None
    except OSError as exc:
        raise ValueError(f"--config {path}: cannot read: {exc.strerror}") from None
    if not isinstance(cfg, dict) or "pipeline" not in cfg:
        raise ValueError(f"--config {path}: not a pipeline config (needs a 'pipeline' key)")
    unknown = sorted(str(k) for k in set(cfg) - set(_KEYS) - {"leaf"})
    if unknown:
        raise ValueError(f"--config {path}: unknown keys {unknown}; allowed: {list(_KEYS)}")
    for key in ("pipeline", "leaf", "data", "device", "budget"):
        if key in cfg and not isinstance(cfg[key], str):
            raise ValueError(f"--config {path}: '{key}' must be a string, got {cfg[key]!r}")
    for key in ("seed", "interactions"):
        v = cfg.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
            raise ValueError(f"--config {path}: '{key}' must be an integer, got {v!r}")
    lab = cfg.get("label")
    if lab is not None and (isinstance(lab, bool) or not isinstance(lab, int | str)):
        raise ValueError(f"--config {path}: 'label' must be a class value or name, got {lab!r}")
    return cfg


def _settings(args: argparse.Namespace) -> dict:
    """Merge ``--config`` with explicit options (explicit options win)."""
    cfg: dict = _read_config(Path(args.config)) if args.config else {}
    given = {
        "pipeline": args.pipeline or args.leaf,
        "data": args.data,
        "device": args.device,
        "budget": args.budget,
        "seed": args.seed,
        "interactions": args.interactions,
        "label": args.label,
    }
    cfg.update({k: v for k, v in given.items() if v is not None})
    defaults = {
        "data": "synthetic",
        "device": "auto",
        "budget": "small",
        "seed": 0,
        "interactions": None,
        "label": None,
    }
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
    try:
        res = run_pipeline(
            s["pipeline"],
            data=s["data"],
            label=s["label"],
            out=args.out,
            device=s["device"],
            budget=s["budget"],
            seed=s["seed"],
            n_interactions=s["interactions"],
            show_progress=not args.quiet,
            announce=lambda text: print(f"split: {text}", file=sys.stderr, flush=True),
        )
    except FileNotFoundError:
        raise
    except OSError as exc:  # unreadable/unwritable file: a message, not a traceback
        where = exc.filename or "input/output"
        raise ValueError(f"{where}: {exc.strerror or exc}") from None
    m = res.metrics
    summary = {
        k: m.get(k)
        for k in ("pipeline", "leaf", "curve_kind", "dice", "auc", "final", "NoC@90", "device")
    }
    summary["split"] = m["split_text"]
    summary["baselines"] = {
        k: {"dice": [round(v, 4) for v in b["dice"]], "auc": b["auc"], "final": b["final"]}
        for k, b in m["baselines"].items()
    }
    summary["baseline_protocol"] = m["baseline_protocol"]
    summary["total_s"] = round(m["timings"]["total_s"], 2)
    summary["out"] = str(res.out)
    print(json.dumps(summary, indent=1), file=sys.stdout)
    return 0
