"""Guidance signals: interactions -> model inputs (thesis §3.1, Eq. 4-9, 11, 29-39).

Every click signal has the signature ``f(clicks, shape, *, spacing=None, device=None,
**params) -> torch.Tensor`` of shape ``(2, *shape)`` float32 (channel 0 foreground,
channel 1 background), works on CPU and CUDA with the same code, in 2D and 3D, with
indices and ``spacing`` in numpy axis order.  See ``docs/guidance.md``.

The public names are imported lazily (PEP 562), so that importing
``reference_impl.guidance.cli`` (done by every ``iseg`` command) does not load torch,
scipy or scikit-image.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # static analysis sees the eager imports
    from ._gdt_torch import geodesic_distance_transform
    from .adaptive import adaptive_heatmap, adaptive_sigmas
    from .boxes import CropMap, box_crop, box_distance_map, box_mask
    from .clicks import disk, gaussian_heatmap
    from .encoding import box_corner_encoding, point_encoding, positional_encoding
    from .geodesic import edt_map, exp_gdt_map, gdt_map, truncate_top
    from .polygons import polygon_graph, polygon_identity
    from .priors import attraction_field, location_prior
    from .registry import CLICK_SIGNALS, get_signal, signal_footprint
    from .scribbles import (
        bspline_curve,
        scribble_bspline,
        scribble_expansion,
        scribble_identity,
        scribble_signal,
    )

_EXPORTS: dict[str, str] = {
    "adaptive_heatmap": "adaptive",
    "adaptive_sigmas": "adaptive",
    "CropMap": "boxes",
    "box_crop": "boxes",
    "box_distance_map": "boxes",
    "box_mask": "boxes",
    "disk": "clicks",
    "gaussian_heatmap": "clicks",
    "box_corner_encoding": "encoding",
    "point_encoding": "encoding",
    "positional_encoding": "encoding",
    "edt_map": "geodesic",
    "exp_gdt_map": "geodesic",
    "gdt_map": "geodesic",
    "geodesic_distance_transform": "_gdt_torch",
    "truncate_top": "geodesic",
    "polygon_graph": "polygons",
    "polygon_identity": "polygons",
    "attraction_field": "priors",
    "location_prior": "priors",
    "CLICK_SIGNALS": "registry",
    "get_signal": "registry",
    "signal_footprint": "registry",
    "bspline_curve": "scribbles",
    "scribble_bspline": "scribbles",
    "scribble_expansion": "scribbles",
    "scribble_identity": "scribbles",
    "scribble_signal": "scribbles",
}
"""Public name -> submodule that defines it (resolved on first access)."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

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
