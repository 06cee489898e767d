"""Eligibility-mask robot users of OmniMedSeg (thesis §8.2.3.2).

A robot user picks interactions inside an *eligibility mask* M = f(image, label, pred):
the label, the error, a high-uptake background, an organ mask, ...  On M we provide
clicks in 6 styles (largest or random component x centre, boundary or random voxel),
scribbles (centerline, boundary, random lines; fragmented by a random mask and deformed
by a smooth displacement, then confined to M, after ScribblePrompt), bounding boxes
(perfect, careful +5-10 %, sloppy asymmetric 5-10 %) and 2D polygons.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage as ndi
from skimage import draw, morphology

from ..interactions import FOREGROUND, Box, Click, Polygon, Scribble
from ._core import as_mask, check_spacing, components, edt, largest_component
from .clicksim import simulate_click
from .noniterative import polygon_vertices

__all__ = [
    "ELIGIBILITY",
    "eligibility_mask",
    "CLICK_STYLES",
    "eligibility_click",
    "SCRIBBLE_STYLES",
    "eligibility_scribble",
    "BOX_STYLES",
    "eligibility_box",
    "eligibility_polygon",
]


def _high_uptake(image, label, pred, percentile=95.0):
    """Voxels outside the label brighter than the image's percentile (autoPET / R5)."""
    return (np.asarray(image) > np.percentile(image, percentile)) & ~as_mask(label, "label")


ELIGIBILITY: dict[str, Callable[..., np.ndarray]] = {
    "label": lambda image, label, pred: as_mask(label, "label"),
    "background": lambda image, label, pred: ~as_mask(label, "label"),
    "error": lambda image, label, pred: as_mask(label, "label") ^ as_mask(pred, "pred"),
    "false_negative": lambda image, label, pred: as_mask(label, "label") & ~as_mask(pred, "pred"),
    "false_positive": lambda image, label, pred: as_mask(pred, "pred") & ~as_mask(label, "label"),
    "high_uptake_background": _high_uptake,
}
"""Named eligibility functions f(image, label, pred) -> bool mask."""


def eligibility_mask(kind: str, image=None, label=None, pred=None, **kwargs) -> np.ndarray:
    """Evaluate a named eligibility function (see :data:`ELIGIBILITY`).

    The eligibility mask M = f(I, L, Y) of thesis §8.2.3.2 (image, label, prediction).

    >>> lab = np.array([[1, 1, 0]]); prd = np.array([[0, 1, 1]])
    >>> eligibility_mask("error", label=lab, pred=prd).astype(int).tolist()
    [[1, 0, 1]]
    """
    if kind not in ELIGIBILITY:
        raise ValueError(f"unknown eligibility kind {kind!r}; known: {', '.join(ELIGIBILITY)}")
    return np.asarray(ELIGIBILITY[kind](image, label, pred, **kwargs), dtype=bool)


CLICK_STYLES = tuple(
    f"{c}_{p}" for c in ("largest", "random") for p in ("center", "boundary", "random")
)


def _component(m: np.ndarray, which: str, rng, connectivity: int) -> np.ndarray:
    """The largest, or a uniformly chosen, connected component of ``m``."""
    if which == "largest":
        return largest_component(m, connectivity=connectivity)
    labels, n = components(m, connectivity=connectivity)
    return labels == int(rng.integers(1, n + 1))


def eligibility_click(
    mask,
    *,
    style: str = "largest_center",
    label: int = FOREGROUND,
    rng=None,
    spacing=None,
    affine=None,
    connectivity: int = 26,
) -> Click | None:
    """One click in the eligibility mask in one of the 6 OmniMedSeg styles.

    Parameters
    ----------
    mask : (M, N[, P]) array
        Eligibility mask M.
    style : str
        ``{largest|random}_{center|boundary|random}``: component choice, then placement at
        argmax(EDT(M)) (centre), argmin(EDT(M) ⊙ M) over the component (boundary) or a
        uniform voxel.
    label : {1, 0}
        Label of the produced click.
    rng, spacing, affine, connectivity
        As for the iterative users; ties are broken by ``rng``.

    Returns
    -------
    Click or None
        ``None`` when the mask is empty.

    Notes
    -----
    Thesis §8.2.3.2 (OmniMedSeg clicks, Fig. 56): centre = argmax(EDT(M)), boundary =
    argmin(EDT(M) ⊙ M), both on the chosen component.

    Examples
    --------
    >>> m = np.zeros((7, 7)); m[1:6, 1:6] = 1
    >>> eligibility_click(m, style="largest_center").index
    (3, 3)
    """
    if style not in CLICK_STYLES:
        raise ValueError(f"style must be one of {CLICK_STYLES}, got {style!r}")
    m = as_mask(mask, "mask")
    if not m.any():
        return None
    rng = np.random.default_rng(rng)
    which, place = style.split("_")
    comp = _component(m, which, rng, connectivity)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    if place == "center":
        idx = simulate_click(comp, method="argmax_crop", component="all", spacing=spacing, rng=rng)
        assert idx is not None  # comp is a non-empty component of the non-empty m
    elif place == "boundary":
        d = edt(comp, check_spacing(spacing, m.ndim))
        cand = np.argwhere(comp & (d <= d[comp].min() * (1 + 1e-9)))
        idx = tuple(cand[rng.integers(len(cand))])
    else:
        cand = np.argwhere(comp)
        idx = tuple(cand[rng.integers(len(cand))])
    return Click(label, idx, affine=aff)


