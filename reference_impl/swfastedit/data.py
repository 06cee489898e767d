"""Data for SW-FastEdit: image+label pairs, synthetic phantoms, normalisation, crops, augmentation.

Thesis §4.1.2: intensities clipped at low/high percentiles and normalised; training crops
centred on a lesion voxel with probability 60 % and on a non-lesion voxel with 40 %;
random flips per axis and random 90-degree rotations, each with probability 10 %.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from ..evaluation.data import LABEL_TAGS, find_pairs
from ..io import Volume, load_case, load_sample
from ..phantoms import make_phantom

__all__ = [
    "normalize_intensity",
    "load_dataset",
    "data_fingerprint",
    "random_crop",
    "augment",
    "synthetic_volumes",
]


def normalize_intensity(
    image: np.ndarray,
    *,
    method: Literal["percentile", "none"] = "percentile",
    lower: float = 0.5,
    upper: float = 99.5,
) -> np.ndarray:
    """Clip at the ``lower``/``upper`` percentiles and scale to ``[0, 1]`` (float32).

    Examples
    --------
    >>> normalize_intensity(np.arange(5.0), lower=0, upper=100).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if method not in ("percentile", "none"):
        raise ValueError(f"method must be one of ['percentile', 'none'], got {method!r}")
    image = np.asarray(image, dtype=np.float32)
    if method == "none":
        return image
    lo, hi = np.percentile(image, [lower, upper])
    if hi <= lo:
        return np.zeros_like(image)
    return ((np.clip(image, lo, hi) - lo) / (hi - lo)).astype(np.float32)


def load_dataset(
    source: str | Path | Sequence[tuple[str | Path, str | Path]],
    *,
    n_synthetic: int = 8,
    shape: tuple[int, ...] = (32, 64, 64),
    lesions: tuple[int, int] = (1, 2),
    distractors: tuple[int, int] = (2, 4),
    body: float = 0.0,
    contrast: tuple[float, float] = (0.5, 1.5),
    radius_range: tuple[float, float] = (4.0, 14.0),
    rng: np.random.Generator | int | None = None,
) -> list[Volume]:
    """Load training/evaluation volumes.

    Parameters
    ----------
    source : str, Path or sequence of (image, label) paths
        ``'synthetic'`` (phantoms from :func:`reference_impl.phantoms.make_phantoms`),
        ``'sample:<name>'`` (one bundled real case, e.g. ``sample:ct_spleen``), a folder
        (paired by :func:`reference_impl.evaluation.data.find_pairs`, the rule ``iseg
        evaluate`` and ``iseg run`` use) or an explicit list of pairs.
    n_synthetic, shape, lesions, distractors, body, contrast, rng
        Number, shape, lesion and distractor count ranges, body probability, contrast
        range and random source of the synthetic phantoms (:func:`synthetic_volumes`).

    Returns
    -------
    list of Volume

    Raises
    ------
    FileNotFoundError
        ``source`` names no sample and no existing folder.
    ValueError
        A folder in which no image/label pair is found, or bad synthetic options.
    """
    if not 0 < contrast[0] <= contrast[1]:
        raise ValueError(f"contrast must be a range 0 < min <= max, got {tuple(contrast)}")
    if not 0 <= body <= 1:
        raise ValueError(f"body must be a probability in [0, 1], got {body}")
    if isinstance(source, str | Path):
        s = str(source)
        if s == "synthetic":
            return synthetic_volumes(
                n_synthetic,
                shape,
                lesions=lesions,
                distractors=distractors,
                body=body,
                contrast=contrast,
                rng=rng,
            )
        if s.startswith("sample:"):
            return [load_sample(name) for name in s[len("sample:") :].split(",")]
        pairs = find_pairs(s)  # FileNotFoundError when not a folder
        if not pairs:
            raise ValueError(
                f"{s}: no image/label pairs found (imagesTr/labelsTr, or <case> beside "
                f"<case>{{{','.join(LABEL_TAGS)}}})"
            )
    else:
        pairs = [(Path(a), Path(b)) for a, b in source]
    return [load_case(img, lab) for img, lab in pairs]


