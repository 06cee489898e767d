"""Sinusoidal positional encodings of clicks (Eq. 32-34) and box corners (Eq. 38)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from reference_impl.device import resolve_device
from reference_impl.guidance._local import _check_spacing
from reference_impl.interactions import Box, Click

__all__ = ["point_encoding", "positional_encoding", "box_corner_encoding"]


def _check_bands(n_bands: int, dim: int | None, ndim: int) -> tuple[int, float]:
    """Validate K and d; d defaults to the encoding length ``2 * ndim * K``."""
    if int(n_bands) != n_bands or n_bands < 1:
        raise ValueError(f"n_bands must be a positive integer, got {n_bands!r}")
    d = 2 * ndim * int(n_bands) if dim is None else dim
    if int(d) != d or d < 1:
        raise ValueError(f"dim must be a positive integer, got {dim!r}")
    return int(n_bands), float(d)


def point_encoding(
    point: Sequence[float],
    *,
    n_bands: int = 8,
    dim: int | None = None,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Sinusoidal encoding ``E(c)`` of one point (Eq. 32).

    Parameters
    ----------
    point : sequence of float
        ``(y, x)`` or ``(z, y, x)`` voxel coordinates.
    n_bands : int, default 8
        ``K``, the number of frequency bands.
    dim : int, optional
        ``d`` in ``ω_k = 1 / 10000^(2k/d)``; defaults to the encoding length ``2 D K``.
    spacing : sequence of float, optional
        Multiply coordinates by the voxel size (physical positions) before encoding.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2 D K,)`` float32: for each axis in numpy order, ``sin(ω_1 c), cos(ω_1 c), ...,
        sin(ω_K c), cos(ω_K c)`` (Eq. 32 lists x then y; we keep numpy axis order).

    Raises
    ------
    ValueError
        Non-2D/3D point, bad ``n_bands``/``dim``/``spacing``.

    Examples
    --------
    >>> point_encoding((0, 0), n_bands=1, device="cpu").tolist()
    [0.0, 1.0, 0.0, 1.0]
    """
    pt = np.asarray(point, dtype=np.float64)
    if pt.ndim != 1 or len(pt) not in (2, 3):
        raise ValueError(f"point must have 2 or 3 coordinates, got {tuple(np.shape(point))}")
    k, d = _check_bands(n_bands, dim, len(pt))
    pt = pt * np.asarray(_check_spacing(spacing, len(pt)))
    omega = 1.0 / 10000.0 ** (2.0 * np.arange(1, k + 1) / d)
    ang = pt[:, None] * omega[None, :]  # (D, K)
    enc = np.stack([np.sin(ang), np.cos(ang)], axis=-1).reshape(-1)
    return torch.as_tensor(enc, dtype=torch.float32, device=resolve_device(device))


def positional_encoding(
    clicks: Sequence[Click],
    *,
    n_bands: int = 8,
    dim: int | None = None,
    embeddings: Mapping[int, Sequence[float]] | None = None,
    ndim: int | None = None,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Click guidance as summed positional encodings per label (Eq. 32-34).

    Parameters
    ----------
    clicks : sequence of Click
        Clicks of both labels; may be empty (then ``ndim`` or ``spacing`` gives D).
    n_bands, dim, spacing, device
        See :func:`point_encoding`.
    embeddings : mapping {label: vector}, optional
        The learned prompt embedding ``e`` of Eq. (33) per label (1 fg, 0 bg), each of length
        ``2 D K``; zeros when omitted (a model supplies its trained ones).
    ndim : int, optional
        2 or 3; inferred from the clicks, then ``spacing``, else 3.

    Returns
    -------
    torch.Tensor
        ``(2, 2 D K)`` float32: row 0 = ``Σ PE(c)`` over foreground clicks, row 1 background.

    Raises
    ------
    ValueError
        Mixed dimensions, wrong embedding length or bad parameters.

    Examples
    --------
    >>> from reference_impl.interactions import Click
    >>> pe = positional_encoding([Click(1, (0, 0)), Click(1, (0, 0))], n_bands=1, device="cpu")
    >>> pe.tolist()
    [[0.0, 2.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]]
    """
    dims = {len(c.index) for c in clicks}
    if len(dims) > 1:
        raise ValueError(f"all clicks must have the same dimension, got {sorted(dims)}")
    nd = dims.pop() if dims else (ndim or (len(spacing) if spacing is not None else 3))
    k, _ = _check_bands(n_bands, dim, nd)
    dev = resolve_device(device)
    out = torch.zeros((2, 2 * nd * k), dtype=torch.float32, device=dev)
    emb = {}
    for label, vec in (embeddings or {}).items():
        v = torch.as_tensor(np.asarray(vec, dtype=np.float32), device=dev)
        if v.shape != (2 * nd * k,):
            raise ValueError(f"embedding for label {label} must have shape ({2 * nd * k},), got "
                             f"{tuple(v.shape)}")  # fmt: skip
        emb[label] = v
    for c in clicks:
        pe = point_encoding(c.index, n_bands=k, dim=dim, spacing=spacing, device=dev)
        out[0 if c.label == 1 else 1] += pe + emb.get(c.label, 0.0)
    return out


def box_corner_encoding(
    box: Box,
    *,
    n_bands: int = 8,
    dim: int | None = None,
    corner_embeddings: tuple[Sequence[float], Sequence[float]] | None = None,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Box guidance ``PE(b_min) + PE(b_max)`` from its two corners (Eq. 38).

    Parameters
    ----------
    box : Box
        ``lo`` inclusive, ``hi`` exclusive; the corners encoded are ``lo`` and ``hi - 1``
        (the last voxel inside, matching Eq. (2)'s inclusive ``b_max``).
    n_bands, dim, spacing, device
        See :func:`point_encoding`.
    corner_embeddings : (vector, vector), optional
        Learned embeddings ``e`` added to each corner (SAM learns one per corner); zeros if
        omitted.

    Returns
    -------
    torch.Tensor
        ``(2 D K,)`` float32.

    Examples
    --------
    >>> from reference_impl.interactions import Box
    >>> box_corner_encoding(Box((0, 0), (1, 1)), n_bands=1, device="cpu").tolist()
    [0.0, 2.0, 0.0, 2.0]
    """
    if not isinstance(box, Box):
        raise TypeError(f"box must be reference_impl.interactions.Box, got {type(box).__name__}")
    corners = (box.lo, tuple(h - 1 for h in box.hi))
    out: torch.Tensor | int = 0
    for i, corner in enumerate(corners):
        pe = point_encoding(corner, n_bands=n_bands, dim=dim, spacing=spacing, device=device)
        if corner_embeddings is not None:
            e = torch.as_tensor(
                np.asarray(corner_embeddings[i], dtype=np.float32), device=pe.device
            )
            if e.shape != pe.shape:
                raise ValueError(f"corner embedding {i} must have shape {tuple(pe.shape)}, got "
                                 f"{tuple(e.shape)}")  # fmt: skip
            pe = pe + e
        out = out + pe
    assert isinstance(out, torch.Tensor)  # two corners: always a tensor by now
    return out
