"""Independent float64 references shared by the guidance tests, and checks of the references."""

from __future__ import annotations

import numpy as np

from reference_impl.guidance.references import dijkstra_gdt

# The Dijkstra reference (scipy.sparse.csgraph, float64) is shared with the benchmark's
# accuracy check; it is independent of the torch raster-scan GDT under test.
dijkstra_reference = dijkstra_gdt


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
