"""Guidance signals: interactions -> model inputs (thesis §3.1, Eq. 4-9, 11, 29-39).

Every click signal has the signature ``f(clicks, shape, *, spacing=None, device=None,
**params) -> torch.Tensor`` of shape ``(2, *shape)`` float32 (channel 0 foreground,
channel 1 background), works on CPU and CUDA with the same code, in 2D and 3D, with
indices and ``spacing`` in numpy axis order.  See ``docs/guidance.md``.
"""

from reference_impl.guidance.adaptive import adaptive_heatmap, adaptive_sigmas
from reference_impl.guidance.boxes import CropMap, box_crop, box_distance_map, box_mask
from reference_impl.guidance.clicks import disk, gaussian_heatmap
from reference_impl.guidance.encoding import (
    box_corner_encoding,
    point_encoding,
    positional_encoding,
)
from reference_impl.guidance.geodesic import (
    edt_map,
    exp_gdt_map,
    gdt_map,
    geodesic_distance_transform,
    truncate_top,
)
from reference_impl.guidance.polygons import polygon_graph, polygon_identity
from reference_impl.guidance.priors import attraction_field, location_prior
from reference_impl.guidance.registry import CLICK_SIGNALS, get_signal, signal_footprint
from reference_impl.guidance.scribbles import (
    bspline_curve,
    scribble_bspline,
    scribble_expansion,
    scribble_identity,
    scribble_signal,
)

__all__ = [
    "CLICK_SIGNALS",
    "get_signal",
    "signal_footprint",
    # clicks (Eq. 4-9, 11, 29-34)
    "gaussian_heatmap",
    "disk",
    "edt_map",
    "gdt_map",
    "exp_gdt_map",
    "geodesic_distance_transform",
    "truncate_top",
    "adaptive_heatmap",
    "adaptive_sigmas",
    "location_prior",
    "attraction_field",
    "point_encoding",
    "positional_encoding",
    # scribbles (Eq. 35-37)
    "scribble_identity",
    "bspline_curve",
    "scribble_bspline",
    "scribble_expansion",
    "scribble_signal",
    # boxes (Eq. 2, 7, 37, 38)
    "CropMap",
    "box_crop",
    "box_mask",
    "box_distance_map",
    "box_corner_encoding",
    # polygons (Eq. 37, 39)
    "polygon_identity",
    "polygon_graph",
]
