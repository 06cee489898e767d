"""Segmentation and interactive-evaluation metrics (thesis §5.2.1.2, §7.3.3, Algorithm 4)."""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # static analysis sees the eager imports
    from .annotator import (
        ClickLog,
        annotator_metrics,
        m1_label_agreement,
        m2_centerness,
        m3_click_diversity,
        m4_label_proximity,
        m5_consistent_improvement,
        m6_user_shift,
        m7_dice_difference,
    )
    from .base import dice, fn_volume, fp_volume, hd95, iou, nsd
    from .interactive import (
        AUC_VARIANTS,
        InteractiveMetric,
        NoCResult,
        auc,
        consistent_improvement,
        final,
        metric_at,
        metric_curve,
        noc,
        noc_summary,
    )

__all__ = [
    "dice",
    "iou",
    "hd95",
    "nsd",
    "fp_volume",
    "fn_volume",
    "AUC_VARIANTS",
    "metric_curve",
    "metric_at",
    "auc",
    "final",
    "InteractiveMetric",
    "NoCResult",
    "noc",
    "noc_summary",
    "consistent_improvement",
    "ClickLog",
    "annotator_metrics",
    "m1_label_agreement",
    "m2_centerness",
    "m3_click_diversity",
    "m4_label_proximity",
    "m5_consistent_improvement",
    "m6_user_shift",
    "m7_dice_difference",
]

# Lazy (PEP 562): ``iseg --help`` imports ``reference_impl.metrics.cli`` and so this package;
# the metrics import numpy/scipy, which building the parser does not need.
_WHERE = {
    **dict.fromkeys(
        [
            "ClickLog",
            "annotator_metrics",
            "m1_label_agreement",
            "m2_centerness",
            "m3_click_diversity",
            "m4_label_proximity",
            "m5_consistent_improvement",
            "m6_user_shift",
            "m7_dice_difference",
        ],
        "annotator",
    ),
    **dict.fromkeys(["dice", "fn_volume", "fp_volume", "hd95", "iou", "nsd"], "base"),
    **dict.fromkeys(
        [
            "AUC_VARIANTS",
            "InteractiveMetric",
            "NoCResult",
            "auc",
            "consistent_improvement",
            "final",
            "metric_at",
            "metric_curve",
            "noc",
            "noc_summary",
        ],
        "interactive",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _WHERE)
