"""Synthetic lesion-like phantoms, so that every pipeline runs without downloads.

A phantom is a smooth, noisy "tissue" background with a few irregular bright blobs that
form the label (lesions) and, optionally, bright distractor blobs outside the label
(high-uptake regions that are not lesions, as in PET; they are what the realistic robot
user R5 of Eq. 28 clicks on by mistake).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from .io import Volume

__all__ = ["make_phantom", "make_phantoms"]


def _blob(
    shape: tuple[int, ...], center: np.ndarray, radii: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    r2 = sum(((g - c) / r) ** 2 for g, c, r in zip(grids, center, radii, strict=True))
    # irregular boundary: perturb the ellipsoid radius with smooth noise
    wobble = ndi.gaussian_filter(rng.standard_normal(shape), sigma=max(1.0, float(radii.min()) / 2))
    wobble /= np.abs(wobble).max() + 1e-8
    return r2 <= (1.0 + 0.35 * wobble) ** 2


def make_phantom(
    shape: tuple[int, ...] = (48, 64, 64),
    *,
    n_lesions: int = 2,
    n_distractors: int = 1,
    radius_range: tuple[float, float] = (4.0, 9.0),
    contrast: float = 1.0,
    noise: float = 0.25,
    spacing: tuple[float, ...] | None = None,
    rng: np.random.Generator | int | None = None,
) -> Volume:
    """Make one lesion-like phantom (2D or 3D).

    Parameters
    ----------
    shape : tuple of int
        ``(z, y, x)`` or ``(y, x)``.
    n_lesions, n_distractors : int
        Number of labelled bright blobs and of unlabelled bright blobs (distractors).
    radius_range : (float, float)
        Range of blob radii in voxels.
    contrast, noise : float
        Lesion intensity relative to the background (negative: darker than the
        background) and the standard deviation of the noise.
    spacing : tuple of float, optional
        Voxel spacing (defaults to 1 mm isotropic).
    rng : Generator, int or None
        Random source.

    Returns
    -------
    Volume
        ``image`` float32, ``label`` uint8 (never empty when ``n_lesions >= 1``).

    Examples
    --------
    >>> v = make_phantom((16, 32, 32), rng=0)
    >>> v.image.shape, bool(v.label.any())
    ((16, 32, 32), True)
    """
    if len(shape) not in (2, 3):
        raise ValueError(f"shape must be 2D or 3D, got {shape}")
    if contrast == 0:
        raise ValueError("contrast must be non-zero (the lesions would be invisible), got 0")
    if n_lesions < 1:
        raise ValueError(f"n_lesions must be >= 1, got {n_lesions}")
    rng = np.random.default_rng(rng)
    shp = np.asarray(shape)
    spacing = tuple(float(s) for s in (spacing or (1.0,) * len(shape)))
    background = ndi.gaussian_filter(rng.standard_normal(shape), sigma=shp.min() / 8)
    background = 0.3 * background / (np.abs(background).max() + 1e-8)
    label = np.zeros(shape, dtype=bool)
    bright = np.zeros(shape, dtype=np.float64)
    for k in range(n_lesions + n_distractors):
        radii = rng.uniform(*radius_range, size=len(shape))
        radii = np.minimum(radii, shp / 4)
        center = rng.uniform(radii + 1, shp - radii - 1)
        blob = _blob(shape, center, radii, rng)
        if k < n_lesions:
            label |= blob
        elif label[blob].any():
            continue  # a distractor touching a lesion would blur the label
        value = contrast * rng.uniform(0.8, 1.2)  # negative contrast: dark objects
        bright[blob] = np.where(np.abs(bright[blob]) >= abs(value), bright[blob], value)
    image = background + ndi.gaussian_filter(bright, 0.7) + noise * rng.standard_normal(shape)
    affine = np.diag([*spacing, 1.0]) if len(shape) == 3 else np.diag([1.0, *spacing, 1.0])
    return Volume(image.astype(np.float32), label.astype(np.uint8), spacing, affine, "phantom")


def make_phantoms(
    n: int,
    shape: tuple[int, ...] = (48, 64, 64),
    *,
    rng: np.random.Generator | int | None = None,
    **kwargs,
) -> list[Volume]:
    """Make ``n`` independent phantoms from one random source (see :func:`make_phantom`)."""
    rng = np.random.default_rng(rng)
    vols = [make_phantom(shape, rng=rng, **kwargs) for _ in range(n)]
    for i, v in enumerate(vols):
        v.name = f"phantom_{i:03d}"
    return vols
