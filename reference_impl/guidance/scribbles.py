"""Scribble signals: identity (Eq. 37), B-spline curves (Eq. 35), expansion (Eq. 36)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import cc3d
import numpy as np
import torch

from reference_impl.device import resolve_device
from reference_impl.guidance._local import _check_nonneg, _check_shape
from reference_impl.interactions import Click, Scribble

__all__ = [
    "scribble_identity",
    "bspline_curve",
    "scribble_bspline",
    "scribble_expansion",
    "scribble_signal",
]


def _check_scribbles(scribbles: Sequence[Scribble], shape: tuple[int, ...]) -> list[Scribble]:
    """Validate scribbles: type, dimension, points inside ``shape``."""
    for s in scribbles:
        if not isinstance(s, Scribble):
            raise TypeError(f"scribbles must be Scribble, got {type(s).__name__}")
        if s.points.shape[1] != len(shape):
            raise ValueError(
                f"scribble points are {s.points.shape[1]}D, shape {shape} is {len(shape)}D"
            )
        bad = (s.points < 0) | (s.points >= np.asarray(shape))
        if bad.any():
            raise ValueError(
                f"scribble point {tuple(s.points[bad.any(1)][0])} lies outside shape {shape}"
            )
    return list(scribbles)


def _paint(shape, groups, device) -> torch.Tensor:
    """``(2, *shape)`` float32 with 1 at the integer points of each (label, points) pair."""
    out = torch.zeros((2, *shape), dtype=torch.float32, device=resolve_device(device))
    for label, pts in groups:
        idx = torch.as_tensor(np.asarray(pts, dtype=np.int64), device=out.device)
        if len(idx):
            out[(0 if label == 1 else 1, *idx.T)] = 1.0
    return out


def scribble_identity(
    scribbles: Sequence[Scribble], shape: Sequence[int], *, device: str | torch.device | None = None
) -> torch.Tensor:
    """Identity encoding: 1 at every scribble point (Eq. 37).

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}; channel 0 foreground scribbles, 1 background.

    Examples
    --------
    >>> from reference_impl.interactions import Scribble
    >>> scribble_identity([Scribble(0, [[0, 1], [1, 1]])], (2, 2), device="cpu")[1].tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    shape = _check_shape(shape)
    scribbles = _check_scribbles(scribbles, shape)
    return _paint(shape, [(s.label, s.points) for s in scribbles], device)


def bspline_curve(points: np.ndarray, *, degree: int = 3, n: int = 100) -> np.ndarray:
    """Sample the clamped uniform B-spline with control ``points`` at ``n`` values of t (Eq. 35).

    Parameters
    ----------
    points : (N, D) array
        Control points ``p_i``.
    degree : int, default 3
        Spline degree ``j``; lowered to ``N - 1`` for short scribbles.
    n : int, default 100
        Number of samples, ``t`` uniform in ``[0, 1]``.

    Returns
    -------
    (n, D) float64 ndarray
        ``B(t)``; starts at ``p_1`` and ends at ``p_N`` (clamped knots).

    Examples
    --------
    >>> bspline_curve(np.array([[0, 0], [0, 4]]), n=3).tolist()
    [[0.0, 0.0], [0.0, 2.0], [0.0, 4.0]]
    """
    from scipy.interpolate import BSpline

    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or len(pts) < 1:
        raise ValueError(f"points must have shape (N>=1, D), got {pts.shape}")
    if int(degree) != degree or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    if len(pts) == 1:
        return np.repeat(pts, n, axis=0)
    k = min(int(degree), len(pts) - 1)
    inner = np.linspace(0.0, 1.0, len(pts) - k + 1)[1:-1]
    knots = np.concatenate([np.zeros(k + 1), inner, np.ones(k + 1)])
    return BSpline(knots, pts, k)(np.linspace(0.0, 1.0, int(n)))


