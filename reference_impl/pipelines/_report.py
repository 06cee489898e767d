"""What a leaf-pipeline run writes: its metrics, configuration and plots (the report half of
:mod:`._runner`, which validates, runs and writes atomically).

``write_report`` fills the run's temporary folder with ``metrics.json`` (JSON-safe: NaN and
infinities become ``null``), ``config.yaml`` (what ``iseg run --config`` reads back),
``dice_curve.png`` and ``overlay.png``.

>>> clean_json({"a": float("nan"), "b": (1, 2.5)})
{'a': None, 'b': [1, 2.5]}
"""

from __future__ import annotations

import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np

from ._base import PipelineResult

__all__ = ["clean_json", "interactive_metrics", "run_config", "run_versions", "write_report"]


def run_versions() -> dict[str, str]:
    import monai
    import torch

    try:
        from importlib.metadata import version

        iseg = version("iseg-navigator")
    except Exception:  # noqa: BLE001 - not installed as a distribution
        iseg = "unknown"
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "monai": monai.__version__,
        "iseg-navigator": iseg,
    }


def interactive_metrics(res: PipelineResult, n: int) -> dict[str, Any]:
    from ..metrics import auc, consistent_improvement, final, noc_summary

    out: dict[str, Any] = {
        "dice": res.curve,
        "dice_per_volume": res.per_volume,
        "final": final(res.curve),
        "initial": float(res.curve[0]),
    }
    if len(res.curve) > 1:
        out["auc"] = auc(res.curve)
        out["consistent_improvement"] = float(
            np.mean([consistent_improvement(c) for c in res.per_volume])
        )
    if res.curve_kind == "interaction" and len(res.curve) > 1:
        out.update(noc_summary(res.per_volume, thresholds=(0.85, 0.90), max_clicks=n))
    return out


def clean_json(obj):
    """JSON-safe copy: NaN/inf -> None, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): clean_json(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean_json(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def run_config(pipe, data, label, device, budget, seed, n_interactions) -> dict[str, Any]:
    return {
        "pipeline": pipe.id,
        "leaf": pipe.leaf,
        "data": data if isinstance(data, str | Path) else "<in-memory volumes>",
        "label": label,
        "device": str(device),
        "budget": budget,
        "seed": int(seed),
        "interactions": int(n_interactions),
    }


def write_report(tmp: Path, metrics: dict, res: PipelineResult, config: dict, title: str) -> None:
    import yaml

    from ._plots import dice_curve, overlay

    (tmp / "metrics.json").write_text(json.dumps(clean_json(metrics), indent=2) + "\n")
    cfg = {k: (str(v) if isinstance(v, Path) else v) for k, v in config.items()}
    header = "# Reproduce with: iseg run --config config.yaml --out DIR\n"
    (tmp / "config.yaml").write_text(header + yaml.safe_dump(cfg, sort_keys=False))
    dice_curve(res, tmp / "dice_curve.png", title=title)
    if res.trajectories:
        overlay(res.trajectories[0], tmp / "overlay.png", title=title)
