"""Iterative click robot users R1-R5 of thesis §5.2.1.1 (Eq. 17-20 and 28).

Every user is a pure function ``f(label, pred, *, probs=None, image=None, clicks=(),
rng=None, spacing=None, affine=None, **params) -> list[Click]``.  One iteration yields one
foreground click in the false negatives and one background click in the false positives,
each only when that error exists (the thesis's "lesion" and "background" clicks).
``pred=None`` means the first iteration (no prediction yet): the foreground click is then
placed on the label as the equations prescribe for ``i = 1`` and there is no background
click.  Voxels clicked before (``clicks``) are never clicked again.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..interactions import BACKGROUND, FOREGROUND, Click
from ._core import (
    as_mask,
    check_spacing,
    edt,
    error_masks,
    exclude_clicked,
    sample_log_weighted,
    sample_uniform,
    sample_weighted,
)
from .clicksim import simulate_click
from .uncertainty import entropy_uncertainty

__all__ = [
    "r1_center",
    "r2_uncertainty",
    "r3_edt",
    "r4_uniform",
    "r5_realistic",
    "R5_P_PERTURB",
    "R5_P_SYSTEM",
    "R5_AMPLITUDE",
]

R5_P_PERTURB = 0.134
"""p_perturb of R5 (thesis Table 11, chosen for the second user study)."""
R5_P_SYSTEM = 0.134
"""p_system of R5 (thesis Table 11)."""
R5_AMPLITUDE = 35
"""Perturbation amplitude ``a`` of R5 in voxels (thesis §5.2.2)."""

_R3_WEIGHTINGS = ("linear", "deepedit")


def _errors(label, pred, clicks):
    """Label mask, FN and FP masks with earlier clicks removed."""
    lab = as_mask(label, "label")
    fn, fp = error_masks(lab, pred)
    return lab, exclude_clicked(fn, clicks), exclude_clicked(fp, clicks)


def _make(hits: Sequence[tuple[int, tuple[int, ...] | None]], affine) -> list[Click]:
    """Clicks from ``(label, index or None)`` pairs, dropping the missing ones."""
    aff = None if affine is None else np.asarray(affine, dtype=np.float64)
    return [Click(lab, idx, affine=aff) for lab, idx in hits if idx is not None]


def r1_center(
    label,
    pred,
    *,
    probs=None,
    image=None,
    clicks=(),
    rng=None,
    spacing=None,
    affine=None,
    connectivity: int = 6,
) -> list[Click]:
    """R1: click the centre of the largest error component (Eq. 17).

    Parameters
    ----------
    label : (M, N[, P]) array
        Ground truth (non-zero = object).
    pred : (M, N[, P]) array or None
        Current binary prediction; ``None`` for the first iteration.
    probs, image : array, optional
        Unused (accepted for a common signature).
    clicks : sequence of Click
        Earlier clicks; their voxels are excluded.
    rng : Generator, int or None
        Unused: R1 is rule-based and deterministic (ties between equally central voxels
        go to the first in C order); accepted for the common signature.
    spacing : sequence of float, optional
        Voxel spacing; the centre is the EDT argmax in mm.
    affine : (4, 4) array, optional
        Image affine stored on each click.
    connectivity : {6, 26}
        Connectivity of the error components (4/8 in 2D).

    Returns
    -------
    list of Click
        ``[fg, bg]`` (each present only when its error exists).

    Notes
    -----
    Eq. (17) of the thesis: the first click is the centre of the largest label component,
    later ones the centre of the largest FN (fg) and FP (bg) component.  "Centre" is the
    voxel farthest from the component's boundary (EDT argmax, image border = boundary),
    computed exactly on the cropped component (:func:`~.clicksim.simulate_click`).

    Examples
    --------
    >>> lab = np.zeros((9, 9), np.uint8); lab[2:7, 2:7] = 1
    >>> [(c.label, c.index) for c in r1_center(lab, None, rng=0)]
    [(1, (4, 4))]
    """
    lab, fn, fp = _errors(label, pred, clicks)
    sp = check_spacing(spacing, lab.ndim)

    def centre(m):
        return simulate_click(
            m,
            method="argmax_crop",
            component="largest",
            connectivity=connectivity,
            spacing=sp,
            ties="first",
        )

    return _make([(FOREGROUND, centre(fn)), (BACKGROUND, centre(fp))], affine)


def r4_uniform(
    label, pred, *, probs=None, image=None, clicks=(), rng=None, spacing=None, affine=None
) -> list[Click]:
    """R4: click uniformly in the error (uniformly in the label at the first click), Eq. 20.

    Parameters are those of :func:`r1_center` (``spacing`` unused).

    Returns
    -------
    list of Click
        ``[fg, bg]`` (each present only when its error exists).

    Notes
    -----
    Eq. (20) of the thesis.  This is also what SW-FastEdit's published "EDT" sampler does in
    practice (its clipped exp(d) - 1 weights are constant; see ``docs/robot_users.md``).

    Examples
    --------
    >>> lab = np.zeros((4, 4), np.uint8); lab[1, 1] = 1
    >>> [(c.label, c.index) for c in r4_uniform(lab, np.zeros_like(lab), rng=0)]
    [(1, (1, 1))]
    """
    rng = np.random.default_rng(rng)
    lab, fn, fp = _errors(label, pred, clicks)
    check_spacing(spacing, lab.ndim)  # unused, but never accepted when invalid
    return _make(
        [(FOREGROUND, sample_uniform(fn, rng)), (BACKGROUND, sample_uniform(fp, rng))], affine
    )


def r3_edt(
    label,
    pred,
    *,
    probs=None,
    image=None,
    clicks=(),
    rng=None,
    spacing=None,
    affine=None,
    weighting: str = "linear",
) -> list[Click]:
    """R3: sample the click with EDT-weighted probabilities over the error (Eq. 19).

    Parameters
    ----------
    label, pred, probs, image, clicks, rng, spacing, affine
        As in :func:`r1_center`.
    weighting : {'linear', 'deepedit'}
        ``linear``: p proportional to the distance d (Sakinis, thesis Eq. 19 with the
        inverted EDT).  ``deepedit``: p proportional to exp(d) - 1 (MONAI DeepEdit), evaluated
        in log space as d + log(1 - exp(-d)) with Gumbel-max sampling, so it neither
        overflows past d ~ 709 nor collapses to uniform as a clipped float32 version does.

    Returns
    -------
    list of Click
        ``[fg, bg]``; the first iteration (``pred=None``) samples uniformly in the label.

    Examples
    --------
    >>> lab = np.zeros((5, 5), np.uint8); lab[2, 2] = 1
    >>> [c.index for c in r3_edt(lab, np.zeros_like(lab), rng=1)]
    [(2, 2)]
    """
    if weighting not in _R3_WEIGHTINGS:
        raise ValueError(f"weighting must be one of {_R3_WEIGHTINGS}, got {weighting!r}")
    rng = np.random.default_rng(rng)
    lab, fn, fp = _errors(label, pred, clicks)
    sp = check_spacing(spacing, lab.ndim)
    if pred is None:
        return _make([(FOREGROUND, sample_uniform(fn, rng))], affine)

    def draw(m):
        if not m.any():
            return None
        d = edt(m, sp)
        if weighting == "linear":
            return sample_weighted(d, rng)
        with np.errstate(divide="ignore"):
            log_w = d + np.log(-np.expm1(-d))
        return sample_log_weighted(log_w, m, rng)

    return _make([(FOREGROUND, draw(fn)), (BACKGROUND, draw(fp))], affine)


def r2_uncertainty(
    label,
    pred,
    *,
    probs=None,
    image=None,
    clicks=(),
    rng=None,
    spacing=None,
    affine=None,
    uncertainty=None,
) -> list[Click]:
    """R2: sample the click with the model's uncertainty as the distribution (Eq. 18).

    Parameters
    ----------
    label, pred, image, clicks, rng, spacing, affine
        As in :func:`r1_center`.
    probs : array, optional
        Current foreground probabilities; their entropy is the uncertainty when
        ``uncertainty`` is not given (models without dropout).
    uncertainty : array, optional
        A precomputed map in [0, 1], e.g. :func:`epistemic_uncertainty` of MC-dropout samples.

    Returns
    -------
    list of Click
        ``[fg, bg]``: fg sampled in the false negatives, bg in the false positives, with
        probability proportional to the uncertainty (uniform over the error where the
        uncertainty vanishes on it); the first iteration samples uniformly in the label.

    Notes
    -----
    Eq. (18) of the thesis samples from the normalised epistemic uncertainty.  We restrict
    the draw to the error of each class so that the click's label agrees with the ground
    truth, as for R1, R3 and R4.

    Examples
    --------
    >>> lab = np.zeros((3, 3), np.uint8); lab[1, 1:] = 1
    >>> u = np.zeros((3, 3)); u[1, 2] = 1.0
    >>> [c.index for c in r2_uncertainty(lab, np.zeros_like(lab), uncertainty=u, rng=0)]
    [(1, 2)]
    """
    rng = np.random.default_rng(rng)
    lab, fn, fp = _errors(label, pred, clicks)
    check_spacing(spacing, lab.ndim)  # unused, but never accepted when invalid
    if pred is None:
        return _make([(FOREGROUND, sample_uniform(fn, rng))], affine)
    if uncertainty is None:
        if probs is None:
            raise ValueError("R2 needs `uncertainty` (e.g. MC dropout) or `probs`, got neither")
        uncertainty = entropy_uncertainty(probs)
    u = np.asarray(uncertainty, dtype=np.float64)
    if u.shape != lab.shape:
        raise ValueError(f"uncertainty has shape {u.shape}, expected {lab.shape}")

    def draw(m):
        hit = sample_weighted(np.where(m, u, 0.0), rng)
        return hit if hit is not None else sample_uniform(m, rng)

    return _make([(FOREGROUND, draw(fn)), (BACKGROUND, draw(fp))], affine)


def _systematic_region(image: np.ndarray, lab: np.ndarray, percentile: float) -> np.ndarray:
    """Voxels outside the label brighter than the image's ``percentile`` (SUV of Eq. 28)."""
    thr = np.percentile(image, percentile)
    return (image > thr) & ~lab


