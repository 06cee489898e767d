"""Tests of the non-iterative robot users (thesis Eq. 12-16)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage as ndi

from reference_impl.io import load_sample
from reference_impl.phantoms import make_phantom
from reference_impl.robot_users import (
    bounding_box,
    extreme_points,
    interior_margin_points,
    object_center,
    polygon_vertices,
    sample_clicks,
    skeleton_scribble,
)
from reference_impl.robot_users._core import edt


@pytest.mark.parametrize("strategy", ["uniform", "edt", "center"])
def test_sampled_clicks_are_distinct_and_inside(strategy):
    v = make_phantom((20, 32, 32), rng=1)
    clicks = sample_clicks(v.label, 15, strategy=strategy, rng=0, spacing=v.spacing)
    assert len({c.index for c in clicks}) == 15
    assert all(v.label[c.index] and c.label == 1 for c in clicks)


def test_edt_and_center_sampling_are_biased_inwards():
    lab = np.zeros((41, 41), bool)
    lab[5:36, 5:36] = True
    d = edt(lab, (1.0, 1.0))
    mean_d = {
        s: np.mean([d[c.index] for c in sample_clicks(lab, 300, strategy=s, rng=3)])
        for s in ("uniform", "edt", "center")
    }
    assert mean_d["edt"] > mean_d["uniform"] + 1 and mean_d["center"] > mean_d["uniform"] + 1
    with pytest.raises(
        ValueError, match=re.escape("n must be in [1, 961] (label voxels), got 962")
    ):
        sample_clicks(lab, 962)
    with pytest.raises(ValueError, match="strategy must be one of"):
        sample_clicks(lab, 1, strategy="gauss")


def test_object_center_inside_a_ring():
    yy, xx = np.mgrid[:41, :41]
    r = np.hypot(yy - 20, xx - 20)
    ring = (r > 10) & (r < 16)
    c = object_center(ring)
    assert ring[c.index]  # the geometric centre (20, 20) is in the hole
    assert 12 <= np.hypot(c.index[0] - 20, c.index[1] - 20) <= 14


def test_extreme_and_interior_margin_points():
    v = make_phantom((20, 32, 32), n_lesions=1, rng=4)
    lab = v.label.astype(bool)
    ext = extreme_points(lab)
    idx = np.argwhere(lab)
    assert len(ext) == 6 and all(lab[c.index] for c in ext)
    for ax in range(3):
        assert ext[2 * ax].index[ax] == idx[:, ax].min()
        assert ext[2 * ax + 1].index[ax] == idx[:, ax].max()
    inner = interior_margin_points(lab, margin=0.3)
    d = edt(lab, (1.0,) * 3)
    assert all(lab[c.index] for c in inner)
    assert np.mean([d[c.index] for c in inner]) > np.mean([d[c.index] for c in ext])
    with pytest.raises(ValueError, match=re.escape("margin must be in [0, 1), got 1.0")):
        interior_margin_points(lab, margin=1.0)


def test_skeleton_scribble_is_the_medial_axis():
    lab = np.zeros((11, 31), bool)
    lab[2:9, 2:29] = True
    s = skeleton_scribble(lab)
    assert lab[tuple(s.points.T)].all()
    # the medial axis of a rectangle contains its long middle line
    assert {(5, x) for x in range(6, 25)} <= {tuple(p) for p in s.points}
    v = make_phantom((16, 32, 32), n_lesions=1, rng=2)
    s3 = skeleton_scribble(v.label)
    assert s3.points.shape[1] == 3 and v.label[tuple(s3.points.T)].all()


def test_boxes_enclose_the_label_tightly(shared_data):
    for name in ("ct_spleen", "mr_brain1"):
        lab = load_sample(name).label.astype(bool)
        b = bounding_box(lab)
        assert lab[b.slices].sum() == lab.sum()
        for ax in range(3):
            lo = list(b.lo)
            lo[ax] += 1
            shrunk = tuple(slice(a, h) for a, h in zip(lo, b.hi, strict=True))
            assert lab[shrunk].sum() < lab.sum()
    with pytest.raises(ValueError, match="label is empty"):
        bounding_box(np.zeros((3, 3)))


def test_polygon_vertices_lie_on_the_boundary():
    yy, xx = np.mgrid[:40, :40]
    disk = np.hypot(yy - 20, xx - 18) <= 10
    p = polygon_vertices(disk, 12, rng=0)
    r = np.hypot(p.vertices[:, 0] - 20, p.vertices[:, 1] - 18)
    assert p.vertices.shape == (12, 2) and np.all(np.abs(r - 10.25) < 0.8)
    # the polygon covers the disk well
    from skimage.draw import polygon as fill

    rr, cc = fill(p.vertices[:, 0], p.vertices[:, 1], disk.shape)
    filled = np.zeros_like(disk)
    filled[rr, cc] = True
    assert (filled & disk).sum() / (filled | disk).sum() > 0.85
    with pytest.raises(ValueError, match="a polygon needs n >= 3 vertices, got 2"):
        polygon_vertices(disk, 2)
    with pytest.raises(ValueError, match="needs a 2D mask, got 3D"):
        polygon_vertices(ndi.binary_dilation(np.ones((2, 2, 2))), 4)


def test_center_sampling_needs_a_positive_sigma():
    lab = np.zeros((5, 5), bool)
    lab[1:4, 1:4] = True
    with pytest.raises(
        ValueError, match=re.escape("sigma must be > 0 (a share of the label extent), got 0.0")
    ):
        sample_clicks(lab, 2, strategy="center", sigma=0.0)
