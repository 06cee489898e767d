"""Recommender: the Q1-Q12 decision engine, feasibility constraints, method ranking and
recommendation reports.  Public names are imported lazily (PEP 562), so that ``iseg --help``
imports neither the knowledge base nor networkx."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names the lazy __getattr__ below resolves
    from recommender.engine import (
        Recommendation,
        Step,
        next_question,
        recommend,
        validate_answers,
    )
    from recommender.feasibility import Notice
    from recommender.ranking import RankedMethod, rank_methods
    from recommender.report import to_json, to_markdown

__all__ = [
    "Notice",
    "RankedMethod",
    "Recommendation",
    "Step",
    "next_question",
    "rank_methods",
    "recommend",
    "to_json",
    "to_markdown",
    "validate_answers",
]

_WHERE = {
    "Notice": "recommender.feasibility",
    "RankedMethod": "recommender.ranking",
    "Recommendation": "recommender.engine",
    "Step": "recommender.engine",
    "next_question": "recommender.engine",
    "rank_methods": "recommender.ranking",
    "recommend": "recommender.engine",
    "to_json": "recommender.report",
    "to_markdown": "recommender.report",
    "validate_answers": "recommender.engine",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'recommender' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
