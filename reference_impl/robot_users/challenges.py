"""Challenge click protocols of thesis §7.3.2: autoPET (Alg. 1), ToothFairy3 (Alg. 2),
TriALS (Alg. 3) and MedSegFM (Sakinis-style user with the §4.2 speed-ups plus a box).

The thesis leaves the perturbation noise sigma unspecified, so ``sigma`` defaults to 0
(no perturbation).  A perturbed click is kept only if it stays inside its target mask,
otherwise the unperturbed click is used (the rule of the official autoPET simulator).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..interactions import BACKGROUND, FOREGROUND, Box, Click
from ._core import as_mask, check_spacing, components, edt
from .clicksim import simulate_click
from .noniterative import bounding_box

__all__ = [
    "autopet_clicks",
    "toothfairy_clicks",
    "trials_clicks",
    "medsegfm_click",
    "medsegfm_box",
]


def _perturb(idx: np.ndarray, target: np.ndarray, sigma: float, rng, axes=None) -> np.ndarray:
    """Add N(0, sigma) voxels (on ``axes``), rounded; keep the original if it leaves the target."""
    if sigma <= 0:
        return idx
    z = rng.normal(0.0, sigma, size=idx.size)
    if axes is not None:
        z[[a for a in range(idx.size) if a not in axes]] = 0.0
    q = np.rint(idx + z).astype(int)
    inside = np.all((q >= 0) & (q < np.asarray(target.shape))) and target[tuple(q)]
    return q if inside else idx


def _check_n_sigma(n: int, sigma: float) -> None:
    """Clicks per class must be >= 1 and the perturbation sigma >= 0 voxels."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be an integer >= 1 (clicks per class), got {n!r}")
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0 voxels, got {sigma!r}")


def _component_clicks(
    mask: np.ndarray, *, n: int, sigma: float, rng, spacing, connectivity: int
) -> list[tuple[int, ...]]:
    """Algorithm 1/3 inner loop: centres of up to ``n`` random components, then boundaries."""
    labels, k = components(mask, connectivity=connectivity)
    if k == 0:
        return []
    chosen = rng.permutation(np.arange(1, k + 1))[:n]
    comps = [labels == c for c in chosen]
    out = []
    centres = []
    for comp in comps:
        centre = np.asarray(
            simulate_click(
                comp, method="argmax_crop", component="all", spacing=spacing, ties="first"
            )
        )
        centres.append(centre)
        out.append(tuple(_perturb(centre, comp, sigma, rng)))
    sp = check_spacing(spacing, mask.ndim)
    boundary = []
    for comp, centre in zip(comps, centres, strict=True):
        d = edt(comp, sp)
        cand = np.argwhere(comp & (d <= d[comp].min() * (1 + 1e-6)))
        cand = cand[np.any(cand != centre, axis=1)]  # the centre was clicked already
        boundary.append(cand[rng.permutation(len(cand))])
    # add boundary clicks round-robin; stop when every boundary voxel has been used
    rnd = 0
    while len(out) < n and any(rnd < len(b) for b in boundary):
        for comp, cand in zip(comps, boundary, strict=True):
            if len(out) == n:
                break
            if rnd < len(cand):
                out.append(tuple(_perturb(cand[rnd], comp, sigma, rng)))
        rnd += 1
    return out


def autopet_clicks(
    label,
    image,
    *,
    n: int = 10,
    sigma: float = 0.0,
    percentile: float = 99.75,
    spacing=None,
    rng=None,
    affine=None,
    connectivity: int = 26,
) -> tuple[list[Click], list[Click]]:
    """autoPET IV click simulation (thesis Algorithm 1).

    Parameters
    ----------
    label : (M, N, P) array
        Lesion label.
    image : (M, N, P) array
        PET image; background clicks go to high-uptake non-lesion components, above the
        ``percentile`` (99.75) of the intensities outside the lesions.
    n : int
        Clicks per class (10).
    sigma : float
        Standard deviation (voxels) of the Gaussian click perturbation.
    spacing, rng, affine, connectivity
        As for the iterative users.

    Returns
    -------
    (list of Click, list of Click)
        Lesion clicks (label 1) and background clicks (label 0), each up to ``n``: centres
        of up to ``n`` random components, then boundary clicks round-robin.  No component
        gives no clicks (never an endless loop).

    Examples
    --------
    >>> lab = np.zeros((9, 9, 9)); lab[2:7, 2:7, 2:7] = 1
    >>> fg, bg = autopet_clicks(lab, lab * 0.0, n=3, rng=0)
    >>> fg[0].index, len(fg), len(bg)
    ((4, 4, 4), 3, 0)
    """
    _check_n_sigma(n, sigma)
    lab = as_mask(label, "label")
    img = np.asarray(image, dtype=np.float64)
    if img.shape != lab.shape:
        raise ValueError(f"image has shape {img.shape}, expected {lab.shape}")
    rng = np.random.default_rng(rng)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    fg = _component_clicks(
        lab, n=n, sigma=sigma, rng=rng, spacing=spacing, connectivity=connectivity
    )
    outside = img[~lab]
    bg_mask = np.zeros_like(lab)
    if outside.size:
        bg_mask = (img > np.percentile(outside, percentile)) & ~lab
    bg = _component_clicks(
        bg_mask, n=n, sigma=sigma, rng=rng, spacing=spacing, connectivity=connectivity
    )
    return (
        [Click(FOREGROUND, i, affine=aff) for i in fg],
        [Click(BACKGROUND, i, affine=aff) for i in bg],
    )


