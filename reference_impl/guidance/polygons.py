"""Polygon-vertex signals: identity mask over the vertices and the cyclic graph of Eq. 39."""

from __future__ import annotations

from collections.abc import Sequence

import networkx as nx
import numpy as np
import torch

from reference_impl.device import resolve_device
from reference_impl.guidance._local import _check_shape
from reference_impl.interactions import Polygon

__all__ = ["polygon_identity", "polygon_graph"]


def _vertex_indices(poly: Polygon, shape: tuple[int, ...]) -> np.ndarray:
    """Rounded vertex voxel indices of ``poly`` in ``shape`` (2D, or its slice of 3D)."""
    yx = np.rint(poly.vertices).astype(np.int64)
    if len(shape) == 2:
        idx = yx
    else:
        if poly.slice_index is None:
            raise ValueError("a polygon on a 3D volume needs slice_index (and axis)")
        if poly.axis not in (0, 1, 2):
            raise ValueError(f"polygon axis must be 0, 1 or 2, got {poly.axis!r}")
        idx = np.insert(yx, poly.axis, poly.slice_index, axis=1)
    bad = (idx < 0) | (idx >= np.asarray(shape))
    if bad.any():
        raise ValueError(f"polygon vertex {tuple(idx[bad.any(1)][0])} lies outside shape {shape}")
    return idx


def polygon_identity(
    polygons: Sequence[Polygon],
    shape: Sequence[int],
    *,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Identity encoding of polygon vertices (Eq. 37 over the vertex set of Eq. 3).

    Parameters
    ----------
    polygons : sequence of Polygon
        Vertices ``(y, x)`` (rounded to the nearest voxel); on a 3D ``shape`` each polygon
        lies on slice ``slice_index`` of axis ``axis``.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, *shape)`` float32 in {0, 1}; channel by ``polygon.label`` (0 fg, 1 bg).

    Raises
    ------
    ValueError
        A vertex outside ``shape`` or a 3D polygon without ``slice_index``.

    Examples
    --------
    >>> from reference_impl.interactions import Polygon
    >>> m = polygon_identity([Polygon([[0, 0], [0, 2], [2, 1]])], (3, 3), device="cpu")
    >>> m[0].tolist()
    [[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    shape = _check_shape(shape)
    out = torch.zeros((2, *shape), dtype=torch.float32, device=resolve_device(device))
    for poly in polygons:
        if not isinstance(poly, Polygon):
            raise TypeError(f"polygons must be Polygon, got {type(poly).__name__}")
        idx = torch.as_tensor(_vertex_indices(poly, shape), device=out.device)
        out[(0 if poly.label == 1 else 1, *idx.T)] = 1.0
    return out


def polygon_graph(polygon: Polygon) -> nx.Graph:
    """Undirected cyclic graph of a polygon's vertices (Eq. 39).

    Parameters
    ----------
    polygon : Polygon
        ``N >= 3`` vertices ``(y, x)``.

    Returns
    -------
    networkx.Graph
        Nodes ``0..N-1`` with attribute ``pos`` (the ``(y, x)`` vertex, float); edges
        ``{i, i+1}`` for ``i < N-1`` plus ``{N-1, 0}``, each with attribute ``length``.

    Examples
    --------
    >>> from reference_impl.interactions import Polygon
    >>> g = polygon_graph(Polygon([[0, 0], [0, 3], [4, 3]]))
    >>> sorted(g.edges()), g.edges[2, 0]["length"]
    ([(0, 1), (0, 2), (1, 2)], 5.0)
    """
    if not isinstance(polygon, Polygon):
        raise TypeError(f"polygon must be Polygon, got {type(polygon).__name__}")
    g = nx.Graph()
    verts = polygon.vertices
    n = len(verts)
    for i, v in enumerate(verts):
        g.add_node(i, pos=(float(v[0]), float(v[1])))
    for i in range(n):
        j = (i + 1) % n
        g.add_edge(i, j, length=float(np.linalg.norm(verts[j] - verts[i])))
    return g
