"""Simulated-click evaluation of an SW-FastEdit predictor (Dice per click, AUC, Final, NoC).

Protocol (thesis §4.1.3 / §5.2.1.2): predict without clicks (Dice@0), then for
``k = 1..n_clicks`` let a robot user add one foreground and one background click from the
errors of the previous prediction and predict again (Dice@k).
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
    from ..metrics import dice
    from ..robot_users import get_robot_user

    if volume.label is None:
        raise ValueError(f"volume {volume.name!r} has no label; evaluation needs one")
    user = get_robot_user(robot_user)
    rng = np.random.default_rng(rng)
    predictor.reset()
    predictor.set_volume(volume.image, spacing=volume.spacing)
    clicks: list = []
    out = predictor.predict(clicks, copy=False)
    dices, windows = [dice(out.mask, volume.label)], [out.windows]
    for _ in range(n_clicks):
        new = user(volume.label, out.mask, probs=out.probs, image=volume.image,
                   clicks=tuple(clicks), rng=rng, spacing=volume.spacing)
        clicks = clicks + list(new)
        out = predictor.predict(clicks, copy=False)
        dices.append(dice(out.mask, volume.label))
        windows.append(out.windows)
    rows = [[c.label, *c.index] for c in clicks]
    return {"name": volume.name, "dice": dices, "windows": windows, "clicks": rows}


def summarize(curves: Sequence[Sequence[float]], *, thresholds: Sequence[float] = (0.85, 0.9)) -> dict:
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
        raise ValueError(f"curves must be (n_volumes, n_clicks + 1) with n_clicks >= 1, got {d.shape}")
    return {
        "dice_per_click": d.mean(0).tolist(),
        "auc": float(np.mean([auc(c) for c in d])),
        "final": float(np.mean([final(c) for c in d])),
        "initial": float(d[:, 0].mean()),
        "consistent_improvement": float(np.mean([consistent_improvement(c) for c in d])),
        **noc_summary(d, thresholds=thresholds, max_clicks=d.shape[1] - 1),
    }
