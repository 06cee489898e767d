"""Interaction protocols and the generic simulated-interaction training / evaluation loops.

A :class:`Protocol` says how a leaf simulates interactions (``first`` from the label alone,
``correct`` from the label and the current prediction) and how it encodes them as guidance
channels (``encode``).  :func:`train_interactive` trains a network on image + guidance with
the protocol: single-shot (only ``first``, T2.1.1.x) or iterative (up to
``budget.train_rounds`` no-gradient prediction/correction rounds before each gradient step,
the SW-FastEdit scheme of thesis §4.1.2).  :func:`evaluate` runs the robot-user loop:
Dice@0 without interactions, then ``first`` and ``correct`` until ``n_interactions``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

from ..robot_users.loop import run_interaction
from ._base import Context, PipelineResult, Step, Trajectory
from ._nets import build_model, crop_pair, fit, predict, to_input

if TYPE_CHECKING:
    from ..io import Volume

__all__: list[str] = []

Predictor = Callable[[list], np.ndarray]


@dataclass(frozen=True)
class Protocol:
    """How one leaf simulates and encodes interactions.

    ``first(label, image, rng, spacing) -> list``: interactions from the label only (may be
    empty for an empty crop).  ``correct(label, pred, probs, image, history, rng, spacing)
    -> list``: corrective interactions from the errors (``None`` for a single-shot leaf's
    training).  ``encode(history, shape, spacing) -> (n_channels, *shape)`` tensor.
    """

    name: str
    n_channels: int
    first: Callable[..., list]
    correct: Callable[..., list]
    encode: Callable[..., torch.Tensor]


def net_predictor(net, image: np.ndarray, spacing, protocol: Protocol, ctx: Context) -> Predictor:
    """``history -> probs`` for a network taking ``[image, encode(history)]``."""

    def run(history: list) -> np.ndarray:
        guid = protocol.encode(history, image.shape, spacing)
        return predict(net, to_input(image, guid), ctx.budget, ctx.device)

    return run


def protocol_user(protocol: Protocol) -> Callable[..., list]:
    """The protocol as a robot user of :func:`~reference_impl.robot_users.loop.run_interaction`:
    ``first`` when there is no prediction yet (``pred=None``), else ``correct``."""

    def user(
        label, pred, *, probs=None, image=None, clicks=(), rng=None, spacing=None, **_unused
    ) -> list:
        if pred is None:
            return list(protocol.first(label, image, rng, spacing))
        return list(protocol.correct(label, pred, probs, image, list(clicks), rng, spacing))

    return user


def _loop_predict(predictor: Predictor, shape, *, skip_empty: bool = False):
    """``history -> (pred, probs)`` for the loop; ``skip_empty``: no network call before the
    first interaction (its answer is never used when the first interaction comes from the
    label, as in training)."""

    def run(history: list):
        if skip_empty and not history:
            z = np.zeros(tuple(shape), np.float32)
            return z.astype(np.uint8), z
        probs = np.asarray(predictor(history), dtype=np.float32)
        return (probs > 0.5).astype(np.uint8), probs

    return run


def simulate(
    predictor: Predictor,
    protocol: Protocol,
    label: np.ndarray,
    image: np.ndarray,
    *,
    rounds: int,
    rng: np.random.Generator,
    spacing=None,
) -> list:
    """``first`` then ``rounds`` no-gradient prediction + ``correct`` rounds; the history.

    The rounds run through the one interaction loop
    (:func:`reference_impl.robot_users.loop.run_interaction`)."""
    if rounds <= 0:
        return list(protocol.first(label, image, rng, spacing))
    res = run_interaction(
        _loop_predict(predictor, label.shape, skip_empty=True),
        label,
        user=protocol_user(protocol),
        n_iterations=rounds + 1,
        image=image,
        rng=rng,
        spacing=spacing,
        metric=lambda pred, lab: 0.0,
    )
    return res.all_clicks


def train_interactive(
    protocol: Protocol, ctx: Context, *, iterative: bool, simulate_fn: Callable | None = None
) -> torch.nn.Module:
    """Train ``[image, guidance] -> logits`` with the protocol's simulated interactions.

    ``iterative=False``: interactions simulated once from the label (single-shot).
    ``iterative=True``: 0..``train_rounds`` correction rounds with the current network first.
    ``simulate_fn(net, img, lab, rounds, rng) -> history`` replaces :func:`simulate`.
    """
    b = ctx.budget
    net = build_model(1 + protocol.n_channels, b, seed=ctx.seed).to(ctx.device)
    vols = ctx.train

    def sample(r):
        img, lab = crop_pair(vols[int(r.integers(len(vols)))], b, r)
        rounds = int(r.integers(0, b.train_rounds + 1)) if iterative else 0
        if simulate_fn is not None:
            history = simulate_fn(net, img, lab, rounds, r)
        else:
            pr = net_predictor(net, img, None, protocol, ctx)
            history = simulate(pr, protocol, lab, img, rounds=rounds, rng=r)
        guid = protocol.encode(history, img.shape, None)
        return to_input(img, guid), torch.from_numpy(lab.astype(np.int64))

    fit(net, sample, steps=b.steps, ctx=ctx, lr=b.lr, rng=ctx.rng(1), span=(0.02, 0.8))
    return net


def evaluate(
    make_predictor: Callable[[Volume], Predictor],
    protocol: Protocol,
    ctx: Context,
    *,
    span: tuple[float, float] = (0.8, 1.0),
    n: int | None = None,
) -> list[Trajectory]:
    """Robot-user loop (:func:`~reference_impl.robot_users.loop.run_interaction`) on every
    evaluation volume: Dice@0 (no interaction), then ``first``, then ``correct`` until ``n``
    (default ``ctx.n_interactions``) interactions."""
    out = []
    n = ctx.n_interactions if n is None else n
    for v_i, vol in enumerate(ctx.eval):
        predictor = make_predictor(vol)

        def report(it, history, pred, v_i=v_i, name=vol.name):
            frac = (v_i + it / n) / len(ctx.eval)
            ctx.report(
                span[0] + (span[1] - span[0]) * frac, f"evaluating {name}: interaction {it}/{n}"
            )

        res = run_interaction(
            _loop_predict(predictor, vol.image.shape),
            vol.label,
            user=protocol_user(protocol),
            n_iterations=n,
            image=vol.image,
            rng=ctx.rng(2, v_i),
            spacing=vol.spacing,
            keep_preds=True,
            callback=report,
        )
        traj = Trajectory(vol.name, vol.image, vol.label)
        history: list = []
        for k, pred in enumerate(res.preds):
            if k:
                history = history + list(res.clicks[k - 1])
            traj.steps.append(_step(history, pred, vol, protocol, res.values[k]))
        out.append(traj)
    return out


def _step(history: list, pred: np.ndarray, vol, protocol: Protocol, value: float) -> Step:
    guid = protocol.encode(history, vol.image.shape, vol.spacing).cpu().numpy()
    return Step(list(history), np.asarray(pred, dtype=np.uint8), guid, float(value))


def result(
    trajectories: list[Trajectory],
    *,
    guidance: str,
    evaluation: str,
    timings: dict[str, float],
    extra: dict | None = None,
    protocol: Protocol | None = None,
    n: int | None = None,
) -> PipelineResult:
    """Mean Dice curve over the evaluation volumes, packed as a :class:`PipelineResult`
    (``protocol``/``n``: the evaluation protocol the baselines are run with)."""
    per = [t.dice for t in trajectories]
    return PipelineResult(
        curve=np.mean(per, axis=0).tolist(),
        per_volume=per,
        curve_kind="interaction",
        trajectories=trajectories,
        guidance_name=guidance,
        evaluation=evaluation,
        extra=extra or {},
        timings=timings,
        protocol=protocol,
        protocol_n=n if n is not None else len(per[0]) - 1,
    )


def run_interactive(
    protocol: Protocol,
    ctx: Context,
    *,
    iterative: bool,
    guidance: str,
    evaluation: str,
    eval_protocol: Protocol | None = None,
) -> PipelineResult:
    """Train with ``protocol`` then evaluate with ``eval_protocol`` (default: the same)."""
    t0 = time.perf_counter()
    net = train_interactive(protocol, ctx, iterative=iterative)
    t1 = time.perf_counter()
    ev = eval_protocol or protocol
    trajs = evaluate(
        lambda v: net_predictor(net, v.image, v.spacing, ev, ctx), ev, ctx, span=(0.8, 0.9)
    )
    return result(
        trajs,
        guidance=guidance,
        evaluation=evaluation,
        timings={"train_s": t1 - t0, "eval_s": time.perf_counter() - t1},
        protocol=ev,
    )
