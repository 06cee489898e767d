"""Independent references for the click signals: what ``iseg bench guidance`` times and checks
each signal against.

Written independently of the signal code (numpy over the whole grid, scipy EDT, MONAI
full-volume Gaussian filtering, scipy.sparse.csgraph Dijkstra in float64), with the
benchmark's parameters (:data:`PARAMS`, thesis Table 3).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
import torch

__all__ = ["PARAMS", "NAIVE", "NEEDS_DIJKSTRA", "dijkstra_gdt", "verify_gdt"]

# Thesis Table 3 (autoPET column) for the distance signals: EDT σ = 1, θ = 10 %; GDT σ = 5,
# θ = 10 %; exp-GDT σ = 5.  Table 3's heatmap/disk σ on autoPET is 0 (a single voxel, nothing
# to time), so they use σ = 5 like the GDT seeds.  σ in mm (spacing given).
PARAMS: dict[str, dict] = {
    "gaussian_heatmap": {"sigma": 5.0},
    "gaussian_heatmap[sw-fastedit]": {"sigma": 1.0, "compat": "sw-fastedit"},
    "disk": {"sigma": 5.0},
    "edt": {"sigma": 1.0, "theta": 10.0},
    "gdt": {"sigma": 5.0, "theta": 10.0},
    "exp_gdt": {"sigma": 5.0},
    "adaptive_heatmap": {},
    "location_prior": {},
}


def dijkstra_gdt(seeds: np.ndarray, img: np.ndarray, spacing: Sequence[float], lamb: float):
    """Geodesic distance by Dijkstra on the ``3^D - 1`` neighbour graph (scipy), float64."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    shape, n = img.shape, img.size
    idx = np.arange(n).reshape(shape)
    rows, cols, w = [], [], []
    for off in itertools.product([-1, 0, 1], repeat=img.ndim):
        if not any(off):
            continue
        src = tuple(slice(max(0, -o), s - max(0, o)) for o, s in zip(off, shape, strict=True))
        dst = tuple(slice(max(0, o), s - max(0, -o)) for o, s in zip(off, shape, strict=True))
        e2 = sum((o * s) ** 2 for o, s in zip(off, spacing, strict=True))
        diff = img[src].astype(np.float64) - img[dst]
        rows.append(idx[src].ravel())
        cols.append(idx[dst].ravel())
        w.append((np.sqrt((1 - lamb) * e2 + lamb * diff**2) + 1e-300).ravel())
    g = coo_matrix((np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), (n, n))
    if not seeds.any():
        return np.full(shape, np.inf)
    d = dijkstra(g.tocsr(), directed=True, indices=np.flatnonzero(seeds), min_only=True)
    return d.reshape(shape)


def verify_gdt(*, rng: np.random.Generator | int | None = 0) -> dict:
    """Max error of the torch raster-scan GDT vs Dijkstra on random small 2D/3D volumes."""
    from reference_impl.guidance.geodesic import geodesic_distance_transform

    rng = np.random.default_rng(rng)
    cases = [((24, 24), (1.0, 1.0)), ((20, 26), (0.5, 2.0)), ((12, 12, 12), (1.0, 1.0, 1.0)),
             ((10, 14, 12), (3.0, 1.0, 0.8))]  # fmt: skip
    worst_abs, worst_rel, n = 0.0, 0.0, 0
    for (shape, sp), lamb in itertools.product(cases, (0.0, 0.5, 1.0)):
        img = (rng.random(shape) * 4).astype(np.float32)
        seeds = np.zeros(shape, bool)
        seeds.flat[rng.integers(0, seeds.size, int(rng.integers(1, 5)))] = True
        seeds.flat[0] = True  # a border seed every time
        got = geodesic_distance_transform(torch.from_numpy(seeds), torch.from_numpy(img),
                                          spacing=sp, lamb=lamb).numpy()  # fmt: skip
        ref = dijkstra_gdt(seeds, img, sp, lamb)
        err = np.abs(got - ref)
        worst_abs = max(worst_abs, float(err.max()))
        worst_rel = max(worst_rel, float((err / np.maximum(ref, 1e-12))[ref > 0].max()))
        n += 1
    return {"n_volumes": n, "max_abs_error": worst_abs, "max_rel_error": worst_rel,
            "lambdas": [0.0, 0.5, 1.0], "cases": [[list(s), list(p)] for s, p in cases]}  # fmt: skip


def _grid_d2(shape, c, sp):
    grids = np.ogrid[tuple(slice(0, s) for s in shape)]
    return sum(((g - ci) * s) ** 2 for g, ci, s in zip(grids, c, sp, strict=True))


