"""Benchmark of the Table 9 click-simulation variants on lesion-like phantoms (thesis §4.2)."""

from __future__ import annotations

import os
import platform
import time
from collections.abc import Sequence
from typing import cast

import numpy as np

from ..phantoms import make_phantom
from ._core import CCConnectivity
from .clicksim import simulate_click

__all__ = ["bench_clicksim", "BENCH_VARIANTS"]

BENCH_VARIANTS = (
    ("sakinis", "all"),
    ("argmax", "largest"),
    ("argmax_crop", "largest"),
    ("argmax_crop_resize", "largest"),
)
"""(method, component) per Table 9 row; all include connected components (Sakinis: none)."""


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
        "edt": version("edt"),
        "torch": torch.__version__,
    }
    if device == "cuda":
        info["gpu"] = torch.cuda.get_device_name(0)
        import cupy

        info["cupy"] = cupy.__version__
    return info


def _peer_largest(mask: np.ndarray, connectivity: CCConnectivity = 26) -> np.ndarray:
    """The largest component by a plain cc3d + bincount pipeline (what a user would write)."""
    import cc3d

    labels = cc3d.connected_components(mask, connectivity=connectivity)
    counts = np.bincount(labels.ravel())
    counts[0] = 0
    return labels == int(np.argmax(counts))


def _first_max(d: np.ndarray) -> tuple[int, ...]:
    """First (C order) voxel within 1e-6 of the maximum."""
    flat = np.flatnonzero(d.ravel() >= d.max() * (1 - 1e-6))
    return tuple(int(i) for i in np.unravel_index(flat[0], d.shape))


def _peer_scipy(mask: np.ndarray, spacing, component: str) -> tuple[int, ...]:
    """Peer: scipy's full-volume EDT (border = boundary) and its argmax."""
    from scipy import ndimage as ndi

    target = _peer_largest(mask) if component == "largest" else mask
    d = ndi.distance_transform_edt(np.pad(target, 1), sampling=spacing)
    return _first_max(d[(slice(1, -1),) * mask.ndim])


def _peer_edt(mask: np.ndarray, spacing, component: str) -> tuple[int, ...]:
    """Peer: the ``edt`` package's full-volume EDT (one thread, black border) and its argmax."""
    import edt

    target = _peer_largest(mask) if component == "largest" else mask
    return _first_max(edt.edt(target, anisotropy=spacing, black_border=True, parallel=1))


def _time_all(masks, variants, spacing, repeats):
    """Per-click times (s) and clicks per variant, all warmed up on the first mask, then
    interleaved per click so that load drift hits every variant alike."""
    for fn in variants.values():
        fn(masks[0], spacing)
    times = {k: [] for k in variants}
    clicks = {k: [] for k in variants}
    for m in masks:
        for _ in range(repeats):
            for key, fn in variants.items():
                t0 = time.perf_counter()
                c = fn(m, spacing)
                times[key].append(time.perf_counter() - t0)
                clicks[key].append(c)
    return {k: np.array(v) for k, v in times.items()}, clicks


def _ours(method: str, component: str, device: str):
    def run(m, spacing):
        return simulate_click(
            m,
            method=method,
            component=component,
            spacing=spacing,
            ties="first",
            rng=0,
            device=device,
        )

    return run


def _section(masks, variants, spacing, repeats, exact_ref: str, verbose: bool = False) -> dict:
    """Time ``variants`` on ``masks``; ratios against the fastest full-volume peer."""
    times, clicks = _time_all(masks, variants, spacing, repeats)
    if verbose:
        for key, t in times.items():
            print(f"{key}: median {1e3 * float(np.median(t)):.2f} ms", flush=True)
    peers = [k for k in times if k.startswith("peer_")]
    fastest = min(peers, key=lambda k: float(np.median(times[k])))
    out = {"fastest_peer": fastest, "variants": {}}
    for key, t in times.items():
        entry = _summary(t, times[fastest])
        entry["same_click_as_" + exact_ref] = float(
            np.mean([a == b for a, b in zip(clicks[key], clicks[exact_ref], strict=True)])
        )
        out["variants"][key] = entry
    return out


def _scattered(shape: tuple[int, ...], gen: np.random.Generator) -> np.ndarray:
    """A scattered error: thresholded smoothed noise (thousands of small components)."""
    from scipy import ndimage as ndi

    return ndi.gaussian_filter(gen.random(shape, dtype=np.float32), 1.0) > 0.56


