"""Iterative error-sampling leaves T2.1.2.1.1 (R4) and T2.1.2.1.2 (R3): SW-FastEdit training.

Both run the SW-FastEdit stack of :mod:`reference_impl.swfastedit` (thesis §4.1): the
no-gradient click loop :func:`~reference_impl.swfastedit.training.simulate_interactions`
(0..N rounds of predict + robot-user clicks on the training crop before each gradient step)
and the sliding-window :class:`~reference_impl.swfastedit.inference.SWFastEditPredictor`
with exact local corrective inference at evaluation.  Clicks are encoded as SW-FastEdit's
Gaussian heatmaps with sigma = 1 voxel (Eq. 4).  The two leaves differ only in the robot
user that samples the training clicks from the error: uniformly (R4, Eq. 20) or weighted
by the error's distance transform (R3, Eq. 19).  Evaluation: R1 (Eq. 17) for every click
leaf, so that the leaves are compared under one deterministic user.
"""

from __future__ import annotations

import time

from ..swfastedit.inference import SWFastEditPredictor
from ..swfastedit.training import simulate_interactions
from ._base import Context, PipelineResult
from ._interactive import evaluate, result, train_interactive
from ._protocols import HEATMAP_SIGMA, click_protocol

__all__ = ["run_uniform_error_sampling", "run_edt_error_sampling"]


def _run(user: str, ctx: Context) -> PipelineResult:
    b = ctx.budget
    protocol = click_protocol(f"SW-FastEdit {user}", user=user, signal="gaussian_heatmap")

    def sw_simulate(net, img, lab, rounds, rng):
        clicks, _ = simulate_interactions(
            net,
            img,
            lab,
            n_iterations=rounds,
            robot_user=user,
            roi_size=b.roi,
            sigma=HEATMAP_SIGMA,
            device=ctx.device,
            rng=rng,
        )
        return clicks

    t0 = time.perf_counter()
    net = train_interactive(protocol, ctx, iterative=True, simulate_fn=sw_simulate)
    t1 = time.perf_counter()

    def make_predictor(vol):
        p = SWFastEditPredictor(
            net,
            roi_size=b.roi,
            sigma=HEATMAP_SIGMA,
            normalize="none",
            device=ctx.device,
            sw_batch_size=4,
        )
        p.set_volume(vol.image, spacing=vol.spacing)
        return lambda history: p.predict(history).probs

    ev = click_protocol("R1 evaluation", user="R1", signal="gaussian_heatmap")
    trajs = evaluate(make_predictor, ev, ctx, span=(0.8, 0.9))
    return result(
        trajs,
        guidance="gaussian_heatmap (Eq. 4, sigma = 1 voxel, SW-FastEdit)",
        evaluation="R1 (Eq. 17), Dice@0 without clicks",
        timings={"train_s": t1 - t0, "eval_s": time.perf_counter() - t1},
        extra={"training_robot_user": user},
        protocol=ev,
    )


def run_uniform_error_sampling(ctx: Context) -> PipelineResult:
    """T2.1.2.1.1: SW-FastEdit trained with clicks uniform in the error (R4)."""
    return _run("R4", ctx)


def run_edt_error_sampling(ctx: Context) -> PipelineResult:
    """T2.1.2.1.2: SW-FastEdit trained with EDT-weighted error clicks (R3)."""
    return _run("R3", ctx)
