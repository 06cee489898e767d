"""Click-relative intensity window: the image channel of the shipped click model.

The shipped model (:mod:`reference_impl.swfastedit.clicknet`) must not learn "bright =
foreground".  Its image channel is therefore *relative to the clicked tissue*: the image is
clipped to ``ref ± window · s`` (``ref`` the median intensity around the positive clicks,
``s`` the robust spread there) and scaled to ``[-1, 1]``: ``-1``/``+1`` mean "far below /
above the clicked tissue", whatever the modality or polarity.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..interactions import Click

__all__ = ["click_window"]


def _ball_slices(idx: Sequence[int], shape: Sequence[int], r: int) -> tuple[slice, ...]:
    return tuple(slice(max(i - r, 0), min(i + r + 1, n)) for i, n in zip(idx, shape, strict=True))


def click_window(image: np.ndarray, clicks: Sequence[Click], *, window: float = 4.0) -> np.ndarray:
    """The image mapped to ``[-1, 1]`` relative to the tissue under the positive clicks.

    ``ref`` = median of the 3x3x3 neighbourhoods of the positive clicks, ``s`` = their
    robust spread (1.4826 * MAD, at least 2 % of the image's 1-99 percentile range);
    the output is ``clip((image - ref) / (window * s), -1, 1)``.  Without a positive click the
    image is percentile-normalised to ``[-1, 1]``.

    >>> img = np.zeros((5, 5, 5), np.float32); img[1:4, 1:4, 1:4] = 10
    >>> out = click_window(img, [Click(1, (2, 2, 2))], window=1)
    >>> float(out[2, 2, 2]), float(out[0, 0, 0])
    (0.0, -1.0)
    """
    img = np.asarray(image, dtype=np.float32)
    lo, hi = np.percentile(img, [1.0, 99.0])
    rng = float(hi - lo) if hi > lo else 1.0
    pos = [c for c in clicks if c.label == 1]
    if not pos:
        return np.clip(2 * (img - lo) / rng - 1, -1, 1).astype(np.float32)
    vals = np.concatenate([img[_ball_slices(c.index, img.shape, 1)].ravel() for c in pos])
    ref = float(np.median(vals))
    s = max(1.4826 * float(np.median(np.abs(vals - ref))), 0.02 * rng)
    return np.clip((img - ref) / (window * s), -1, 1).astype(np.float32)
