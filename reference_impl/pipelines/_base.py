"""Shared types of the leaf pipelines: budgets, the run context, trajectories and results.

A pipeline is a function ``run(ctx: Context) -> PipelineResult``; the runner
(:mod:`reference_impl.pipelines._runner`) loads and validates the data, builds the
:class:`Context` and writes the outputs.  Arrays are in numpy axis order ``(z, y, x)``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Budget",
    "BUDGETS",
    "get_budget",
    "Cancelled",
    "Context",
    "Step",
    "Trajectory",
    "PipelineResult",
    "Pipeline",
]


@dataclass(frozen=True)
class Budget:
    """How much compute one pipeline run may spend.

    ``small`` (CPU, well under a minute on synthetic phantoms; tests and the app) and
    ``full`` (GPU).  Fields: synthetic phantom ``shape``; ``n_train``/``n_eval`` phantoms;
    ``roi`` (training crop and sliding-window size); ``max_size`` (real volumes are
    resampled along the axes longer than this; training volumes are also cropped around their
    label, evaluation volumes never); ``net`` ('tiny': MONAI
    ``UNet`` with channels (8, 16, 32); 'dynunet': the SW-FastEdit backbone);
    ``steps``/``batch``/``lr`` of supervised training; ``train_rounds`` (maximum simulated
    interaction rounds per training sample); ``n_interactions`` (evaluation);
    ``al_rounds``/``al_start``/``al_query``/``al_steps`` (active learning);
    ``online_steps`` (optimiser steps per online update).
    """

    name: str
    shape: tuple[int, int, int]
    n_train: int
    n_eval: int
    roi: tuple[int, int, int]
    max_size: int
    net: str
    steps: int
    batch: int
    lr: float
    train_rounds: int
    n_interactions: int
    al_rounds: int
    al_start: int
    al_query: int
    al_steps: int
    online_steps: int

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for metrics.json / config.yaml)."""
        return asdict(self)


BUDGETS: dict[str, Budget] = {
    "small": Budget(
        "small",
        shape=(32, 32, 32),
        n_train=6,
        n_eval=2,
        roi=(32, 32, 32),
        max_size=128,
        net="tiny",
        steps=60,
        batch=2,
        lr=3e-3,
        train_rounds=2,
        n_interactions=5,
        al_rounds=2,
        al_start=2,
        al_query=2,
        al_steps=30,
        online_steps=15,
    ),
    "full": Budget(
        "full",
        shape=(64, 96, 96),
        n_train=32,
        n_eval=8,
        roi=(64, 96, 96),
        max_size=256,
        net="dynunet",
        steps=4000,
        batch=2,
        lr=1e-3,
        train_rounds=10,
        n_interactions=10,
        al_rounds=5,
        al_start=4,
        al_query=4,
        al_steps=800,
        online_steps=100,
    ),
}


def get_budget(name: str) -> Budget:
    """Return the budget registered as ``name`` ('small' or 'full').

    >>> get_budget("small").net
    'tiny'
    """
    if name not in BUDGETS:
        raise ValueError(f"unknown budget {name!r}; known: {list(BUDGETS)}")
    return BUDGETS[name]


class Cancelled(Exception):
    """Raised inside a run when its ``cancel`` event is set (no output is written)."""


@dataclass
class Context:
    """What a pipeline receives: data, budget, device, randomness and progress reporting.

    ``train`` and ``eval`` are lists of normalised :class:`~reference_impl.io.Volume`;
    ``same_volume`` is always False (evaluation never reuses a trained label; kept for
    compatibility).
    ``workdir`` is the (temporary) output folder a pipeline may write extra files to.
    """

    train: list
    eval: list
    budget: Budget
    device: Any
    seed: int
    workdir: Any
    n_interactions: int
    same_volume: bool = False
    progress: Callable[[float, str], None] | None = None
    cancel: threading.Event | None = None
    _bar: Any = None
    _fraction: float = 0.0

    def rng(self, *key: int) -> np.random.Generator:
        """A generator derived from the run seed and ``key`` (independent streams)."""
        return np.random.default_rng([self.seed, *key])

    def report(self, fraction: float, message: str) -> None:
        """Report progress in [0, 1]; raises :class:`Cancelled` if the run was cancelled."""
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("run cancelled")
        fraction = float(min(max(fraction, 0.0), 1.0))
        if self._bar is not None:
            self._bar.set_description_str(message[:40])
            self._bar.update(max(int(round(fraction * 1000)) - self._bar.n, 0))
        self._fraction = fraction
        if self.progress is not None:
            self.progress(fraction, message)


@dataclass
class Step:
    """State after one interaction: all interactions so far, prediction, guidance signal."""

    interactions: list
    pred: np.ndarray
    guidance: np.ndarray | None
    dice: float


@dataclass
class Trajectory:
    """One evaluation volume's interaction sequence (``steps[0]``: no interaction)."""

    name: str
    image: np.ndarray
    label: np.ndarray
    steps: list[Step] = field(default_factory=list)

    @property
    def dice(self) -> list[float]:
        """Dice after 0..N interactions."""
        return [s.dice for s in self.steps]


@dataclass
class PipelineResult:
    """What a pipeline returns to the runner.

    ``curve`` is the mean Dice after 0..N interactions (``curve_kind='interaction'``) or after
    each active-learning round (``'round'``); ``per_volume`` the individual curves;
    ``trajectories`` the evaluation sequences (the first is drawn in the overlay);
    ``extra`` any pipeline-specific numbers for metrics.json; ``protocol`` the evaluation
    protocol (:class:`._interactive.Protocol`, None for a leaf without interactions at
    application) and ``protocol_n`` its number of rounds, with which the classical baselines
    are run.
    """

    curve: list[float]
    per_volume: list[list[float]]
    curve_kind: str
    trajectories: list[Trajectory]
    guidance_name: str
    evaluation: str
    extra: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    protocol: Any = None
    protocol_n: int | None = None


@dataclass(frozen=True)
class Pipeline:
    """A registered reference pipeline: its id and leaf (exactly as in ``taxonomy``), a one-line
    summary, the function that runs it and the kind of synthetic data it is shown on.

    ``synthetic='ambiguous'``: :func:`reference_impl.swfastedit.data.synthetic_volumes`, where
    distractor blobs look exactly like the lesions, so only interactions can tell them apart;
    ``'plain'``: :func:`reference_impl.phantoms.make_phantoms` (lesions brighter than the
    background, one distractor), solvable from the image alone -- for active learning,
    whose model never sees an interaction at application; ``'distractors'``: the same
    phantoms with three bright unlabelled blobs, so an image-only model finds every blob and
    clicks must remove the distractors -- for post-processing at application; ``'shifted'``:
    'plain' training phantoms but evaluation phantoms with dark lesions (contrast -1), a
    domain shift that image-specific fine-tuning has to overcome (T3.2).  ``trains=False``
    for a leaf that learns nothing before application (T3.1: only the user's interactions).
    """

    id: str
    leaf: str
    summary: str
    run: Callable[[Context], PipelineResult]
    synthetic: str = "ambiguous"
    trains: bool = True
