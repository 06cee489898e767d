"""Post-processing during application, leaf T2.2.2 (thesis §6: "corrections ... applied in a
post-processing step" of a non-interactive model).

A non-interactively trained network predicts once; clicks (robot user R1, Eq. 17) then edit
the prediction without touching the network:

* a predicted component with a negative click in its core (depth >= half the component's
  maximum depth) and no positive click is removed: the user rejects the object;
* any other component with a negative click gets a boundary correction: the random walker
  (:func:`skimage.segmentation.random_walker`) in its bounding box, seeded with background
  outside the component and on the negative click disks (radius 2), foreground where the
  network is confident (``probs > 0.9``) and on the positive click disks, applied only within
  6 voxels of the negative clicks (a click edits locally);
* a positive click outside the result adds the connected component of the softer mask
  ``probs > 0.2`` around it within a radius of 4 voxels (a disk of radius 2 when the click
  lies outside the soft mask).  Where click disks of both labels overlap, the seeds are the
  click voxels themselves.

The edit is a pure function of the base probabilities and the full click list.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from scipy import ndimage as ndi

from ..guidance import disk
from ..interactions import Click
from ._base import Context, PipelineResult
from ._interactive import evaluate, result
from ._nets import predict, to_input, train_image_only
from ._protocols import DISK_RADIUS, click_protocol, of_type

__all__ = ["run_click_postprocessing", "postprocess", "LOW_THRESHOLD"]

LOW_THRESHOLD = 0.2
"""Probability threshold of the mask a positive click grows from."""
CORE = 0.5
"""A click is in a component's core when its depth (EDT) is >= CORE times the maximum."""
EDIT_RADIUS = 6.0
"""A boundary correction changes voxels only within this radius (voxels) of its negative click."""
GROW_RADIUS = 4.0
"""A positive click adds soft-mask voxels only within this radius (voxels) around it."""
CONFIDENT = 0.9
"""Probability above which the random walker keeps a voxel as a foreground seed."""


def _random_walker_refine(image, probs, comp, pos, neg, near) -> np.ndarray:
    """Boundary correction of component ``comp``: a random walker in its bounding box seeded
    with foreground where the network is confident (``probs > 0.9``) and on the positive click
    disks, background outside the component and on the negative click disks; the uncertain
    rest of the component is left to the walker.  Only voxels in ``near`` (close to the
    negative clicks) may change, so the walker runs in the bounding box of ``comp & near``
    (plus 2 voxels)."""
    from skimage.segmentation import random_walker

    idx = np.argwhere(comp & near)
    if len(idx) == 0:
        return comp
    lo, hi = np.maximum(idx.min(0) - 2, 0), np.minimum(idx.max(0) + 3, comp.shape)
    sl = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
    c = comp[sl]
    seeds = np.where(c, 0, 2).astype(np.int32)
    seeds[c & (probs[sl] > CONFIDENT)] = 1
    seeds[neg[sl] & ~pos[sl]] = 2
    seeds[pos[sl] & ~neg[sl] & c] = 1
    out = np.zeros_like(comp)
    if (seeds == 1).any() and (seeds == 0).any():
        with warnings.catch_warnings():  # probabilities a hair outside [0, 1]: harmless here
            warnings.filterwarnings("ignore", message="The probability range is outside")
            rw = random_walker(image[sl].astype(np.float64), seeds, beta=130)
        out[sl] = (rw == 1) & c
    else:
        out[sl] = seeds == 1
    return (out & near) | (comp & ~near)


def _in_core(comp: np.ndarray, points: np.ndarray) -> bool:
    """Whether any of ``points`` lies in the core of ``comp`` (EDT >= CORE * max EDT)."""
    depth = ndi.distance_transform_edt(comp)
    return bool((points & (depth >= CORE * depth.max())).any())


def postprocess(probs: np.ndarray, image: np.ndarray, clicks: list[Click]) -> np.ndarray:
    """Edit the prediction ``probs > 0.5`` with ``clicks`` (rules in the module docstring)."""
    shape = probs.shape
    g = disk(clicks, shape, sigma=DISK_RADIUS, device="cpu").numpy() > 0
    pos_pts = np.zeros(shape, bool)
    neg_pts = np.zeros(shape, bool)
    for c in clicks:
        (pos_pts if c.label else neg_pts)[c.index] = True
    comps, n = ndi.label(probs > 0.5)
    out = np.zeros(shape, bool)
    for k in range(1, n + 1):
        comp = comps == k
        if not (comp & neg_pts).any():
            out |= comp
        elif not (comp & pos_pts).any() and _in_core(comp, neg_pts):
            continue  # a negative click in the core rejects the whole object
        else:
            negs = [c for c in clicks if not c.label and comp[c.index]]
            near = disk(negs, shape, sigma=EDIT_RADIUS, device="cpu")[1].numpy() > 0
            out |= _random_walker_refine(image, probs, comp, g[0], g[1], near)
    soft, _ = ndi.label(probs > LOW_THRESHOLD)
    for c in clicks:
        if c.label and not out[c.index]:
            near = disk([c], shape, sigma=GROW_RADIUS, device="cpu")[0].numpy() > 0
            grow = (
                near & (soft == soft[c.index])
                if soft[c.index]
                else (disk([c], shape, sigma=DISK_RADIUS, device="cpu")[0].numpy() > 0)
            )
            out |= grow & ~(g[1] & ~g[0])
    out[pos_pts] = True
    return out & ~neg_pts


def run_click_postprocessing(ctx: Context) -> PipelineResult:
    """T2.2.2: image-only network + click-driven post-processing, evaluated with R1."""
    t0 = time.perf_counter()
    net = train_image_only(ctx.train, ctx, steps=ctx.budget.steps, rng=ctx.rng(1), span=(0.02, 0.8))
    t1 = time.perf_counter()

    def make_predictor(vol):  # the 'postprocess' engine on the network's prediction
        from .engines import PostprocessEngine

        engine = PostprocessEngine(
            initial=predict(net, to_input(vol.image, None), ctx.budget, ctx.device), normalize=False
        )
        engine.set_image(vol.image, spacing=vol.spacing)
        return lambda history: engine.predict(of_type(history, Click))

    p = click_protocol("R1", user="R1")
    trajs = evaluate(make_predictor, p, ctx, span=(0.8, 0.9))
    return result(
        trajs,
        guidance="none (clicks edit the prediction; disks shown)",
        evaluation="R1 (Eq. 17), Dice@0 = the network alone",
        timings={"train_s": t1 - t0, "eval_s": time.perf_counter() - t1},
        protocol=p,
    )
