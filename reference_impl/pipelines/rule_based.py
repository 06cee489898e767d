"""Iterative rule-based leaves T2.1.2.2.1-T2.1.2.2.4 (thesis §5.2.1.1, §6 Q10).

All four train the same way (:func:`._interactive.run_interactive` with ``iterative=True``:
0..N no-gradient rounds of predict + rule-based correction before each gradient step) and
are evaluated with their own rule; they differ in the rule and its guidance encoding:

* T2.1.2.2.1 -- R1, the centre of the largest error component (Eq. 17), disk clicks (Eq. 5).
* T2.1.2.2.2 -- error skeletonization: a scribble on the skeleton of the largest false-
  negative / false-positive component, identity-encoded (Eq. 37).
* T2.1.2.2.3 -- multiple custom rules: the bounding box of the label first (Eq. 15, a filled
  box channel), then R1 clicks (one rule per interaction type).
* T2.1.2.2.4 -- worst slice correction: the axial slice with the most misclassified voxels
  is replaced by its ground truth, given as guidance (fg/bg of the corrected slices).
"""

from __future__ import annotations

import numpy as np
import torch

from ..robot_users.corrections import (
    SliceCorrection,
    error_skeleton_scribbles,
    worst_slice_correction,
)
from ..robot_users.noniterative import bounding_box
from ._base import Context, PipelineResult
from ._interactive import Protocol, run_interactive
from ._protocols import (
    DISK_RADIUS,
    box_encoder,
    click_encoder,
    click_protocol,
    of_type,
    scribble_encoder,
    user_correct,
)

__all__ = [
    "run_center_largest_error",
    "run_error_skeleton",
    "run_box_then_clicks",
    "run_worst_slice",
]


def _skeleton_first(label, image, rng, spacing) -> list:
    return error_skeleton_scribbles(label, None) if np.any(label) else []


def _skeleton_correct(label, pred, probs, image, history, rng, spacing) -> list:
    return error_skeleton_scribbles(label, pred)


def _box_first(label, image, rng, spacing) -> list:
    return [bounding_box(label)] if np.any(label) else []


def _box_clicks_encoder(history, shape, spacing) -> torch.Tensor:
    return torch.cat(
        [box_encoder(history, shape, spacing), click_encoder("disk")(history, shape, spacing)]
    )


def _slice_first(label, image, rng, spacing) -> list:
    return _slice_correct(label, np.zeros_like(label), None, image, [], rng, spacing)


def _slice_correct(label, pred, probs, image, history, rng, spacing) -> list:
    done = [s.index for s in of_type(history, SliceCorrection)]
    c = worst_slice_correction(label, pred, axis=0, criterion="error", done=done)
    return [] if c is None else [c]


def _slice_encoder(history, shape, spacing) -> torch.Tensor:
    """Channel 0: ground-truth foreground of the corrected slices; 1: their background."""
    out = torch.zeros((2, *shape), dtype=torch.float32)
    for c in of_type(history, SliceCorrection):
        m = torch.from_numpy(np.asarray(c.mask, dtype=np.float32))
        out[0, c.index], out[1, c.index] = m, 1.0 - m
    return out


def run_center_largest_error(ctx: Context) -> PipelineResult:
    """T2.1.2.2.1: iterative training and evaluation with R1 centre clicks."""
    return run_interactive(
        click_protocol("R1", user="R1"),
        ctx,
        iterative=True,
        guidance=f"disk (Eq. 5, r = {DISK_RADIUS:g} voxels)",
        evaluation="R1 (Eq. 17), Dice@0 without clicks",
    )


def run_error_skeleton(ctx: Context) -> PipelineResult:
    """T2.1.2.2.2: skeleton scribbles of the largest error components."""
    p = Protocol(
        "error skeleton scribbles", 2, _skeleton_first, _skeleton_correct, scribble_encoder
    )
    return run_interactive(
        p,
        ctx,
        iterative=True,
        guidance="scribble identity (Eq. 37)",
        evaluation="error-skeleton scribbles, Dice@0 without scribbles",
    )


def run_box_then_clicks(ctx: Context) -> PipelineResult:
    """T2.1.2.2.3: label bounding box first, then R1 clicks."""
    p = Protocol("box then R1 clicks", 3, _box_first, user_correct("R1"), _box_clicks_encoder)
    return run_interactive(
        p,
        ctx,
        iterative=True,
        guidance=f"box mask (Eq. 15) + disk clicks (r = {DISK_RADIUS:g})",
        evaluation="box, then R1 clicks; Dice@0 without interactions",
    )


def run_worst_slice(ctx: Context) -> PipelineResult:
    """T2.1.2.2.4: the worst axial slice's ground truth as guidance, iteratively."""
    p = Protocol("worst slice correction", 2, _slice_first, _slice_correct, _slice_encoder)
    return run_interactive(
        p,
        ctx,
        iterative=True,
        guidance="identity of the corrected slices' ground truth (fg, bg)",
        evaluation="worst-slice corrections, Dice@0 without corrections",
    )