def r5_realistic(
    label,
    pred,
    *,
    probs=None,
    image=None,
    clicks=(),
    rng=None,
    spacing=None,
    affine=None,
    p_perturb: float = R5_P_PERTURB,
    p_system: float = R5_P_SYSTEM,
    amplitude: int = R5_AMPLITUDE,
    percentile: float = 95.0,
    connectivity: int = 6,
) -> list[Click]:
    """R5: the realistic user of Eq. 28 (R1 clicks with perturbation and systematic error).

    Parameters
    ----------
    label, pred, probs, clicks, rng, spacing, affine, connectivity
        As in :func:`r1_center`.
    image : (M, N[, P]) array
        Intensities (PET SUV in the thesis); required when ``p_system > 0``.
    p_perturb, p_system : float
        Probabilities of a random perturbation and of a systematic disagreement
        (13.4 % each, thesis Table 11).
    amplitude : int
        The perturbation is uniform in ``[-amplitude, amplitude]`` voxels per axis, then
        clipped to the image.
    percentile : float
        Systematic clicks are drawn uniformly from voxels outside the label brighter than
        this percentile of the image (95 in the thesis).

    Returns
    -------
    list of Click
        ``[fg, bg]`` with the labels the user *intends* (a perturbed or systematic lesion
        click keeps label 1 although it may lie outside the ground truth).

    Notes
    -----
    Eq. (28) of the thesis, with p1, p2 ~ U[0, 1] drawn independently per click.  The
    systematic case models clicks on unannotated high-uptake regions, so it applies to
    foreground (lesion) clicks; background clicks are only perturbed.  Without any eligible
    systematic voxel the R1 click is kept.  For a small lesion the expected share of lesion
    clicks outside the label is p_system + (1 - p_system) p_perturb = 25.0 %.

    Examples
    --------
    >>> lab = np.zeros((8, 8), np.uint8); lab[3:6, 3:6] = 1
    >>> img = lab.astype(float)
    >>> [c.index for c in r5_realistic(lab, None, image=img, p_perturb=0, p_system=0)]
    [(4, 4)]
    """
    for name, p in (("p_perturb", p_perturb), ("p_system", p_system)):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {p!r}")
    if isinstance(amplitude, bool) or not isinstance(amplitude, (int, np.integer)) or amplitude < 0:
        raise ValueError(f"amplitude must be an integer >= 0 (voxels), got {amplitude!r}")
    if not 0.0 <= percentile <= 100.0:
        raise ValueError(f"percentile must lie in [0, 100], got {percentile!r}")
    rng = np.random.default_rng(rng)
    lab = as_mask(label, "label")
    check_spacing(spacing, lab.ndim)
    img = None
    if p_system > 0:
        if image is None:
            raise ValueError("R5 with p_system > 0 needs `image`, got None")
        img = np.asarray(image)
        if img.shape != lab.shape:
            raise ValueError(f"image has shape {img.shape}, expected {lab.shape}")
    base = r1_center(
        lab, pred, clicks=clicks, rng=rng, spacing=spacing, affine=affine, connectivity=connectivity
    )
    shape = np.asarray(lab.shape)
    out = []
    for c in base:
        p1, p2 = rng.random(2)
        idx = np.asarray(c.index)
        if img is not None and p2 < p_system and c.label == FOREGROUND:  # img set if p_system > 0
            s = sample_uniform(_systematic_region(img, lab, percentile), rng)
            idx = np.asarray(s) if s is not None else idx
        if p1 < p_perturb:
            z = rng.integers(-amplitude, amplitude + 1, size=lab.ndim)
            idx = np.clip(idx + z, 0, shape - 1)
        out.append(Click(c.label, tuple(idx), affine=c.affine))
    return out
