"""Distance-map click signals: EDT (Eq. 7), GDT (Eq. 8), exp-GDT (Eq. 9) with H1/H2.

The geodesic distance transform is a raster-scan (chamfer) scheme written in torch, so the
same code runs on CPU and CUDA: for each axis and direction, slices are swept in order and
every voxel takes the minimum over its ``3^(D-1)`` neighbours in the previous slice of
``d(q) + w(q, p)``; the sweeps repeat until nothing changes (or ``iterations`` times).  It
converges to the exact shortest path on the ``3^D - 1``-neighbour voxel graph with edge
weight ``w(p, q) = sqrt((1 - λ) ||(p - q) * spacing||² + λ (I(p) - I(q))²)``.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from reference_impl.guidance._gdt_cpu import (  # noqa: F401  (re-exported constants)
    _STATS,
    GDT_MAX_ROUNDS,
    GDT_RTOL,
    _gdt_inplace,
    _shifts,
    _significant,
)
from reference_impl.guidance._local import (
    _by_label,
    _check_nonneg,
    _check_shape,
    _check_spacing,
    _setup,
)
from reference_impl.guidance.clicks import disk
from reference_impl.interactions import Click

__all__ = ["geodesic_distance_transform", "edt_map", "gdt_map", "exp_gdt_map", "truncate_top"]


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
