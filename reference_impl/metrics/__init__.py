"""Segmentation and interactive-evaluation metrics (thesis §5.2.1.2, §7.3.3)."""

from .base import dice, fn_volume, fp_volume, hd95, iou, nsd

__all__ = ["dice", "iou", "hd95", "nsd", "fp_volume", "fn_volume"]
