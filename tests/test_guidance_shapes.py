"""Scribble, box and polygon signals vs numpy/scipy/networkx references."""

from __future__ import annotations

import re

import networkx as nx
import numpy as np
import pytest
import torch
from scipy import ndimage

from reference_impl.guidance import (
    box_crop,
    box_distance_map,
    box_mask,
    bspline_curve,
    gaussian_heatmap,
    polygon_graph,
    polygon_identity,
    scribble_bspline,
    scribble_expansion,
    scribble_identity,
    scribble_signal,
)
from reference_impl.interactions import Box, Polygon, Scribble


def _cox_de_boor(t, i, k, knots):
    """B-spline basis N_{i,k}(t) by the textbook recursion (0/0 := 0), right end closed."""
    if k == 0:
        inside = knots[i] <= t < knots[i + 1]
        last = t == knots[-1] and knots[i] < knots[i + 1] == knots[-1]
        return 1.0 if inside or last else 0.0
    out = 0.0
    if knots[i + k] > knots[i]:
        out += (t - knots[i]) / (knots[i + k] - knots[i]) * _cox_de_boor(t, i, k - 1, knots)
    if knots[i + k + 1] > knots[i + 1]:
        out += (
            (knots[i + k + 1] - t)
            / (knots[i + k + 1] - knots[i + 1])
            * _cox_de_boor(t, i + 1, k - 1, knots)
        )
    return out


@pytest.mark.parametrize("n_pts,degree", [(2, 3), (3, 2), (6, 3), (5, 1)])
def test_bspline_matches_cox_de_boor(n_pts, degree):
    rng = np.random.default_rng(n_pts)
    pts = rng.integers(0, 30, size=(n_pts, 3)).astype(float)
    k = min(degree, n_pts - 1)
    inner = np.linspace(0, 1, n_pts - k + 1)[1:-1]
    knots = np.concatenate([np.zeros(k + 1), inner, np.ones(k + 1)])
    ts = np.linspace(0, 1, 41)
    want = np.array([sum(_cox_de_boor(t, i, k, knots) * pts[i] for i in range(n_pts)) for t in ts])
    np.testing.assert_allclose(bspline_curve(pts, degree=degree, n=41), want, atol=1e-9)


@pytest.mark.parametrize("shape", [(40, 40), (20, 30, 30)])
def test_scribble_bspline_is_connected_and_on_curve(shape):
    rng = np.random.default_rng(1)
    pts = np.stack([rng.integers(0, s, 6) for s in shape], axis=1)
    m = scribble_bspline([Scribble(0, pts)], shape, device="cpu")
    assert float(m[0].sum()) == 0.0
    mask = m[1].numpy() > 0
    _, n_comp = ndimage.label(mask, structure=np.ones((3,) * len(shape)))
    assert n_comp == 1
    assert mask[tuple(pts[0])] and mask[tuple(pts[-1])]  # clamped: ends at the end points
    dense = bspline_curve(pts, n=20000)
    vox = np.argwhere(mask)
    d = np.min(np.linalg.norm(vox[:, None, :] - dense[None, ::10, :], axis=2), axis=1)
    assert d.max() <= np.sqrt(len(shape)) / 2 + 0.05


def test_scribble_identity_and_signal():
    s = [Scribble(1, [[0, 0, 0], [1, 2, 3]]), Scribble(0, [[4, 4, 4]])]
    m = scribble_identity(s, (5, 5, 5), device="cpu").numpy()
    want = np.zeros((2, 5, 5, 5))
    want[0, 0, 0, 0] = want[0, 1, 2, 3] = want[1, 4, 4, 4] = 1
    np.testing.assert_array_equal(m, want)
    clicks = [c for x in s for c in x.as_clicks()]
    torch.testing.assert_close(
        scribble_signal(s, (5, 5, 5), sigma=1.5, device="cpu"),
        gaussian_heatmap(clicks, (5, 5, 5), sigma=1.5, device="cpu"),
    )
    with pytest.raises(ValueError, match=re.escape("lies outside shape (5, 5, 5)")):
        scribble_identity([Scribble(1, [[5, 0, 0]])], (5, 5, 5))


@pytest.mark.parametrize("shape", [(25, 27), (12, 14, 13)])
def test_scribble_expansion_matches_scipy_label(shape):
    rng = np.random.default_rng(4)
    img = ndimage.gaussian_filter(rng.random(shape), 1.5) * 10
    pts = np.stack([rng.integers(0, s, 5) for s in shape], axis=1)
    got = scribble_expansion([Scribble(1, pts)], shape, image=img, threshold=0.3, batch=2,
                             device="cpu")  # fmt: skip
    want = np.zeros(shape, bool)
    for p in pts:
        ok = np.abs(img - img[tuple(p)]) < 0.3
        lab, _ = ndimage.label(ok, structure=np.ones((3,) * len(shape)))
        want |= lab == lab[tuple(p)]
    np.testing.assert_array_equal(got[0].numpy() > 0, want)
    assert want.sum() > len(pts)  # the regions really grew
    assert float(got[1].sum()) == 0.0


