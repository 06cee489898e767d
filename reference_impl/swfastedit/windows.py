"""MONAI's sliding-window grid: which windows cover which voxels, and the padding MONAI
applies first (what :class:`~reference_impl.swfastedit.inference.SWFastEditPredictor`
needs to re-predict only the windows a click changed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["WindowGrid", "window_grid", "pad_amounts"]


@dataclass(frozen=True)
class WindowGrid:
    """MONAI's sliding-window grid on a (padded) volume: window ``i`` covers ``slices[i]``."""

    shape: tuple[int, ...]
    roi_size: tuple[int, ...]
    slices: tuple[tuple[slice, ...], ...]

    @property
    def starts(self) -> np.ndarray:
        """``(n_windows, ndim)`` start index of every window."""
        return np.array([[s.start for s in sl] for sl in self.slices], dtype=np.int64)

    def intersecting(self, lo: Sequence[int], hi: Sequence[int]) -> np.ndarray:
        """Indices of the windows that intersect the box ``[lo, hi)`` (sorted)."""
        st = self.starts
        hit = np.all((st < np.asarray(hi)) & (st + np.asarray(self.roi_size) > np.asarray(lo)), 1)
        return np.flatnonzero(hit)


def window_grid(
    shape: Sequence[int], roi_size: Sequence[int], *, overlap: float = 0.25
) -> WindowGrid:
    """The window grid of ``monai.inferers.sliding_window_inference`` for ``shape``.

    Parameters
    ----------
    shape : tuple of int
        Volume shape ``(z, y, x)`` *after* MONAI's padding to at least ``roi_size``.
    roi_size : tuple of int
        Window size.
    overlap : float
        Fraction of overlap in ``[0, 1)``; the scan interval is ``int(roi * (1 - overlap))``.

    Returns
    -------
    WindowGrid

    Examples
    --------
    >>> g = window_grid((40, 40, 40), (16, 16, 16), overlap=0.25)
    >>> len(g.slices), g.slices[-1][0]
    (27, slice(24, 40, None))
    """
    from monai.data.utils import dense_patch_slices

    shape, roi = tuple(int(s) for s in shape), tuple(int(r) for r in roi_size)
    if len(shape) != len(roi) or any(r > s for r, s in zip(roi, shape, strict=True)):
        raise ValueError(f"roi_size {roi} must have len {len(shape)} and fit in shape {shape}")
    if not 0 <= overlap < 1:
        raise ValueError(f"overlap must be >= 0 and < 1, got {overlap}")
    # MONAI's scan interval: the full window where it spans the axis, else
    # int(roi * (1 - overlap)), at least 1
    interval = tuple(
        r if r == s else max(int(r * (1 - overlap)), 1) for r, s in zip(roi, shape, strict=True)
    )
    monai_slices = dense_patch_slices(shape, roi, interval, return_slice=True)
    slices = tuple(tuple(slice(int(a.start), int(a.stop)) for a in sl) for sl in monai_slices)
    return WindowGrid(shape, roi, slices)


def pad_amounts(shape: Sequence[int], target: Sequence[int]) -> list[tuple[int, int]]:
    """MONAI's symmetric pad (``half`` before, rest after) up to ``target``.

    >>> pad_amounts((10, 40), (16, 16))
    [(3, 3), (0, 0)]
    """
    return [
        ((max(t - s, 0)) // 2, max(t - s, 0) - max(t - s, 0) // 2)
        for s, t in zip(shape, target, strict=True)
    ]
