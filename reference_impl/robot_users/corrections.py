"""Iterative rule-based correction users: error skeletonization (taxonomy leaf T2.1.2.2.2)
and worst slice / worst vertex correction (leaf T2.1.2.2.4), thesis §6 Q10.

Error skeletonization "simulates iterative scribbles ... positioned in the central regions"
of the error; worst slice/vertex correction "identifies the worst vertex or slice at each
iteration and incorporates its ground-truth value as a guidance signal".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage import morphology

from ..interactions import BACKGROUND, FOREGROUND, Polygon, Scribble
from ._core import components, edt, error_masks, exclude_clicked, largest_component

__all__ = [
    "error_skeleton_scribbles",
    "SliceCorrection",
    "worst_slice_correction",
    "worst_vertex_correction",
]


def _skeleton(m: np.ndarray) -> np.ndarray:
    """Medial axis (2D) or Lee skeleton (3D) points; a one-voxel fallback for thin blobs."""
    sk = morphology.medial_axis(m) if m.ndim == 2 else morphology.skeletonize(m) > 0
    pts = np.argwhere(sk & m)
    if len(pts) == 0 and m.any():
        d = edt(m, (1.0,) * m.ndim)
        pts = np.array([np.unravel_index(int(np.argmax(d)), m.shape)])
    return pts


def error_skeleton_scribbles(
    label,
    pred,
    *,
    mode: str = "largest",
    min_size: int = 1,
    connectivity: int = 26,
    clicks=(),
    affine=None,
) -> list[Scribble]:
    """Scribbles on the skeleton of the error: fg on false negatives, bg on false positives.

    Parameters
    ----------
    label, pred : (M, N[, P]) array
        Ground truth and current prediction (``pred=None``: first iteration, the label's
        skeleton).
    mode : {'largest', 'all'}
        One scribble per error class on its largest component, or one per component with
        at least ``min_size`` voxels.
    connectivity : {6, 26}
        Component connectivity.
    clicks : sequence of Click
        Voxels already used (removed from the error, as for the click users).

    Returns
    -------
    list of Scribble
        Foreground scribbles first.

    Notes
    -----
    Taxonomy leaf T2.1.2.2.2 (thesis §6, Q10): scribbles "positioned in the central regions"
    of the error; the skeleton is the medial axis of Eq. (14) applied to the error.

    Examples
    --------
    >>> lab = np.zeros((7, 12)); lab[1:6, 1:11] = 1
    >>> [s.label for s in error_skeleton_scribbles(lab, np.zeros_like(lab))]
    [1]
    """
    if mode not in ("largest", "all"):
        raise ValueError(f"mode must be 'largest' or 'all', got {mode!r}")
    fn, fp = error_masks(label, pred)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    out = []
    for lab_value, err in (
        (FOREGROUND, exclude_clicked(fn, clicks)),
        (BACKGROUND, exclude_clicked(fp, clicks)),
    ):
        if not err.any():
            continue
        if mode == "largest":
            parts = [largest_component(err, connectivity=connectivity)]
        else:
            labels, n = components(err, connectivity=connectivity)
            parts = [labels == k for k in range(1, n + 1)]
        for part in parts:
            if part.sum() >= min_size:
                out.append(Scribble(lab_value, _skeleton(part), affine=aff))
    return out


@dataclass(frozen=True, eq=False)
class SliceCorrection:
    """The worst slice (``axis``, ``index``) and its ground-truth mask (the correction)."""

    axis: int
    index: int
    mask: np.ndarray
    score: float


def worst_slice_correction(
    label, pred, *, axis: int = 0, criterion: str = "error", done=()
) -> SliceCorrection | None:
    """Pick the worst slice of the prediction and return its ground truth as the correction.

    Parameters
    ----------
    label, pred : (M, N, P) array
        Ground truth and current prediction.
    axis : int
        Slicing axis (0 = axial in ``(z, y, x)`` order).
    criterion : {'error', 'dice'}
        ``error``: most misclassified voxels; ``dice``: lowest per-slice Dice among slices
        where label or prediction is present.  Ties go to the lowest index.
    done : iterable of int
        Slices corrected before (skipped).

    Returns
    -------
    SliceCorrection or None
        ``None`` when no slice has an error.

    Notes
    -----
    Taxonomy leaf T2.1.2.2.4 (thesis §6, Q10): the worst slice's ground truth is the
    guidance; "worst" (most wrong voxels, or lowest Dice) is our reading.

    Examples
    --------
    >>> lab = np.zeros((4, 5, 5)); lab[1:3, 1:4, 1:4] = 1
    >>> prd = lab.copy(); prd[2] = 0
    >>> worst_slice_correction(lab, prd).index
    2
    """
    if criterion not in ("error", "dice"):
        raise ValueError(f"criterion must be 'error' or 'dice', got {criterion!r}")
    fn, fp = error_masks(label, pred)
    lab = np.asarray(label) > 0
    prd = np.asarray(pred) > 0
    if lab.ndim != 3 or not 0 <= axis < 3:
        raise ValueError(f"worst slice needs a 3D label and axis in 0..2, got {lab.ndim}D, {axis}")
    other = tuple(a for a in range(3) if a != axis)
    err = (fn | fp).sum(axis=other).astype(np.float64)
    if criterion == "error":
        score = -err
    else:
        inter = (lab & prd).sum(axis=other)
        denom = lab.sum(axis=other) + prd.sum(axis=other)
        score = np.where(denom > 0, 2 * inter / np.maximum(denom, 1), np.inf)
    score[err == 0] = np.inf
    score[[d for d in done if 0 <= d < len(score)]] = np.inf
    if np.isinf(score).all():
        return None
    k = int(np.argmin(score))
    return SliceCorrection(axis, k, np.take(lab, k, axis=axis).copy(), float(score[k]))


def worst_vertex_correction(polygon: Polygon, label2d) -> tuple[int, Polygon]:
    """Move the polygon vertex farthest from the label boundary onto the boundary.

    Returns the index of the corrected vertex and the new polygon, whose vertex is the
    nearest boundary pixel of ``label2d`` (the "ground-truth value" of that vertex);
    taxonomy leaf T2.1.2.2.4 (thesis §6, Q10).

    >>> lab = np.zeros((8, 8)); lab[2:6, 2:6] = 1
    >>> poly = Polygon(np.array([[2, 2], [2, 5], [5, 5], [7, 0]]))
    >>> i, new = worst_vertex_correction(poly, lab)
    >>> i, new.vertices[3].tolist()
    (3, [5.0, 2.0])
    """
    lab = np.asarray(label2d) > 0
    if lab.ndim != 2 or not lab.any():
        raise ValueError(f"worst_vertex_correction needs a non-empty 2D label, got {lab.shape}")
    edge = lab & ~ndi.binary_erosion(lab, border_value=0)
    d, (iy, ix) = ndi.distance_transform_edt(~edge, return_indices=True)
    v = np.rint(polygon.vertices).astype(int)
    v = np.clip(v, 0, np.asarray(lab.shape) - 1)
    dist = d[v[:, 0], v[:, 1]]
    k = int(np.argmax(dist))
    new = polygon.vertices.copy()
    new[k] = [iy[v[k, 0], v[k, 1]], ix[v[k, 0], v[k, 1]]]
    return k, Polygon(new, label=polygon.label, slice_index=polygon.slice_index, axis=polygon.axis)
