"""Interaction-curve metrics: Dice@k, AUC, Final (Algorithm 4), NoC@85/90, consistent improvement.

A *curve* is the sequence ``values[0..N]`` of a base metric after 0, 1, ..., N
interactions (``values[0]`` is the prediction before any click, or after the initial box
in the CVPR'25 protocol).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.integrate import trapezoid

from .._validate import check_fraction
from .base import dice

__all__ = [
    "AUC_VARIANTS",
    "metric_curve",
    "metric_at",
    "auc",
    "final",
    "InteractiveMetric",
    "NoCResult",
    "noc",
    "noc_summary",
    "consistent_improvement",
]

AUC_VARIANTS = ("normalized", "autopet", "cvpr25")


def _curve(values: Sequence[float]) -> np.ndarray:
    """Curve as a 1D float array with at least one value and no NaN."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"a metric curve must be a non-empty 1D sequence, got shape {v.shape}")
    if np.isnan(v).any():
        raise ValueError(f"a metric curve must not contain NaN, got {v.tolist()}")
    return v


def metric_curve(
    preds: Sequence[np.ndarray], label: np.ndarray, *, metric: Callable[..., float] = dice, **kwargs
) -> list[float]:
    """Base ``metric(pred, label, **kwargs)`` for each prediction of an interaction sequence.

    >>> lab = np.array([[1, 1, 0, 0]])
    >>> metric_curve([np.zeros((1, 4)), np.array([[1, 0, 0, 0]]), lab], lab)
    [0.0, 0.6666666666666666, 1.0]
    """
    return [float(metric(p, label, **kwargs)) for p in preds]


def metric_at(values: Sequence[float], k: int) -> float:
    """Metric after ``k`` interactions (e.g. Dice@5 = ``metric_at(dice_curve, 5)``).

    >>> metric_at([0.1, 0.5, 0.9], 2)
    0.9
    """
    v = _curve(values)
    if not 0 <= k < v.size:
        raise ValueError(f"k must be in [0, {v.size - 1}] for a curve of {v.size} values, got {k}")
    return float(v[k])


def auc(
    values: Sequence[float], *, variant: Literal["normalized", "autopet", "cvpr25"] = "normalized"
) -> float:
    """Area under the interaction curve.

    Parameters
    ----------
    values : sequence of float
        Metric after 0..N interactions.
    variant : {'normalized', 'autopet', 'cvpr25'}
        ``normalized`` (ours): trapezoid over x = 0..N divided by N, so a curve in [0, 1]
        gives an AUC in [0, 1] (a single value: that value).  ``autopet``: the autoPET IV
        rule, trapezoid over x = 0..10 without normalisation; it needs exactly 11 values.
        ``cvpr25``: the CVPR'25 MedSegFM evaluator, trapezoid over the click steps only,
        i.e. ``values[1:]`` (``values[0]`` is the box prediction) with x = 0..N-1,
        unnormalised (range 0..4 for 5 clicks).

    Returns
    -------
    float

    Notes
    -----
    Algorithm 4 of the thesis ("trapezoidal integration").

    Examples
    --------
    >>> auc([0.0, 0.5, 1.0])
    0.5
    >>> auc([0.2, 0.4, 0.6, 0.8, 0.9, 1.0], variant="cvpr25")
    3.0
    """
    v = _curve(values)
    if variant not in AUC_VARIANTS:
        raise ValueError(f"variant must be one of {AUC_VARIANTS}, got {variant!r}")
    if not np.isfinite(v).all():
        raise ValueError(f"an AUC needs finite values, got {v.tolist()}")
    if variant == "normalized":
        return float(v[0]) if v.size == 1 else float(trapezoid(v) / (v.size - 1))
    if variant == "autopet":
        if v.size != 11:
            raise ValueError(f"the autoPET AUC needs 11 values (clicks 0..10), got {v.size}")
        return float(trapezoid(v))
    if v.size < 3:
        raise ValueError(f"the CVPR'25 AUC needs the box value and >= 2 click values, got {v.size}")
    return float(trapezoid(v[1:]))


def final(values: Sequence[float]) -> float:
    """The last value of the curve (the "Final" metric of Algorithm 4).

    >>> final([0.3, 0.8])
    0.8
    """
    return float(_curve(values)[-1])


