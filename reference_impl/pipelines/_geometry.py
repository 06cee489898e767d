"""Crop and resample a volume without losing where it is: the affine follows every change.

A :class:`~reference_impl.io.Volume` carries a 4x4 affine mapping voxel indices in numpy
axis order ``(z, y, x, 1)`` to world millimetres.  After :func:`crop` or :func:`zoom` the new
affine maps every voxel of the new grid to the world position of the point it was sampled
from in the original grid, so ``Click(..., affine=vol.affine).world()`` and
:meth:`~reference_impl.interactions.Click.to_grid` stay correct.

``scipy.ndimage.zoom`` (``grid_mode=False``) samples output index ``j`` at input coordinate
``j * (n_in - 1) / (n_out - 1)`` (corner voxels aligned); :func:`zoom` records exactly that
step per axis.  :func:`fit_to_budget` (training volumes) and :func:`working_volume`
(evaluation volumes, never cropped) put a volume on the pipelines' working grid;
:func:`to_input_grid` maps a working-grid prediction back to the input's grid.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage as ndi

from ..io import Volume
from ..swfastedit.data import normalize_intensity

__all__ = [
    "crop",
    "zoom",
    "index_transform",
    "resample_to_shape",
    "fit_to_budget",
    "working_volume",
    "to_input_grid",
]


def index_transform(offset: Sequence[float], step: Sequence[float]) -> np.ndarray:
    """4x4 matrix mapping a new-grid index ``j`` to the old-grid index ``offset + step * j``."""
    t = np.eye(4)
    t[:3, :3] = np.diag(np.asarray(step, dtype=np.float64))
    t[:3, 3] = np.asarray(offset, dtype=np.float64)
    return t


def _spacing(vol: Volume, step: Sequence[float]) -> tuple[float, ...]:
    """The new spacing: the volume's own spacing times the index step of each axis."""
    return tuple(float(s) * float(t) for s, t in zip(vol.spacing, step, strict=True))


def crop(vol: Volume, lo: Sequence[int], hi: Sequence[int]) -> Volume:
    """The sub-volume ``[lo, hi)`` with its affine translated to the crop origin."""
    sl = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    affine = np.asarray(vol.affine, dtype=np.float64) @ index_transform(lo, (1.0, 1.0, 1.0))
    label = None if vol.label is None else np.asarray(vol.label)[sl]
    return Volume(np.asarray(vol.image)[sl], label, tuple(vol.spacing), affine, vol.name)


def zoom(vol: Volume, factors: Sequence[float]) -> Volume:
    """Resample by ``factors`` per axis (image linear, label nearest) with the exact affine."""
    img = np.asarray(vol.image, dtype=np.float32)
    out_img = ndi.zoom(img, factors, order=1)
    label = None
    if vol.label is not None:
        label = ndi.zoom(np.asarray(vol.label).astype(np.uint8), factors, order=0)
    step = [
        (n_in - 1) / (n_out - 1) if n_out > 1 else 1.0
        for n_in, n_out in zip(img.shape, out_img.shape, strict=True)
    ]
    affine = np.asarray(vol.affine, dtype=np.float64) @ index_transform((0.0, 0.0, 0.0), step)
    return Volume(out_img, label, _spacing(vol, step), affine, vol.name)


def resample_to_shape(array: np.ndarray, shape: Sequence[int], *, order: int = 1) -> np.ndarray:
    """Resample ``array`` onto ``shape`` with the corner-aligned grid of :func:`zoom`
    (the inverse of a zoom: a working-grid prediction back onto the input grid)."""
    arr = np.asarray(array)
    if arr.shape == tuple(shape):
        return arr
    factors = [n / m for n, m in zip(shape, arr.shape, strict=True)]
    out = ndi.zoom(arr.astype(np.float32), factors, order=order)
    if out.shape != tuple(shape):  # rounding of the zoom factor: pad or cut one voxel
        pads = [(0, max(n - o, 0)) for n, o in zip(shape, out.shape, strict=True)]
        out = np.pad(out, pads, mode="edge")[tuple(slice(0, n) for n in shape)]
    return out


