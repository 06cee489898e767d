"""Non-iterative robot users of thesis §5.1.2 (Eq. 12-16): all interactions from the label.

Sampling-based clicks (Eq. 12), rule-based clicks (Eq. 13: object centre, extreme points,
interior margin points), skeleton scribbles (Eq. 14, medial axis), bounding boxes (Eq. 15)
and polygon vertices sampled on the boundary (Eq. 16).
"""

from __future__ import annotations

import numpy as np
from skimage import measure, morphology

from ..interactions import FOREGROUND, Box, Click, Polygon, Scribble
from ._core import as_mask, check_spacing, edt, largest_component
from .clicksim import simulate_click

__all__ = [
    "SAMPLING_STRATEGIES",
    "sample_clicks",
    "object_center",
    "extreme_points",
    "interior_margin_points",
    "skeleton_scribble",
    "bounding_box",
    "polygon_vertices",
]

SAMPLING_STRATEGIES = ("uniform", "edt", "center")


def _aff(affine):
    return None if affine is None else np.asarray(affine, dtype=np.float64)


def _nonempty(label, name="label") -> np.ndarray:
    m = as_mask(label, name)
    if not m.any():
        raise ValueError(f"{name} is empty: no interaction can be simulated")
    return m


def sample_clicks(
    label,
    n: int,
    *,
    strategy: str = "uniform",
    spacing=None,
    rng=None,
    affine=None,
    sigma: float = 0.25,
) -> list[Click]:
    """Sample ``n`` distinct foreground clicks from the label (Eq. 12).

    Parameters
    ----------
    label : (M, N[, P]) array
        Ground truth (non-zero = object).
    n : int
        Number of clicks (at most the number of label voxels).
    strategy : {'uniform', 'edt', 'center'}
        ``uniform`` over the label; ``edt``: probability proportional to the distance to the
        boundary; ``center``: Gaussian weight around the label's centroid with standard
        deviation ``sigma`` times the label's extent per axis.
    spacing, rng, affine
        As for the iterative users.
    sigma : float
        Relative width of the ``center`` weighting.

    Returns
    -------
    list of Click

    Examples
    --------
    >>> lab = np.zeros((4, 4)); lab[1, 1:3] = 1
    >>> sorted(c.index for c in sample_clicks(lab, 2, rng=0))
    [(1, 1), (1, 2)]
    """
    if strategy not in SAMPLING_STRATEGIES:
        raise ValueError(f"strategy must be one of {SAMPLING_STRATEGIES}, got {strategy!r}")
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 (a share of the label extent), got {sigma!r}")
    m = _nonempty(label)
    if not 1 <= n <= int(m.sum()):
        raise ValueError(f"n must be in [1, {int(m.sum())}] (label voxels), got {n}")
    rng = np.random.default_rng(rng)
    idx = np.argwhere(m)
    if strategy == "uniform":
        w = np.ones(len(idx))
    elif strategy == "edt":
        w = edt(m, check_spacing(spacing, m.ndim))[tuple(idx.T)]
    else:
        extent = idx.max(0) - idx.min(0) + 1
        z = (idx - idx.mean(0)) / (sigma * extent)
        w = np.exp(-0.5 * (z**2).sum(1))
    pick = rng.choice(len(idx), size=n, replace=False, p=w / w.sum())
    return [Click(FOREGROUND, tuple(idx[i]), affine=_aff(affine)) for i in pick]


def object_center(label, *, spacing=None, rng=None, affine=None, connectivity: int = 26) -> Click:
    """Rule-based click at the centre of the largest component (EDT argmax; Eq. 13).

    The EDT argmax lies inside the object even for non-convex shapes (thesis Fig. 19).
    Deterministic: equally central voxels go to the first in C order (``rng`` is unused,
    kept for a common signature), so every call returns the same centre.

    >>> lab = np.zeros((5, 5)); lab[1:4, 1:4] = 1
    >>> object_center(lab).index
    (2, 2)
    """
    m = _nonempty(label)
    idx = simulate_click(
        m,
        method="argmax_crop",
        component="largest",
        connectivity=connectivity,
        spacing=spacing,
        ties="first",
    )
    assert idx is not None  # m is non-empty (_nonempty), so simulate_click finds a voxel
    return Click(FOREGROUND, idx, affine=_aff(affine))


