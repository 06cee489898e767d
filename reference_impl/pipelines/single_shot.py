"""Non-iterative (single-shot) simulation leaves T2.1.1.1 and T2.1.1.2 (thesis §5.1.2).

Training clicks are simulated once per sample from the label alone and encoded as disks
(Eq. 5): T2.1.1.1 samples them (Eq. 12: uniform in the label, plus uniform background
clicks), T2.1.1.2 applies a rule (Eq. 13: the centre of the largest component, the first
click of R1).  No prediction is involved during training.  Evaluation uses the iterative
robot user R1 (Eq. 17), as the leaf definition prescribes ("evaluated with an iterative
robot user").
"""

from __future__ import annotations

import numpy as np

from ..interactions import BACKGROUND, Click
from ..robot_users.noniterative import object_center, sample_clicks
from ._base import Context, PipelineResult
from ._interactive import run_interactive
from ._protocols import click_protocol

__all__ = ["run_random_clicks", "run_center_click", "N_SAMPLED_CLICKS"]

N_SAMPLED_CLICKS = 3
"""Foreground and background clicks sampled per training sample in T2.1.1.1."""


def _sampled(label, image, rng, spacing) -> list:
    """Eq. 12: up to N uniform clicks in the label and N uniform in the background."""
    out = []
    for value, mask in ((1, label > 0), (0, label == 0)):
        n = min(N_SAMPLED_CLICKS, int(mask.sum()))
        if n == 0:
            continue
        clicks = sample_clicks(mask, n, strategy="uniform", rng=rng)
        out += clicks if value == 1 else [Click(BACKGROUND, c.index) for c in clicks]
    return out


def _centre(label, image, rng, spacing) -> list:
    """Eq. 13: the centre (EDT argmax) of the largest label component."""
    return [object_center(label, rng=rng)] if np.any(label) else []


def _run(first, name: str, ctx: Context) -> PipelineResult:
    train = click_protocol(name, first=first)
    return run_interactive(
        train,
        ctx,
        iterative=False,
        guidance="disk (Eq. 5, r = 2 voxels)",
        evaluation="R1 (Eq. 17), Dice@0 without clicks",
        eval_protocol=click_protocol("R1 evaluation", user="R1"),
    )


def run_random_clicks(ctx: Context) -> PipelineResult:
    """T2.1.1.1: clicks sampled uniformly from the label (and background), once."""
    return _run(_sampled, "random clicks in label", ctx)


def run_center_click(ctx: Context) -> PipelineResult:
    """T2.1.1.2: one rule-based foreground click (label centre) per training sample."""
    return _run(_centre, "centre click", ctx)
