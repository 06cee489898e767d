"""One runnable reference pipeline per taxonomy leaf (issue 7).

``run_pipeline(leaf_or_id, data=..., out=..., device=..., budget=..., seed=...)`` runs one
leaf end to end and writes ``metrics.json``, ``dice_curve.png``, ``overlay.png`` and
``config.yaml``; ``PIPELINES``/``get_pipeline`` are the registry.  See ``docs/pipelines.md``.
"""

from ._base import BUDGETS, Budget, Cancelled, Pipeline, PipelineResult, get_budget
from ._runner import RunOutput, run_pipeline
from .registry import PIPELINES, get_pipeline

__all__ = [
    "PIPELINES",
    "get_pipeline",
    "run_pipeline",
    "RunOutput",
    "Pipeline",
    "PipelineResult",
    "BUDGETS",
    "Budget",
    "get_budget",
    "Cancelled",
]
