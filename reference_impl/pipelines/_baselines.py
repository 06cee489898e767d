"""Every leaf's result beside the classical baselines, fed the same robot-user protocol.

The baselines are the engines ``random-walker``, ``geodesic`` and ``ball-floor``
(:func:`reference_impl.engines.get_engine`; no training).  Each runs on the same evaluation
volumes through the one interaction loop
(:func:`reference_impl.robot_users.loop.run_interaction`) with the leaf's evaluation protocol
as the robot user and the same random streams, so the user reacts to the baseline's own
errors exactly as it reacts to the leaf's.  A baseline sees the interactions it supports: a
worst-slice correction (T2.1.2.2.4) becomes two scribbles (the slice's foreground and
background voxels, the same information); an interaction kind an engine does not support
(a box for the ball floor) is withheld and recorded in ``interactions_used``.  The engines
receive the image before the pipelines' intensity normalisation (as a user's image).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from ..interactions import Box, Click, Scribble
from ..robot_users.corrections import SliceCorrection
from ..robot_users.loop import run_interaction
from ._base import Context
from ._interactive import Protocol, _loop_predict, protocol_user

__all__ = ["BASELINES", "engine_view", "run_baselines"]

BASELINES = ("random-walker", "geodesic", "ball-floor")
"""The classical engines every leaf is reported beside."""


def _slice_scribbles(c: SliceCorrection) -> list[Scribble]:
    """A worst-slice correction as scribbles: its foreground and background voxels."""
    out = []
    mask = np.asarray(c.mask) > 0
    for value, m in ((1, mask), (0, ~mask)):
        idx = np.argwhere(m)
        if len(idx):
            pts = np.insert(idx, c.axis, c.index, axis=1)
            out.append(Scribble(value, pts))
    return out


def engine_view(history: list, supports) -> tuple[list, set[str]]:
    """The interactions of ``history`` an engine supporting ``supports`` receives, and the
    kinds it received."""
    out: list = []
    kinds: set[str] = set()
    for h in history:
        if isinstance(h, Click) and "click" in supports:
            out.append(h)
            kinds.add("click")
        elif isinstance(h, Scribble) and "scribble" in supports:
            out.append(h)
            kinds.add("scribble")
        elif isinstance(h, Box) and "box" in supports:
            out.append(h)
            kinds.add("box")
        elif isinstance(h, SliceCorrection) and "scribble" in supports:
            out += _slice_scribbles(h)
            kinds.add("slice correction as scribbles")
    return out, kinds


def run_baselines(
    protocol: Protocol,
    ctx: Context,
    raw_images: list[np.ndarray],
    *,
    n: int,
    engines=BASELINES,
    span: tuple[float, float] = (0.9, 0.98),
) -> dict[str, Any]:
    """Curves of every baseline engine on ``ctx.eval`` under ``protocol`` (``n`` rounds).

    Returns ``{engine: {"dice", "dice_per_volume", "auc", "final", "click_s",
    "interactions_used", "final_preds"}}``; ``final_preds`` (not JSON) are the last
    predictions per volume (working grid).
    """
    from ..engines import get_engine
    from ..metrics import auc, final

    out: dict[str, Any] = {}
    for e_i, name in enumerate(engines):
        engine = get_engine(name)
        per: list = []
        preds: list = []
        times: list[float] = []
        used: set[str] = set()
        for v_i, (vol, raw) in enumerate(zip(ctx.eval, raw_images, strict=True)):
            engine.set_image(raw, spacing=vol.spacing)

            def predictor(history, engine=engine, used=used, times=times):
                view, kinds = engine_view(history, engine.supports)
                used.update(kinds)
                t0 = time.perf_counter()
                probs = engine.predict(view)
                times.append(time.perf_counter() - t0)
                return probs

            res = run_interaction(
                _loop_predict(predictor, vol.image.shape),
                vol.label,
                user=protocol_user(protocol),
                n_iterations=n,
                image=vol.image,
                rng=ctx.rng(2, v_i),
                spacing=vol.spacing,
                keep_preds=True,
            )
            per.append(res.values)
            preds.append(res.preds[-1])
            engine.reset()
            frac = (e_i + (v_i + 1) / len(ctx.eval)) / len(engines)
            ctx.report(span[0] + (span[1] - span[0]) * frac, f"baseline {name}")
        curve = np.mean(per, axis=0).tolist()
        out[name] = {
            "dice": curve,
            "dice_per_volume": per,
            "auc": auc(curve),
            "final": final(curve),
            "click_s": float(np.mean(times)) if times else None,
            "interactions_used": sorted(used),
            "final_preds": preds,
        }
    return out
