"""One runnable reference pipeline per taxonomy leaf (issue 7).

``run_pipeline(leaf_or_id, data=..., out=..., device=..., budget=..., seed=...)`` runs one
leaf end to end and writes ``metrics.json``, ``dice_curve.png``, ``overlay.png`` and
``config.yaml``; ``PIPELINES``/``get_pipeline`` are the registry.  See ``docs/pipelines.md``.

The public names are imported lazily (PEP 562), so that importing
``reference_impl.pipelines.cli`` (done by every ``iseg`` command) loads no torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # static analysis sees the eager imports
    from ._base import BUDGETS, Budget, Cancelled, Pipeline, PipelineResult, get_budget
    from ._runner import RunOutput, run_pipeline
    from .registry import PIPELINES, get_pipeline

_EXPORTS: dict[str, str] = {
    "BUDGETS": "_base",
    "Budget": "_base",
    "Cancelled": "_base",
    "Pipeline": "_base",
    "PipelineResult": "_base",
    "get_budget": "_base",
    "RunOutput": "_runner",
    "run_pipeline": "_runner",
    "PIPELINES": "registry",
    "get_pipeline": "registry",
}
"""Public name -> submodule that defines it (resolved on first access)."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

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
