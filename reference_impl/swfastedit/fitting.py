"""Phase 2 of the click model's training: fitting a network on interaction states.

:func:`fit_states` fits a :class:`~reference_impl.swfastedit.clicknet.ClickNet` (fresh, or
continued from a fitted one) on the states of
:func:`~reference_impl.swfastedit.states.collect_states`, keeps the best step by the
validation score and writes it atomically.  The recipe and the command line that call it
are :mod:`reference_impl.swfastedit.train_shipped`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch

from .checkpoint_io import atomic_save

__all__ = ["fit_states", "ct_organs"]


def _augmented(state: dict, rng: np.random.Generator):
    """``(image, prior, clicks, label)`` of a state, randomly inverted and flipped."""
    from ..interactions import Click

    img, prior, lab = state["image"], state["prior"].astype(np.float32), state["label"]
    clicks = list(state["clicks"])
    if rng.random() < 0.5:
        img = 1.0 - img
    for ax in range(3):
        if rng.random() < 0.5:
            img, prior, lab = (np.flip(a, ax) for a in (img, prior, lab))
            n = lab.shape[ax]
            clicks = [
                Click(c.label, tuple(n - 1 - i if k == ax else i for k, i in enumerate(c.index)))
                for c in clicks
            ]
    return np.ascontiguousarray(img), np.ascontiguousarray(prior), clicks, lab


def _loss(logit: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logit, target)
    p = torch.sigmoid(logit)
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    return bce + dice


def _val_dice(net, states: list[dict], device: str | torch.device = "cpu") -> float:
    """Mean Dice of the click-consistent mask over the validation states (one prediction)."""
    from ..metrics import dice
    from .clicknet import predict_probs

    net.eval()
    out = []
    for st in states:  # a state is its clicks' region, so the network sees all of it
        prior = st["prior"].astype(np.float32)
        _, mask, _ = predict_probs(
            net, st["image"], prior, st["clicks"], spacing=st["spacing"], device=device
        )
        out.append(float(dice(mask, st["label"])))
    return float(np.mean(out))


def ct_organs(states: list[dict]) -> list[str]:
    """The bundled CT's organs among ``states`` (sorted names)."""
    return sorted({s["data"][3:] for s in states if s["data"].startswith("ct:")})


def fit_states(
    fit: list[dict],
    val: list[dict],
    *,
    out: str | Path,
    settings: dict,
    log=print,
    t0: float | None = None,
    device: str | torch.device = "cpu",
    val_vols: list | None = None,
    init=None,
    round_: int = 0,
    past: list[dict] | None = None,
) -> dict:
    """Phase 2 (:mod:`~reference_impl.swfastedit.train_shipped`): fit a fresh network on
    ``fit`` states, keep the step with the best one-step Dice on ``val`` states, write it to
    ``out``; returns the metadata.

    With ``val_vols`` the step is chosen by the interactive Dice on those volumes instead
    (:func:`~reference_impl.swfastedit.states.interactive_dice`).  With ``init`` (a fitted
    :class:`~reference_impl.swfastedit.clicknet.ClickNet`, whose checkpoint ``out`` already
    holds) fitting continues from its weights (``round_``: the on-policy round, in the
    log, with the earlier rounds' validation curve in ``past``), and ``out`` is rewritten with
    the weights of the best step of this round, which may be ``init`` itself (step 0).

    ``settings`` are :func:`train_clicknet`'s (``prior``, ``roi_mm``, ``distance_mm``,
    ``steps``, ``seed``, ``lr``, ``weight_decay``, ``eval_every``, optionally ``channels``),
    stored in the checkpoint.  The network is fitted and validated on ``device`` (the
    weights are written as CPU tensors, and the device is recorded as ``fitted_on``).
    """
    from .clicknet import ClickNet, ClickNetConfig, region_logits

    if not fit or not val:
        raise ValueError("fit_states needs fitting and validation states")
    t0 = time.perf_counter() if t0 is None else t0
    steps, seed, eval_every = settings["steps"], settings["seed"], settings["eval_every"]
    cfg = ClickNetConfig(
        prior=settings["prior"],
        roi_mm=settings["roi_mm"],
        distance_mm=settings["distance_mm"],
        distance_norm=settings.get("distance_norm", "mm"),
        channels=tuple(settings.get("channels", ClickNetConfig.channels)),
        zoom_voxels=settings.get("zoom_voxels"),
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ClickNet(cfg).to(device)
    if init is not None:
        net.load_state_dict(init.state_dict())
    opt = torch.optim.Adam(
        net.parameters(), lr=settings["lr"], weight_decay=settings["weight_decay"]
    )
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    rng = np.random.default_rng([seed, round_])

    def score() -> float:
        if val_vols is None:
            return _val_dice(net, val, device)
        from .states import interactive_dice

        net.eval()
        return interactive_dice(net, val_vols, prior=cfg.prior, device=device)

    def meta(step: int) -> dict:
        return {
            "kind": "iseg-clicknet",
            "config": cfg.to_dict(),
            "settings": settings,
            "trained_ct_organs": ct_organs(fit),
            "validation_ct_organs": ct_organs(val),
            "held_out": "reference_impl.evaluation.split",
            "step": step,
            "on_policy_round": round_,
            "val_dice_untrained": untrained,
            "metrics": [*(past or []), *history],
            "fitted_on": str(device),
        }

    def weights() -> dict:
        return {k: v.detach().cpu() for k, v in net.state_dict().items()}

    base = score()
    untrained = past[0]["val_dice"] if past else base  # round 0 starts untrained
    history: list[dict] = [
        {"step": 0, "round": round_, "val_dice": base, "gain": float(net.gain.detach())}
    ]
    log(json.dumps(history[-1]))
    best = (base, 0)
    losses: list[float] = []
    for step in range(1, steps + 1):
        net.train()
        state = fit[int(rng.integers(len(fit)))]
        img, prior, clicks, lab = _augmented(state, rng)
        logit, roi, _ = region_logits(
            net, img, prior, clicks, spacing=state["spacing"], device=device
        )
        y = torch.from_numpy(np.ascontiguousarray(lab[roi], dtype=np.float32))[None, None]
        loss = _loss(logit, y.to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if step % eval_every == 0 or step == steps:
            vd = score()
            history.append(
                {
                    "step": step,
                    "round": round_,
                    "loss": float(np.mean(losses)),
                    "val_dice": vd,
                    "gain": float(net.gain.detach()),
                    "seconds": time.perf_counter() - t0,
                }
            )
            losses = []
            log(json.dumps(history[-1]))
            if vd > best[0]:
                best = (vd, step)
                atomic_save({**meta(step), "model": weights()}, out)
    if best[1] == 0:  # never beat the starting model (untrained, or init): keep it
        if init is None:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                init = ClickNet(cfg)
        atomic_save({**meta(0), "model": {k: v.cpu() for k, v in init.state_dict().items()}}, out)
    return {
        "best_step": best[1],
        "val_dice": best[0],
        "val_dice_untrained": untrained,
        "metrics": [*(past or []), *history],
    }
