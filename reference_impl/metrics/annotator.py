"""Robot-vs-annotator metrics M1-M7 of thesis §5.2.1.2 (Eq. 21-27), computed from click logs.

A :class:`ClickLog` records one user's session on one image: the ground-truth label, the
clicks in order and the Dice after 0..N clicks.  M1-M4 are computed on the *lesion*
(foreground, label 1) clicks: the study annotators made "10 lesion and 10 background clicks"
per volume (thesis §5.2.1) and Eq. 21 sums over 10 clicks per image.
Distances are in mm (``spacing``).  Per-image values are averaged over images; an image
without any click of the kind a metric needs is skipped, and a metric with no usable image
is NaN.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import cc3d
import edt as _edt
import numpy as np

from ..interactions import FOREGROUND, Click
from .interactive import consistent_improvement


def _edt_mm(mask: np.ndarray, spacing, *, border_is_boundary: bool = True) -> np.ndarray:
    """EDT (mm, float64) of ``mask`` with the ``edt`` package; border = background if asked."""
    m = np.ascontiguousarray(mask, dtype=bool)
    if not m.any():
        return np.zeros(m.shape)
    d = _edt.edt(
        m, anisotropy=tuple(float(s) for s in spacing), black_border=border_is_boundary, parallel=1
    )
    return d.astype(np.float64)


def _components(mask: np.ndarray, *, connectivity: int = 26) -> tuple[np.ndarray, int]:
    """26/6-connected components (8/4 in 2D) of ``mask`` and their number (cc3d)."""
    conn = connectivity if mask.ndim == 3 else (4 if connectivity == 6 else 8)
    labels, n = cc3d.connected_components(
        mask, connectivity=cast("Literal[4, 6, 8, 18, 26]", conn), return_N=True
    )
    return labels, int(n)


__all__ = [
    "ClickLog",
    "m1_label_agreement",
    "m2_centerness",
    "m3_click_diversity",
    "m4_label_proximity",
    "m5_consistent_improvement",
    "m6_user_shift",
    "m7_dice_difference",
    "annotator_metrics",
]


@dataclass(frozen=True, eq=False)
class ClickLog:
    """One user's clicks and Dice curve on one image (label in numpy axis order)."""

    label: np.ndarray
    clicks: Sequence[Click]
    dice: Sequence[float] = ()
    spacing: tuple[float, ...] | None = None
    image_id: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def fg_clicks(self) -> list[tuple[int, ...]]:
        """Indices of the lesion (label 1) clicks."""
        return [c.index for c in self.clicks if c.label == FOREGROUND]

    def sp(self) -> tuple[float, ...]:
        """Spacing (default 1 mm isotropic)."""
        return self.spacing or (1.0,) * np.ndim(self.label)

    def inside_edt(self) -> np.ndarray:
        """Distance (mm) of label voxels to the label boundary (cached)."""
        if "in" not in self._cache:
            self._cache["in"] = _edt_mm(np.asarray(self.label) > 0, self.sp())
        return self._cache["in"]


def _mean(per_image: list[float]) -> float:
    """Mean over images, NaN when empty."""
    return float(np.mean(per_image)) if per_image else float("nan")


def m1_label_agreement(logs: Sequence[ClickLog]) -> float:
    """M1: share of lesion clicks inside the ground-truth label (Eq. 21).

    >>> lab = np.zeros((4, 4), np.uint8); lab[1:3, 1:3] = 1
    >>> m1_label_agreement([ClickLog(lab, [Click(1, (1, 1)), Click(1, (0, 0))])])
    0.5
    """
    per = []
    for log in logs:
        idx = log.fg_clicks()
        if idx:
            lab = np.asarray(log.label) > 0
            per.append(float(np.mean([lab[i] for i in idx])))
    return _mean(per)


def _centres(lab: np.ndarray, d_in: np.ndarray, connectivity: int) -> np.ndarray:
    """One centre per label component: its EDT-argmax voxel (first in raster order)."""
    labels, n = _components(lab, connectivity=connectivity)
    out = []
    for k in range(1, n + 1):
        dk = np.where(labels == k, d_in, -1.0)
        out.append(np.unravel_index(int(np.argmax(dk)), lab.shape))
    return np.array(out, dtype=np.float64)


def m2_centerness(logs: Sequence[ClickLog], *, connectivity: int = 26) -> float:
    """M2: bound / (bound + cent_dist) over lesion clicks inside the label (Eq. 22).

    ``bound`` is the click's distance to the label boundary (the label's EDT at the
    click) and ``cent_dist`` its distance to the nearest component centre (EDT argmax of
    each connected component).  1 means central clicks, values near 0 boundary clicks.

    >>> lab = np.zeros((7, 7), np.uint8); lab[1:6, 1:6] = 1
    >>> m2_centerness([ClickLog(lab, [Click(1, (3, 3)), Click(1, (1, 3))])])
    0.6666666666666666
    """
    per = []
    for log in logs:
        lab = np.asarray(log.label) > 0
        inside = [i for i in log.fg_clicks() if lab[i]]
        if not inside:
            continue
        d_in = log.inside_edt()
        centres = _centres(lab, d_in, connectivity)
        sp = np.asarray(log.sp())
        vals = []
        for i in inside:
            cent = float(np.sqrt((((centres - np.asarray(i)) * sp) ** 2).sum(1)).min())
            vals.append(d_in[i] / (d_in[i] + cent))
        per.append(float(np.mean(vals)))
    return _mean(per)