def toothfairy_clicks(
    label, *, n: int = 5, sigma: float = 0.0, axis: int = 0, rng=None, spacing=None, affine=None
) -> list[Click]:
    """ToothFairy3 IAC clicks (thesis Algorithm 2) for one canal (call once per side).

    ``n`` axial slices containing the canal are drawn without replacement; in each, the
    click is the 2D EDT argmax of the slice mask perturbed in-plane by N(0, sigma) and kept
    inside the mask.  Returns the clicks sorted along ``axis``.

    >>> lab = np.zeros((6, 7, 7)); lab[:, 2:5, 2:5] = 1
    >>> [c.index for c in toothfairy_clicks(lab, n=2, rng=0)]
    [(3, 3, 3), (4, 3, 3)]
    """
    lab = as_mask(label, "label")
    if lab.ndim != 3:
        raise ValueError(f"toothfairy_clicks needs a 3D label, got {lab.ndim}D")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be one of (0, 1, 2), got {axis!r}")
    _check_n_sigma(n, sigma)
    rng = np.random.default_rng(rng)
    sp = check_spacing(spacing, 3)
    other = tuple(a for a in range(3) if a != axis)
    slices = np.flatnonzero(lab.any(axis=other))
    chosen = np.sort(rng.choice(slices, size=min(n, len(slices)), replace=False))
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    out = []
    for s in chosen:
        sl = np.take(lab, s, axis=axis)
        yx = np.asarray(
            simulate_click(
                sl,
                method="argmax_crop",
                component="all",
                spacing=tuple(sp[a] for a in other),
                ties="first",
            )
        )
        yx = _perturb(yx, sl, sigma, rng)
        idx = list(yx)
        idx.insert(axis, int(s))
        out.append(Click(FOREGROUND, tuple(idx), affine=aff))
    return out


def trials_clicks(
    label,
    liver,
    *,
    n: int = 10,
    sigma: float = 0.0,
    spacing=None,
    rng=None,
    affine=None,
    connectivity: int = 26,
) -> tuple[list[Click], list[Click]]:
    """TriALS clicks (thesis Algorithm 3): lesion centres/boundaries, background in the liver.

    ``liver`` is the liver mask (TotalSegmentator in the challenge, given to participants).
    Background clicks are ``n`` voxels drawn uniformly without replacement from
    liver minus lesions.

    >>> lab = np.zeros((8, 8, 8)); lab[3:5, 3:5, 3:5] = 1
    >>> liver = np.zeros_like(lab); liver[1:7, 1:7, 1:7] = 1
    >>> fg, bg = trials_clicks(lab, liver, n=4, rng=0)
    >>> len(fg), len(bg), all(liver[c.index] and not lab[c.index] for c in bg)
    (4, 4, True)
    """
    _check_n_sigma(n, sigma)
    lab = as_mask(label, "label")
    liv = as_mask(liver, "liver", lab.shape)
    rng = np.random.default_rng(rng)
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    fg = _component_clicks(
        lab, n=n, sigma=sigma, rng=rng, spacing=spacing, connectivity=connectivity
    )
    cand = np.argwhere(liv & ~lab)
    pick = rng.choice(len(cand), size=min(n, len(cand)), replace=False) if len(cand) else []
    return (
        [Click(FOREGROUND, i, affine=aff) for i in fg],
        [Click(BACKGROUND, tuple(cand[j]), affine=aff) for j in pick],
    )


def medsegfm_click(
    label,
    pred,
    *,
    spacing=None,
    rng=None,
    affine=None,
    method: Literal["sakinis", "argmax", "argmax_crop", "argmax_crop_resize"] = "argmax_crop",
) -> Click | None:
    """CVPR'25 MedSegFM corrective click for one class (thesis §7.3.2.4 and §4.2).

    Error = prediction != label; the click is the EDT centre of the largest 26-connected
    error component (cropped EDT; equally central voxels: the first in C order, so the
    click is deterministic and ``rng`` is unused), foreground if the label is 1 there.

    >>> lab = np.zeros((9, 9)); lab[1:8, 1:8] = 1
    >>> medsegfm_click(lab, np.zeros_like(lab), rng=0).index
    (4, 4)
    """
    lab = as_mask(label, "label")
    prd = as_mask(pred, "pred", lab.shape)
    idx = simulate_click(
        lab ^ prd,
        method=method,
        component="largest",
        connectivity=26,
        spacing=spacing,
        ties="first",
    )
    if idx is None:
        return None
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    return Click(FOREGROUND if lab[idx] else BACKGROUND, idx, affine=aff)


def medsegfm_box(label, *, affine=None) -> Box:
    """MedSegFM initial prompt: the box of the target's maximal extent (Eq. 15).

    >>> medsegfm_box(np.pad(np.ones((2, 2)), 1)).hi
    (3, 3)
    """
    return bounding_box(label, affine=affine)
