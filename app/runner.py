"""Glue between the "Run a pipeline" page and ``reference_impl.pipelines``.

:func:`start_run` starts a leaf's reference pipeline in a background :class:`app.jobs.Job`
and converts what the pipeline returns into a :class:`RunResult` the page can draw: Dice
per interaction, AUC / final Dice, and per interaction the prediction, the simulated
interactions so far and the guidance signal.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.jobs import Job

__all__ = ["BUDGET_INTERACTIONS", "budgets", "RunResult", "start_run", "execute", "to_result"]

#: Default number of evaluation interactions shown per budget on the page.
BUDGET_INTERACTIONS: dict[str, int] = {"small": 5, "full": 10}


def budgets() -> list[str]:
    """Budget names of ``reference_impl.pipelines`` ('small' first)."""
    from reference_impl.pipelines import BUDGETS as PIPE_BUDGETS

    return sorted(PIPE_BUDGETS, key=lambda b: (b != "small", b))


@dataclass
class RunResult:
    """Everything the page shows about one finished run (arrays in ``(z, y, x)`` order)."""

    pipeline_id: str
    leaf: str
    volume_name: str
    device: str
    dice: list[float]  # mean Dice after 0..N interactions (or per active-learning round)
    auc: float | None
    final_dice: float
    image: np.ndarray  # the first evaluation volume, as the pipeline saw it
    label: np.ndarray
    predictions: list[np.ndarray]  # per step (step 0: before any interaction)
    interactions: list[list[Any]]  # per step: every interaction so far (Click, Scribble, Box …)
    guidance: list[np.ndarray | None] = field(default_factory=list)  # per step, (C, z, y, x)
    step_dice: list[float] = field(default_factory=list)  # Dice of the shown volume per step
    curve_kind: str = "interaction"
    files: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def execute(leaf: str, volume: Any, *, device: str, budget: str, interactions: int, seed: int,
            progress: Callable[[float, str], None], cancel: threading.Event,
            out_dir: str | Path) -> RunResult:
    """Run ``leaf``'s reference pipeline on ``volume`` and collect a :class:`RunResult`.

    ``volume`` is anything ``run_pipeline(data=...)`` accepts: ``"synthetic"``, a sample
    name, or an in-memory :class:`~reference_impl.io.Volume` (an upload).
    """
    from reference_impl.pipelines import run_pipeline

    out = run_pipeline(leaf, data=volume, out=out_dir, device=device, budget=budget, seed=seed,
                       n_interactions=interactions, progress=progress, cancel=cancel,
                       show_progress=False)
    return to_result(out)


def to_result(out: Any) -> RunResult:
    """Convert a ``reference_impl.pipelines.RunOutput`` into a :class:`RunResult`."""
    m, res = out.metrics, out.result
    if not res.trajectories:
        raise ValueError(f"pipeline {m['pipeline']} returned no evaluation trajectory")
    traj = res.trajectories[0]
    files = sorted(str(p) for p in Path(out.out).iterdir()) if out.out is not None else []
    return RunResult(
        pipeline_id=m["pipeline"], leaf=m["leaf"], volume_name=traj.name, device=m["device"],
        dice=[float(d) for d in res.curve], auc=m.get("auc"), final_dice=float(m["final"]),
        image=np.asarray(traj.image), label=np.asarray(traj.label),
        predictions=[s.pred for s in traj.steps],
        interactions=[list(s.interactions) for s in traj.steps],
        guidance=[s.guidance for s in traj.steps], step_dice=[float(s.dice) for s in traj.steps],
        curve_kind=res.curve_kind, files=files, metrics=m)


def start_run(leaf: str, volume: Any, *, device: str = "auto", budget: str = "small",
              interactions: int = 5, seed: int = 0) -> Job:
    """Start the run in a background thread and return its :class:`Job` (already started)."""
    out_dir = Path(tempfile.mkdtemp(prefix="iseg-run-")) / leaf

    def work(progress: Callable[[float, str], None], cancel: threading.Event) -> RunResult:
        return execute(leaf, volume, device=device, budget=budget, interactions=interactions,
                       seed=seed, progress=progress, cancel=cancel, out_dir=out_dir)

    name = volume if isinstance(volume, str) else getattr(volume, "name", "volume")
    return Job(work, label=f"{leaf} on {name}").start()
