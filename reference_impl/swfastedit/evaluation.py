"""Simulated-click evaluation of an SW-FastEdit predictor (Dice per click, AUC, Final, NoC).

Protocol (thesis §4.1.3 / §5.2.1.2): predict without clicks (Dice@0), then for
``k = 1..n_clicks`` let a robot user add one foreground and one background click from the
errors of the previous prediction and predict again (Dice@k).  The loop is the project's one
interaction loop, :func:`reference_impl.robot_users.loop.run_interaction`; real-data
evaluation beside the baselines is :mod:`reference_impl.evaluation` (``iseg evaluate``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..io import Volume

__all__ = ["evaluate_volume", "summarize"]


def evaluate_volume(
    predictor,
    volume: Volume,
    *,
    robot_user: str = "R4",
    n_clicks: int = 10,
    rng: np.random.Generator | int | None = None,
) -> dict:
    """Run the click loop on one volume; returns Dice per click and forward-pass counts.

    Returns
    -------
    dict
        ``name``, ``dice`` (``n_clicks + 1`` values, Dice@0..Dice@n), ``windows`` (forward
        windows per prediction) and ``clicks`` (``[label, z, y, x]`` rows).
    """
    from ..robot_users.loop import run_interaction

    if volume.label is None:
        raise ValueError(f"volume {volume.name!r} has no label; evaluation needs one")
    predictor.reset()
    predictor.set_volume(volume.image, spacing=volume.spacing)
    windows: list = []

    def predict(clicks):
        out = predictor.predict(list(clicks), copy=False)
        windows.append(out.windows)
        return out

    res = run_interaction(
        predict,
        volume.label,
        user=robot_user,
        n_iterations=n_clicks,
        image=volume.image,
        rng=rng,
        spacing=volume.spacing,
        first_from_label=False,
    )
    calls = iter(windows)  # a round without a new click made no prediction: 0 windows
    per_round = [next(calls)] + [next(calls) if new else 0 for new in res.clicks]
    rows = [[c.label, *c.index] for c in res.all_clicks]
    return {"name": volume.name, "dice": res.values, "windows": per_round, "clicks": rows}


def summarize(
    curves: Sequence[Sequence[float]], *, thresholds: Sequence[float] = (0.85, 0.9)
) -> dict:
    """Interactive metrics over Dice curves ``(n_volumes, n_clicks + 1)``, means over volumes.

    Uses :mod:`reference_impl.metrics`: ``auc`` (normalised trapezoid, Algorithm 4),
    ``final`` (Dice@n), ``NoC@t`` with failures (RITM protocol, ``max_clicks = n``) and
    ``consistent_improvement`` (Eq. 25: share of clicks that raise the Dice).

    Examples
    --------
    >>> s = summarize([[0.0, 0.5, 1.0]])
    >>> s["auc"], s["final"], s["NoC@90"], s["consistent_improvement"]
    (0.5, 1.0, 2.0, 1.0)
    """
    from ..metrics import auc, consistent_improvement, final, noc_summary

    d = np.asarray(curves, dtype=np.float64)
    if d.ndim != 2 or d.shape[1] < 2:
        raise ValueError(
            f"curves must be (n_volumes, n_clicks + 1) with n_clicks >= 1, got {d.shape}"
        )
    return {
        "dice_per_click": d.mean(0).tolist(),
        "auc": float(np.mean([auc(c) for c in d])),
        "final": float(np.mean([final(c) for c in d])),
        "initial": float(d[:, 0].mean()),
        "consistent_improvement": float(np.mean([consistent_improvement(c) for c in d])),
        **noc_summary(d, thresholds=thresholds, max_clicks=d.shape[1] - 1),
    }