def bench_clicksim(
    shape: Sequence[int] = (400, 400, 352),
    *,
    device: str = "cpu",
    n_cases: int = 3,
    repeats: int = 3,
    spacing: Sequence[float] = (3.0, 2.0, 2.0),
    rng: int = 0,
    peers: Sequence[str] = ("scipy", "edt"),
    verbose: bool = False,
) -> dict:
    """Time one click per Table 9 variant and per full-volume peer on ``n_cases`` phantoms.

    Lesion section: the mask is the phantom's lesion label (several lesions), i.e. the
    first click of an interaction, as in Table 9 ("one click for 100 labels"); the click
    is the centre of the largest component.  Peers (written here, independently of
    :func:`simulate_click`): cc3d labelling, then scipy's or the ``edt`` package's
    full-volume EDT and the first maximum.  Scattered section: ``component="all"`` on
    thresholded noise (thousands of components, the error box covers the volume) against
    the same peers.  Every variant breaks ties by the first voxel in C order, so all must
    return the same click; ratios are the fastest peer's median over the variant's median.
    ``peers`` chooses the peers (``edt`` is always kept: it is the exact reference click);
    dropping ``scipy``, several times slower than ``edt`` here, saves device time on GPU runs.
    ``verbose`` prints each variant's median as each section ends.

    Returns
    -------
    dict
        JSON-ready results: settings, machine, and per-section, per-variant median (min,
        max) seconds, ratio to the fastest peer and agreement with the exact click.
    """
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if "edt" not in peers or not set(peers) <= {"scipy", "edt"}:
        raise ValueError(f"peers must include 'edt' and be among ('scipy', 'edt'), got {peers!r}")
    for name, value in (("n_cases", n_cases), ("repeats", repeats)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1, got {value!r}")
    shape = tuple(int(s) for s in shape)
    if len(shape) != 3 or min(shape) < 8:
        raise ValueError(f"shape must be 3 sizes >= 8, got {shape}")
    gen = np.random.default_rng(rng)
    radius = (max(2.0, min(shape) / 40), max(3.0, min(shape) / 10))
    masks = [
        cast(  # make_phantom always returns a label (never empty with n_lesions >= 1)
            np.ndarray,
            make_phantom(
                shape, n_lesions=4, n_distractors=0, radius_range=radius, noise=0.0, rng=gen
            ).label,
        ).astype(bool)
        for _ in range(n_cases)
    ]
    sp = tuple(float(s) for s in spacing)
    lesion = {
        "peer_scipy_full": lambda m, s: _peer_scipy(m, s, "largest"),
        "peer_edt_full": lambda m, s: _peer_edt(m, s, "largest"),
    }
    for method, component in BENCH_VARIANTS:
        lesion[method] = _ours(method, component, device)
    lesion.pop("sakinis")  # sampled, not an argmax: timed in its own row below
    lesion["sakinis"] = _ours("sakinis", "all", device)
    scat_variants = {
        "peer_scipy_full": lambda m, s: _peer_scipy(m, s, "all"),
        "peer_edt_full": lambda m, s: _peer_edt(m, s, "all"),
        "argmax_crop_all": _ours("argmax_crop", "all", device),
    }
    if "scipy" not in peers:
        lesion.pop("peer_scipy_full")
        scat_variants.pop("peer_scipy_full")
    res_lesion = _section(masks, lesion, sp, repeats, "peer_edt_full", verbose)
    scattered = [_scattered(shape, gen) for _ in range(n_cases)]
    res_scat = _section(scattered, scat_variants, sp, repeats, "peer_edt_full", verbose)
    import cc3d

    return {
        "benchmark": "clicksim (thesis Table 9) against full-volume EDT peers",
        "shape": list(shape),
        "spacing": list(sp),
        "device": device,
        "n_cases": n_cases,
        "repeats": repeats,
        "peers": sorted(peers),
        "mask_voxels_mean": float(np.mean([m.sum() for m in masks])),
        "scattered_components_mean": float(
            np.mean(
                [cc3d.connected_components(m, connectivity=26, return_N=True)[1] for m in scattered]
            )
        ),
        "scattered_voxels_mean": float(np.mean([m.sum() for m in scattered])),
        "lesions": res_lesion,
        "scattered": res_scat,
        "machine": _machine(device),
    }


def _summary(t: np.ndarray, base: np.ndarray) -> dict:
    """Median (min, max) seconds per click and the fastest peer's median over this one."""
    return {
        "median_s": float(np.median(t)),
        "min_s": float(t.min()),
        "max_s": float(t.max()),
        "runs": int(t.size),
        "ratio_fastest_peer_over_this": float(np.median(base) / np.median(t)),
    }
