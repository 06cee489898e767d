"""``iseg bench metrics``: hd95 and NSD against MONAI's functions on the bundled CT organs.

For every organ of the TotalSegmentator example (``../shared/data/totalsegmentator_example``)
the label is compared with a prediction shifted by two voxels along x; our :func:`hd95` /
:func:`nsd` and MONAI's ``compute_hausdorff_distance(percentile=95)`` /
``compute_surface_dice`` run on the same masks (MONAI's tensors are built outside the
timing), both warmed up, interleaved, with the median (min, max) of the runs.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .base import hd95, nsd

__all__ = ["bench_metrics"]


def _organs(min_voxels: int) -> tuple[list[tuple[str, np.ndarray]], tuple[float, ...], str]:
    """(name, mask) for every organ of the TotalSegmentator example, and its spacing."""
    from reference_impl.io import read_label_names, read_volume, shared_data_dir

    d = shared_data_dir()
    if d is None:
        raise ValueError(
            "the bundled data folder (../shared/data) was not found; "
            "set ISEG_DATA to the folder holding totalsegmentator_example/"
        )
    path = Path(d) / "totalsegmentator_example" / "example_seg.nii.gz"
    seg, spacing, _ = read_volume(path)
    names = read_label_names(path)
    out = []
    for v in np.unique(seg):
        m = seg == v
        if v != 0 and int(m.sum()) >= min_voxels:
            out.append((names.get(int(v), str(int(v))), m))
    return out, tuple(float(s) for s in spacing), str(path)


def _interleaved(fns: dict[str, Callable[[], float]], repeats: int) -> dict[str, dict]:
    """Warm every function up, then run them in turn ``repeats`` times; times and value."""
    values = {k: fn() for k, fn in fns.items()}
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return {k: {"value": float(values[k]), "median_s": statistics.median(t), "min_s": min(t),
                "max_s": max(t)} for k, t in times.items()}  # fmt: skip


def _organ_fns(
    pred: np.ndarray, lab: np.ndarray, sp, tolerance: float
) -> dict[str, Callable[[], float]]:
    """The four timed calls (ours and MONAI, hd95 and NSD) for one organ."""
    import torch
    from monai.metrics import compute_hausdorff_distance, compute_surface_dice

    tp, tl = (
        torch.from_numpy(pred)[None, None].float(),
        torch.from_numpy(lab)[None, None].float(),
    )
    tp2, tl2 = torch.cat([1 - tp, tp], 1), torch.cat([1 - tl, tl], 1)
    return {
        "ours_hd95": lambda: hd95(pred, lab, spacing=sp),
        "monai_hd95": lambda: compute_hausdorff_distance(
            tp, tl, percentile=95, spacing=list(sp)).item(),
        "ours_nsd": lambda: nsd(pred, lab, spacing=sp, tolerance=tolerance),
        "monai_nsd": lambda: compute_surface_dice(
            tp2, tl2, [tolerance], spacing=list(sp)).item(),
    }  # fmt: skip


def bench_metrics(
    *,
    repeats: int = 5,
    tolerance: float = 2.0,
    shift: int = 2,
    min_voxels: int = 100,
    max_organs: int | None = None,
) -> dict:
    """Time hd95/NSD vs MONAI per organ; sums of medians give the overall ratios."""
    import torch

    if int(repeats) < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats!r}")
    torch.set_num_threads(1)
    organs, sp, path = _organs(min_voxels)
    organs = organs if max_organs is None else organs[: int(max_organs)]
    rows: dict[str, dict[str, Any]] = {}
    for name, lab in organs:
        pred = np.roll(lab, shift, axis=-1)
        rows[name] = _interleaved(_organ_fns(pred, lab, sp, tolerance), repeats)
        rows[name]["voxels"] = int(lab.sum())
    summary = {}
    for metric in ("hd95", "nsd"):
        ours = sum(r[f"ours_{metric}"]["median_s"] for r in rows.values())
        monai = sum(r[f"monai_{metric}"]["median_s"] for r in rows.values())
        per = [
            r[f"monai_{metric}"]["median_s"] / r[f"ours_{metric}"]["median_s"]
            for r in rows.values()
        ]
        summary[metric] = {
            "ours_sum_of_medians_s": ours, "monai_sum_of_medians_s": monai,
            "ratio_monai_over_ours": monai / ours,
            "per_organ_ratio_min": min(per), "per_organ_ratio_median": statistics.median(per),
            "per_organ_ratio_max": max(per),
            "max_abs_value_diff": max(abs(r[f"ours_{metric}"]["value"] - r[f"monai_{metric}"]["value"])
                                      for r in rows.values()),
        }  # fmt: skip
    import monai
    import torch as _t

    return {
        "benchmark": "hd95 / NSD vs MONAI on the bundled CT organs (issue 15)",
        "data": path,
        "spacing": list(sp),
        "shape": list(organs[0][1].shape) if organs else None,
        "prediction": f"label shifted by {shift} voxels along the last axis (x)",
        "tolerance_mm": tolerance,
        "repeats": repeats,
        "n_organs": len(rows),
        "summary": summary,
        "organs": rows,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "torch": _t.__version__,
            "torch_threads": _t.get_num_threads(),
            "monai": monai.__version__,
        },  # fmt: skip
    }