def fit_to_budget(vol: Volume, max_size: int, *, normalize: bool = True) -> tuple[Volume, dict]:
    """Crop to the label's bounding box plus a margin, downsample so no axis > ``max_size``,
    normalise intensities to [0, 1] (percentiles 0.5-99.5; ``normalize=False`` for an image
    normalised as a whole beforehand).  Returns the volume and a record.

    For *training* volumes only (the crop is centred on the label).  The affine follows the
    crop and the resampling (:mod:`._geometry`): a voxel of the result maps to the world
    point it was sampled from in ``vol``.
    """
    lab = np.asarray(vol.label) > 0
    out = Volume(
        np.asarray(vol.image, dtype=np.float32),
        lab.astype(np.uint8),
        vol.spacing,
        np.asarray(vol.affine, dtype=np.float64),
        vol.name,
    )
    rec: dict = {"name": vol.name, "original_shape": list(out.image.shape)}
    if max(out.image.shape) > max_size:
        idx = np.argwhere(lab)
        lo, hi = idx.min(0), idx.max(0) + 1
        margin = np.maximum((hi - lo) // 2, 8)
        lo, hi = np.maximum(lo - margin, 0), np.minimum(hi + margin, lab.shape)
        out = crop(out, lo, hi)
        rec["crop"] = [[int(a), int(b)] for a, b in zip(lo, hi, strict=True)]
    factors = np.minimum(1.0, max_size / np.asarray(out.image.shape, dtype=float))
    if (factors < 1).any():
        out = zoom(out, [float(f) for f in factors])
        rec["zoom"] = [float(z) for z in factors]
    if not np.asarray(out.label).any():
        raise ValueError(f"{vol.name}: the label vanished when fitting the volume to the budget")
    rec["shape"] = list(out.image.shape)
    if normalize:
        out.image = normalize_intensity(out.image)
    out.label = (np.asarray(out.label) > 0).astype(np.uint8)
    return out, rec


def working_volume(vol: Volume, max_size: int) -> tuple[Volume, np.ndarray, dict]:
    """An evaluation volume on its working grid: the *whole* volume (no crop), resampled only
    along axes longer than ``max_size`` (exact affine).  Returns the normalised volume, the
    raw image on the same grid and a record with the input grid."""
    rec: dict = {"name": vol.name, "original_shape": list(np.shape(vol.image)), "crop": None}
    out = Volume(
        np.asarray(vol.image, dtype=np.float32),
        np.asarray(vol.label).astype(np.uint8),
        tuple(vol.spacing),
        np.asarray(vol.affine, dtype=np.float64),
        vol.name,
    )
    factors = np.minimum(1.0, max_size / np.asarray(out.image.shape, dtype=float))
    if (factors < 1).any():
        out = zoom(out, [float(f) for f in factors])
        rec["zoom"] = [float(z) for z in factors]
        if not np.asarray(out.label).any():
            raise ValueError(
                f"{vol.name}: the label vanished when resampling the volume to "
                f"at most {max_size} voxels per axis"
            )
    rec["shape"] = list(out.image.shape)
    raw = out.image
    out.image = normalize_intensity(raw)
    return out, raw, rec


def to_input_grid(pred: np.ndarray, grid: dict) -> np.ndarray:
    """A working-grid prediction (uint8) on the input grid of :attr:`Data.eval_input`:
    resampled back (linear, > 0.5) when the working grid was resampled, then reoriented back
    exactly."""
    out = np.asarray(pred)
    if grid["resampled"]:
        out = resample_to_shape(out.astype(np.float32), grid["canonical_shape"], order=1) > 0.5
    if grid["reorientation"] is not None:
        out = grid["reorientation"].from_canonical(out)
    return np.asarray(out).astype(np.uint8)
