"""One strict validation of the numeric inputs shared by guidance, robot users and metrics.

Private to ``reference_impl``: the kernels of ``guidance``, ``robot_users`` and ``metrics``
call these helpers so that the same bad value (NaN spacing, a NaN threshold, a probability
map passed as a mask, a sigma asking for terabytes) is refused with the same message
everywhere, before anything is computed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = [
    "MAX_KERNEL_VOXELS",
    "SPACING_RANGE",
    "check_spacing",
    "check_nonneg",
    "check_fraction",
    "check_kernel_size",
    "check_binary",
]

SPACING_RANGE = (1e-6, 1e6)
"""Accepted voxel size per axis (mm): a nanometre to a kilometre.

Outside it, float32 distances under- or overflow (every distance 0 or ``inf``) and local
stamps become absurd, so such spacings are refused rather than silently mis-computed.
"""

MAX_KERNEL_VOXELS = 2**26
"""Largest local stamp (voxels) a click signal may build: 67 M voxels, 256 MB in float32.

A Gaussian or disk stamp spans ``prod(2 r + 1)`` voxels with ``r = floor(truncate * sigma /
spacing)`` per axis; a larger request (e.g. ``sigma=1e6`` or ``spacing=1e-12``) is refused
instead of trying to allocate terabytes.
"""


def check_spacing(spacing: Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    """Voxel spacing as ``ndim`` finite positive floats (``None`` -> isotropic 1).

    Raises
    ------
    ValueError
        Wrong length, or any value NaN, infinite, zero or negative, or outside
        :data:`SPACING_RANGE`.
    """
    if spacing is None:
        return (1.0,) * ndim
    try:
        sp = tuple(float(s) for s in spacing)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"spacing must be {ndim} positive finite numbers, got {spacing!r}"
        ) from exc
    if len(sp) != ndim or not all(math.isfinite(s) and s > 0 for s in sp):
        raise ValueError(f"spacing must be {ndim} positive finite numbers, got {tuple(spacing)!r}")
    lo, hi = SPACING_RANGE
    if not all(lo <= s <= hi for s in sp):
        raise ValueError(
            f"spacing must be {ndim} positive finite numbers in [{lo:g}, {hi:g}] mm, "
            f"got {tuple(spacing)!r}"
        )
    return sp


def check_nonneg(name: str, value: float) -> float:
    """A finite scalar ``>= 0`` (sigma, tolerance, margins)."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}") from exc
    if not (math.isfinite(v) and v >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
    return v


def check_fraction(name: str, value: float, *, lo: float = 0.0, hi: float = 1.0) -> float:
    """A finite scalar in ``[lo, hi]`` (thresholds, probabilities); NaN is refused."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a number in [{lo}, {hi}], got {value!r}") from exc
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValueError(f"{name} must be a number in [{lo}, {hi}], got {v!r}")
    return v


def check_kernel_size(radius: Sequence[int], *, name: str = "sigma") -> None:
    """Refuse a local stamp of ``prod(2 r + 1)`` voxels above :data:`MAX_KERNEL_VOXELS`."""
    n = math.prod(2 * int(r) + 1 for r in radius)
    if n > MAX_KERNEL_VOXELS:
        raise ValueError(
            f"{name} implies a {tuple(2 * int(r) + 1 for r in radius)} voxel stamp ({n:.3g} voxels), "
            f"above the limit of {MAX_KERNEL_VOXELS} voxels; use a smaller {name} or a coarser spacing"
        )


def check_binary(a, name: str) -> np.ndarray:
    """A 2D/3D binary mask as a bool array: values must be 0/1 (or bool).

    Raises
    ------
    ValueError
        Not 2D/3D, NaN/inf values, or values other than 0 and 1 (label values such as
        ``{0, 2, 255}`` are not merged silently: pass ``label == k``; a probability map is
        not a mask: threshold it first).
    """
    if a is None:
        raise ValueError(f"{name} is required, got None")
    m = np.asarray(a)
    if m.ndim not in (2, 3):
        raise ValueError(f"{name} must be a 2D or 3D array, got {m.ndim}D with shape {m.shape}")
    if m.dtype == bool:
        return m
    if m.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric 0/1 mask, got dtype {m.dtype}")
    if m.size:
        if m.dtype.kind == "f" and not np.isfinite(m).all():
            raise ValueError(f"{name} contains NaN or infinite values; a mask must be 0/1")
        if m.dtype.kind == "u" and m.max() <= 1:
            return m.astype(bool)
        if m.dtype.kind in "ib" and m.min() >= 0 and m.max() <= 1:
            return m.astype(bool)
        if m.dtype.kind == "f" and bool(((m == 0) | (m == 1)).all()):
            return m.astype(bool)
        vals = np.unique(m)
        shown = vals[:6].tolist()
        raise ValueError(
            f"{name} must be a binary mask with values 0/1, got values {shown}"
            f"{' ...' if vals.size > 6 else ''}: pass `{name} == k` for one label, or threshold "
            "a probability map"
        )
    return m.astype(bool)
