"""Guidance signals: interactions -> model inputs (thesis §3.1, Eq. 4-9, 11, 29-39).

Every click signal has the signature ``f(clicks, shape, *, spacing=None, device=None,
**params) -> torch.Tensor`` of shape ``(2, *shape)`` float32 (channel 0 foreground,
channel 1 background), works on CPU and CUDA with the same code, in 2D and 3D, with
indices and ``spacing`` in numpy axis order.  See ``docs/guidance.md``.
"""

from reference_impl.guidance.clicks import disk, gaussian_heatmap
from reference_impl.guidance.geodesic import (
    edt_map,
    exp_gdt_map,
    gdt_map,
    geodesic_distance_transform,
    truncate_top,
)
from reference_impl.guidance.registry import CLICK_SIGNALS, get_signal, signal_footprint

__all__ = [
    "CLICK_SIGNALS",
    "get_signal",
    "signal_footprint",
    "gaussian_heatmap",
    "disk",
    "edt_map",
    "gdt_map",
    "exp_gdt_map",
    "geodesic_distance_transform",
    "truncate_top",
]