@dataclass(frozen=True)
class InteractiveMetric:
    """Turn a base metric into its interactive AUC and Final versions (thesis Algorithm 4).

    Parameters
    ----------
    metric : callable
        ``metric(pred, label, **kwargs) -> float`` (e.g. :func:`~.base.dice`, or
        :func:`~.base.fp_volume` for a metric to minimise).
    auc_variant : {'normalized', 'autopet', 'cvpr25'}
        See :func:`auc`.
    higher_is_better : bool
        Direction of the base metric (informative, for ranking).

    Examples
    --------
    >>> im = InteractiveMetric(dice)
    >>> im.compute_interactive([0.0, 0.5, 1.0])
    {'AUC': 0.5, 'Final': 1.0}
    >>> lab = np.array([[1, 1]])
    >>> im(([[0, 0]], [[1, 0]], [[1, 1]]), lab)["Final"]
    1.0
    """

    metric: Callable[..., float] = dice
    auc_variant: str = "normalized"
    higher_is_better: bool = True

    def __post_init__(self) -> None:
        if self.auc_variant not in AUC_VARIANTS:
            raise ValueError(f"auc_variant must be one of {AUC_VARIANTS}, got {self.auc_variant!r}")

    def compute(self, preds: Sequence[np.ndarray], label: np.ndarray, **kwargs) -> list[float]:
        """Base metric values of a sequence of predictions against one label."""
        return metric_curve(preds, label, metric=self.metric, **kwargs)

    def compute_interactive(self, metric_values: Sequence[float]) -> dict[str, float]:
        """``{'AUC': ..., 'Final': ...}`` of a metric curve."""
        return {
            "AUC": auc(metric_values, variant=self.auc_variant),  # type: ignore[arg-type]
            "Final": final(metric_values),
        }

    def __call__(self, preds: Sequence[np.ndarray], label: np.ndarray, **kwargs) -> dict:
        """Curve, AUC and Final in one call."""
        values = self.compute([np.asarray(p) for p in preds], label, **kwargs)
        return {"values": values, **self.compute_interactive(values)}


@dataclass(frozen=True)
class NoCResult:
    """Number of clicks to reach a threshold; ``failed`` when it was never reached."""

    noc: int
    failed: bool


def noc(values: Sequence[float], threshold: float = 0.85, *, max_clicks: int = 20) -> NoCResult:
    """Number of clicks until the curve reaches ``threshold`` (RITM protocol).

    ``values[k]`` is the metric (IoU in RITM) after ``k`` clicks; at least one click is
    counted.  A curve that does not reach the threshold within ``max_clicks`` clicks scores
    ``max_clicks`` and is a failure; reaching it exactly at click ``max_clicks`` is not.

    >>> noc([0.1, 0.5, 0.86, 0.9])
    NoCResult(noc=2, failed=False)
    >>> noc([0.1, 0.5], max_clicks=20)
    NoCResult(noc=20, failed=True)
    """
    v = _curve(values)
    threshold = check_fraction("threshold", threshold)
    if max_clicks < 1:
        raise ValueError(f"max_clicks must be >= 1, got {max_clicks}")
    for k in range(1, min(max_clicks, v.size - 1) + 1):
        if v[k] >= threshold:
            return NoCResult(k, False)
    return NoCResult(max_clicks, True)


def noc_summary(
    curves: Sequence[Sequence[float]],
    *,
    thresholds: Sequence[float] = (0.85, 0.90),
    max_clicks: int = 20,
) -> dict[str, float]:
    """Mean NoC@85/NoC@90 over samples plus the number of failures per threshold.

    >>> noc_summary([[0.0, 0.9], [0.0, 0.86, 0.95]])
    {'NoC@85': 1.0, 'NoC@85_failures': 0, 'NoC@90': 1.5, 'NoC@90_failures': 0}
    """
    out: dict[str, float] = {}
    for t in thresholds:
        res = [noc(c, t, max_clicks=max_clicks) for c in curves]
        key = f"NoC@{round(100 * t)}"
        out[key] = float(np.mean([r.noc for r in res])) if res else float("nan")
        out[f"{key}_failures"] = int(sum(r.failed for r in res))
    return out


def consistent_improvement(values: Sequence[float]) -> float:
    """Share of clicks that raise the metric: mean of [v_i > v_{i-1}] over i = 1..N (Eq. 25).

    >>> consistent_improvement([0.1, 0.5, 0.5, 0.7])
    0.6666666666666666
    """
    v = _curve(values)
    if v.size < 2:
        raise ValueError(f"consistent improvement needs >= 2 values, got {v.size}")
    return float(np.mean(v[1:] > v[:-1]))
