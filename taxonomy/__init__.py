"""Taxonomy of interactive medical image segmentation (thesis Section 6.1.3).

Tree, decision questions Q1-Q12, the Figure 32 trade-off table, the thesis's hard
constraints on the answers, the leaf -> reference pipeline registry and the comparison
graph of the reviewed methods.  Public names are imported lazily (PEP 562), so that
``iseg --help`` does not import networkx or PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names the lazy __getattr__ below resolves
    from taxonomy.core import Taxonomy, load_taxonomy
    from taxonomy.pipelines import leaf_pipeline, load_leaf_pipelines, pipeline_ids
    from taxonomy.questions import NOT_SURE, Option, Question
    from taxonomy.tree import Node

__all__ = [
    "NOT_SURE",
    "Node",
    "Option",
    "Question",
    "Taxonomy",
    "leaf_pipeline",
    "load_leaf_pipelines",
    "load_taxonomy",
    "pipeline_ids",
]

_WHERE = {
    "NOT_SURE": "taxonomy.questions",
    "Node": "taxonomy.tree",
    "Option": "taxonomy.questions",
    "Question": "taxonomy.questions",
    "Taxonomy": "taxonomy.core",
    "leaf_pipeline": "taxonomy.pipelines",
    "load_leaf_pipelines": "taxonomy.pipelines",
    "load_taxonomy": "taxonomy.core",
    "pipeline_ids": "taxonomy.pipelines",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'taxonomy' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
