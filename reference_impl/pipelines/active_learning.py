"""Active learning, leaf T1.1 (thesis §6 Q1: "the model selects the most informative
unlabelled samples ... which are then annotated").

Start with ``budget.al_start`` labelled training samples and the rest as the unlabelled
pool; train an image-only U-Net; then for ``budget.al_rounds`` rounds: predict the pool,
rank its samples by mean predictive entropy
(:func:`reference_impl.robot_users.entropy_uncertainty`), let the simulated annotator
correct the ``budget.al_query`` most uncertain ones (the prediction is replaced by the
ground truth), add them to the labelled set and continue training.  Dice on the held-out
evaluation volumes is recorded after the initial training and after every round.  With
fewer training volumes than ``al_start + al_query`` (one real case), the pool consists of
fixed random crops of the training volumes (patch-level active learning).
"""

from __future__ import annotations

import time

import numpy as np

from ..io import Volume
from ..metrics import dice
from ..robot_users import entropy_uncertainty
from ._base import Context, PipelineResult, Step, Trajectory
from ._nets import crop_pair, predict, to_input, train_image_only

__all__ = ["run_active_learning"]


def _pool(ctx: Context) -> tuple[list[Volume], str]:
    b = ctx.budget
    if len(ctx.train) >= b.al_start + b.al_query:
        return list(ctx.train), "volumes"
    rng = ctx.rng(4)
    crops = []
    for i in range(b.n_train):
        v = ctx.train[i % len(ctx.train)]
        img, lab = crop_pair(v, b, rng)
        crops.append(Volume(img, lab, v.spacing, v.affine, f"{v.name}_crop{i}"))
    return crops, "crops"


def _evaluate(net, ctx: Context) -> list[np.ndarray]:
    return [predict(net, to_input(v.image, None), ctx.budget, ctx.device) for v in ctx.eval]


def run_active_learning(ctx: Context) -> PipelineResult:
    """T1.1: uncertainty-based active learning with a simulated correcting annotator."""
    b = ctx.budget
    t0 = time.perf_counter()
    pool, unit = _pool(ctx)
    labelled = list(range(min(b.al_start, len(pool) - 1)))
    rounds = []
    spans = np.linspace(0.02, 0.98, b.al_rounds + 2)
    net = train_image_only(
        [pool[i] for i in labelled],
        ctx,
        steps=b.al_steps,
        rng=ctx.rng(1),
        span=(spans[0], spans[1]),
    )
    probs = _evaluate(net, ctx)
    history = [[dice(p > 0.5, v.label) for p, v in zip(probs, ctx.eval, strict=True)]]
    preds = [[(p > 0.5).astype(np.uint8)] for p in probs]
    for r in range(b.al_rounds):
        unlabelled = [i for i in range(len(pool)) if i not in labelled]
        if not unlabelled:
            break
        unc = {
            i: float(
                entropy_uncertainty(
                    predict(net, to_input(pool[i].image, None), b, ctx.device)
                ).mean()
            )
            for i in unlabelled
        }
        query = sorted(unlabelled, key=lambda i: -unc[i])[: b.al_query]
        labelled += query
        rounds.append(
            {
                "round": r + 1,
                "queried": [pool[i].name for i in query],
                "uncertainty": [unc[i] for i in query],
                "pool_mean_uncertainty": float(np.mean(list(unc.values()))),
                "n_labelled": len(labelled),
            }
        )
        net = train_image_only(
            [pool[i] for i in labelled],
            ctx,
            steps=b.al_steps,
            rng=ctx.rng(1, r + 1),
            net=net,
            span=(spans[r + 1], spans[r + 2]),
        )
        probs = _evaluate(net, ctx)
        history.append([dice(p > 0.5, v.label) for p, v in zip(probs, ctx.eval, strict=True)])
        for k, p in enumerate(probs):
            preds[k].append((p > 0.5).astype(np.uint8))
    per_volume = np.array(history).T.tolist()
    trajs = [
        Trajectory(
            v.name,
            v.image,
            v.label,
            [Step([], m, None, d) for m, d in zip(preds[k], per_volume[k], strict=True)],
        )
        for k, v in enumerate(ctx.eval)
    ]
    return PipelineResult(
        curve=np.mean(history, axis=1).tolist(),
        per_volume=per_volume,
        curve_kind="round",
        trajectories=trajs,
        guidance_name="none",
        evaluation="Dice of the non-interactive model on the evaluation "
        "volumes after each active-learning round",
        extra={
            "active_learning": {
                "pool_unit": unit,
                "pool_size": len(pool),
                "initial_labelled": b.al_start,
                "rounds": rounds,
            }
        },
        timings={"total_pipeline_s": time.perf_counter() - t0},
    )
