"""Base segmentation metrics: Dice, IoU, HD95, NSD, false-positive and false-negative volume.

All functions take binary masks of the same 2D or 3D shape (non-zero = object) in numpy
axis order with ``spacing`` in the same order, and define the empty cases explicitly.
"""

from __future__ import annotations

from collections.abc import Sequence

import cc3d
import numpy as np
from scipy import ndimage as ndi

__all__ = ["dice", "iou", "hd95", "nsd", "fp_volume", "fn_volume"]


def _pair(pred, label) -> tuple[np.ndarray, np.ndarray]:
    """Both masks as bool arrays of one 2D/3D shape."""
    p, g = np.asarray(pred), np.asarray(label)
    if p.shape != g.shape:
        raise ValueError(f"pred and label shapes differ: {p.shape} vs {g.shape}")
    if p.ndim not in (2, 3):
        raise ValueError(f"masks must be 2D or 3D, got {p.ndim}D")
    return p.astype(bool, copy=False), g.astype(bool, copy=False)


def _spacing(spacing: Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    """Spacing tuple (default isotropic 1 mm), validated."""
    sp = (1.0,) * ndim if spacing is None else tuple(float(s) for s in spacing)
    if len(sp) != ndim or any(s <= 0 for s in sp):
        raise ValueError(f"spacing must be {ndim} positive numbers, got {spacing!r}")
    return sp


def dice(pred, label, *, empty: float = 1.0) -> float:
    """Dice similarity coefficient 2|P∩G| / (|P| + |G|).

    Parameters
    ----------
    pred, label : (M, N[, P]) array
        Binary masks (non-zero = object).
    empty : float
        Value when both masks are empty (1.0: a correct empty prediction).

    Returns
    -------
    float
        Dice in [0, 1].

    Examples
    --------
    >>> dice(np.array([[1, 1, 0]]), np.array([[1, 0, 0]]))
    0.6666666666666666
    """
    p, g = _pair(pred, label)
    denom = int(p.sum()) + int(g.sum())
    return float(empty) if denom == 0 else 2.0 * int((p & g).sum()) / denom


def iou(pred, label, *, empty: float = 1.0) -> float:
    """Intersection over union |P∩G| / |P∪G| (``empty`` when both are empty).

    >>> iou(np.array([[1, 1, 0]]), np.array([[1, 0, 0]]))
    0.5
    """
    p, g = _pair(pred, label)
    union = int((p | g).sum())
    return float(empty) if union == 0 else int((p & g).sum()) / union


def _edges(m: np.ndarray) -> np.ndarray:
    """Surface voxels: the mask minus its erosion (the image border counts as outside)."""
    return m & ~ndi.binary_erosion(m, border_value=0)


def _surface_distances(p: np.ndarray, g: np.ndarray, sp) -> tuple[np.ndarray, np.ndarray]:
    """Distances (mm) from each surface voxel of ``p`` to ``g``'s surface and vice versa."""
    ep, eg = _edges(p), _edges(g)
    d_to_g = ndi.distance_transform_edt(~eg, sampling=sp)
    d_to_p = ndi.distance_transform_edt(~ep, sampling=sp)
    return d_to_g[ep], d_to_p[eg]


def hd95(pred, label, *, spacing: Sequence[float] | None = None) -> float:
    """95th-percentile symmetric Hausdorff distance between the mask surfaces (mm).

    Returns the larger of the two directed 95th percentiles of surface-to-surface
    distances (MONAI's ``percentile=95`` convention); 0.0 when both masks are empty and
    ``inf`` when exactly one is.

    >>> a = np.zeros((5, 5), bool); a[1:4, 1:4] = True
    >>> hd95(a, np.roll(a, 1, axis=1), spacing=(1.0, 2.0))
    2.0
    """
    p, g = _pair(pred, label)
    sp = _spacing(spacing, p.ndim)
    if not p.any() and not g.any():
        return 0.0
    if not p.any() or not g.any():
        return float("inf")
    a, b = _surface_distances(p, g, sp)
    return float(max(np.percentile(a, 95), np.percentile(b, 95)))


def nsd(pred, label, *, spacing: Sequence[float] | None = None, tolerance: float = 2.0) -> float:
    """Normalised surface Dice: share of surface voxels within ``tolerance`` mm of the other.

    ``(|{s in S_P : d(s, S_G) <= tol}| + |{s in S_G : d(s, S_P) <= tol}|) / (|S_P| + |S_G|)``
    with voxel-counted surfaces; 1.0 when both masks are empty, 0.0 when exactly one is.
    The CVPR'25 challenge uses ``tolerance=2`` mm.

    >>> a = np.zeros((5, 5), bool); a[1:4, 1:4] = True
    >>> nsd(a, np.roll(a, 1, axis=1), tolerance=0.5)
    0.5
    """
    p, g = _pair(pred, label)
    sp = _spacing(spacing, p.ndim)
    if tolerance < 0:
        raise ValueError(f"tolerance must be >= 0 mm, got {tolerance!r}")
    if not p.any() and not g.any():
        return 1.0
    if not p.any() or not g.any():
        return 0.0
    a, b = _surface_distances(p, g, sp)
    return float(((a <= tolerance).sum() + (b <= tolerance).sum()) / (a.size + b.size))


def _untouched_volume(src: np.ndarray, other: np.ndarray, sp, connectivity: int) -> float:
    """Volume (ml) of the components of ``src`` that share no voxel with ``other``."""
    if not src.any():
        return 0.0
    conn = connectivity if src.ndim == 3 else (4 if connectivity == 6 else 8)
    labels = cc3d.connected_components(src, connectivity=conn)
    touched = np.unique(labels[other & src])
    n_untouched = int(np.isin(labels, touched, invert=True).sum() - (labels == 0).sum())
    return n_untouched * float(np.prod(sp)) / 1000.0


def fp_volume(pred, label, *, spacing: Sequence[float] | None = None,
              connectivity: int = 18) -> float:
    """False-positive volume (ml): predicted components that do not overlap the label.

    autoPET definition (component-based, 18-connectivity by default; ``spacing`` in mm).

    >>> p = np.zeros((1, 5, 5), bool); p[0, 0, 0] = p[0, 4, 4] = True
    >>> g = np.zeros_like(p); g[0, 0, 0] = True
    >>> fp_volume(p, g, spacing=(10.0, 10.0, 10.0))
    1.0
    """
    p, g = _pair(pred, label)
    if connectivity not in (6, 18, 26):
        raise ValueError(f"connectivity must be one of (6, 18, 26), got {connectivity!r}")
    return _untouched_volume(p, g, _spacing(spacing, p.ndim), connectivity)


def fn_volume(pred, label, *, spacing: Sequence[float] | None = None,
              connectivity: int = 18) -> float:
    """False-negative volume (ml): label components that the prediction does not touch.

    >>> p = np.zeros((1, 5, 5), bool); p[0, 0, 0] = True
    >>> g = np.zeros_like(p); g[0, 0, 0] = g[0, 4, 4] = True
    >>> fn_volume(p, g)
    0.001
    """
    p, g = _pair(pred, label)
    if connectivity not in (6, 18, 26):
        raise ValueError(f"connectivity must be one of (6, 18, 26), got {connectivity!r}")
    return _untouched_volume(g, p, _spacing(spacing, p.ndim), connectivity)