def test_box_crop_roundtrip_and_margin():
    img = torch.arange(2 * 10 * 12 * 8, dtype=torch.float32).reshape(2, 10, 12, 8)
    box = Box((1, 0, 5), (4, 6, 8))
    crop, cmap = box_crop(img, box, margin=2.0, spacing=(2.0, 1.0, 1.0))
    assert tuple(crop.shape) == (2, 5, 8, 5)
    assert cmap.slices == (slice(0, 5), slice(0, 8), slice(3, 8))
    back = cmap.uncrop(crop, fill=-1.0)
    torch.testing.assert_close(back[(..., *cmap.slices)], img[(..., *cmap.slices)])
    assert float(back[0, 9, 11, 0]) == -1.0
    assert cmap.to_full(cmap.to_crop((3, 4, 6))) == (3, 4, 6)
    with pytest.raises(ValueError, match=re.escape("does not overlap shape")):
        box_crop(img, Box((20, 0, 0), (21, 1, 1)))


@pytest.mark.parametrize("dilation", [0.0, 2.0])
def test_box_mask_matches_numpy(dilation):
    shape, sp = (10, 12, 9), (2.0, 1.0, 1.0)
    boxes = [Box((1, 2, 0), (4, 6, 3)), Box((5, 5, 5), (9, 12, 9), label=0)]
    got = box_mask(boxes, shape, dilation=dilation, spacing=sp, device="cpu").numpy()
    want = np.zeros((2, *shape))
    for b in boxes:
        m = [int(dilation // s) for s in sp]
        sl = tuple(slice(max(lo - mi, 0), h + mi) for lo, h, mi in zip(b.lo, b.hi, m, strict=True))
        want[(1 - b.label, *sl)] = 1
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("spacing", [None, (3.0, 1.0, 0.7)])
def test_box_distance_matches_scipy(spacing):
    shape = (12, 15, 14)
    boxes = [Box((2, 3, 1), (7, 12, 6)), Box((0, 9, 8), (12, 15, 14))]  # second touches borders
    got = box_distance_map(boxes, shape, spacing=spacing, device="cpu")[0].numpy()
    shell = np.zeros(shape, bool)
    for b in boxes:
        inner = np.zeros(shape, bool)
        inner[b.slices] = True
        shell |= inner & ~ndimage.binary_erosion(inner, border_value=0) & _in_box_shell(b, shape)
    want = ndimage.distance_transform_edt(~shell, sampling=spacing)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert bool(torch.isinf(box_distance_map(boxes, shape, device="cpu")[1]).all())


def _in_box_shell(b, shape):
    """Voxels with a coordinate equal to lo or hi - 1 on some axis (the box's own surface)."""
    grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
    on = np.zeros(shape, bool)
    for g, lo, h in zip(grids, b.lo, b.hi, strict=True):
        on |= (g == lo) | (g == h - 1)
    return on


def test_polygon_identity_and_graph():
    poly = Polygon(np.array([[0.2, 1.0], [3.0, 4.4], [5.0, 0.0], [2.0, 0.6]]))
    m = polygon_identity([poly], (6, 6), device="cpu").numpy()
    want = np.zeros((2, 6, 6))
    want[0, [0, 3, 5, 2], [1, 4, 0, 1]] = 1
    np.testing.assert_array_equal(m, want)
    m3 = polygon_identity([Polygon(poly.vertices, label=0, slice_index=2, axis=1)], (6, 4, 6))
    assert float(m3[1, :, 2, :].sum()) == 4 and float(m3.sum()) == 4
    g = polygon_graph(poly)
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 4
    assert nx.is_connected(g) and all(deg == 2 for _, deg in g.degree())
    assert len(nx.cycle_basis(g)) == 1 and g.has_edge(3, 0)
    assert g.nodes[1]["pos"] == (3.0, 4.4)
    with pytest.raises(ValueError, match=re.escape("needs slice_index")):
        polygon_identity([poly], (6, 6, 6))


def test_add_click_signald_wraps_the_signal():
    from reference_impl.guidance import gdt_map
    from reference_impl.guidance.transforms import AddClickSignald
    from reference_impl.interactions import Click

    rng = np.random.default_rng(0)
    img = torch.from_numpy(rng.random((1, 6, 7, 8)).astype(np.float32))
    clicks = [Click(1, (0, 0, 0)), Click(0, (5, 6, 7))]
    t = AddClickSignald("image", signal="gdt", pass_image=True, lamb=0.5, spacing=(2.0, 1.0, 1.0))
    data = {"image": img, "clicks": clicks, "other": 1}
    out = t(data)
    assert out["other"] == 1 and data["image"] is img  # input dict untouched
    want = gdt_map(clicks, (6, 7, 8), image=img[0], lamb=0.5, spacing=(2.0, 1.0, 1.0))
    torch.testing.assert_close(out["image"][1:], want)
    torch.testing.assert_close(out["image"][:1], img)
    with pytest.raises(ValueError, match=re.escape("unknown guidance signal 'x'")):
        AddClickSignald("image", signal="x")
