"""Glue between the "Run a pipeline" page and ``reference_impl.pipelines``.

:func:`start_run` starts a leaf's reference pipeline in a background :class:`app.jobs.Job`
and converts what the pipeline returns into a :class:`RunResult` the page can draw: Dice
per interaction, AUC / final Dice, and per interaction the prediction, the simulated
interactions so far and the guidance signal.
"""

from __future__ import annotations

import io
import itertools
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.jobs import Job

__all__ = [
    "BUDGET_INTERACTIONS",
    "budgets",
    "RunResult",
    "start_run",
    "execute",
    "to_result",
    "zip_outputs",
]

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
    files: dict[str, bytes] = field(default_factory=dict)  # output file name -> its bytes
    metrics: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)  # what the run was started with
    run_id: int = 0  # distinct per run of the session (widget keys of its viewer)


def execute(
    leaf: str,
    volume: Any,
    *,
    device: str,
    budget: str,
    interactions: int,
    seed: int,
    progress: Callable[[float, str], None],
    cancel: threading.Event,
) -> RunResult:
    """Run ``leaf``'s reference pipeline on ``volume`` and collect a :class:`RunResult`.

    ``volume`` is anything ``run_pipeline(data=...)`` accepts: ``"synthetic"``, a sample
    name, or an in-memory :class:`~reference_impl.io.Volume` (an upload).  The pipeline
    writes into a new temporary folder; its files are read into the result (to be
    downloaded) and the folder is removed, whether the run succeeds, fails or is cancelled.
    """
    from reference_impl.pipelines import run_pipeline

    root = Path(tempfile.mkdtemp(prefix="iseg-run-"))
    try:
        out = run_pipeline(
            leaf,
            data=volume,
            out=root / leaf,
            device=device,
            budget=budget,
            seed=seed,
            n_interactions=interactions,
            progress=progress,
            cancel=cancel,
            show_progress=False,
        )
        return to_result(out)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def to_result(out: Any) -> RunResult:
    """Convert a ``reference_impl.pipelines.RunOutput`` into a :class:`RunResult`.

    The files of ``out.out`` are read into memory, plus ``segmentation.nii.gz``: the final
    prediction of the first evaluation volume as the pipeline wrote it, on the *input* grid
    with the input's affine (``out.segmentation_file()``), never the working grid.
    """
    m, res = out.metrics, out.result
    if not res.trajectories:
        raise ValueError(f"pipeline {m['pipeline']} returned no evaluation trajectory")
    traj = res.trajectories[0]
    files: dict[str, bytes] = {}
    if out.out is not None:
        files = {
            p.name: p.read_bytes()
            for p in sorted(Path(out.out).iterdir())
            if p.is_file() and not p.name.startswith(".")
        }  # not iseg's marker file
    seg = out.segmentation_file(0) if out.out is not None else None
    if seg is not None:
        files["segmentation.nii.gz"] = Path(seg).read_bytes()
    return RunResult(
        pipeline_id=m["pipeline"],
        leaf=m["leaf"],
        volume_name=traj.name,
        device=m["device"],
        dice=[float(d) for d in res.curve],
        auc=m.get("auc"),
        final_dice=float(m["final"]),
        image=np.asarray(traj.image),
        label=np.asarray(traj.label),
        predictions=[s.pred for s in traj.steps],
        interactions=[list(s.interactions) for s in traj.steps],
        guidance=[s.guidance for s in traj.steps],
        step_dice=[float(s.dice) for s in traj.steps],
        curve_kind=res.curve_kind,
        files=files,
        metrics=m,
    )


def zip_outputs(files: dict[str, bytes]) -> bytes:
    """All output files of a run as one zip archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


_RUN_IDS = itertools.count(1)


def start_run(
    leaf: str,
    volume: Any,
    *,
    device: str = "auto",
    budget: str = "small",
    interactions: int = 5,
    seed: int = 0,
    settings: dict[str, Any] | None = None,
) -> Job:
    """Start the run in a background thread and return its :class:`Job` (already started).

    ``settings`` (what the form said) is attached to the result, with a fresh ``run_id``.
    """
    run_id = next(_RUN_IDS)

    def work(progress: Callable[[float, str], None], cancel: threading.Event) -> RunResult:
        res = execute(
            leaf,
            volume,
            device=device,
            budget=budget,
            interactions=interactions,
            seed=seed,
            progress=progress,
            cancel=cancel,
        )
        res.settings, res.run_id = dict(settings or {}), run_id
        return res

    name = volume if isinstance(volume, str) else getattr(volume, "name", "volume")
    return Job(work, label=f"{leaf} on {name}").start()
