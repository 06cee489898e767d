"""Private helpers shared by the robot users: error masks, components, EDT, tie-breaking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, cast

import cc3d
import edt as _edt
import numpy as np

from .._validate import check_binary
from .._validate import check_spacing as _check_spacing
from ..interactions import Click

CONNECTIVITIES = (6, 26)
CCConnectivity = Literal[4, 6, 8, 18, 26]
"""The connectivities cc3d accepts (4/8 in 2D; 6/18/26 in 3D)."""
_TIE_RTOL = 1e-6
"""Relative tolerance of an argmax tie: the EDT is float32 (``edt``), ~6e-8 relative rounding."""


def as_mask(a: np.ndarray | None, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Binary mask (bool) from a 0/1 array, checking 2D/3D, values and the shape.

    Values other than 0/1 (``{0, 2, 255}``, a probability map, NaN) are refused
    (:func:`reference_impl._validate.check_binary`).
    """
    m = check_binary(a, name)
    if shape is not None and m.shape != tuple(shape):
        raise ValueError(f"{name} has shape {m.shape}, expected {tuple(shape)}")
    return m


def check_spacing(spacing: Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    """Voxel spacing as ``ndim`` finite positive floats (default isotropic 1)."""
    return _check_spacing(spacing, ndim)


def cc_connectivity(connectivity: int, ndim: int) -> CCConnectivity:
    """Map a 3D connectivity in {6, 26} to cc3d's value for ``ndim`` (4/8 in 2D)."""
    if connectivity not in CONNECTIVITIES:
        raise ValueError(f"connectivity must be one of {CONNECTIVITIES}, got {connectivity!r}")
    if ndim == 2:
        return 4 if connectivity == 6 else 8
    return cast(CCConnectivity, connectivity)  # in CONNECTIVITIES, checked above


def largest_component(mask: np.ndarray, *, connectivity: int = 26) -> np.ndarray:
    """Largest connected component of ``mask`` (ties: lowest cc3d label); empty in, empty out."""
    if not mask.any():
        return np.zeros_like(mask, dtype=bool)
    labels = cc3d.connected_components(mask, connectivity=cc_connectivity(connectivity, mask.ndim))
    counts = np.bincount(labels.ravel())
    counts[0] = 0
    return labels == int(np.argmax(counts))


def components(mask: np.ndarray, *, connectivity: int = 26) -> tuple[np.ndarray, int]:
    """Connected-component labels of ``mask`` and their number."""
    labels, n = cc3d.connected_components(
        mask, connectivity=cc_connectivity(connectivity, mask.ndim), return_N=True
    )
    return labels, int(n)


def edt(
    mask: np.ndarray, spacing: Sequence[float], *, border_is_boundary: bool = True
) -> np.ndarray:
    """Euclidean distance (mm) of each mask voxel to the nearest non-mask voxel (float32).

    Computed with the ``edt`` package (one thread).  With ``border_is_boundary`` the image
    border counts as background (``black_border``), so a mask touching the border is at
    distance one voxel from it (the RITM convention).  Without it, a mask with no
    background voxel at all gives ``inf`` everywhere.
    """
    m = np.ascontiguousarray(mask, dtype=bool)
    if not m.any():
        return np.zeros(m.shape, np.float32)
    return _edt.edt(
        m, anisotropy=tuple(float(s) for s in spacing), black_border=border_is_boundary, parallel=1
    )


def argmax_with_ties(values: np.ndarray, rng: np.random.Generator | None) -> tuple[int, ...] | None:
    """Index of the maximum of ``values`` (> 0 only); ties (relative 1e-6) by ``rng``.

    Ties are listed in raveled (C) order, so two arrays with the same tie set pick the
    same index for the same generator state; ``rng=None`` picks the first tie (the
    lowest index in C order), deterministically.
    """
    vmax = float(values.max()) if values.size else 0.0
    if vmax <= 0:
        return None
    ties = np.flatnonzero(values.ravel() >= vmax * (1.0 - _TIE_RTOL))
    pick = ties[rng.integers(len(ties))] if len(ties) > 1 and rng is not None else ties[0]
    return tuple(int(i) for i in np.unravel_index(pick, values.shape))


def sample_weighted(weights: np.ndarray, rng: np.random.Generator) -> tuple[int, ...] | None:
    """Draw one index with probability proportional to the non-negative ``weights``."""
    flat = weights.ravel()
    nz = np.flatnonzero(flat > 0)
    if nz.size == 0:
        return None
    w = flat[nz].astype(np.float64)
    idx = nz[rng.choice(nz.size, p=w / w.sum())]
    return tuple(int(i) for i in np.unravel_index(idx, weights.shape))


def sample_log_weighted(
    log_w: np.ndarray, mask: np.ndarray, rng: np.random.Generator
) -> tuple[int, ...] | None:
    """Draw one index of ``mask`` with probability proportional to ``exp(log_w)`` (Gumbel-max)."""
    nz = np.flatnonzero(mask.ravel())
    if nz.size == 0:
        return None
    lw = log_w.ravel()[nz]
    idx = nz[int(np.argmax(lw + rng.gumbel(size=nz.size)))]
    return tuple(int(i) for i in np.unravel_index(idx, mask.shape))


def sample_uniform(mask: np.ndarray, rng: np.random.Generator) -> tuple[int, ...] | None:
    """One index drawn uniformly from the True voxels of ``mask`` (None when empty)."""
    nz = np.flatnonzero(mask.ravel())
    if nz.size == 0:
        return None
    return tuple(int(i) for i in np.unravel_index(nz[rng.integers(nz.size)], mask.shape))


def exclude_clicked(mask: np.ndarray, clicks: Iterable[Click]) -> np.ndarray:
    """Copy of ``mask`` with the voxels of earlier clicks removed (never click twice)."""
    out = mask
    for c in clicks:
        if len(c.index) == mask.ndim and all(
            0 <= i < s for i, s in zip(c.index, mask.shape, strict=True)
        ):
            if out is mask:
                out = mask.copy()
            out[c.index] = False
    return out


def error_masks(label: np.ndarray, pred: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """False-negative (under-segmented) and false-positive (over-segmented) masks."""
    lab = as_mask(label, "label")
    if pred is None:
        return lab.copy(), np.zeros_like(lab)
    prd = as_mask(pred, "pred", lab.shape)
    return lab & ~prd, prd & ~lab
