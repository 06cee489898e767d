"""Private bridge to the guidance signals of ``reference_impl.guidance``.

SW-FastEdit encodes clicks as heatmaps with sigma = 1 voxel (thesis §4.1.2), foreground in
channel 0 and background in channel 1.  Local corrective inference needs the per-axis
radius beyond which a click leaves the signal unchanged; both come from
``reference_impl.guidance`` (``gaussian_heatmap`` and ``signal_footprint``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ..interactions import Click

__all__: list[str] = []


def heatmap(
    clicks: Sequence[Click],
    shape: tuple[int, ...],
    *,
    sigma: float,
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Guidance ``(2, *shape)`` float32 (fg, bg) for ``clicks`` in voxel units (Eq. 4).

    ``device`` defaults to the CPU on purpose: the sliding-window path keeps the guidance
    of the whole volume beside its CPU stitching state and moves only window batches to
    the accelerator, so device memory does not grow with the volume.  Global inference
    passes its own device (the whole volume goes there anyway).
    """
    from reference_impl.guidance import gaussian_heatmap

    out = gaussian_heatmap(list(clicks), shape, sigma=sigma, spacing=None, device=device)
    return out.to(device=device, dtype=torch.float32)


def footprint(sigma: float, ndim: int) -> tuple[int, ...]:
    """Per-axis voxel radius of one click's heatmap (zero signal beyond it)."""
    from reference_impl.guidance import signal_footprint

    r = signal_footprint("gaussian_heatmap", ndim=ndim, sigma=sigma, spacing=None)
    if r is None:  # pragma: no cover - the heatmap is local by construction
        raise RuntimeError("gaussian_heatmap reports no finite footprint")
    return tuple(int(x) for x in r)
