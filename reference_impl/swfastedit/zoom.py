"""Zoom-in for the click model: the network sees its object at one scale, whatever its size.

RITM's ``ZoomIn`` (isegm/inference/transforms/zoom_in.py) crops the image around the current
object and resizes the crop to a fixed size before the network runs.  This is the 3D,
anisotropic version for :class:`~reference_impl.swfastedit.clicknet.ClickNet`:

1. the object is the prior's foreground (``> 0.5``) plus the clicks; its size is its
   *equivalent diameter* ``d`` (:func:`~reference_impl.swfastedit.clicknet.prior_scale_mm`);
2. the crop is the object's bounding box grown by ``d`` on every side, inside the network's
   region (:func:`zoom_box`);
3. the crop is resampled (trilinear) to isotropic voxels of ``d / zoom_voxels`` mm, so the
   object spans about ``zoom_voxels`` voxels (coarser when the crop would exceed ``zoom_max``
   voxels along an axis) (:func:`zoom_shape`);
4. the network's correction is computed there and resampled back; the prior's logit is added
   at the original resolution, so that an untrained network is still exactly the prior.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from ..interactions import Click
from .prior import grown_box

__all__ = ["zoom_box", "zoom_shape", "resize", "zoom_clicks"]


def zoom_box(
    prior: np.ndarray, clicks: Sequence[Click], spacing: Sequence[float], *, diameter_mm: float
) -> tuple[slice, ...]:
    """Bounding box of ``prior > 0.5`` and the clicks, grown by ``diameter_mm`` per side and
    clipped to ``prior``'s shape.

    >>> p = np.zeros((10, 40, 40)); p[4:6, 18:22, 18:22] = 1
    >>> zoom_box(p, [Click(1, (5, 20, 20))], (3.0, 1.0, 1.0), diameter_mm=4.0)
    (slice(2, 8, None), slice(14, 26, None), slice(14, 26, None))
    """
    fg = np.asarray(prior) > 0.5
    pts = [np.argwhere(fg)] if fg.any() else []
    pts += [np.array([c.index for c in clicks])] if clicks else []
    if not pts:
        return tuple(slice(0, n) for n in np.shape(prior))
    return grown_box(np.concatenate(pts), np.shape(prior), spacing, margin_mm=diameter_mm)


def zoom_shape(
    shape: Sequence[int],
    spacing: Sequence[float],
    *,
    diameter_mm: float,
    zoom_voxels: float,
    zoom_max: int,
) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """``(shape, spacing)`` of the resampled crop: voxels of ``diameter_mm / zoom_voxels``
    mm, coarser if an axis would exceed ``zoom_max`` voxels; each axis at least 1 voxel.

    >>> zoom_shape((10, 40, 40), (3.0, 1.0, 1.0), diameter_mm=10.0, zoom_voxels=20, zoom_max=96)
    ((60, 80, 80), (0.5, 0.5, 0.5))
    """
    extent = np.asarray(shape, float) * np.asarray(spacing, float)
    step = max(float(diameter_mm), 1e-6) / float(zoom_voxels)
    step = max(step, float(extent.max()) / zoom_max)
    new = np.maximum(np.ceil(extent / step - 1e-9), 1).astype(int)
    return tuple(int(n) for n in new), tuple(float(e / n) for e, n in zip(extent, new, strict=True))


def resize(t: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """Trilinear resampling of a ``(B, C, Z, Y, X)`` tensor to ``shape`` (voxel centres
    aligned, ``align_corners=False``); the identity when the shape is already ``shape``."""
    if tuple(t.shape[-3:]) == tuple(shape):
        return t
    return torch.nn.functional.interpolate(
        t, size=tuple(int(n) for n in shape), mode="trilinear", align_corners=False
    )


def zoom_clicks(clicks: Sequence[Click], shape: Sequence[int], new: Sequence[int]) -> list[Click]:
    """Clicks mapped to the voxel of the resampled grid that holds their voxel's centre.

    >>> zoom_clicks([Click(1, (0, 3, 9))], (1, 4, 10), (2, 8, 5))
    [Click(label=1, index=(1, 7, 4))]
    """
    out = []
    for c in clicks:
        idx = tuple(
            min(int((i + 0.5) * m / n), m - 1) for i, n, m in zip(c.index, shape, new, strict=True)
        )
        out.append(Click(c.label, idx))
    return out
