"""Iterative click-simulation training of SW-FastEdit (thesis §4.1.2).

Per training sample: a random crop (60 % lesion-centred, 40 % background-centred), random
flips / 90-degree rotations at 10 %; then an interaction loop of up to ``n_iterations``
(N = 10) rounds without gradients, each predicting the crop with the current clicks (exact
sliding-window inference) and adding one foreground and one background click from the
errors of that prediction with a robot user (default R4, what SW-FastEdit's published
sampler effectively does); optionally stopping once Dice >= ``dice_stop`` (Dice_max = 0.9).
The gradient step runs MONAI's differentiable sliding-window inference over the crop with
all windows in one batch, with the Dice-cross-entropy loss and a cosine learning-rate
schedule.  ``pretrain_epochs`` first trains without clicks (Table 7 of the thesis).

Multi-process training: launched by ``torchrun`` (``WORLD_SIZE > 1``) each rank takes every
``WORLD_SIZE``-th sample and gradients are averaged by ``DistributedDataParallel`` (gloo on
CPU, NCCL on CUDA).
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ..io import Volume
from .checkpoint_io import atomic_save, read_checkpoint
from .data import augment, data_fingerprint, normalize_intensity, random_crop
from .model import UNetConfig, build_network

__all__ = ["TrainConfig", "train", "load_checkpoint", "simulate_interactions"]


@dataclass
class TrainConfig:
    """Training options; every field is stored in the checkpoint."""

    epochs: int = 200
    lr: float = 1e-4
    crop_size: tuple[int, ...] = (224, 224, 224)
    roi_size: tuple[int, ...] = (128, 128, 128)
    overlap: float = 0.25
    sigma: float = 1.0
    n_iterations: int = 10
    iterations: str = "fixed"  # "fixed": always N rounds; "random": 0..N rounds per sample
    robot_user: str = "R4"
    dice_stop: float | None = None
    pretrain_epochs: int = 0
    p_lesion: float = 0.6
    p_flip: float = 0.1
    p_rot: float = 0.1
    seed: int = 0
    normalize: Literal["percentile", "none"] = "percentile"
    net: dict = field(default_factory=lambda: UNetConfig().to_dict())

    def __post_init__(self) -> None:
        from ..robot_users import get_robot_user

        self.crop_size, self.roi_size = tuple(self.crop_size), tuple(self.roi_size)
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, (int, np.integer))
            or self.seed < 0
        ):
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        self.seed = int(self.seed)
        get_robot_user(self.robot_user)  # ValueError naming the known robot users
        if self.epochs < 0 or self.pretrain_epochs < 0 or self.epochs + self.pretrain_epochs < 1:
            raise ValueError(
                f"epochs and pretrain_epochs must be >= 0 with a sum >= 1, got "
                f"epochs={self.epochs}, pretrain_epochs={self.pretrain_epochs}"
            )
        if self.n_iterations < 0:
            raise ValueError(f"n_iterations must be >= 0, got {self.n_iterations}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.iterations not in ("fixed", "random"):
            raise ValueError(
                f"iterations must be one of ['fixed', 'random'], got {self.iterations!r}"
            )
        if self.dice_stop is not None and not 0 < self.dice_stop <= 1:
            raise ValueError(f"dice_stop must be in (0, 1], got {self.dice_stop}")
        if any(c < r for c, r in zip(self.crop_size, self.roi_size, strict=True)):
            raise ValueError(f"crop_size {self.crop_size} must be >= roi_size {self.roi_size}")


def _dist() -> tuple[int, int]:
    """(rank, world size), initialising torch.distributed when launched by torchrun."""
    import torch.distributed as dist

    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if world > 1 else (0, 1)


def simulate_interactions(
    network: torch.nn.Module,
    image: np.ndarray,
    label: np.ndarray,
    *,
    n_iterations: int,
    robot_user: str = "R4",
    roi_size: tuple[int, ...],
    overlap: float = 0.25,
    sigma: float = 1.0,
    dice_stop: float | None = None,
    device: torch.device | str = "cpu",
    rng: np.random.Generator | int | None = None,
) -> tuple[list, list[float]]:
    """Run the no-gradient click loop on one normalised crop.

    The loop is the project's one interaction loop,
    :func:`reference_impl.robot_users.loop.run_interaction` (first clicks from the error of
    the clickless prediction, as SW-FastEdit trains); ``dice_stop`` makes the robot user stop
    clicking once the prediction reaches that Dice.

    Returns the clicks after the loop and the Dice after each prediction that produced
    clicks (``len(dices) == rounds with clicks + 1`` at most ``n_iterations``).
    """
    from ..metrics import dice
    from ..robot_users import get_robot_user
    from ..robot_users.loop import run_interaction
    from .inference import SWFastEditPredictor

    if n_iterations < 1:
        return [], []
    base = get_robot_user(robot_user)
    was_training = network.training
    pred = SWFastEditPredictor(
        network,
        roi_size=roi_size,
        overlap=overlap,
        sigma=sigma,
        sw_batch_size=64,
        device=device,
        normalize="none",
    )
    pred.set_volume(image)
    dices: list[float] = []
    stopped = [False]

    def user(lab, cur, **kw):
        dices.append(dice(cur, lab))
        stopped[0] = stopped[0] or (dice_stop is not None and dices[-1] >= dice_stop)
        return [] if stopped[0] else base(lab, cur, **kw)

    def predict(clicks):
        out = pred.predict(clicks, copy=False)
        return out.mask, out.probs

    res = run_interaction(
        predict,
        label,
        user=user,
        n_iterations=n_iterations,
        image=image,
        rng=rng,
        first_from_label=False,
    )
    network.train(was_training)
    n_rounds = next((i for i, c in enumerate(res.clicks) if not c), len(res.clicks))
    return res.all_clicks, dices[: n_rounds + 1]


def _sample(vol: Volume, cfg: TrainConfig, rng: np.random.Generator):
    assert vol.label is not None  # train() refused any volume without a label
    img, lab = random_crop(vol.image, vol.label, cfg.crop_size, p_lesion=cfg.p_lesion, rng=rng)
    return augment(img, lab, p_flip=cfg.p_flip, p_rot=cfg.p_rot, rng=rng)


def _step(model, net, loss_fn, opt, img, lab, cfg, interactive, device, rng):
    """One training sample: click loop (no grad) then one gradient step; returns metrics."""
    from monai.inferers import sliding_window_inference

    from ..guidance import gaussian_heatmap

    clicks, dices = [], []
    if interactive:
        n = (
            cfg.n_iterations
            if cfg.iterations == "fixed"
            else int(rng.integers(0, cfg.n_iterations + 1))
        )
        clicks, dices = simulate_interactions(
            net,
            img,
            lab,
            n_iterations=n,
            robot_user=cfg.robot_user,
            roi_size=cfg.roi_size,
            overlap=cfg.overlap,
            sigma=cfg.sigma,
            dice_stop=cfg.dice_stop,
            device=device,
            rng=rng,
        )
    guid = gaussian_heatmap(clicks, img.shape, sigma=cfg.sigma, device="cpu")
    x = torch.cat([torch.from_numpy(img)[None], guid])[None].to(device)
    y = torch.from_numpy(lab.astype(np.int64))[None, None].to(device)
    n_win = math.prod(
        math.ceil(max(c - r, 0) / max(int(r * (1 - cfg.overlap)), 1)) + 1
        for c, r in zip(cfg.crop_size, cfg.roi_size, strict=True)
    )
    logits = sliding_window_inference(
        x, cfg.roi_size, n_win, model, overlap=cfg.overlap, mode="gaussian"
    )
    loss = loss_fn(logits, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        p = logits.argmax(1)[0].cpu().numpy()
    from ..metrics import dice

    return float(loss.detach()), dice(p, lab), len(clicks), (dices[0] if dices else float("nan"))


def train(
    volumes: list[Volume],
    config: TrainConfig,
    *,
    out_dir: str | Path,
    resume: str | Path | None = None,
    device: str | torch.device | None = None,
    log=print,
) -> dict:
    """Train on ``volumes``; write ``last.pt`` (resumable) and ``model.pt`` (weights only).

    Parameters
    ----------
    volumes : list of Volume
        Image + label pairs (labels required).
    config : TrainConfig
        Options (see the class).
    out_dir : str or Path
        Checkpoint folder (created).
    resume : str or Path, optional
        A ``last.pt`` to continue from (its config must match ``config.net``).
    device : str or torch.device, optional
        ``None``: CUDA (this rank's GPU under torchrun) if available, else CPU.
    log : callable
        Receives one line per epoch (rank 0 only).

    Returns
    -------
    dict
        The checkpoint content written last (without tensors): config, metrics, fingerprint.
    """
    from monai.losses import DiceCELoss

    from ..device import resolve_device

    if not volumes or any(v.label is None for v in volumes):
        raise ValueError("train needs at least one volume, each with a label")
    rank, world = _dist()
    if device is None and torch.cuda.is_available() and world > 1:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    device = resolve_device(device)
    rng = np.random.default_rng([config.seed, rank])
    vols = [
        Volume(
            normalize_intensity(v.image, method=config.normalize),
            v.label,
            v.spacing,
            v.affine,
            v.name,
        )
        for v in volumes
    ]
    fingerprint = data_fingerprint(volumes)
    with torch.random.fork_rng(devices=[]):  # seeded initial weights, global RNG untouched
        torch.manual_seed(config.seed)
        net = build_network(UNetConfig(**config.net)).to(device)
    total_epochs = config.pretrain_epochs + config.epochs
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    mine = vols[rank::world] or vols[:1]
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=max(total_epochs * len(mine), 1), eta_min=config.lr * 1e-4
    )
    start, history = 0, []
    if resume is not None:
        ck = _load_resumable(resume, config, fingerprint, device)
        net.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        sched.load_state_dict(ck["scheduler"])
        start, history = ck["epoch"], ck["metrics"]
        if start >= total_epochs:
            log(
                f"{resume}: this run already finished ({start} of {total_epochs} epochs); "
                "nothing to do, no checkpoint written"
            )
            return {k: v for k, v in ck.items() if k not in ("model", "optimizer", "scheduler")} | {
                "finished_before": True
            }
        rng = np.random.default_rng([config.seed, rank, start])
    model = net
    if world > 1:
        model = torch.nn.parallel.DistributedDataParallel(
            net, device_ids=[device.index] if device.type == "cuda" else None
        )
    loss_fn = DiceCELoss(to_onehot_y=True, softmax=True)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta: dict = {}
    for epoch in range(start, total_epochs):
        t0, rows = time.perf_counter(), []
        interactive = epoch >= config.pretrain_epochs
        net.train()
        for k in rng.permutation(len(mine)):
            img, lab = _sample(mine[k], config, rng)
            rows.append(_step(model, net, loss_fn, opt, img, lab, config, interactive, device, rng))
            sched.step()
        m = _reduce(np.array(rows, dtype=np.float64), world)
        history.append(
            {
                "epoch": epoch + 1,
                "interactive": interactive,
                "loss": m[0],
                "dice_final": m[1],
                "clicks": m[2],
                "dice_first": m[3],
                "lr": sched.get_last_lr()[0],
                "seconds": time.perf_counter() - t0,
            }
        )
        meta = {
            "config": asdict(config),
            "metrics": history,
            "data_fingerprint": fingerprint,
            "n_volumes": len(volumes),
            "world_size": world,
            "epoch": epoch + 1,
        }
        if rank == 0:
            log(json.dumps(history[-1]))
            atomic_save(
                {
                    **meta,
                    "model": net.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                },
                out_dir / "last.pt",
            )
            atomic_save({**meta, "model": net.state_dict()}, out_dir / "model.pt")
    if world > 1:
        meta["ranks_in_sync"] = _in_sync(net)
        if rank == 0:
            atomic_save({**meta, "model": net.state_dict()}, out_dir / "model.pt")
        torch.distributed.barrier()
    return meta


def _in_sync(net: torch.nn.Module) -> bool:
    """Whether every rank holds the same weights (checksums gathered from all ranks)."""
    vec = torch.nn.utils.parameters_to_vector(net.parameters()).detach().double().cpu()
    mine = torch.stack([vec.sum(), (vec * torch.arange(len(vec), dtype=torch.float64)).sum()])
    allv = [torch.zeros_like(mine) for _ in range(torch.distributed.get_world_size())]
    torch.distributed.all_gather(allv, mine)
    return bool(all(torch.allclose(a, allv[0], rtol=1e-12, atol=0) for a in allv))


def _reduce(rows: np.ndarray, world: int) -> list[float]:
    """Mean of per-sample metrics over all ranks (NaN-aware)."""
    s = np.nansum(rows, 0)
    c = np.sum(~np.isnan(rows), 0).astype(np.float64)
    if world > 1:
        t = torch.tensor(np.concatenate([s, c]))
        torch.distributed.all_reduce(t)
        s, c = t[: len(s)].numpy(), t[len(s) :].numpy()
    return [float(a / b) if b else float("nan") for a, b in zip(s, c, strict=True)]


def load_checkpoint(path: str | Path, *, device: str | torch.device = "cpu"):
    """Load a checkpoint: returns ``(network in eval mode, TrainConfig, metadata dict)``."""
    path = Path(path)
    ck = read_checkpoint(path, device)  # FileNotFoundError / ValueError naming the file
    if not isinstance(ck, dict) or "model" not in ck or "config" not in ck:
        raise ValueError(f"{path}: not an iseg training checkpoint (no model/config)")
    known = {f.name for f in fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in ck["config"].items() if k in known})
    net = build_network(UNetConfig(**cfg.net))
    net.load_state_dict(ck["model"])
    meta = {k: v for k, v in ck.items() if k not in ("model", "optimizer", "scheduler")}
    return net.to(device).eval(), cfg, meta


#: TrainConfig fields that may differ on resume (more epochs extend a run)
_RESUME_MAY_DIFFER = frozenset({"epochs"})


def _load_resumable(path: str | Path, config: TrainConfig, fingerprint: str, device) -> dict:
    """Load a ``last.pt`` for ``resume`` and check that it continues *this* run."""
    ck = read_checkpoint(path, device)
    if not isinstance(ck, dict) or "config" not in ck:
        raise ValueError(f"{path}: not an iseg training checkpoint")
    if "optimizer" not in ck or "scheduler" not in ck:
        raise ValueError(
            f"{path}: a final model (weights only) cannot be resumed; pass the run's last.pt"
        )
    saved = ck["config"]
    if saved.get("net") != config.net:
        raise ValueError(f"{path}: network config {saved.get('net')} != {config.net}")
    mine = asdict(config)
    diff = [
        k
        for k in mine
        if k not in _RESUME_MAY_DIFFER and k != "net" and _norm(saved.get(k)) != _norm(mine[k])
    ]
    if diff:
        what = ", ".join(f"{k} (checkpoint {saved.get(k)!r}, now {mine[k]!r})" for k in diff)
        raise ValueError(f"{path}: cannot resume with other settings: {what}")
    if ck.get("data_fingerprint") != fingerprint:
        raise ValueError(
            f"{path}: cannot resume with other data: data fingerprint "
            f"{ck.get('data_fingerprint')} != {fingerprint}"
        )
    return ck


def _norm(v):
    return list(v) if isinstance(v, tuple) else v
