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

__all__ = ["click_window", "rw_prior", "roi_from_clicks", "clicks_in_region"]


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


def rw_prior(
    image: np.ndarray,
    clicks: Sequence[Click],
    *,
    spacing: Sequence[float],
    beta: float = 130.0,
    scale: float = 100.0,
    margin: float = 0.25,
    roi_mm: float | None = 50.0,
    max_distance_mm: float | None = None,
    cap_until_negative: bool = False,
    tol: float = 1e-3,
) -> np.ndarray:
    """Random-walker foreground probability for ``clicks`` without volume-border seeds.

    The seeds of the project's random-walker baseline
    (:func:`reference_impl.engines.seeds.seed_labels`: a ball of radius 1 per click, and
    every voxel whose windowed intensity differs from every foreground seed's by more
    than ``margin`` as implicit background,
    :func:`~reference_impl.engines.seeds.intensity_background`) and its windowing and edge scale
    (:func:`~reference_impl.engines.seeds.normalize_image`, ``scale``, ``beta``) and its
    one-solve random walker (:func:`~reference_impl.engines.seeds.random_walker_2label`), with
    one change: the volume's outer faces are *not* background seeds (unless nothing else
    is), because an organ cut by the field of view (liver, aorta, back muscles in a
    30-slice CT) touches them.

    With ``roi_mm`` the walk runs only inside the bounding box of the clicks grown by
    ``roi_mm`` millimetres (derived from the clicks alone, never from a label; the box's
    faces are not seeds, the walk simply does not leave it) and is 0 outside it: each
    far-away corrective click grows the box.

    With ``max_distance_mm`` every unseeded voxel farther than that from all foreground
    seeds is a background seed too (the random-walker engine's distance cap,
    :class:`~reference_impl.engines.classical.RandomWalkerEngine`); with
    ``cap_until_negative`` only as long as no negative click was given (the user's own
    background clicks then replace the assumption).
    Returns float32 probabilities (zeros without a positive click).
    """
    from ..engines.seeds import (
        distance_to_mask,
        intensity_background,
        normalize_image,
        random_walker_2label,
        seed_labels,
    )

    full = np.zeros(np.shape(image), np.float32)
    if not any(c.label == 1 for c in clicks):
        return full
    roi: tuple[slice, ...] = tuple(slice(0, full.shape[ax]) for ax in range(full.ndim))
    if roi_mm is not None:
        roi = roi_from_clicks(full.shape, clicks, spacing, margin_mm=roi_mm)
    img = normalize_image(image)[roi]  # window chosen on the whole image (CT detection)
    local = clicks_in_region(clicks, roi)
    seeds = seed_labels(
        img.shape,
        [c for c in local if all(0 <= i < n for i, n in zip(c.index, img.shape, strict=True))],
    )
    if not (seeds == 1).any():
        return full
    seeds[intensity_background(img, seeds == 1, margin=margin) & (seeds == 0)] = 2
    if max_distance_mm is not None and not (
        cap_until_negative and any(c.label == 0 for c in clicks)
    ):
        far = distance_to_mask(seeds == 1, spacing) > max_distance_mm
        seeds[far & (seeds == 0)] = 2
    if not (seeds == 2).any():
        border = np.ones(img.shape, bool)
        border[tuple(slice(1, -1) for _ in img.shape)] = False
        seeds[border & (seeds == 0)] = 2
    if not (seeds == 2).any():
        full[roi] = 1.0
        return full
    sp = np.asarray(spacing, dtype=np.float64)
    prob = random_walker_2label(img * scale, seeds, beta=beta, spacing=sp / sp.min(), tol=tol)
    full[roi] = prob
    return full


def grown_box(
    points: np.ndarray, shape: Sequence[int], spacing: Sequence[float], *, margin_mm: float
) -> tuple[slice, ...]:
    """Bounding box of ``points`` (an ``(n, ndim)`` array of voxel indices, n >= 1) grown
    by ``margin_mm`` per side, clipped to ``shape``.

    >>> grown_box(np.array([[5, 10, 40], [6, 12, 41]]), (10, 50, 50), (3.0, 1.0, 1.0), margin_mm=6)
    (slice(3, 9, None), slice(4, 19, None), slice(34, 48, None))
    """
    idx = np.asarray(points).reshape(-1, len(shape))
    out = []
    for ax, n in enumerate(shape):
        m = int(np.ceil(margin_mm / float(spacing[ax])))
        out.append(slice(max(int(idx[:, ax].min()) - m, 0), min(int(idx[:, ax].max()) + m + 1, n)))
    return tuple(out)


def roi_from_clicks(
    shape: Sequence[int], clicks: Sequence[Click], spacing: Sequence[float], *, margin_mm: float
) -> tuple[slice, ...]:
    """Bounding box of the clicks grown by ``margin_mm`` per side, clipped to the image.

    >>> roi_from_clicks((10, 50, 50), [Click(1, (5, 10, 40))], (3.0, 1.0, 1.0), margin_mm=6)
    (slice(3, 8, None), slice(4, 17, None), slice(34, 47, None))
    """
    return grown_box(np.array([c.index for c in clicks]), shape, spacing, margin_mm=margin_mm)


def clicks_in_region(clicks: Sequence[Click], region: Sequence[slice]) -> list[Click]:
    """``clicks`` with indices relative to the start of ``region`` (same labels).

    >>> clicks_in_region([Click(1, (5, 10, 40))], (slice(3, 8), slice(4, 17), slice(34, 47)))
    [Click(label=1, index=(2, 6, 6))]
    """
    off = [r.start or 0 for r in region]
    return [
        Click(c.label, tuple(int(i) - o for i, o in zip(c.index, off, strict=True))) for c in clicks
    ]
