"""Bounding-box signals: implicit crop (with inverse), identity fill, distance to boundary."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import EllipsisType

import torch

from reference_impl.device import resolve_device
from reference_impl.guidance._local import _check_nonneg, _check_shape, _check_spacing
from reference_impl.interactions import Box

__all__ = ["CropMap", "box_crop", "box_mask", "box_distance_map"]


def _check_boxes(boxes: Sequence[Box], shape: tuple[int, ...]) -> list[Box]:
    """Validate boxes: type, dimension, and overlap with ``shape``."""
    out = []
    for b in boxes:
        if not isinstance(b, Box):
            raise TypeError(
                f"boxes must be reference_impl.interactions.Box, got {type(b).__name__}"
            )
        if len(b.lo) != len(shape):
            raise ValueError(
                f"box {b.lo}-{b.hi} has {len(b.lo)} dims, shape {shape} needs {len(shape)}"
            )
        if any(h <= 0 or lo >= n for lo, h, n in zip(b.lo, b.hi, shape, strict=True)):
            raise ValueError(f"box lo={b.lo} hi={b.hi} does not overlap shape {shape}")
        out.append(b)
    return out


@dataclass(frozen=True)
class CropMap:
    """Where a crop came from: ``slices`` into a volume of ``shape`` (the inverse mapping)."""

    slices: tuple[slice, ...]
    shape: tuple[int, ...]

    def uncrop(self, crop: torch.Tensor, *, fill: float = 0.0) -> torch.Tensor:
        """Paste ``crop`` (``(..., *crop_shape)``) back into a ``fill``-ed ``(..., *shape)`` tensor."""
        crop = torch.as_tensor(crop)
        want = tuple(s.stop - s.start for s in self.slices)
        if tuple(crop.shape[-len(want) :]) != want:
            raise ValueError(f"crop has shape {tuple(crop.shape)}, expected trailing {want}")
        out = torch.full((*crop.shape[: -len(want)], *self.shape), fill, dtype=crop.dtype,
                         device=crop.device)  # fmt: skip
        index: tuple[EllipsisType | slice, ...] = (..., *self.slices)
        out[index] = crop
        return out

    def to_crop(self, index: Sequence[int]) -> tuple[int, ...]:
        """Map a full-volume voxel index into crop coordinates."""
        return tuple(int(i) - s.start for i, s in zip(index, self.slices, strict=True))

    def to_full(self, index: Sequence[int]) -> tuple[int, ...]:
        """Map a crop voxel index back to full-volume coordinates."""
        return tuple(int(i) + s.start for i, s in zip(index, self.slices, strict=True))


def box_crop(
    image: torch.Tensor, box: Box, *, margin: float = 0.0, spacing: Sequence[float] | None = None
) -> tuple[torch.Tensor, CropMap]:
    """Implicit box guidance: crop ``image`` to the box (plus ``margin``), return the inverse map.

    Parameters
    ----------
    image : torch.Tensor or numpy.ndarray
        ``(..., *shape)``; the last ``D`` axes are spatial (``D`` = box dimension).
    box : Box
        The region of interest (``lo`` inclusive, ``hi`` exclusive).
    margin : float, default 0.0
        Extra context on every side in the units of ``spacing`` (voxels when None), clipped
        at the image border.
    spacing : sequence of float, optional
        Voxel size per spatial axis.

    Returns
    -------
    crop : torch.Tensor
        A view of ``image`` (as a tensor) restricted to the box.
    crop_map : CropMap
        ``crop_map.uncrop(pred)`` pastes a prediction back; ``to_full``/``to_crop`` map indices.

    Notes
    -----
    The implicit bounding-box signal of thesis §3.1.4 (crop the image to the ROI).

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Box
    >>> crop, cmap = box_crop(torch.arange(25.0).reshape(5, 5), Box((1, 1), (3, 4)))
    >>> crop.tolist(), cmap.uncrop(crop)[1].tolist()
    ([[6.0, 7.0, 8.0], [11.0, 12.0, 13.0]], [0.0, 6.0, 7.0, 8.0, 0.0])
    """
    img = torch.as_tensor(image)
    nd = len(box.lo)
    shape = _check_shape(tuple(img.shape[-nd:]))
    _check_boxes([box], shape)
    sp = _check_spacing(spacing, nd)
    m = [math.floor(_check_nonneg("margin", margin) / s + 1e-9) for s in sp]
    slices = tuple(
        slice(max(lo - mi, 0), min(h + mi, n))
        for lo, h, mi, n in zip(box.lo, box.hi, m, shape, strict=True)
    )
    index: tuple[EllipsisType | slice, ...] = (..., *slices)
    return img[index], CropMap(slices, shape)


def box_mask(
    boxes: Sequence[Box],
    shape: Sequence[int],
    *,
    dilation: float = 0.0,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Identity fill of the (dilated) boxes (Eq. 37 applied to the box set of Eq. 2).

    Parameters
    ----------
    boxes : sequence of Box
        Boxes; the channel is chosen by ``box.label``.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    dilation : float, default 0.0
        Grow each box by this much on every side (units of ``spacing``; voxels when None).
    spacing, device
        As for the click signals.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}; channel 0 foreground boxes, 1 background.

    Examples
    --------
    >>> from reference_impl.interactions import Box
    >>> box_mask([Box((1, 1), (2, 3))], (3, 4), device="cpu")[0].tolist()
    [[0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    shape = _check_shape(shape)
    boxes = _check_boxes(boxes, shape)
    sp = _check_spacing(spacing, len(shape))
    m = [math.floor(_check_nonneg("dilation", dilation) / s + 1e-9) for s in sp]
    out = torch.zeros((2, *shape), dtype=torch.float32, device=resolve_device(device))
    for b in boxes:
        sl = tuple(
            slice(max(lo - mi, 0), max(h + mi, 0)) for lo, h, mi in zip(b.lo, b.hi, m, strict=True)
        )
        out[(0 if b.label == 1 else 1, *sl)] = 1.0
    return out


def box_distance_map(
    boxes: Sequence[Box],
    shape: Sequence[int],
    *,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Euclidean distance to the nearest box boundary voxel (Eq. 7 with the box surface as seeds).

    Parameters
    ----------
    boxes : sequence of Box
        Boxes; the channel is chosen by ``box.label``.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    spacing, device
        As for the click signals.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32; 0 on the box's boundary shell (its voxels with a coordinate
        equal to ``lo`` or ``hi - 1`` on some axis), ``+inf`` in a channel without boxes.

    Notes
    -----
    Exact, in closed form: outside a box the nearest boundary voxel is the clamp of ``v``
    into the box; inside it, the nearest face along one axis.

    Examples
    --------
    >>> from reference_impl.interactions import Box
    >>> box_distance_map([Box((0, 0), (1, 3))], (3, 3), device="cpu")[0].tolist()
    [[0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    """
    shape = _check_shape(shape)
    boxes = _check_boxes(boxes, shape)
    sp = _check_spacing(spacing, len(shape))
    dev = resolve_device(device)
    out = torch.full((2, *shape), math.inf, dtype=torch.float32, device=dev)
    nd = len(shape)
    for b in boxes:
        outside2: torch.Tensor | float = 0.0
        inside: torch.Tensor | float = math.inf
        for k, (lo, h, s, n) in enumerate(zip(b.lo, b.hi, sp, shape, strict=True)):
            v = torch.arange(n, device=dev, dtype=torch.float32)
            v = v.reshape((1,) * k + (-1,) + (1,) * (nd - k - 1))
            lo_c, hi_c = max(lo, 0), min(h, n) - 1
            outside2 = outside2 + ((v - v.clamp(lo_c, hi_c)) * s) ** 2
            face = torch.minimum(v - lo, (h - 1) - v) * s
            inside = torch.minimum(torch.as_tensor(inside, device=dev), torch.where(
                (v >= lo_c) & (v <= hi_c), face, math.inf))  # fmt: skip
        # shape is 2D/3D (checked), so the loop above made both tensors
        assert isinstance(inside, torch.Tensor) and isinstance(outside2, torch.Tensor)
        is_in = torch.isfinite(inside) & (outside2 == 0)
        dist = torch.where(is_in, inside, torch.sqrt(outside2)).expand(shape)
        ch = 0 if b.label == 1 else 1
        out[ch] = torch.minimum(out[ch], dist)
    return out
