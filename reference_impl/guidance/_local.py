"""Private helpers shared by the guidance signals: input checks and local stamping."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from reference_impl._validate import (
    MAX_KERNEL_VOXELS,
    check_kernel_size,
    check_nonneg,
    check_spacing,
)
from reference_impl.device import resolve_device
from reference_impl.interactions import Click

__all__: list[str] = []


def _check_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """Validate a 2D/3D grid shape."""
    shape = tuple(int(s) for s in shape)
    if len(shape) not in (2, 3) or any(s < 1 for s in shape):
        raise ValueError(f"shape must be 2D or 3D with positive sizes, got {shape}")
    return shape


def _check_spacing(spacing: Sequence[float] | None, ndim: int) -> tuple[float, ...]:
    """Validate ``spacing`` (``None`` -> unit spacing, i.e. voxel units); shared rule."""
    return check_spacing(spacing, ndim)


def _check_clicks(clicks: Sequence[Click], shape: tuple[int, ...]) -> list[Click]:
    """Validate clicks: type, dimensionality and inside ``shape``."""
    out = []
    for c in clicks:
        if not isinstance(c, Click):
            raise TypeError(
                f"clicks must be reference_impl.interactions.Click, got {type(c).__name__}"
            )
        if len(c.index) != len(shape):
            raise ValueError(
                f"click {c.index} has {len(c.index)} coordinates, shape {shape} needs {len(shape)}"
            )
        if any(i < 0 or i >= s for i, s in zip(c.index, shape, strict=True)):
            raise ValueError(f"click {c.index} lies outside shape {shape}")
        out.append(c)
    return out


def _check_nonneg(name: str, value: float) -> float:
    """Validate a finite, non-negative scalar parameter (shared rule)."""
    return check_nonneg(name, value)


def _check_choice(name: str, value: object, allowed: Sequence[object]) -> None:
    """Raise ValueError unless ``value`` is in ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _setup(
    clicks: Sequence[Click], shape: Sequence[int], spacing: Sequence[float] | None, device
) -> tuple[list[Click], tuple[int, ...], tuple[float, ...], torch.device]:
    """Common validation of a click signal call."""
    shape = _check_shape(shape)
    return (
        _check_clicks(clicks, shape),
        shape,
        _check_spacing(spacing, len(shape)),
        resolve_device(device),
    )


def _radius_vox(dist: float, spacing: tuple[float, ...]) -> tuple[int, ...]:
    """Per-axis voxel radius covering a physical distance ``dist``."""
    r = [dist / s + 1e-9 for s in spacing]
    if not all(math.isfinite(x) and x < 2**31 for x in r):
        raise ValueError(
            f"sigma implies a stamp of {r} voxel radius, above the limit of "
            f"{MAX_KERNEL_VOXELS} voxels; use a smaller sigma"
        )
    return tuple(int(math.floor(x)) for x in r)


def _offset_grid(
    radius: tuple[int, ...], spacing: tuple[float, ...], device: torch.device
) -> torch.Tensor:
    """Squared physical distance from the centre of a ``(2r+1)`` box, float64.

    Refuses a box above ``reference_impl._validate.MAX_KERNEL_VOXELS`` (ValueError).
    """
    check_kernel_size(radius)
    axes = [
        ((torch.arange(-r, r + 1, device=device, dtype=torch.float64) * s) ** 2)
        for r, s in zip(radius, spacing, strict=True)
    ]
    d2 = axes[0].reshape((-1,) + (1,) * (len(axes) - 1))
    for k, a in enumerate(axes[1:], start=1):
        d2 = d2 + a.reshape((1,) * k + (-1,) + (1,) * (len(axes) - k - 1))
    return d2


def _stamp(
    out: torch.Tensor,
    center: tuple[int, ...],
    stamp: torch.Tensor,
    radius: tuple[int, ...],
    combine: str = "max",
) -> None:
    """Combine a centred ``stamp`` into ``out`` around ``center``, clipped at the borders."""
    dst, src = [], []
    for c, r, n in zip(center, radius, out.shape, strict=True):
        lo, hi = max(c - r, 0), min(c + r + 1, n)
        dst.append(slice(lo, hi))
        src.append(slice(lo - (c - r), hi - (c - r)))
    view, piece = out[tuple(dst)], stamp[tuple(src)]
    if combine == "max":
        view.copy_(torch.maximum(view, piece))
    else:
        view.add_(piece)


def _by_label(clicks: Sequence[Click]) -> tuple[list[Click], list[Click]]:
    """Split clicks into (foreground, background) lists."""
    return [c for c in clicks if c.label == 1], [c for c in clicks if c.label == 0]