def _naive_stamp(kind, sigma):
    def run(clicks, shape, sp, img):
        out = np.zeros((2, *shape))
        for c in clicks:
            d2 = _grid_d2(shape, c.index, sp)
            if kind == "gauss":
                v = np.exp(-d2 / (2 * sigma**2)) * (d2 <= (4 * sigma) ** 2)
            else:
                v = (d2 <= sigma**2).astype(float)
            ch = 1 - c.label
            out[ch] = np.maximum(out[ch], v)
        return out

    return run


def _naive_sw_fastedit(clicks, shape, sp, img):
    from monai.networks.layers import GaussianFilter

    imp = torch.zeros((2, 1, *shape))
    for c in clicks:
        imp[(1 - c.label, 0, *c.index)] = 1.0
    g = GaussianFilter(len(shape), sigma=1.0, truncated=4.0, approx="erf")(imp)[:, 0]
    lo = g.amin(dim=tuple(range(1, g.dim())), keepdim=True)
    hi = g.amax(dim=tuple(range(1, g.dim())), keepdim=True)
    return (((g - lo) / (hi - lo)) > 0.1).double().numpy()


def _np_truncate(d, theta):
    fin = d[np.isfinite(d)]
    if theta == 0 or fin.size == 0:
        return d
    k = max(1, math.ceil((1 - theta / 100) * fin.size))
    return np.minimum(d, np.partition(fin, k - 1)[k - 1])


def _seed_masks(clicks, shape, sp, sigma):
    masks = np.zeros((2, *shape), bool)
    for c in clicks:
        masks[1 - c.label] |= _grid_d2(shape, c.index, sp) <= sigma**2
    return masks


def _naive_edt(clicks, shape, sp, img):
    from scipy.ndimage import distance_transform_edt

    out = []
    for m in _seed_masks(clicks, shape, sp, 0.0):  # H1: distance to the continuous σ-ball
        d = distance_transform_edt(~m, sampling=sp) if m.any() else np.full(shape, np.inf)
        d = np.maximum(d - PARAMS["edt"]["sigma"], 0.0)
        out.append(_np_truncate(d, PARAMS["edt"]["theta"]))
    return np.stack(out)


def _naive_gdt(name):
    def run(clicks, shape, sp, img):
        sigma = PARAMS[name]["sigma"]
        d = [dijkstra_gdt(m, img, sp, 1.0) for m in _seed_masks(clicks, shape, sp, sigma)]
        if name == "gdt":
            return np.stack([_np_truncate(x, PARAMS["gdt"]["theta"]) for x in d])
        return 1 - np.exp(-np.stack(d))

    return run


def _naive_adaptive(clicks, shape, sp, img):
    seeds = np.zeros(shape, bool)
    for c in clicks:
        seeds[c.index] = True
    gdt = dijkstra_gdt(seeds, img, sp, 1.0)
    out = np.zeros((2, *shape))
    for c in clicks:
        box = tuple(slice(max(i - 4, 0), i + 5) for i in c.index)
        sigma = math.floor(13 * math.exp(-0.15 * gdt[box].mean()) + 1e-9)
        d2 = _grid_d2(shape, c.index, sp)
        v = np.exp(-d2 / (2 * sigma**2)) * (d2 <= (4 * sigma) ** 2) if sigma else (d2 == 0) * 1.0
        out[1 - c.label] = np.maximum(out[1 - c.label], v)
    return out


def _naive_location_prior(clicks, shape, sp, img):
    from skimage.feature import canny

    w = np.where(canny(img.astype(np.float64), sigma=1.0), 10.0, 1.0)
    sat = np.pad(w.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    ys, xs = np.arange(shape[0])[:, None], np.arange(shape[1])[None, :]
    out = np.zeros((2, *shape))
    for c in clicks:
        y0, y1 = np.minimum(ys, c.index[0]), np.maximum(ys, c.index[0]) + 1
        x0, x1 = np.minimum(xs, c.index[1]), np.maximum(xs, c.index[1]) + 1
        s = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
        out[1 - c.label] = np.maximum(out[1 - c.label], np.maximum(0, 255 - s))
    return out


NAIVE: dict[str, Callable] = {
    "gaussian_heatmap": _naive_stamp("gauss", PARAMS["gaussian_heatmap"]["sigma"]),
    "gaussian_heatmap[sw-fastedit]": _naive_sw_fastedit,
    "disk": _naive_stamp("disk", PARAMS["disk"]["sigma"]),
    "edt": _naive_edt,
    "gdt": _naive_gdt("gdt"),
    "exp_gdt": _naive_gdt("exp_gdt"),
    "adaptive_heatmap": _naive_adaptive,
    "location_prior": _naive_location_prior,
}
NEEDS_DIJKSTRA = {"gdt", "exp_gdt", "adaptive_heatmap"}
