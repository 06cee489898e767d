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

__all__ = ["BUDGETS", "RunResult", "start_run", "execute"]

#: What each budget means for the page (the pipeline receives the budget name itself).
BUDGETS: dict[str, dict[str, Any]] = {
    "small": {"interactions": 5, "phantom_shape": (24, 48, 48)},
    "medium": {"interactions": 10, "phantom_shape": (32, 64, 64)},
    "large": {"interactions": 15, "phantom_shape": (48, 96, 96)},
}


@dataclass
class RunResult:
    """Everything the page shows about one finished run (arrays in ``(z, y, x)`` order)."""

    pipeline_id: str
    leaf: str
    volume_name: str
    device: str
    dice: list[float]
    auc: float
    final_dice: float
    image: np.ndarray
    label: np.ndarray
    predictions: list[np.ndarray]
    clicks: list[list[tuple[int, int, int, int]]]  # per interaction: all (z, y, x, label) so far
    guidance: list[np.ndarray | None] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)


def execute(leaf: str, volume: Any, *, device: str, budget: str, interactions: int, seed: int,
            progress: Callable[[float, str], None], cancel: threading.Event,
            out_dir: str | Path) -> RunResult:
    """Run ``leaf``'s reference pipeline on ``volume`` and collect a :class:`RunResult`."""
    from reference_impl.pipelines import run_pipeline  # type: ignore[attr-defined]

    raise NotImplementedError(f"adapter for {run_pipeline!r} not written yet")


def start_run(leaf: str, volume: Any, *, device: str = "auto", budget: str = "small",
              interactions: int = 5, seed: int = 0) -> Job:
    """Start the run in a background thread and return its :class:`Job` (already started)."""
    if budget not in BUDGETS:
        raise ValueError(f"unknown budget {budget!r}; known: {list(BUDGETS)}")
    out_dir = tempfile.mkdtemp(prefix=f"iseg-run-{leaf}-")

    def work(progress: Callable[[float, str], None], cancel: threading.Event) -> RunResult:
        return execute(leaf, volume, device=device, budget=budget, interactions=interactions,
                       seed=seed, progress=progress, cancel=cancel, out_dir=out_dir)

    return Job(work, label=f"{leaf} on {getattr(volume, 'name', 'volume')}").start()
