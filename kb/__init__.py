"""Knowledge base of the 121 interactive segmentation methods reviewed in the thesis.

The public API, importable from ``kb`` (loaded lazily so that ``import kb`` and the
``iseg`` start-up stay cheap):

* :func:`load_kb` / :class:`KnowledgeBase` / :class:`KBValidationError`: the one front
  door to the data (``kb.methods``: the 121 reviewed; ``kb.post_review``: methods
  published since the review, kept apart);
* :func:`filter_methods`, :func:`method_record`: the one method filter (CLI and app);
  :func:`compared_by` (reverse comparison edges), :func:`similar_methods` (same leaf,
  interaction and modality);
* :func:`compute_stats`, :func:`comparison_practice`: counts behind ``iseg stats``;
* :func:`to_bibtex`: the one BibTeX writer;
* :func:`parse_interaction`, :func:`parse_modality`, :func:`parse_guidance`: the one
  user vocabulary (case-insensitive; ``box`` = ``bounding-box``), also for the recommender;
* :func:`read_yaml`, :func:`validate_model`: the one YAML reader and validator;
* ``load_kb().protocol(id).fact(key)``: evaluation-protocol facts with sources (the CVPR 2025
  interactive 3D protocol); ``load_kb().post_review`` / ``post_review_edges``: the methods
  since the review (:class:`PostReviewMethod`) and their comparison edges.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names the lazy __getattr__ below resolves
    from kb.bibtex import to_bibtex
    from kb.errors import KBValidationError
    from kb.loader import KnowledgeBase, load_kb
    from kb.post_review import PostReviewMethod
    from kb.protocols import Protocol
    from kb.query import compared_by, filter_methods, method_record, similar_methods
    from kb.stats import comparison_practice, compute_stats
    from kb.vocab import parse_guidance, parse_interaction, parse_modality
    from kb.yaml_io import read_yaml, validate_model

__all__ = [
    "KBValidationError",
    "KnowledgeBase",
    "load_kb",
    "filter_methods",
    "method_record",
    "compared_by",
    "similar_methods",
    "PostReviewMethod",
    "Protocol",
    "compute_stats",
    "comparison_practice",
    "to_bibtex",
    "parse_interaction",
    "parse_modality",
    "parse_guidance",
    "read_yaml",
    "validate_model",
]

_WHERE = {
    "KBValidationError": "kb.errors",
    "KnowledgeBase": "kb.loader",
    "load_kb": "kb.loader",
    "filter_methods": "kb.query",
    "method_record": "kb.query",
    "compared_by": "kb.query",
    "similar_methods": "kb.query",
    "PostReviewMethod": "kb.post_review",
    "Protocol": "kb.protocols",
    "compute_stats": "kb.stats",
    "comparison_practice": "kb.stats",
    "to_bibtex": "kb.bibtex",
    "parse_interaction": "kb.vocab",
    "parse_modality": "kb.vocab",
    "parse_guidance": "kb.vocab",
    "read_yaml": "kb.yaml_io",
    "validate_model": "kb.yaml_io",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    if name not in _WHERE:
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
