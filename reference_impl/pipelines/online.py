"""Online learning leaves T3.1 (from scratch) and T3.2 (fine-tuning) (thesis §6 Q11).

Both learn on the application volume only, with the robot user's corrections as labels:
each R1 click (Eq. 17) becomes a small scribble, the disk of radius 2 voxels around it
(Eq. 5), and every labelled voxel enters a cross-entropy loss that ignores unlabelled voxels.

* T3.1, ECONet-like: a two-layer CNN (3x3x3 conv with 16 features, then 1x1x1 convs) is
  trained from random initialisation on the scribbles alone and re-trained after every
  correction.  The first interaction is one foreground click (the label centre) and one
  background click (far from the object), since a classifier needs both classes; before any
  interaction there is no model and the prediction is empty (Dice@0 = 0).
* T3.2, BIFSeg-style image-specific fine-tuning: an image-only U-Net pre-trained on the
  training volumes predicts first (Dice@0); after each correction all of its weights are
  fine-tuned on the scribbles (weight 1) plus the confident voxels of its initial prediction
  as pseudo-labels (p > 0.9 or p < 0.1, weight ``PSEUDO_WEIGHT``), so the correction is
  learned without forgetting the rest of the image.
"""

from __future__ import annotations

import copy
import time

import numpy as np
import torch

from ..guidance import disk
from ..interactions import Click
from ._base import Context, PipelineResult
from ._interactive import evaluate, result
from ._nets import predict, to_input, train_image_only
from ._protocols import DISK_RADIUS, click_protocol, of_type, user_first, with_background_click

__all__ = ["run_online_from_scratch", "run_online_fine_tuning", "econet", "PSEUDO_WEIGHT"]

PSEUDO_WEIGHT = 0.02
"""Loss weight of the pseudo-labelled (confident, unclicked) voxels in T3.2."""


def econet(*, features: int = 16, seed: int = 0) -> torch.nn.Module:
    """A small ECONet-like online classifier: 3x3x3 conv features then two 1x1x1 layers."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Conv3d(1, features, 3, padding=1),
        torch.nn.BatchNorm3d(features),
        torch.nn.ReLU(),
        torch.nn.Conv3d(features, features, 1),
        torch.nn.ReLU(),
        torch.nn.Conv3d(features, 2, 1),
    )


def scribble_labels(clicks: list[Click], shape) -> np.ndarray:
    """``-1`` unlabelled, ``1``/``0`` in the disk of each fg/bg click (later clicks win ties
    by label: background where both overlap)."""
    g = disk(clicks, tuple(shape), sigma=DISK_RADIUS, device="cpu").numpy() > 0
    out = np.full(tuple(shape), -1, dtype=np.int64)
    out[g[0]] = 1
    out[g[1]] = 0
    return out


def _pad4(x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Pad the spatial axes of ``(C, *shape)`` to multiples of 4 (U-Net strides)."""
    shape = x.shape[1:]
    pad = [v for s in reversed(shape) for v in (0, (-s) % 4)]
    return torch.nn.functional.pad(x, pad), tuple(shape)


def _update(net, x, target, weight, *, steps: int, lr: float, device) -> None:
    """``steps`` Adam steps of weighted cross-entropy (weight 0 = ignored voxel)."""
    net.to(device).train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    xb, y, w = x[None].to(device), target[None].to(device), weight[None].to(device)
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(net(xb), y, reduction="none")
        loss = (loss * w).sum() / w.sum().clamp_min(1e-6)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()


def run_online_from_scratch(ctx: Context) -> PipelineResult:
    """T3.1: ECONet-like model trained only on the robot user's scribbles, per volume."""
    t0 = time.perf_counter()

    def make_predictor(vol):  # the 'online' engine, fed the clicks of the history
        from .engines import OnlineEngine

        engine = OnlineEngine(
            steps=ctx.budget.online_steps * 2,
            lr=1e-2,
            seed=ctx.seed,
            normalize=False,
            device=str(ctx.device),
        )
        engine.set_image(vol.image, spacing=vol.spacing)
        return lambda history: engine.predict(of_type(history, Click))

    p = click_protocol("R1 scribbles", user="R1", first=with_background_click(user_first("R1")))
    trajs = evaluate(make_predictor, p, ctx, span=(0.02, 0.9))
    return result(
        trajs,
        guidance="none (scribbles are training labels; disks shown)",
        evaluation="R1 clicks as disk scribbles; first: centre + far background click",
        timings={"train_s": 0.0, "eval_s": time.perf_counter() - t0},
        protocol=p,
    )


def run_online_fine_tuning(ctx: Context) -> PipelineResult:
    """T3.2: pre-trained U-Net fine-tuned on one volume with the user's scribbles."""
    t0 = time.perf_counter()
    base = train_image_only(
        ctx.train, ctx, steps=ctx.budget.steps, rng=ctx.rng(1), span=(0.02, 0.7)
    )
    t1 = time.perf_counter()

    def make_predictor(vol):
        x, shape = _pad4(to_input(vol.image, None))
        p0 = predict(base, to_input(vol.image, None), ctx.budget, ctx.device)
        pseudo = np.where(p0 > 0.9, 1, np.where(p0 < 0.1, 0, -1))
        state = {"net": copy.deepcopy(base)}

        def run(history):
            clicks = of_type(history, Click)
            if not clicks:
                return p0
            lab = scribble_labels(clicks, vol.image.shape)
            target = np.where(lab >= 0, lab, np.maximum(pseudo, 0))
            weight = np.where(lab >= 0, 1.0, np.where(pseudo >= 0, PSEUDO_WEIGHT, 0.0))
            pads = [(0, a - b) for a, b in zip(x.shape[1:], shape, strict=True)]
            t = torch.from_numpy(np.pad(target, pads))
            w = torch.from_numpy(np.pad(weight, pads).astype(np.float32))
            _update(
                state["net"],
                x,
                t,
                w,
                steps=ctx.budget.online_steps,
                lr=ctx.budget.lr / 3,
                device=ctx.device,
            )
            return predict(state["net"], to_input(vol.image, None), ctx.budget, ctx.device)

        return run

    p = click_protocol("R1 scribbles", user="R1")
    trajs = evaluate(make_predictor, p, ctx, span=(0.7, 0.9))
    return result(
        trajs,
        guidance="none (scribbles are fine-tuning labels; disks shown)",
        evaluation="R1 clicks as disk scribbles, Dice@0 = the pre-trained model",
        timings={"train_s": t1 - t0, "eval_s": time.perf_counter() - t1},
        protocol=p,
    )
