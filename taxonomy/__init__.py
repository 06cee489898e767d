"""Taxonomy of interactive medical image segmentation (thesis Section 6.1.3).

Tree, decision questions Q1-Q12, the Figure 32 trade-off table, the leaf -> reference
pipeline registry and the comparison graph of the reviewed methods.
"""

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
