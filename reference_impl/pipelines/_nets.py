"""Networks, sliding-window prediction and the supervised training loop shared by the leaves.

The ``small`` budget uses a tiny MONAI ``UNet`` (channels 8-16-32, no residual units): on a
2-core CPU it trains about six times faster per step than the SW-FastEdit ``DynUNet`` at the
same width.  The ``full`` budget uses the SW-FastEdit backbone
(:func:`reference_impl.swfastedit.model.build_network`).  Every network maps
``(B, 1 + guidance channels, *roi)`` to two-class logits ``(B, 2, *roi)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..swfastedit.data import augment, random_crop
from ._base import Budget, Context

__all__: list[str] = []

Sample = Callable[[np.random.Generator], tuple[torch.Tensor, torch.Tensor]]


def build_model(in_channels: int, budget: Budget, *, seed: int = 0) -> torch.nn.Module:
    """The budget's network with ``in_channels`` inputs and 2 output logits (seeded init)."""
    torch.manual_seed(seed)
    if budget.net == "tiny":
        from monai.networks.nets import UNet

        return UNet(
            spatial_dims=3,
            in_channels=in_channels,
            out_channels=2,
            channels=(8, 16, 32),
            strides=(2, 2),
            num_res_units=0,
        )
    from ..swfastedit.model import UNetConfig, build_network

    return build_network(UNetConfig(width=32, levels=5, in_channels=in_channels))


def to_input(image: np.ndarray, guidance: torch.Tensor | None) -> torch.Tensor:
    """``(1 + C, *shape)`` float32 network input from an image and optional guidance."""
    img = torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32))[None]
    return img if guidance is None else torch.cat([img, guidance.to("cpu", torch.float32)])


@torch.no_grad()
def predict(net: torch.nn.Module, x: torch.Tensor, budget: Budget, device) -> np.ndarray:
    """Foreground probability ``(*shape)`` of input ``x`` ``(C, *shape)`` (sliding window)."""
    from monai.inferers import sliding_window_inference

    was = net.training
    net.eval()
    logits = sliding_window_inference(
        x[None].to(device), budget.roi, 4, net, overlap=0.25, mode="gaussian"
    )
    net.train(was)
    assert isinstance(logits, torch.Tensor)  # the network returns one tensor
    return torch.softmax(logits.float(), 1)[0, 1].cpu().numpy()


def crop_pair(vol, budget: Budget, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A training crop of ``budget.roi`` (60 % lesion-centred) with random flips/rotations."""
    img, lab = random_crop(vol.image, vol.label, budget.roi, rng=rng)
    return augment(img, lab, rng=rng)


def fit(
    net: torch.nn.Module,
    sample: Sample,
    *,
    steps: int,
    ctx: Context,
    lr: float,
    rng: np.random.Generator,
    span: tuple[float, float] = (0.0, 1.0),
    loss: str = "dicece",
) -> list[float]:
    """Train ``net`` for ``steps`` Adam steps on batches of ``ctx.budget.batch`` samples.

    ``sample(rng)`` returns ``(x (C, *roi), y (*roi) int64)``; with ``loss='partial'`` labels
    ``-1`` are ignored (cross-entropy on the labelled voxels only).  Progress is reported in
    the ``span`` of the run's [0, 1] progress.  Returns the loss per step.
    """
    from monai.losses import DiceCELoss

    net.to(ctx.device).train()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    dice_ce = DiceCELoss(to_onehot_y=True, softmax=True)
    losses = []
    for k in range(steps):
        xs, ys = zip(*(sample(rng) for _ in range(ctx.budget.batch)), strict=True)
        x, y = torch.stack(xs).to(ctx.device), torch.stack(ys).to(ctx.device)
        logits = net(x)
        if loss == "partial":
            value = torch.nn.functional.cross_entropy(logits, y, ignore_index=-1)
        else:
            value = dice_ce(logits, y[:, None])
        opt.zero_grad(set_to_none=True)
        value.backward()
        opt.step()
        losses.append(float(value.detach()))
        if k % 5 == 0 or k == steps - 1:
            ctx.report(span[0] + (span[1] - span[0]) * (k + 1) / steps, f"training {k + 1}/{steps}")
    net.eval()
    return losses


def train_image_only(
    volumes: list,
    ctx: Context,
    *,
    steps: int,
    rng: np.random.Generator,
    net: torch.nn.Module | None = None,
    span: tuple[float, float] = (0.0, 1.0),
) -> torch.nn.Module:
    """A non-interactive segmentation network (image in, logits out) trained on ``volumes``."""
    net = net if net is not None else build_model(1, ctx.budget, seed=ctx.seed)

    def sample(r):
        img, lab = crop_pair(volumes[int(r.integers(len(volumes)))], ctx.budget, r)
        return to_input(img, None), torch.from_numpy(lab.astype(np.int64))

    fit(net, sample, steps=steps, ctx=ctx, lr=ctx.budget.lr, rng=rng, span=span)
    return net
