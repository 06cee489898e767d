"""THE interaction-prediction loop of thesis §5.1.3 / §5.2.1.1 for any predictor and robot user.

``run_interaction(predict, label, user="R1", n_iterations=10)`` alternates robot-user clicks
and predictions (the RITM ``evaluate_sample`` loop, with a per-iteration callback) and records
the metric curve that :mod:`reference_impl.metrics.interactive` turns into AUC, Final, NoC and
consistent improvement, plus the wall time of every prediction.  Training
(SW-FastEdit), the leaf pipelines, ``iseg evaluate`` and the benchmark all call this one loop.

Final signature (stable; new options only ever get added as keyword-only with defaults)::

    run_interaction(predict, label, *, user="R1", n_iterations=10, image=None, rng=None,
                    spacing=None, affine=None, first_from_label=True, metric=dice,
                    keep_preds=False, keep_probs=False, callback=None, **user_params)
        -> InteractionResult(clicks, values, preds, probs, seconds, respected)

``predict(clicks)`` may return a binary prediction, a ``(pred, probs)`` tuple, or an
object with ``.mask`` and ``.probs`` (e.g. :class:`reference_impl.session.SessionResult`,
whose ``clicks_respected`` is then recorded too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..interactions import Click
from ..metrics.base import dice

__all__ = ["InteractionResult", "run_interaction"]

Predictor = Callable[[Sequence[Click]], Any]


@dataclass
class InteractionResult:
    """What one loop recorded.

    Attributes
    ----------
    clicks : list of list of Click
        New clicks of iterations 1..N.
    values : list of float
        The metric after 0..N iterations.
    preds, probs : list of ndarray
        Predictions / probabilities after 0..N iterations (only with ``keep_preds`` /
        ``keep_probs``; ``probs`` entries may be None when the predictor gives none).
    seconds : list of float
        Wall time of each ``predict`` call (iteration 0 first); an iteration whose user
        made no new click calls no predictor and records nothing.
    respected : list of bool
        Per prediction after iteration 0, the predictor's ``clicks_respected`` when it
        returns one (see :class:`reference_impl.session.SessionResult`).
    """

    clicks: list[list[Click]] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    preds: list[np.ndarray] = field(default_factory=list)
    probs: list[np.ndarray | None] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    respected: list[bool] = field(default_factory=list)

    @property
    def all_clicks(self) -> list[Click]:
        """Every click in order."""
        return [c for it in self.clicks for c in it]


def _split(out) -> tuple[np.ndarray, np.ndarray | None, bool | None]:
    """A predictor returns ``pred``, ``(pred, probs)`` or an object with ``.mask``/``.probs``."""
    if hasattr(out, "mask") and hasattr(out, "probs"):
        ok = getattr(out, "clicks_respected", None)
        return np.asarray(out.mask), np.asarray(out.probs), None if ok is None else bool(ok)
    if isinstance(out, tuple):
        pred, probs = out
        return np.asarray(pred), None if probs is None else np.asarray(probs), None
    return np.asarray(out), None, None


def _timed(predict: Predictor, clicks: list[Click]):
    t0 = time.perf_counter()
    out = _split(predict(clicks))
    return (*out, time.perf_counter() - t0)


def run_interaction(
    predict: Predictor,
    label: np.ndarray,
    *,
    user: str | Callable = "R1",
    n_iterations: int = 10,
    image: np.ndarray | None = None,
    rng: np.random.Generator | int | None = None,
    spacing=None,
    affine=None,
    first_from_label: bool = True,
    metric: Callable[..., float] = dice,
    keep_preds: bool = False,
    keep_probs: bool = False,
    callback: Callable | None = None,
    **user_params,
) -> InteractionResult:
    """Simulate ``n_iterations`` rounds of robot-user clicks and model predictions.

    Parameters
    ----------
    predict : callable
        ``predict(clicks) -> pred``, ``(pred, probs)`` or an object with ``.mask`` and
        ``.probs``, given all clicks so far (binary prediction; ``probs`` is passed on to
        users such as R2).  Called once with no clicks for the iteration-0 value.
    label : (M, N[, P]) array
        Ground truth.
    user : str or callable
        A registered robot-user name (``"R1"``..``"R5"``) or a user function.
    n_iterations : int
        Interaction rounds (10 in the thesis's user studies).
    image, rng, spacing, affine
        Passed to the user; ``rng`` is normalised once and shared by all iterations.
    first_from_label : bool
        The first clicks come from the label (``pred=None``; Eq. 17-20 for i = 1) rather
        than from the error of the clickless prediction.
    metric : callable
        ``metric(pred, label)`` recorded after each iteration (Dice by default).
    keep_preds, keep_probs : bool
        Also keep every prediction / probability map (memory!).
    callback : callable, optional
        ``callback(iteration, clicks, pred)`` after each prediction.
    **user_params
        Extra options for the user (e.g. ``connectivity=26``).

    Returns
    -------
    InteractionResult
        ``values[0..n_iterations]``, ``seconds`` per prediction.  When a user finds no error left (no new click), the
        remaining iterations repeat the last prediction's value with no clicks.

    Examples
    --------
    >>> lab = np.zeros((9, 9), np.uint8); lab[2:7, 2:7] = 1
    >>> def predict(clicks):  # a toy model: the label once a foreground click was made
    ...     return lab if any(c.label == 1 for c in clicks) else np.zeros_like(lab)
    >>> res = run_interaction(predict, lab, user="R1", n_iterations=2, rng=0)
    >>> res.values, [len(c) for c in res.clicks]
    ([0.0, 1.0, 1.0], [1, 0])
    """
    from . import get_robot_user  # late import: the package imports this module

    if n_iterations < 1:
        raise ValueError(f"n_iterations must be >= 1, got {n_iterations}")
    fn = get_robot_user(user) if isinstance(user, str) else user
    rng = np.random.default_rng(rng)
    lab = np.asarray(label)
    pred, probs, _, sec = _timed(predict, [])
    res = InteractionResult(values=[float(metric(pred, lab))], seconds=[sec])
    if keep_preds:
        res.preds.append(pred)
    if keep_probs:
        res.probs.append(probs)
    done: list[Click] = []
    for it in range(1, n_iterations + 1):
        current = None if (it == 1 and first_from_label) else pred
        new = fn(
            lab,
            current,
            probs=probs,
            image=image,
            clicks=tuple(done),
            rng=rng,
            spacing=spacing,
            affine=affine,
            **user_params,
        )
        res.clicks.append(list(new))
        if new:
            done.extend(new)
            pred, probs, ok, sec = _timed(predict, list(done))
            res.seconds.append(sec)
            if ok is not None:
                res.respected.append(ok)
        res.values.append(float(metric(pred, lab)))
        if keep_preds:
            res.preds.append(pred)
        if keep_probs:
            res.probs.append(probs)
        if callback is not None:
            callback(it, list(done), pred)
    return res
