"""Benchmark of the Table 9 click-simulation variants on lesion-like phantoms (thesis §4.2)."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence

import numpy as np

from ..phantoms import make_phantom
from .clicksim import simulate_click

__all__ = ["bench_clicksim", "BENCH_VARIANTS"]

BENCH_VARIANTS = (
    ("sakinis", "all"),
    ("argmax", "largest"),
    ("argmax_crop", "largest"),
    ("argmax_crop_resize", "largest"),
)
"""(method, component) per Table 9 row; all but Sakinis include connected components."""


def _machine(device: str) -> dict:
    """Machine description stored with the results."""
    from importlib.metadata import version

    import scipy
    import torch

    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cc3d": version("connected-components-3d"),
        "torch": torch.__version__,
    }
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        import cupy

        info["cupy"] = cupy.__version__
    return info


def _time_all(masks, variants, spacing, repeats, seed):
    """Per-click times (s) and clicks per variant; variants interleaved so load drift is shared."""
    times = {k: [] for k in variants}
    clicks = {k: [] for k in variants}
    for k, m in enumerate(masks):
        for r in range(repeats):
            for key, (method, component, dev) in variants.items():
                rng = np.random.default_rng(seed + 1000 * k + r)
                t0 = time.perf_counter()
                c = simulate_click(m, method=method, component=component, spacing=spacing,
                                   rng=rng, device=dev)
                times[key].append(time.perf_counter() - t0)
                clicks[key].append(c)
    return {k: np.array(v) for k, v in times.items()}, clicks


def bench_clicksim(shape: Sequence[int] = (400, 400, 352), *, device: str = "cpu",
                   n_cases: int = 3, repeats: int = 3, spacing: Sequence[float] = (3.0, 2.0, 2.0),
                   rng: int = 0) -> dict:
    """Time one click per Table 9 variant on ``n_cases`` phantoms of ``shape``.

    The mask is the phantom's lesion label (several lesions), i.e. the first click of an
    interaction, as in Table 9 ("one click for 100 labels").  The Sakinis full-volume
    variant always also runs on the CPU (scipy), and every ratio is relative to it.
    ``exact_agreement`` is the share of clicks of a variant equal to the full-volume
    ``argmax`` click for the same seed (1.0 expected for ``argmax_crop``).

    Returns
    -------
    dict
        JSON-ready results: settings, machine, and per-variant mean/std/median seconds,
        ratio to the CPU Sakinis baseline and exact agreement.
    """
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    for name, value in (("n_cases", n_cases), ("repeats", repeats)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 8:
        raise ValueError(f"shape must be 3 sizes >= 8, got {shape}")
    gen = np.random.default_rng(rng)
    radius = (max(2.0, min(shape) / 40), max(3.0, min(shape) / 10))
    masks = [make_phantom(shape, n_lesions=4, n_distractors=0, radius_range=radius,
                          noise=0.0, rng=gen).label.astype(bool) for _ in range(n_cases)]
    variants = {"sakinis_cpu_baseline": ("sakinis", "all", "cpu")}
    for method, component in BENCH_VARIANTS:
        if not (method == "sakinis" and device == "cpu"):
            variants[method] = (method, component, device)
    times, clicks = _time_all(masks, variants, spacing, repeats, rng)
    base_t = times["sakinis_cpu_baseline"]
    results = {}
    for key, t in times.items():
        entry = _summary(t, base_t)
        if key in ("argmax_crop", "argmax_crop_resize"):
            entry["exact_agreement"] = float(np.mean(
                [a == b for a, b in zip(clicks[key], clicks["argmax"], strict=True)]))
        results[key] = entry
    return {
        "benchmark": "clicksim (thesis Table 9)",
        "shape": list(shape),
        "spacing": list(spacing),
        "device": device,
        "n_cases": n_cases,
        "repeats": repeats,
        "mask_voxels_mean": float(np.mean([m.sum() for m in masks])),
        "variants": results,
        "machine": _machine(device),
    }


def _summary(t: np.ndarray, base: np.ndarray) -> dict:
    """Mean/std/median seconds per click and the speed-up against the baseline mean."""
    return {
        "mean_s": float(t.mean()),
        "std_s": float(t.std()),
        "median_s": float(np.median(t)),
        "speedup_vs_sakinis_cpu": float(base.mean() / t.mean()),
    }
