"""The geodesic distance transform of :mod:`reference_impl.guidance.geodesic` (Eq. 8): a
raster-scan (chamfer) scheme written in torch, so the same code runs on CPU and CUDA.

For each axis and direction, slices are swept in order and every voxel takes the minimum
over its ``3^(D-1)`` neighbours in the previous slice of ``d(q) + w(q, p)``; the sweeps
repeat until nothing changes (or ``iterations`` times).  It converges to the exact shortest
path on the ``3^D - 1``-neighbour voxel graph with edge weight
``w(p, q) = sqrt((1 - λ) ||(p - q) * spacing||² + λ (I(p) - I(q))²)``.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from reference_impl.guidance._gdt_cpu import (
    _STATS,
    GDT_MAX_ROUNDS,
    _gdt_inplace,
    _shifts,
    _significant,
)
from reference_impl.guidance._local import (
    _check_shape,
    _check_spacing,
)

__all__ = ["geodesic_distance_transform"]


def _pass_costs(
    img: torch.Tensor, step: int, sp: tuple[float, ...], lamb: float, fused: bool
) -> torch.Tensor:
    """Weights into slice ``k`` from its ``3^plane`` neighbours in slice ``k - step``.

    ``sp`` is the spacing with the swept axis first.  Layout ``(n, 3^plane, *plane)``, or
    ``(n, *plane, 3, ..., 3)`` when ``fused``.
    """
    plane = img.dim() - 1
    pad = F.pad(img[None], (1, 1) * plane, mode="replicate")[0]
    prev = torch.roll(pad, shifts=step, dims=0)
    out = []
    for off in _shifts(plane):
        nb = prev[(slice(None), *_window(off, img.shape[1:]))]
        eu2 = sp[0] ** 2 + sum((o * s) ** 2 for o, s in zip(off, sp[1:], strict=True))
        out.append(torch.sqrt((1.0 - lamb) * eu2 + lamb * (img - nb) ** 2))
    if fused:
        return torch.stack(out, dim=-1).reshape(*img.shape, *(3,) * plane)
    return torch.stack(out, dim=1)


def _window(off: tuple[int, ...], plane_shape) -> list[slice]:
    """Slices of a 1-padded plane that are shifted by ``off``."""
    return [slice(1 + o, 1 + o + m) for o, m in zip(off, plane_shape, strict=True)]


def _sweep(
    dm: torch.Tensor, cost: torch.Tensor, step: int, fused: bool, flag: torch.Tensor | None = None
) -> None:
    """One directional sweep along axis 0 of ``dm`` ``(n, B, *(plane + 2))``, in place.

    The precomputed-cost path (CUDA): ``dm`` carries a border of ``inf`` around every
    plane (set once per axis, so no slice is padded inside the loop).  ``fused`` takes the
    minimum over all neighbours in one reduction (3 kernel launches per slice); otherwise
    one shifted ``minimum`` per neighbour.  Both compute the same sums and minima, so they
    agree bit for bit.  ``flag`` (a 0-d bool tensor) is or-ed with "some voxel decreased by
    more than the stopping tolerance" (:data:`GDT_RTOL`).
    """
    n, plane = dm.shape[0], dm.dim() - 2
    inner = (slice(None), *[slice(1, -1)] * plane)
    plane_shape = tuple(m - 2 for m in dm.shape[2:])
    views = [(i, (slice(None), *_window(off, plane_shape))) for i, off in enumerate(_shifts(plane))]
    dims = tuple(range(-plane, 0))
    order = range(1, n) if step == 1 else range(n - 2, -1, -1)
    for k in order:
        prev, best = dm[k - step], dm[k][inner]
        old = best.clone() if flag is not None else None
        if fused:
            win = prev
            for ax in range(1, plane + 1):
                win = win.unfold(ax, 3, 1)
            torch.minimum(best, (win + cost[k]).amin(dim=dims), out=best)
        else:
            for i, view in views:
                torch.minimum(best, prev[view] + cost[k, i], out=best)
        if flag is not None and old is not None:
            flag.logical_or_(_significant(best, old).any())


def _gdt(
    seeds: torch.Tensor,
    img: torch.Tensor,
    sp: tuple[float, ...],
    lamb: float,
    iterations: int | None,
    fused: bool | None = None,
    graphs: bool | None = None,
) -> torch.Tensor:
    """Batched raster-scan GDT: ``seeds`` ``(B, *shape)`` bool, ``img`` ``(*shape)``.

    ``iterations=None`` repeats rounds (``2 D`` directional sweeps) until a round lowers no
    voxel by more than :data:`GDT_RTOL` of its value (at most :data:`GDT_MAX_ROUNDS`).
    CPU (``fused=False``, the default off CUDA): in-place sweeps on views of the output
    with per-slice edge weights; besides the output, one transposed copy of the output and
    of the image for the last axis (about ``8 B + 4 B x B`` per voxel in all).  CUDA
    (``fused=True``): the ``2 D`` edge-weight tensors are precomputed once per call
    (``3^(D-1)`` weights per voxel each) and, with ``graphs`` (default on CUDA unless
    ``ISEG_GDT_CUDA_GRAPHS=0``), rounds 2+ replay a CUDA graph of one round.
    """
    fused = img.is_cuda if fused is None else fused
    if graphs is None:
        graphs = img.is_cuda and os.environ.get("ISEG_GDT_CUDA_GRAPHS", "1") != "0"
    d = torch.where(seeds, 0.0, math.inf).to(torch.float32)
    if d.numel() == 0 or not bool(seeds.any()):
        return d
    rounds = GDT_MAX_ROUNDS if iterations is None else int(iterations)
    track = iterations is None
    if fused:
        done = _gdt_precomputed(d, img, sp, lamb, rounds, track, graphs)
    else:
        done = _gdt_inplace(d, img, sp, lamb, rounds, track)
    if track and not done:
        warnings.warn(f"geodesic distance not converged after {GDT_MAX_ROUNDS} sweep rounds",
                      RuntimeWarning, stacklevel=3)  # fmt: skip
    return d


def _gdt_precomputed(
    d: torch.Tensor,
    img: torch.Tensor,
    sp: tuple[float, ...],
    lamb: float,
    rounds: int,
    track: bool,
    graphs: bool,
) -> bool:
    """CUDA rounds with precomputed edge weights (and CUDA graphs); True when converged."""
    nd = img.dim()
    plane = nd - 1
    passes = []
    for ax in range(nd):
        sp_m = (sp[ax], *[s for i, s in enumerate(sp) if i != ax])
        img_m = img.movedim(ax, 0).contiguous()
        passes.append((ax, [(st, _pass_costs(img_m, st, sp_m, lamb, True)) for st in (1, -1)]))
    inner = (slice(None), slice(None), *[slice(1, -1)] * plane)
    flag = torch.zeros((), dtype=torch.bool, device=d.device)

    def one_round() -> None:
        flag.zero_()
        for ax, costs in passes:
            dm = F.pad(d.movedim(ax + 1, 0), (1, 1) * plane, value=math.inf)  # (n, B, *plane)
            for step, cost in costs:
                _sweep(dm, cost, step, True, flag if track else None)
            d.copy_(dm[inner].movedim(0, ax + 1))

    run = one_round
    for r in range(rounds):
        _STATS["rounds"] = r + 1
        if r == 0 and graphs and rounds > 1:
            run = _capture_round(one_round, d.device)
        else:
            run()
        if track and not bool(flag):
            return True
    return False


def _capture_round(one_round, device: torch.device):
    """Run ``one_round`` once (CUDA warm-up on a side stream), then capture it as a graph.

    Returns the graph's ``replay`` (it updates the same tensors in place), or ``one_round``
    itself when capture is unavailable (warning).
    """
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        one_round()
    torch.cuda.current_stream(device).wait_stream(side)
    try:
        graph = torch.cuda.CUDAGraph()
        # thread_local: CUDA work of other threads (e.g. other Streamlit sessions) stays legal
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            one_round()
    except RuntimeError as err:  # pragma: no cover - needs CUDA
        warnings.warn(f"CUDA graph capture of the GDT sweeps failed ({err}); running eagerly",
                      RuntimeWarning, stacklevel=4)  # fmt: skip
        return one_round
    return graph.replay


def geodesic_distance_transform(
    seeds: torch.Tensor,
    image: torch.Tensor,
    *,
    spacing: Sequence[float] | None = None,
    lamb: float = 1.0,
    iterations: int | None = None,
) -> torch.Tensor:
    """Geodesic distance from a seed mask, by raster scans in torch (CPU or CUDA).

    Parameters
    ----------
    seeds : torch.Tensor
        ``(*shape)`` bool mask of seed voxels (distance 0), 2D or 3D.
    image : torch.Tensor
        ``(*shape)`` intensities on the same device (float; intensity differences are
        taken as given, so scale the image to the range you want λ to weigh).
    spacing : sequence of float, optional
        Voxel size per axis for the Euclidean term.
    lamb : float in [0, 1], default 1.0
        λ: 0 = Euclidean (chamfer) distance, 1 = pure intensity-difference path cost
        (the value used by the public Guiding-The-Guidance code for GDT).
    iterations : int, optional
        Number of full sweep rounds (``2 D`` directional passes each); ``None`` repeats
        until no voxel changes, which gives the exact graph shortest path.

    Returns
    -------
    torch.Tensor
        ``(*shape)`` float32 distances; ``inf`` where no seed exists (empty mask).

    Raises
    ------
    ValueError
        Mismatched shapes, ``lamb`` outside [0, 1], ``iterations < 1``.

    Notes
    -----
    Implements Φ of Eq. (8) of the thesis as the shortest path on the ``3^D - 1``-neighbour
    voxel graph with edge weight ``sqrt((1-λ)·||Δv·spacing||² + λ·ΔI²)`` (the GeodisTK
    blending; FastGeodis blends the two terms linearly and uses a sum of spacings).

    Examples
    --------
    >>> import torch
    >>> seeds = torch.zeros(1, 5, dtype=torch.bool); seeds[0, 0] = True
    >>> img = torch.tensor([[0.0, 0.0, 1.0, 1.0, 3.0]])
    >>> geodesic_distance_transform(seeds, img, lamb=1.0).tolist()
    [[0.0, 0.0, 1.0, 1.0, 3.0]]
    """
    shape = _check_shape(tuple(seeds.shape))
    if tuple(image.shape) != shape:
        raise ValueError(f"image shape {tuple(image.shape)} must equal seeds shape {shape}")
    if not 0.0 <= float(lamb) <= 1.0:
        raise ValueError(f"lamb must be in [0, 1], got {lamb!r}")
    if iterations is not None and int(iterations) < 1:
        raise ValueError(f"iterations must be >= 1 or None, got {iterations!r}")
    sp = _check_spacing(spacing, len(shape))
    seeds = seeds.to(torch.bool)
    return _gdt(seeds[None], image.to(seeds.device, torch.float32), sp, float(lamb), iterations)[0]