def m3_click_diversity(logs: Sequence[ClickLog], *, connectivity: int = 26) -> float:
    """M3: label components hit by a lesion click / min(#components, #clicks) (Eq. 23).

    >>> lab = np.zeros((5, 5), np.uint8); lab[0, 0] = lab[4, 4] = 1
    >>> m3_click_diversity([ClickLog(lab, [Click(1, (0, 0)), Click(1, (0, 0))])])
    0.5
    """
    per = []
    for log in logs:
        idx = log.fg_clicks()
        lab = np.asarray(log.label) > 0
        labels, n = _components(lab, connectivity=connectivity)
        if not idx or n == 0:
            continue
        hit = {int(labels[i]) for i in idx} - {0}
        per.append(len(hit) / min(n, len(idx)))
    return _mean(per)


def m4_label_proximity(logs: Sequence[ClickLog]) -> float:
    """M4: mean inverse distance (1/mm) of lesion clicks outside the label to it (Eq. 24).

    >>> lab = np.zeros((1, 6), np.uint8); lab[0, 0] = 1
    >>> m4_label_proximity([ClickLog(lab, [Click(1, (0, 2)), Click(1, (0, 4))])])
    0.375
    """
    per = []
    for log in logs:
        lab = np.asarray(log.label) > 0
        outside = [i for i in log.fg_clicks() if not lab[i]]
        if not outside or not lab.any():
            continue
        d_out = _edt_mm(~lab, log.sp(), border_is_boundary=False)
        per.append(float(np.mean([1.0 / d_out[i] for i in outside])))
    return _mean(per)


def m5_consistent_improvement(logs: Sequence[ClickLog]) -> float:
    """M5: mean share of clicks that raise the Dice (Eq. 25; see ``consistent_improvement``).

    >>> m5_consistent_improvement([ClickLog(np.ones((2, 2)), [], dice=[0.1, 0.2, 0.2])])
    0.5
    """
    return _mean([consistent_improvement(log.dice) for log in logs if len(log.dice) >= 2])


def annotator_metrics(logs: Sequence[ClickLog], *, connectivity: int = 26) -> dict[str, float]:
    """M1-M5 of one user (annotator or robot) over its logs, as a dict ``{'M1': ...}``."""
    return {
        "M1": m1_label_agreement(logs),
        "M2": m2_centerness(logs, connectivity=connectivity),
        "M3": m3_click_diversity(logs, connectivity=connectivity),
        "M4": m4_label_proximity(logs),
        "M5": m5_consistent_improvement(logs),
    }


def m6_user_shift(robot: Mapping[str, float], annotators: Sequence[Mapping[str, float]]) -> float:
    """M6: mean |M_i(R) - M_i(A)| over annotators A and i = 1..5 (Eq. 26).

    >>> r = {"M1": 1.0, "M2": 0.5, "M3": 1.0, "M4": 0.0, "M5": 0.5}
    >>> a = {"M1": 0.5, "M2": 0.5, "M3": 1.0, "M4": 0.0, "M5": 0.0}
    >>> m6_user_shift(r, [a, r])
    0.1
    """
    if not annotators:
        raise ValueError("m6_user_shift needs at least one annotator, got none")
    keys = ("M1", "M2", "M3", "M4", "M5")
    for m in (robot, *annotators):
        missing = [k for k in keys if k not in m]
        if missing:
            raise ValueError(f"metrics dict lacks {missing}; expected keys {keys}")
    return float(np.mean([[abs(robot[k] - a[k]) for k in keys] for a in annotators]))


def m7_dice_difference(
    robot: Mapping[str, Sequence[float]], annotators: Sequence[Mapping[str, Sequence[float]]]
) -> float:
    """M7: mean |dice_A[i] - dice_R[i]| over images, annotators and clicks i = 1..N (Eq. 27).

    ``robot`` and each annotator map an image id to its Dice curve over clicks 0..N.

    >>> m7_dice_difference({"a": [0.0, 0.5, 1.0]}, [{"a": [0.0, 0.3, 0.9]}])
    0.15
    """
    if not annotators:
        raise ValueError("m7_dice_difference needs at least one annotator, got none")
    diffs = []
    for img, r_curve in robot.items():
        r = np.asarray(r_curve, dtype=np.float64)
        for a_map in annotators:
            if img not in a_map:
                raise ValueError(f"annotator curves lack image {img!r}")
            a = np.asarray(a_map[img], dtype=np.float64)
            if a.shape != r.shape:
                raise ValueError(f"curves for {img!r} differ in length: {a.size} vs {r.size}")
            diffs.append(np.abs(a[1:] - r[1:]).mean())
    return float(np.mean(diffs))