SCRIBBLE_STYLES = ("centerline", "boundary", "random")


def _fragment_and_deform(
    pts: np.ndarray, m: np.ndarray, rng, fragment: float, deform: float
) -> np.ndarray:
    """Drop points under a smooth random mask, displace them smoothly, confine them to M."""
    if len(pts) == 0:
        return pts
    shape = m.shape
    if fragment > 0:
        noise = ndi.gaussian_filter(rng.standard_normal(shape), 2.0)
        keep = noise[tuple(pts.T)] > np.quantile(noise[tuple(pts.T)], fragment)
        pts = pts[keep] if keep.any() else pts[:1]
    if deform > 0:
        disp = np.stack([ndi.gaussian_filter(rng.standard_normal(shape), 4.0) for _ in shape])
        disp *= deform / (np.abs(disp).max() + 1e-12)
        moved = np.rint(pts + disp[(slice(None), *pts.T)].T).astype(int)
        moved = np.clip(moved, 0, np.asarray(shape) - 1)
        pts = moved[m[tuple(moved.T)]] if m[tuple(moved.T)].any() else pts
    return np.unique(pts, axis=0)


def _random_lines(comp: np.ndarray, rng, n_points: int) -> np.ndarray:
    """Voxels of lines joining ``n_points`` random voxels of the component, inside it."""
    cand = np.argwhere(comp)
    sel = cand[rng.choice(len(cand), size=min(n_points, len(cand)), replace=False)]
    segs = [sel[:1]]
    for a, b in zip(sel[:-1], sel[1:], strict=True):
        segs.append(np.stack(draw.line_nd(a, b, endpoint=True), axis=1))
    pts = np.concatenate(segs)
    return pts[comp[tuple(pts.T)]]


def eligibility_scribble(
    mask,
    *,
    style: str = "centerline",
    component: str = "largest",
    label: int = FOREGROUND,
    rng=None,
    fragment: float = 0.3,
    deform: float = 2.0,
    n_points: int = 4,
    sigma: float = 1.0,
    affine=None,
) -> Scribble | None:
    """A scribble in the eligibility mask (ScribblePrompt-style centerline/boundary/random).

    Parameters
    ----------
    mask : (M, N[, P]) array
        Eligibility mask M.
    style : {'centerline', 'boundary', 'random'}
        Skeleton of M; the band where Gaussian-smoothed M lies in (0.2, 0.8) intersected
        with M (the edge); or lines joining ``n_points`` random voxels of M.
    component : {'largest', 'random'}
        Component of M the scribble is drawn on.
    fragment : float
        Share of scribble points removed by a smooth random mask (in [0, 1)).
    deform : float
        Maximum displacement (voxels) of the smooth random deformation.
    n_points, sigma : int, float
        Random-line vertices; smoothing of the boundary style.

    Returns
    -------
    Scribble or None
        Confined to M; ``None`` for an empty mask.

    Notes
    -----
    Thesis §8.2.3.2 (OmniMedSeg scribbles after ScribblePrompt, Fig. 57); the thesis gives
    no numbers for the fragmentation and deformation, ``fragment``/``deform`` are ours.

    Examples
    --------
    >>> m = np.zeros((9, 15)); m[2:7, 2:13] = 1
    >>> s = eligibility_scribble(m, rng=0, fragment=0, deform=0)
    >>> bool(m[tuple(s.points.T)].all())
    True
    """
    if style not in SCRIBBLE_STYLES:
        raise ValueError(f"style must be one of {SCRIBBLE_STYLES}, got {style!r}")
    if component not in ("largest", "random"):
        raise ValueError(f"component must be 'largest' or 'random', got {component!r}")
    if not 0 <= fragment < 1:
        raise ValueError(f"fragment must be in [0, 1), got {fragment!r}")
    if not deform >= 0:
        raise ValueError(f"deform must be >= 0 voxels, got {deform!r}")
    if not sigma > 0:
        raise ValueError(f"sigma must be > 0 voxels, got {sigma!r}")
    if style == "random" and n_points < 2:
        raise ValueError(f"n_points must be >= 2 for random line scribbles, got {n_points!r}")
    m = as_mask(mask, "mask")
    if not m.any():
        return None
    rng = np.random.default_rng(rng)
    comp = _component(m, component, rng, 26)
    if style == "centerline":
        sk = morphology.medial_axis(comp) if comp.ndim == 2 else morphology.skeletonize(comp) > 0
        pts = np.argwhere(sk & comp)
    elif style == "boundary":
        sm = ndi.gaussian_filter(comp.astype(float), sigma)
        pts = np.argwhere(comp & (sm > 0.2) & (sm < 0.8))
    else:
        pts = _random_lines(comp, rng, n_points)
    if len(pts) == 0:
        pts = np.argwhere(comp)[:1]
    pts = _fragment_and_deform(pts, comp, rng, fragment, deform)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    return Scribble(label, pts, affine=aff)


