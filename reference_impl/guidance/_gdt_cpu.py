"""CPU raster-scan sweeps of the geodesic distance transform (private to ``geodesic``).

In-place sweeps on views of the output, edge weights computed per slice from the image, and
the stopping-rule constants shared with the CUDA path of :mod:`.geodesic`.
"""

from __future__ import annotations

import itertools
import math

import torch

__all__: list[str] = []

GDT_RTOL = 1e-6
"""Stopping rule: stop after the first round that lowers no voxel by more than this share of
its value (about 8-16 float32 ulps; see ``docs/guidance.md`` for the error bound)."""
GDT_MAX_ROUNDS = 1000
"""Safety cap on sweep rounds for ``iterations=None`` (a warning when reached)."""
_STATS = {"rounds": 0}  # rounds run by the last call (read by the benchmark)


def _shifts(plane: int) -> list[tuple[int, ...]]:
    """In-plane neighbour offsets ``{-1, 0, 1}^plane`` in a fixed order."""
    return list(itertools.product((-1, 0, 1), repeat=plane))


def _significant(new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """Voxels whose distance dropped by more than ``GDT_RTOL`` of the old value (inf -> finite)."""
    return new < old * (1.0 - GDT_RTOL)


def _sweep_inplace(
    dm: torch.Tensor, im: torch.Tensor, step: int, sp: tuple[float, ...], lamb: float, track: bool
) -> bool:
    """One directional sweep along axis 0 of the view ``dm`` ``(n, B, *plane)``, in place.

    The CPU path: edge weights are computed per slice from the image view ``im``
    ``(n, *plane)`` (nothing stored per voxel), borders are handled by slicing (no padded
    copy).  The weights, sums and minima are those of :func:`_pass_costs`/:func:`_sweep`,
    so the two paths agree bit for bit.  Returns whether a voxel decreased by more than
    :data:`GDT_RTOL` (checked only while ``track`` and until the first such voxel).
    """
    n, plane_shape = dm.shape[0], tuple(im.shape[1:])
    terms = []
    for off in _shifts(len(plane_shape)):
        dst = tuple(slice(max(0, -o), m - max(0, o)) for o, m in zip(off, plane_shape, strict=True))
        src = tuple(slice(max(0, o), m - max(0, -o)) for o, m in zip(off, plane_shape, strict=True))
        eu2 = sp[0] ** 2 + sum((o * s) ** 2 for o, s in zip(off, sp[1:], strict=True))
        terms.append((dst, src, (1.0 - lamb) * eu2))
    changed = False
    order = range(1, n) if step == 1 else range(n - 2, -1, -1)
    # scratch buffers, reused by every slice and neighbour (no allocation in the loop)
    wflat = torch.empty(math.prod(plane_shape), dtype=dm.dtype, device=dm.device)
    cflat = torch.empty(dm.shape[1] * wflat.numel(), dtype=dm.dtype, device=dm.device)
    views = []
    for dst, src, e in terms:
        shp = tuple(sl.stop - sl.start for sl in dst)
        w = wflat[: math.prod(shp)].view(shp)
        c = cflat[: dm.shape[1] * math.prod(shp)].view(dm.shape[1], *shp)
        views.append((dst, src, e, w, c))
    if lamb == 0.0:
        const = [torch.sqrt(torch.tensor(e, dtype=torch.float32)).item() for _, _, e in terms]
    for k in order:
        prev, best, ip, ic = dm[k - step], dm[k], im[k - step], im[k]
        old = best.clone() if track and not changed else None
        for j, (dst, src, e, w, c) in enumerate(views):
            if lamb == 0.0:
                torch.add(prev[(slice(None), *src)], const[j], out=c)
            else:
                torch.sub(ic[dst], ip[src], out=w)
                if lamb == 1.0:
                    w.abs_()
                else:
                    w.square_().mul_(lamb).add_(e).sqrt_()
                torch.add(prev[(slice(None), *src)], w, out=c)
            bv = best[(slice(None), *dst)]
            torch.minimum(bv, c, out=bv)
        if old is not None:
            changed = bool(_significant(best, old).any())
    return changed


def _gdt_inplace(
    d: torch.Tensor, img: torch.Tensor, sp: tuple[float, ...], lamb: float, rounds: int, track: bool
) -> bool:
    """CPU rounds on ``d`` ``(B, *shape)`` in place; True when converged (``track``)."""
    nd = img.dim()
    last = nd - 1
    img_t = img.movedim(last, 0).contiguous()
    d_t = torch.empty((img_t.shape[0], d.shape[0], *img_t.shape[1:]), dtype=d.dtype)
    layouts = []
    for ax in range(nd):
        sp_m = (sp[ax], *[s for i, s in enumerate(sp) if i != ax])
        layouts.append((ax, sp_m))
    for r in range(rounds):
        _STATS["rounds"] = r + 1
        changed = False
        for ax, sp_m in layouts:
            if ax == last:
                d_t.copy_(d.movedim(ax + 1, 0))
                dm, im = d_t, img_t
            else:
                dm, im = d.movedim(ax + 1, 0), img.movedim(ax, 0)
            for step in (1, -1):
                changed |= _sweep_inplace(dm, im, step, sp_m, lamb, track and not changed)
            if ax == last:
                d.movedim(ax + 1, 0).copy_(d_t)
        if track and not changed:
            return True
    return False