def _extremes(m: np.ndarray) -> list[np.ndarray]:
    """Per axis: the min and max voxel along it; ties resolved by the median tie (raster)."""
    idx = np.argwhere(m)
    out = []
    for ax in range(m.ndim):
        for v in (idx[:, ax].min(), idx[:, ax].max()):
            ties = idx[idx[:, ax] == v]
            out.append(ties[len(ties) // 2])
    return out


def extreme_points(label, *, affine=None) -> list[Click]:
    """The 2·D extreme points (min and max along each axis) of the label (Eq. 13).

    >>> lab = np.zeros((5, 5)); lab[1:4, 2] = 1; lab[2, 1:4] = 1
    >>> [c.index for c in extreme_points(lab)]
    [(1, 2), (3, 2), (2, 1), (2, 3)]
    """
    m = _nonempty(label)
    return [Click(FOREGROUND, tuple(p), affine=_aff(affine)) for p in _extremes(m)]


def interior_margin_points(label, *, margin: float = 0.1, affine=None) -> list[Click]:
    """Extreme points moved towards the centroid by ``margin`` of the distance (Eq. 13).

    Each point moves along the line to the label centroid by ``margin`` (fraction in
    [0, 1)) of its distance and, if that voxel is not in the label, further along the same
    line to the first label voxel.

    >>> lab = np.zeros((1, 11)); lab[0, :] = 1
    >>> [c.index for c in interior_margin_points(lab, margin=0.2)]
    [(0, 5), (0, 5), (0, 1), (0, 9)]
    """
    if not 0 <= margin < 1:
        raise ValueError(f"margin must be in [0, 1), got {margin!r}")
    m = _nonempty(label)
    centroid = np.argwhere(m).mean(0)
    out = []
    for p in _extremes(m):
        q = p.copy()
        for t in np.linspace(margin, 1.0, 50):
            cand = np.rint(p + t * (centroid - p)).astype(int)
            if m[tuple(cand)]:
                q = cand
                break
        out.append(Click(FOREGROUND, tuple(q), affine=_aff(affine)))
    return out


def skeleton_scribble(label, *, largest_only: bool = False, affine=None) -> Scribble:
    """Foreground scribble on the medial axis of the label (Eq. 14).

    2D uses :func:`skimage.morphology.medial_axis`, 3D the Lee skeleton
    (:func:`skimage.morphology.skeletonize`).  A label too thin to have a skeleton yields
    its EDT-argmax voxel.  Points are in raster order.

    >>> lab = np.zeros((5, 9)); lab[1:4, 1:8] = 1
    >>> pts = skeleton_scribble(lab).points
    >>> bool(lab[tuple(pts.T)].all()), sorted(set(pts[:, 0].tolist()))
    (True, [1, 2, 3])
    """
    m = _nonempty(label)
    if largest_only:
        m = largest_component(m, connectivity=26)
    sk = morphology.medial_axis(m) if m.ndim == 2 else morphology.skeletonize(m) > 0
    pts = np.argwhere(sk & m)
    if len(pts) == 0:
        pts = np.array([object_center(m).index])
    return Scribble(FOREGROUND, pts, affine=_aff(affine))


def bounding_box(label, *, affine=None) -> Box:
    """The tightest axis-aligned box enclosing the label (Eq. 15; ``hi`` exclusive).

    >>> lab = np.zeros((6, 6)); lab[1:3, 2:5] = 1
    >>> b = bounding_box(lab); (b.lo, b.hi)
    ((1, 2), (3, 5))
    """
    m = _nonempty(label)
    idx = np.argwhere(m)
    return Box(tuple(idx.min(0)), tuple(idx.max(0) + 1), affine=_aff(affine))


def polygon_vertices(
    label2d, n: int, *, rng=None, slice_index: int | None = None, axis: int = 0
) -> Polygon:
    """``n`` polygon vertices sampled along the label boundary of a 2D mask (Eq. 16).

    The boundary is the 0.5 iso-contour of the largest component (sub-voxel ``(y, x)``);
    vertices are equally spaced in arc length from a random start drawn with ``rng``.

    >>> lab = np.zeros((8, 8)); lab[2:6, 2:6] = 1
    >>> polygon_vertices(lab, 4, rng=0).vertices.shape
    (4, 2)
    """
    m = _nonempty(label2d, "label2d")
    if m.ndim != 2:
        raise ValueError(f"polygon_vertices needs a 2D mask, got {m.ndim}D")
    if n < 3:
        raise ValueError(f"a polygon needs n >= 3 vertices, got {n}")
    rng = np.random.default_rng(rng)
    comp = largest_component(m, connectivity=26)
    contours = measure.find_contours(np.pad(comp, 1).astype(float), 0.5)
    c = max(contours, key=len) - 1.0
    seg = np.sqrt((np.diff(c, axis=0) ** 2).sum(1))
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    total = arc[-1]
    s = (rng.random() * total + np.arange(n) * total / n) % total
    verts = np.stack([np.interp(s, arc, c[:, 0]), np.interp(s, arc, c[:, 1])], axis=1)
    return Polygon(verts[np.argsort(s)], slice_index=slice_index, axis=axis)
