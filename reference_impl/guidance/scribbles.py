"""Scribble signals: identity (Eq. 37), B-spline curves (Eq. 35), expansion (Eq. 36)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

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
        Seed points grown together (memory: ``batch`` volumes).
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}: union of the regions per label.

    Notes
    -----
    Eq. (36); grown on the device by repeated 3^D max-pooling restricted to the admissible
    mask of each seed point until nothing changes.

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
    dev = resolve_device(device)
    img = torch.as_tensor(image).to(dev, torch.float32)
    if tuple(img.shape) != shape:
        raise ValueError(f"image shape {tuple(img.shape)} must equal shape {shape}")
    out = torch.zeros((2, *shape), dtype=torch.float32, device=dev)
    pool = F.max_pool2d if len(shape) == 2 else F.max_pool3d
    for s in scribbles:
        pts = np.unique(s.points, axis=0)
        for i in range(0, len(pts), batch):
            chunk = torch.as_tensor(pts[i : i + batch], device=dev)
            values = img[tuple(chunk.T)]
            allowed = (img[None] - values.reshape((-1,) + (1,) * len(shape))).abs() < threshold
            region = torch.zeros_like(allowed, dtype=torch.float32)
            region[(torch.arange(len(chunk), device=dev), *chunk.T)] = 1.0
            region = region * allowed
            while True:
                grown = pool(region[None], 3, stride=1, padding=1)[0] * allowed
                if torch.equal(grown, region):
                    break
                region = grown
            ch = 0 if s.label == 1 else 1
            out[ch] = torch.maximum(out[ch], region.amax(0))
    return out


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
