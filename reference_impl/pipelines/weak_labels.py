"""Pre-saved weak labels, leaf T2.2.1 (thesis §6 Q10: "pre-saved weak labels ... transformed
into a guidance signal"; Eq. 15 boxes, Eq. 37 identity encoding).

Before training, one jittered bounding box per label component is generated for every
training volume (:func:`reference_impl.robot_users.eligibility.eligibility_box`, style
'careful': each side enlarged by 5-10 % of the extent) and saved to
``weak_labels/<volume>.npz`` in the run folder.  Training is non-interactive: the boxes are
read back from disk and given as a filled box channel beside the image; no simulation runs
during training.  At application the user draws boxes the same way (one interaction):
Dice@0 is without boxes, Dice@1 with them; ``box_only_dice`` is the Dice of the boxes
themselves, the baseline the model has to beat.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from scipy import ndimage as ndi

from ..guidance.boxes import box_mask
from ..interactions import Box
from ..metrics import dice
from ..robot_users.eligibility import eligibility_box
from ..swfastedit.data import augment, random_crop
from ._base import Context, PipelineResult
from ._interactive import Protocol, evaluate, net_predictor, result
from ._nets import build_model, fit, to_input
from ._protocols import box_encoder

__all__ = ["run_presaved_boxes", "component_boxes", "save_boxes", "load_boxes"]


def component_boxes(label: np.ndarray, *, rng) -> list[Box]:
    """One 'careful' (5-10 % enlarged) bounding box per connected component of ``label``."""
    comps, n = ndi.label(np.asarray(label) > 0)
    boxes: list[Box] = []
    for k in range(1, n + 1):
        box = eligibility_box(comps == k, style="careful", rng=rng)
        assert box is not None  # component k is non-empty, so it has a box
        boxes.append(box)
    return boxes


def save_boxes(path: Path, boxes: list[Box]) -> None:
    """Write boxes as ``lo``/``hi`` integer arrays ``(n, 3)`` to an ``.npz`` file."""
    lo = np.array([b.lo for b in boxes], dtype=np.int64).reshape(-1, 3)
    hi = np.array([b.hi for b in boxes], dtype=np.int64).reshape(-1, 3)
    np.savez(path, lo=lo, hi=hi)


def load_boxes(path: Path) -> list[Box]:
    """Read the boxes written by :func:`save_boxes`."""
    with np.load(path) as f:
        return [
            Box(tuple(int(v) for v in a), tuple(int(v) for v in b))
            for a, b in zip(f["lo"], f["hi"], strict=True)
        ]


def _train(ctx: Context, folder: Path) -> torch.nn.Module:
    rng = ctx.rng(3)
    for v in ctx.train:
        save_boxes(folder / f"{v.name}.npz", component_boxes(v.label, rng=rng))
    # read back: training sees only what was saved
    weak = [
        box_mask(load_boxes(folder / f"{v.name}.npz"), v.image.shape, device="cpu")[0]
        .numpy()
        .astype(np.uint8)
        for v in ctx.train
    ]
    net = build_model(2, ctx.budget, seed=ctx.seed)

    def sample(r):
        k = int(r.integers(len(ctx.train)))
        v = ctx.train[k]
        img, packed = random_crop(v.image, v.label + 2 * weak[k], ctx.budget.roi, rng=r)
        img, packed = augment(img, packed, rng=r)
        x = torch.cat([to_input(img, None), torch.from_numpy((packed >= 2)[None] * 1.0).float()])
        return x, torch.from_numpy((packed % 2).astype(np.int64))

    fit(
        net,
        sample,
        steps=ctx.budget.steps,
        ctx=ctx,
        lr=ctx.budget.lr,
        rng=ctx.rng(1),
        span=(0.02, 0.8),
    )
    return net


def run_presaved_boxes(ctx: Context) -> PipelineResult:
    """T2.2.1: boxes saved before training, used as an extra input channel."""
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(ctx.workdir or scratch) / "weak_labels"
        folder.mkdir(parents=True, exist_ok=True)
        net = _train(ctx, folder)
        n_saved = len(list(folder.glob("*.npz")))
    t1 = time.perf_counter()
    p = Protocol(
        "pre-saved boxes",
        1,
        lambda lab, img, rng, sp: component_boxes(lab, rng=rng),
        lambda *a: [],
        box_encoder,
    )
    trajs = evaluate(
        lambda v: net_predictor(net, v.image, v.spacing, p, ctx), p, ctx, n=1, span=(0.8, 0.9)
    )
    box_only = [
        dice(box_encoder(t.steps[-1].interactions, t.label.shape, None)[0].numpy(), t.label)
        for t in trajs
    ]
    return result(
        trajs,
        guidance="filled box channel (Eq. 15 box, Eq. 37 identity)",
        evaluation="one interaction: the user's boxes (one per component)",
        timings={"train_s": t1 - t0, "eval_s": time.perf_counter() - t1},
        extra={"box_only_dice": float(np.mean(box_only)), "weak_label_files": n_saved},
        protocol=p,
        n=1,
    )