def scribble_bspline(
    scribbles: Sequence[Scribble],
    shape: Sequence[int],
    *,
    degree: int = 3,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Binary B-spline curve through each scribble's control points, rasterised (Eq. 35).

    Parameters
    ----------
    scribbles : sequence of Scribble
        Ordered control points per scribble.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    degree : int, default 3
        Spline degree (see :func:`bspline_curve`).
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}: ``G(v) = 1`` on voxels the curve passes through.

    Notes
    -----
    The curve is sampled densely enough that consecutive samples are < 0.5 voxel apart
    (bounded by the control polygon length), then rounded to voxels, so the painted curve is
    connected.  The curve lies in the convex hull of the control points, hence in ``shape``.

    Examples
    --------
    >>> from reference_impl.interactions import Scribble
    >>> m = scribble_bspline([Scribble(1, [[0, 0], [0, 3]])], (1, 4), device="cpu")
    >>> m[0].tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """
    shape = _check_shape(shape)
    scribbles = _check_scribbles(scribbles, shape)
    groups = []
    for s in scribbles:
        pts = s.points.astype(np.float64)
        k = max(1, min(int(degree), len(pts) - 1))
        seg = np.linalg.norm(np.diff(pts, axis=0), axis=1)
        # |B'(t)| <= k * max|Δp| / min knot gap; gap = 1/(N-k): speed <= k (N-k) max|Δp|
        speed = k * max(len(pts) - k, 1) * (seg.max() if len(seg) else 0.0)
        n = int(math.ceil(2.0 * speed)) + 2
        curve = bspline_curve(pts, degree=degree, n=n)
        vox = np.unique(np.clip(np.rint(curve), 0, np.asarray(shape) - 1).astype(np.int64), axis=0)
        groups.append((s.label, vox))
    return _paint(shape, groups, device)


def scribble_expansion(
    scribbles: Sequence[Scribble],
    shape: Sequence[int],
    *,
    image: torch.Tensor,
    threshold: float,
    batch: int = 16,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Scribble expansion by region growing (Eq. 36).

    Parameters
    ----------
    scribbles : sequence of Scribble
        Seed points.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    image : torch.Tensor or numpy.ndarray
        ``(*shape)`` intensities ``I``.
    threshold : float
        ``T``: a voxel joins point ``p``'s region if ``|I(v) - I(p)| < T`` and it is connected
        to ``p`` (full ``3^D - 1`` neighbourhood) through such voxels.
    batch : int, default 16
        Unused (kept for compatibility; the regions are now connected components).
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}: union of the regions per label.

    Notes
    -----
    Eq. (36).  For each distinct seed intensity ``I(p)`` the admissible mask
    ``|I - I(p)| < T`` is labelled once by ``cc3d`` (26-/8-connectivity) and the
    components holding such seeds join the label's union.
    Computed on the CPU (numpy float32, as the image), returned on ``device``.

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Scribble
    >>> img = torch.tensor([[0.0, 0.1, 5.0, 0.0]])
    >>> scribble_expansion([Scribble(1, [[0, 0]])], (1, 4), image=img, threshold=1.0,
    ...                    device="cpu")[0].tolist()
    [[1.0, 1.0, 0.0, 0.0]]
    """
    shape = _check_shape(shape)
    scribbles = _check_scribbles(scribbles, shape)
    threshold = _check_nonneg("threshold", threshold)
    if int(batch) < 1:
        raise ValueError(f"batch must be >= 1, got {batch!r}")
    dev = resolve_device(device)
    img = torch.as_tensor(image).detach().to("cpu", torch.float32).numpy()
    if tuple(img.shape) != shape:
        raise ValueError(f"image shape {tuple(img.shape)} must equal shape {shape}")
    if not np.isfinite(img).all():
        raise ValueError("image contains NaN or infinite values")
    out = np.zeros((2, *shape), dtype=bool)
    conn: Literal[8, 26] = 26 if len(shape) == 3 else 8
    for s in scribbles:
        ch = 0 if s.label == 1 else 1
        pts = np.unique(np.asarray(s.points, dtype=np.int64), axis=0)
        values = img[tuple(pts.T)]
        for v in np.unique(values):  # seeds of equal intensity share one admissible mask
            seeds = pts[values == v]
            allowed = np.abs(img - v) < np.float32(threshold)
            labels = cc3d.connected_components(allowed, connectivity=conn)
            ids = np.unique(labels[tuple(seeds.T)])
            out[ch] |= np.isin(labels, ids[ids > 0]) if len(ids) > 1 else labels == ids[0]
    return torch.from_numpy(out.astype(np.float32)).to(dev)


def scribble_signal(
    scribbles: Sequence[Scribble],
    shape: Sequence[int],
    *,
    signal: str = "gaussian_heatmap",
    **params: object,
) -> torch.Tensor:
    """Apply a click signal (Eq. 4, 7, 8, ...) to all scribble points, as Eq. (1) allows.

    Parameters
    ----------
    scribbles : sequence of Scribble
        Scribbles; every point becomes a click of the scribble's label.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    signal : str, default 'gaussian_heatmap'
        A key of :data:`reference_impl.guidance.CLICK_SIGNALS`.
    **params
        Forwarded to the click signal (``sigma``, ``spacing``, ``device``, ``image``...).

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32, as the click signal returns.

    Examples
    --------
    >>> from reference_impl.interactions import Scribble
    >>> s = scribble_signal([Scribble(1, [[0, 0], [0, 3]])], (1, 4), signal="disk",
    ...                     sigma=1.0, device="cpu")
    >>> s[0].tolist()
    [[1.0, 1.0, 1.0, 1.0]]
    """
    from reference_impl.guidance.registry import get_signal

    shape = _check_shape(shape)
    clicks: list[Click] = []
    for s in _check_scribbles(scribbles, shape):
        clicks.extend(s.as_clicks())
    return get_signal(signal)(clicks, shape, **params)