def synthetic_volumes(
    n: int,
    shape: tuple[int, ...] = (32, 64, 64),
    *,
    lesions: tuple[int, int] = (1, 2),
    distractors: tuple[int, int] = (2, 4),
    body: float = 0.0,
    contrast: tuple[float, float] = (0.5, 1.5),
    radius_range: tuple[float, float] = (4.0, 14.0),
    rng: np.random.Generator | int | None = None,
) -> list[Volume]:
    """Phantoms where the image alone is ambiguous, so a model must use the clicks.

    Each phantom (:func:`reference_impl.phantoms.make_phantom`) has ``lesions`` (inclusive
    range) labelled blobs and ``distractors`` unlabelled blobs of the *same* brightness, a
    random polarity (bright or dark objects, contrast drawn uniformly from ``contrast``,
    against a noise standard deviation of 0.25) and radii drawn from ``radius_range`` voxels
    (default 4-14; :func:`make_phantom` caps a radius at a quarter of the axis).

    With probability ``body`` a phantom is placed in a "body": outside an elliptic cylinder
    (axis along z, random half-axes of 80-110 % of the in-plane half-size) the image is set
    to a dark "air" value far below the tissue (except within 2 voxels of the label), so
    that after percentile normalisation (:func:`normalize_intensity`) the tissue sits high
    in ``[0, 1]`` as it does in a CT, instead of in the middle.  ``body=0`` (default) draws
    no extra random numbers.

    Examples
    --------
    >>> vols = synthetic_volumes(2, (16, 24, 24), rng=0)
    >>> [v.name for v in vols], vols[0].image.shape
    (['synthetic_000', 'synthetic_001'], (16, 24, 24))
    """
    rng = np.random.default_rng(rng)
    vols = []
    for i in range(n):
        dark = rng.random() >= 0.5
        # Dark objects are made by negating the image (this is the data the shipped
        # checkpoint was trained on; make_phantom's negative contrast would give other draws).
        v = make_phantom(
            shape,
            n_lesions=int(rng.integers(lesions[0], lesions[1] + 1)),
            n_distractors=int(rng.integers(distractors[0], distractors[1] + 1)),
            radius_range=radius_range,
            contrast=rng.uniform(*contrast),
            rng=rng,
        )
        if dark:
            v.image = -v.image
        if body > 0 and rng.random() < body:
            assert v.label is not None  # make_phantom always returns a label
            v.image = _add_air(v.image, v.label, rng)
        v.name = f"synthetic_{i:03d}"
        vols.append(v)
    return vols


def _add_air(image: np.ndarray, label: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Set the outside of a random elliptic cylinder (axis: first axis) to dark "air"."""
    from scipy import ndimage as ndi

    shape = np.asarray(image.shape[-2:], dtype=np.float64)
    half = (shape - 1) / 2
    radii = half * rng.uniform(0.8, 1.1, size=2)
    centre = half + rng.uniform(-0.1, 0.1, size=2) * half
    yy, xx = np.ogrid[: image.shape[-2], : image.shape[-1]]
    inside = ((yy - centre[0]) / radii[0]) ** 2 + ((xx - centre[1]) / radii[1]) ** 2 <= 1
    keep = np.broadcast_to(inside, image.shape) | ndi.binary_dilation(label > 0, iterations=2)
    air = float(image.min()) - 3.0 + 0.05 * rng.standard_normal(image.shape)
    return np.where(keep, image, air).astype(np.float32)


def data_fingerprint(volumes: Sequence[Volume]) -> str:
    """SHA-256 over the names, shapes, images and labels of ``volumes`` (16 hex digits)."""
    h = hashlib.sha256()
    for v in volumes:
        h.update(f"{v.name}|{v.shape}|".encode())
        h.update(np.ascontiguousarray(v.image).tobytes())
        if v.label is not None:
            h.update(np.ascontiguousarray(v.label).tobytes())
    return h.hexdigest()[:16]


def random_crop(
    image: np.ndarray,
    label: np.ndarray,
    size: Sequence[int],
    *,
    p_lesion: float = 0.6,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Crop ``size`` centred on a lesion voxel (probability ``p_lesion``) or a non-lesion one.

    Volumes smaller than ``size`` are zero-padded first.  The centre is shifted so the crop
    stays inside the volume.
    """
    rng = np.random.default_rng(rng)
    size = tuple(int(s) for s in size)
    pads = [(0, max(s - n, 0)) for n, s in zip(image.shape, size, strict=True)]
    image, label = np.pad(image, pads), np.pad(label, pads)
    fg = rng.random() < p_lesion
    cand = np.flatnonzero(label.ravel() > 0 if fg else label.ravel() == 0)
    if cand.size == 0:
        cand = np.arange(label.size)
    centre = np.unravel_index(int(rng.choice(cand)), label.shape)
    lo = [
        int(np.clip(c - s // 2, 0, n - s))
        for c, s, n in zip(centre, size, label.shape, strict=True)
    ]
    sl = tuple(slice(a, a + s) for a, s in zip(lo, size, strict=True))
    return image[sl], label[sl]


def augment(
    image: np.ndarray,
    label: np.ndarray,
    *,
    p_flip: float = 0.1,
    p_rot: float = 0.1,
    rng: np.random.Generator | int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Random flip per axis (``p_flip``) and a 90-degree rotation per axis pair (``p_rot``).

    Rotations are applied only in planes whose two axes have equal length, so the shape
    is preserved.
    """
    rng = np.random.default_rng(rng)
    for ax in range(image.ndim):
        if rng.random() < p_flip:
            image, label = np.flip(image, ax), np.flip(label, ax)
    for a in range(image.ndim):
        b = (a + 1) % image.ndim
        if image.shape[a] == image.shape[b] and rng.random() < p_rot:
            image, label = np.rot90(image, 1, (a, b)), np.rot90(label, 1, (a, b))
    return np.ascontiguousarray(image), np.ascontiguousarray(label)
