"""Distance-map click signals: EDT (Eq. 7), GDT (Eq. 8), exp-GDT (Eq. 9) with H1/H2.

The geodesic distance transform (:func:`geodesic_distance_transform`, a raster-scan scheme
in torch that runs on CPU and CUDA and converges to the exact shortest path on the
``3^D - 1``-neighbour voxel graph) lives in :mod:`reference_impl.guidance._gdt_torch`; this
module turns distances into the click signals.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

from reference_impl.guidance._gdt_cpu import _STATS  # noqa: F401  (read by the benchmark)
from reference_impl.guidance._gdt_torch import (  # noqa: F401  (re-exported: bench and tests)
    _gdt,
    geodesic_distance_transform,
)
from reference_impl.guidance._local import (
    _by_label,
    _check_nonneg,
    _setup,
)
from reference_impl.guidance.clicks import disk
from reference_impl.interactions import Click

__all__ = ["geodesic_distance_transform", "edt_map", "gdt_map", "exp_gdt_map", "truncate_top"]


def truncate_top(dist: torch.Tensor, theta: float) -> torch.Tensor:
    """Replace the largest ``theta`` % of finite values by the largest retained one (H2).

    Parameters
    ----------
    dist : torch.Tensor
        Distances of any shape (one channel); ``inf`` values are left as they are.
    theta : float
        Percentage in ``[0, 100]`` of the largest finite values to discard.

    Returns
    -------
    torch.Tensor
        ``dist`` with every value above the ``ceil((1 - θ/100) N)``-th smallest finite value
        replaced by that value (``dist`` itself when ``theta == 0``).

    Raises
    ------
    ValueError
        ``theta`` negative, above 100 or not finite.

    Notes
    -----
    Hyperparameter (H2) of thesis §3.2.1.2: "discard the top θ ∈ {0, 10, 30, 50} % of distance
    values" of Eq. (7)-(8), θ = 10 % being the best setting (§3.2.2).

    Examples
    --------
    >>> import torch
    >>> truncate_top(torch.arange(10.0), 30).tolist()
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 6.0, 6.0, 6.0]
    """
    theta = _check_nonneg("theta", theta)
    if theta > 100:
        raise ValueError(f"theta must be a percentage in [0, 100], got {theta!r}")
    flat = dist.reshape(-1)
    finite = flat[torch.isfinite(flat)]
    if theta == 0 or finite.numel() == 0:
        return dist
    keep = max(1, math.ceil((1.0 - theta / 100.0) * finite.numel()))
    thr = kth_smallest(finite, keep)
    return torch.minimum(dist, thr.to(dist.device))


def kth_smallest(values: torch.Tensor, k: int) -> torch.Tensor:
    """The ``k``-th smallest (1-based) of a 1-D tensor: ``torch.kthvalue(values, k).values``.

    The same value, found faster: ``torch.kthvalue`` on one long slice is slower than a full
    sort on CUDA (pytorch/pytorch#75599 reports 20x; on the H200 the EDT signal, which spends
    its time here, took 816 ms for 2 x 56 M values) and about 8x slower than numpy's
    introselect on the CPU (``python bench/kth_select.py``).  CUDA sorts; the CPU uses
    :func:`numpy.partition`; other devices keep ``torch.kthvalue`` (MPS on the CPU).

    Examples
    --------
    >>> kth_smallest(torch.tensor([3.0, 1.0, 2.0, 1.0]), 3).item()
    2.0
    """
    n = values.numel()
    if values.dim() != 1 or not 1 <= k <= n:
        raise ValueError(f"k must be in [1, {n}] for a 1-D tensor, got k={k}, {values.dim()}-D")
    if values.is_cuda:
        return torch.sort(values).values[k - 1]
    if values.device.type == "cpu":
        arr = values.detach().contiguous().numpy()
        return torch.as_tensor(np.partition(arr, k - 1)[k - 1])
    return torch.kthvalue(values.cpu() if values.is_mps else values, k).values


def _per_label(clicks: list[Click], func) -> torch.Tensor:
    """Stack ``func(label_clicks)`` for foreground then background clicks."""
    return torch.stack([func(group) for group in _by_label(clicks)])


def edt_map(
    clicks: Sequence[Click],
    shape: Sequence[int],
    *,
    sigma: float = 0.0,
    theta: float = 0.0,
    squared: bool = False,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Euclidean distance map to the clicks (Eq. 7), with seed radius H1 and truncation H2.

    Parameters
    ----------
    clicks : sequence of Click
        Clicks inside ``shape``; may be empty.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    sigma : float, default 0.0
        H1: seeds are balls of radius ``sigma`` (spacing units) around each click; the map is
        the distance to the nearest ball, ``max(0, ||v - c|| - sigma)``.
    theta : float, default 0.0
        H2: the largest ``theta`` % distances of each channel are replaced by the largest
        retained distance (see :func:`truncate_top`).
    squared : bool, default False
        Return squared distances, as Eq. (7) is literally written (the text describes the
        plain distance, which is the default).
    spacing : sequence of float, optional
        Voxel size; distances are physical when given.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 distances; a channel without clicks is ``+inf``
        (the minimum over an empty set; replace it before feeding a network).

    Raises
    ------
    ValueError
        Bad shape/spacing/sigma/theta or a click outside ``shape``.

    Notes
    -----
    Eq. (7): ``EDT(v, C) = min_c ||v - c||²``.  Computed exactly, click by click, by
    broadcasting per-axis squared offsets (no whole-volume convolution).

    Examples
    --------
    >>> from reference_impl.interactions import Click
    >>> edt_map([Click(1, (0, 0))], (1, 4), spacing=(1.0, 2.0), device="cpu")[0].tolist()
    [[0.0, 2.0, 4.0, 6.0]]
    """
    clicks, shape, sp, dev = _setup(clicks, shape, spacing, device)
    sigma = _check_nonneg("sigma", sigma)

    def one(group: list[Click]) -> torch.Tensor:
        best = torch.full(shape, math.inf, dtype=torch.float32, device=dev)
        axes = [torch.arange(n, device=dev, dtype=torch.float32) for n in shape]
        for c in group:
            d2 = None
            for k, (ax, ci, s) in enumerate(zip(axes, c.index, sp, strict=True)):
                term = ((ax - ci) * s) ** 2
                term = term.reshape((1,) * k + (-1,) + (1,) * (len(shape) - k - 1))
                d2 = term if d2 is None else d2 + term
            assert d2 is not None  # shape is 2D/3D (checked)
            torch.minimum(best, d2, out=best)
        dist = torch.sqrt(best)
        if sigma > 0:
            dist = torch.clamp(dist - sigma, min=0.0)
        dist = truncate_top(dist, theta)
        return dist**2 if squared else dist

    return _per_label(clicks, one)


