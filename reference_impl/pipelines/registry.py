"""Registry of the reference pipelines: one per taxonomy leaf, under the leaf's pipeline id.

The ids are exactly those of ``taxonomy/data/leaf_pipelines.yaml``
(:func:`taxonomy.leaf_pipeline`); ``tests/test_pipelines.py`` checks that every leaf's id is
registered here and nothing else is.
"""

from __future__ import annotations

from . import (
    active_learning,
    error_sampling,
    online,
    postprocessing,
    rule_based,
    single_shot,
    weak_labels,
)
from ._base import Pipeline

__all__ = ["PIPELINES", "get_pipeline"]

_ENTRIES = [
    Pipeline(
        "t1.1-active-learning-uncertainty",
        "T1.1",
        "uncertainty-based active learning with a correcting annotator; Dice per round",
        active_learning.run_active_learning,
        synthetic="plain",
    ),
    Pipeline(
        "t2.1.1.1-random-clicks-in-label",
        "T2.1.1.1",
        "single-shot training with clicks sampled uniformly in the label and background",
        single_shot.run_random_clicks,
    ),
    Pipeline(
        "t2.1.1.2-center-click-in-label",
        "T2.1.1.2",
        "single-shot training with one rule-based centre click",
        single_shot.run_center_click,
    ),
    Pipeline(
        "t2.1.2.1.1-uniform-error-sampling",
        "T2.1.2.1.1",
        "SW-FastEdit trained with clicks uniform in the error (R4)",
        error_sampling.run_uniform_error_sampling,
    ),
    Pipeline(
        "t2.1.2.1.2-edt-error-sampling",
        "T2.1.2.1.2",
        "SW-FastEdit trained with EDT-weighted error clicks (R3)",
        error_sampling.run_edt_error_sampling,
    ),
    Pipeline(
        "t2.1.2.2.1-center-largest-error",
        "T2.1.2.2.1",
        "iterative training with R1 clicks at the centre of the largest error",
        rule_based.run_center_largest_error,
    ),
    Pipeline(
        "t2.1.2.2.2-error-skeleton-scribbles",
        "T2.1.2.2.2",
        "iterative training with scribbles on the skeleton of the largest error",
        rule_based.run_error_skeleton,
    ),
    Pipeline(
        "t2.1.2.2.3-click-and-box-rules",
        "T2.1.2.2.3",
        "iterative training with a bounding-box rule, then R1 click rules",
        rule_based.run_box_then_clicks,
    ),
    Pipeline(
        "t2.1.2.2.4-worst-slice-correction",
        "T2.1.2.2.4",
        "iterative training where the worst slice's ground truth is the guidance",
        rule_based.run_worst_slice,
    ),
    Pipeline(
        "t2.2.1-presaved-box-guidance",
        "T2.2.1",
        "non-interactive training with pre-saved jittered boxes as an input channel",
        weak_labels.run_presaved_boxes,
    ),
    Pipeline(
        "t2.2.2-click-postprocessing",
        "T2.2.2",
        "image-only network whose prediction is edited by clicks (components, random walker)",
        postprocessing.run_click_postprocessing,
        synthetic="distractors",
    ),
    Pipeline(
        "t3.1-online-from-scratch",
        "T3.1",
        "ECONet-like CNN trained from scratch on the user's scribbles of one volume",
        online.run_online_from_scratch,
        synthetic="plain",
        trains=False,
    ),
    Pipeline(
        "t3.2-online-fine-tuning",
        "T3.2",
        "pre-trained U-Net fine-tuned on one volume with the user's scribbles (BIFSeg-style)",
        online.run_online_fine_tuning,
        synthetic="shifted",
    ),
]

PIPELINES: dict[str, Pipeline] = {p.id: p for p in _ENTRIES}
"""Pipeline id -> :class:`Pipeline` (id, leaf, summary, run function)."""


def get_pipeline(name: str) -> Pipeline:
    """Return the pipeline with id ``name`` or the pipeline of leaf ``name``.

    Raises
    ------
    ValueError
        Unknown id and leaf; the message lists the known ids.

    Examples
    --------
    >>> get_pipeline("T2.1.2.2.1").id
    't2.1.2.2.1-center-largest-error'
    """
    if name in PIPELINES:
        return PIPELINES[name]
    for p in PIPELINES.values():
        if p.leaf == name:
            return p
    raise ValueError(f"unknown pipeline or leaf {name!r}; known pipelines: {list(PIPELINES)}")
