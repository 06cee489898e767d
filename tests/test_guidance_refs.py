"""Independent float64 references shared by the guidance tests, and checks of the references."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra


def dijkstra_reference(seeds, img, spacing, lamb):
    """Shortest paths on the 3^D-1 neighbour graph (scipy.sparse.csgraph), float64."""
    shape, n = img.shape, img.size
    idx = np.arange(n).reshape(shape)
    rows, cols, w = [], [], []
    for off in itertools.product([-1, 0, 1], repeat=img.ndim):
        if not any(off):
            continue
        src = tuple(slice(max(0, -o), s - max(0, o)) for o, s in zip(off, shape, strict=True))
        dst = tuple(slice(max(0, o), s - max(0, -o)) for o, s in zip(off, shape, strict=True))
        e2 = sum((o * s) ** 2 for o, s in zip(off, spacing, strict=True))
        ww = np.sqrt((1 - lamb) * e2 + lamb * (img[src] - img[dst]) ** 2)
        rows.append(idx[src].ravel())
        cols.append(idx[dst].ravel())
        w.append(ww.ravel() + 1e-300)  # keep zero-cost edges in the sparse graph
    g = coo_matrix((np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))), (n, n))
    d = dijkstra(g.tocsr(), directed=True, indices=np.flatnonzero(seeds), min_only=True)
    return d.reshape(shape)


def gaussian_reference(shape, centers_sigmas, spacing=None, truncate=4.0):
    """Max over clicks of truncated Gaussians, full-volume float64 numpy."""
    sp = spacing or (1.0,) * len(shape)
    grids = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing="ij")
    out = np.zeros(shape)
    for c, sigma in centers_sigmas:
        d2 = sum(((g - ci) * s) ** 2 for g, ci, s in zip(grids, c, sp, strict=True))
        v = np.exp(-d2 / (2 * sigma**2)) if sigma > 0 else (d2 == 0).astype(float)
        v[d2 > (truncate * sigma) ** 2] = 0
        out = np.maximum(out, v)
    return out


def test_dijkstra_reference_on_a_line():
    img = np.array([[0.0, 1.0, 1.0, 4.0]])
    seeds = np.array([[True, False, False, False]])
    np.testing.assert_allclose(dijkstra_reference(seeds, img, (1.0, 2.0), 0.0), [[0, 2, 4, 6]])
    np.testing.assert_allclose(dijkstra_reference(seeds, img, (1.0, 2.0), 1.0), [[0, 1, 1, 4]])
    seeds = np.array([[True, False], [False, False]])
    d = dijkstra_reference(seeds, np.zeros((2, 2)), (1.0, 1.0), 0.0)
    np.testing.assert_allclose(d, [[0, 1], [1, np.sqrt(2)]])