def gdt_map(
    clicks: Sequence[Click],
    shape: Sequence[int],
    *,
    image: torch.Tensor,
    sigma: float = 0.0,
    theta: float = 0.0,
    lamb: float = 1.0,
    iterations: int | None = None,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Geodesic distance map to the clicks (Eq. 8), with seed radius H1 and truncation H2.

    Parameters
    ----------
    clicks : sequence of Click
        Clicks inside ``shape``; may be empty.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    image : torch.Tensor or numpy.ndarray
        ``(*shape)`` intensities (single channel; never previous guidance channels).
    sigma : float, default 0.0
        H1: seeds are the disks of :func:`~reference_impl.guidance.disk` with radius ``sigma``.
    theta : float, default 0.0
        H2: truncate the largest ``theta`` % distances per channel (:func:`truncate_top`).
    lamb, iterations
        See :func:`geodesic_distance_transform`.
    spacing : sequence of float, optional
        Voxel size per axis.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32; a channel without clicks is ``+inf``.

    Raises
    ------
    ValueError
        Missing/mismatched ``image`` or any invalid parameter.

    Notes
    -----
    Eq. (8): ``GDT(v, C) = min_c Φ(v, c)``.

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Click
    >>> img = torch.tensor([[0.0, 0.0, 2.0]])
    >>> gdt_map([Click(0, (0, 0))], (1, 3), image=img, device="cpu")[1].tolist()
    [[0.0, 0.0, 2.0]]
    """
    clicks, shape, sp, dev = _setup(clicks, shape, spacing, device)
    img = _check_image(image, shape, dev)
    seeds = disk(clicks, shape, sigma=_check_nonneg("sigma", sigma), spacing=sp, device=dev) > 0
    if not 0.0 <= float(lamb) <= 1.0:
        raise ValueError(f"lamb must be in [0, 1], got {lamb!r}")
    if iterations is not None and int(iterations) < 1:
        raise ValueError(f"iterations must be >= 1 or None, got {iterations!r}")
    out = _gdt(seeds, img, sp, float(lamb), iterations)
    return torch.stack([truncate_top(out[ch], theta) for ch in range(2)])


def exp_gdt_map(
    clicks: Sequence[Click],
    shape: Sequence[int],
    *,
    image: torch.Tensor,
    sigma: float = 0.0,
    lamb: float = 1.0,
    iterations: int | None = None,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Exponentialized geodesic map ``1 - exp(-GDT)`` (Eq. 9, MIDeepSeg).

    Parameters are those of :func:`gdt_map` (no θ: the thesis does not truncate exp-GDT).

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in ``[0, 1]``: 0 at the seeds; a channel without clicks is 1.

    Raises
    ------
    ValueError
        As :func:`gdt_map`.

    Notes
    -----
    Eq. (9): ``exp-GDT(v, C) = 1 - exp(-GDT(v, C))`` with GDT of Eq. (8).

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Click
    >>> out = exp_gdt_map([], (2, 2), image=torch.zeros(2, 2), device="cpu")
    >>> out.unique().tolist()
    [1.0]
    """
    g = gdt_map(
        clicks,
        shape,
        image=image,
        sigma=sigma,
        lamb=lamb,
        iterations=iterations,
        spacing=spacing,
        device=device,
    )
    return 1.0 - torch.exp(-g)


def _check_image(image, shape: tuple[int, ...], dev: torch.device) -> torch.Tensor:
    """Validate the intensity image of a geodesic signal and move it to ``dev``."""
    if image is None:
        raise ValueError("this signal needs image=<(*shape) intensity array>, got None")
    img = torch.as_tensor(image).to(dev, torch.float32)
    if tuple(img.shape) != shape:
        raise ValueError(f"image shape {tuple(img.shape)} must equal shape {shape}")
    if not bool(torch.isfinite(img).all()):
        raise ValueError("image contains NaN or infinite values")
    return img