BOX_STYLES = ("perfect", "careful", "sloppy")


def eligibility_box(
    mask, *, style: str = "perfect", rng=None, low: float = 0.05, high: float = 0.10, affine=None
) -> Box | None:
    """A bounding box of the eligibility mask: perfect, careful or sloppy.

    ``perfect``: the tight box.  ``careful``: each dimension enlarged by a uniform
    ``low``-``high`` (5-10 %) share of its extent, half on each side (always encloses M).
    ``sloppy``: each side moved independently by a ``low``-``high`` share of the extent in a
    random direction (asymmetric; may cut M).  Boxes are clipped to the image and keep at
    least one voxel per axis.  Thesis §8.2.3.2 (the three OmniMedSeg box users; Eq. 15 for
    the tight box).

    >>> m = np.zeros((30, 30)); m[10:20, 5:25] = 1
    >>> b = eligibility_box(m, style="careful", rng=0); b.lo[0] < 10 and b.hi[0] > 20
    True
    """
    if style not in BOX_STYLES:
        raise ValueError(f"style must be one of {BOX_STYLES}, got {style!r}")
    if not 0 <= low <= high:
        raise ValueError(f"need 0 <= low <= high, got low={low!r}, high={high!r}")
    m = as_mask(mask, "mask")
    if not m.any():
        return None
    rng = np.random.default_rng(rng)
    idx = np.argwhere(m)
    lo, hi = idx.min(0).astype(float), idx.max(0).astype(float) + 1
    ext = hi - lo
    if style == "careful":
        grow = rng.uniform(low, high, size=m.ndim) * ext / 2
        lo, hi = np.floor(lo - grow), np.ceil(hi + grow)
    elif style == "sloppy":
        sign = rng.choice([-1.0, 1.0], size=(2, m.ndim))
        amt = rng.uniform(low, high, size=(2, m.ndim)) * ext
        lo, hi = np.rint(lo + sign[0] * amt[0]), np.rint(hi + sign[1] * amt[1])
    shape = np.asarray(m.shape)
    lo = np.clip(lo, 0, shape - 1).astype(int)
    hi = np.clip(np.maximum(hi, lo + 1), 1, shape).astype(int)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    return Box(tuple(lo), tuple(hi), affine=aff)


def eligibility_polygon(
    mask2d, n: int, *, rng=None, slice_index: int | None = None, axis: int = 0
) -> Polygon | None:
    """``n`` vertices sampled uniformly along the boundary of a 2D eligibility mask.

    Thesis §8.2.3.2 (polygons, 2D only) with :func:`~.noniterative.polygon_vertices` (Eq. 16).

    >>> m = np.zeros((8, 8)); m[2:6, 2:6] = 1
    >>> len(eligibility_polygon(m, 5, rng=0).vertices)
    5
    """
    m = as_mask(mask2d, "mask2d")
    if not m.any():
        return None
    return polygon_vertices(m, n, rng=rng, slice_index=slice_index, axis=axis)
