"""The SW-FastEdit / DeepEdit backbone: a MONAI ``DynUNet`` with image + guidance inputs.

Input channels are ``[image, foreground guidance, background guidance]`` and the output is
two-class logits ``[background, foreground]`` (thesis §4.1.2: "the same architecture from
Chapter 3 based on U-Net with 6 down- and upsampling layers", guidance concatenated to the
image as extra channels).  The level layout follows SW-FastEdit's "dynunet" (kernel 3 at
every level, strides ``[1, 2, 2, 2, 2, last]`` with the deepest level not downsampling the
slice axis, instance norm, residual blocks); written here in numpy axis order ``(z, y, x)``,
so the deepest stride is ``(1, 2, 2)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

__all__ = ["UNetConfig", "build_network", "count_parameters", "required_divisor"]


@dataclass(frozen=True)
class UNetConfig:
    """Architecture of the backbone; stored in every checkpoint.

    Parameters
    ----------
    width : int
        Filters of the first level; level ``i`` has ``min(width * 2**i, max_filters)``.
    max_filters : int or None
        Cap on the filters per level (``None``: ``10 * width``, i.e. 320 for width 32 as in
        SW-FastEdit's default ``[32, 64, 128, 256, 320, 320]``).
    levels : int
        Number of resolution levels (6 as in DeepEdit/SW-FastEdit; fewer for tiny tests).
    in_channels, out_channels : int
        3 (image + fg + bg guidance) and 2 (background, foreground logits).
    spatial_dims : int
        2 or 3.
    """

    width: int = 32
    max_filters: int | None = None
    levels: int = 6
    in_channels: int = 3
    out_channels: int = 2
    spatial_dims: int = 3

    def __post_init__(self) -> None:
        if self.width < 1:
            raise ValueError(f"width must be >= 1, got {self.width}")
        if not 2 <= self.levels <= 7:
            raise ValueError(f"levels must be in 2..7, got {self.levels}")
        if self.spatial_dims not in (2, 3):
            raise ValueError(f"spatial_dims must be 2 or 3, got {self.spatial_dims}")

    def filters(self) -> list[int]:
        """Filters per level."""
        cap = self.max_filters if self.max_filters is not None else 10 * self.width
        return [min(self.width * 2**i, cap) for i in range(self.levels)]

    def strides(self) -> list[tuple[int, ...]]:
        """Strides per level in numpy axis order (first level 1, deepest spares axis 0)."""
        nd = self.spatial_dims
        out: list[tuple[int, ...]] = [(1,) * nd]
        for i in range(1, self.levels):
            last = i == self.levels - 1 and self.levels >= 6 and nd == 3
            out.append((1, 2, 2) if last else (2,) * nd)
        return out

    def to_dict(self) -> dict:
        """Plain dict for checkpoints."""
        return asdict(self)


def required_divisor(config: UNetConfig) -> tuple[int, ...]:
    """Per-axis factor every input size must be a multiple of (product of the strides).

    Examples
    --------
    >>> required_divisor(UNetConfig())
    (16, 32, 32)
    >>> required_divisor(UNetConfig(levels=3))
    (4, 4, 4)
    """
    div = [1] * config.spatial_dims
    for s in config.strides():
        div = [d * k for d, k in zip(div, s, strict=True)]
    return tuple(div)


def build_network(config: UNetConfig | None = None, **kwargs) -> torch.nn.Module:
    """Build the backbone ``DynUNet`` from a :class:`UNetConfig` (or its fields as kwargs).

    Parameters
    ----------
    config : UNetConfig, optional
        Architecture; ``kwargs`` build one when omitted.

    Returns
    -------
    torch.nn.Module
        Maps ``(B, in_channels, *spatial)`` to ``(B, out_channels, *spatial)`` logits, where
        every spatial size is a multiple of :func:`required_divisor`.

    Examples
    --------
    >>> net = build_network(width=2, levels=3)
    >>> net(torch.zeros(1, 3, 8, 8, 8)).shape
    torch.Size([1, 2, 8, 8, 8])
    """
    from monai.networks.nets import DynUNet

    if config is None:
        config = UNetConfig(**kwargs)
    elif kwargs:
        raise TypeError(f"pass either a config or keyword fields, got both ({sorted(kwargs)})")
    strides = config.strides()
    return DynUNet(
        spatial_dims=config.spatial_dims,
        in_channels=config.in_channels,
        out_channels=config.out_channels,
        kernel_size=[3] * config.levels,
        strides=strides,
        upsample_kernel_size=strides[1:],
        filters=config.filters(),
        norm_name="instance",
        res_block=True,
        deep_supervision=False,
    )


def count_parameters(net: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)
