"""Tests of the challenge protocols (thesis Algorithms 1-3, MedSegFM) and correction users."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage as ndi

from reference_impl.interactions import Polygon
from reference_impl.io import load_sample
from reference_impl.robot_users import (
    autopet_clicks,
    error_skeleton_scribbles,
    medsegfm_box,
    medsegfm_click,
    simulate_click,
    toothfairy_clicks,
    trials_clicks,
    worst_slice_correction,
    worst_vertex_correction,
)
from reference_impl.robot_users._core import edt


def _lesions():
    lab = np.zeros((24, 32, 32), bool)
    lab[3:9, 3:9, 3:9] = True
    lab[14:18, 20:26, 20:26] = True
    img = np.zeros(lab.shape)
    img[lab] = 5.0
    img[20:23, 2:5, 25:28] = 9.0  # high-uptake non-lesion region
    return lab, img


def test_autopet_centres_then_boundaries():
    lab, img = _lesions()
    fg, bg = autopet_clicks(lab, img, n=10, rng=0)
    assert len(fg) == 10 and len({c.index for c in fg}) == 10
    assert all(lab[c.index] and c.label == 1 for c in fg)
    comps, _ = ndi.label(lab)
    d = edt(lab, (1.0,) * 3)
    # the first two clicks are the two component centres, the rest boundary voxels
    assert {comps[c.index] for c in fg[:2]} == {1, 2}
    for c in fg[:2]:
        assert d[c.index] == d[comps == comps[c.index]].max()
    assert all(d[c.index] == 1.0 for c in fg[2:])
    assert len(bg) == 10 and all(img[c.index] == 9.0 and c.label == 0 for c in bg)


def test_autopet_perturbation_keeps_clicks_inside_and_no_component_no_loop():
    lab, img = _lesions()
    for seed in range(5):
        fg, _ = autopet_clicks(lab, img, n=4, sigma=2.0, rng=seed)
        assert all(lab[c.index] for c in fg)
    fg, bg = autopet_clicks(np.zeros_like(lab), np.zeros(lab.shape), rng=0)
    assert fg == []
    tiny = np.zeros_like(lab)
    tiny[5, 5, 5] = True
    fg, _ = autopet_clicks(tiny, img, n=10, rng=0)
    assert [c.index for c in fg] == [(5, 5, 5)]  # one voxel: no more distinct clicks exist
    with pytest.raises(
        ValueError, match=re.escape("image has shape (2, 2, 2), expected (24, 32, 32)")
    ):
        autopet_clicks(lab, np.zeros((2, 2, 2)))


def test_toothfairy_clicks_follow_the_canal():
    lab = np.zeros((30, 40, 40), bool)
    for z in range(5, 25):  # an oblique tube
        lab[z, 10 + z // 2 - 1 : 10 + z // 2 + 2, 12:15] = True
    clicks = toothfairy_clicks(lab, n=6, sigma=1.0, rng=0)
    zs = [c.index[0] for c in clicks]
    assert len(clicks) == 6 and zs == sorted(zs) and len(set(zs)) == 6
    assert all(lab[c.index] for c in clicks)
    with pytest.raises(ValueError, match="needs a 3D label, got 2D"):
        toothfairy_clicks(lab[0])


def test_trials_background_in_liver(shared_data):
    v = load_sample("ct_liver")
    liver = v.label.astype(bool)
    lesion = np.zeros_like(liver)
    idx = np.argwhere(liver)
    c = idx[len(idx) // 2]
    lesion[tuple(slice(i - 1, i + 2) for i in c)] = True
    lesion &= liver
    fg, bg = trials_clicks(lesion, liver, n=10, rng=0, spacing=v.spacing)
    assert len(fg) == min(10, int(lesion.sum())) and all(lesion[k.index] for k in fg)
    assert len(bg) == 10 and all(liver[k.index] and not lesion[k.index] for k in bg)


def test_medsegfm_click_and_box(shared_data):
    v = load_sample("ct_spleen")
    lab = v.label.astype(bool)
    pred = ndi.binary_erosion(lab, iterations=2)
    pred[0:3, 0:8, 0:8] = True
    c = medsegfm_click(lab, pred, spacing=v.spacing, rng=0)
    assert c.label == int(lab[c.index]) and (lab ^ pred)[c.index]
    ref = simulate_click(lab ^ pred, method="argmax", spacing=v.spacing, rng=0)
    assert c.index == ref
    assert medsegfm_click(lab, lab) is None
    b = medsegfm_box(lab)
    assert lab[b.slices].sum() == lab.sum()


def test_error_skeleton_scribbles():
    lab = np.zeros((9, 30), bool)
    lab[1:8, 1:29] = True
    pred = lab.copy()
    pred[1:8, 15:29] = False  # FN block
    pred[0:1, 0:10] = True  # thin FP strip
    sc = error_skeleton_scribbles(lab, pred)
    assert [s.label for s in sc] == [1, 0]
    fn = lab & ~pred
    assert fn[tuple(sc[0].points.T)].all() and (pred & ~lab)[tuple(sc[1].points.T)].all()
    assert 4 in sc[0].points[:, 0]  # the middle row of the FN block
    assert error_skeleton_scribbles(lab, lab) == []
    allc = error_skeleton_scribbles(lab, pred, mode="all", min_size=20)
    assert [s.label for s in allc] == [1]
    with pytest.raises(ValueError, match="mode must be 'largest' or 'all', got 'max'"):
        error_skeleton_scribbles(lab, pred, mode="max")


def test_worst_slice_and_vertex_correction():
    lab = np.zeros((6, 8, 8), bool)
    lab[1:5, 2:6, 2:6] = True
    pred = lab.copy()
    pred[2, 2:4, 2:6] = False  # 8 voxels wrong in slice 2
    pred[4, 2:6, 5] = False  # 4 voxels wrong in slice 4
    w = worst_slice_correction(lab, pred)
    assert w.index == 2 and (w.mask == lab[2]).all() and w.score == -8
    assert worst_slice_correction(lab, pred, done=[2]).index == 4
    assert worst_slice_correction(lab, pred, criterion="dice").index == 2
    assert worst_slice_correction(lab, lab) is None
    lab2 = lab[2]
    poly = Polygon(np.array([[2.0, 2.0], [2.0, 5.0], [5.0, 5.0], [7.0, 0.0]]))
    k, new = worst_vertex_correction(poly, lab2)
    assert k == 3 and lab2[tuple(np.rint(new.vertices[3]).astype(int))]
    with pytest.raises(ValueError, match="criterion must be 'error' or 'dice', got 'iou'"):
        worst_slice_correction(lab, pred, criterion="iou")


def test_protocol_options_are_validated_with_the_received_value():
    lab, img = _lesions()
    with pytest.raises(
        ValueError, match=re.escape("n must be an integer >= 1 (clicks per class), got 0")
    ):
        autopet_clicks(lab, img, n=0)
    with pytest.raises(ValueError, match=re.escape("sigma must be >= 0 voxels, got -1.0")):
        trials_clicks(lab, np.ones_like(lab), sigma=-1.0)
    with pytest.raises(ValueError, match=re.escape("axis must be one of (0, 1, 2), got 3")):
        toothfairy_clicks(lab, axis=3)
    with pytest.raises(
        ValueError, match=re.escape("n must be an integer >= 1 (clicks per class), got 2.5")
    ):
        toothfairy_clicks(lab, n=2.5)
