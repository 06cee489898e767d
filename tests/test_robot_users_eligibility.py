"""Tests of the OmniMedSeg eligibility-mask users (thesis §8.2.3.2)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference_impl.io import load_sample
from reference_impl.phantoms import make_phantom
from reference_impl.robot_users import (
    BOX_STYLES,
    CLICK_STYLES,
    SCRIBBLE_STYLES,
    eligibility_box,
    eligibility_click,
    eligibility_mask,
    eligibility_polygon,
    eligibility_scribble,
)
from reference_impl.robot_users._core import components, edt


def _two_blobs():
    m = np.zeros((20, 30, 30), bool)
    m[2:12, 2:14, 2:14] = True  # large
    m[14:18, 20:24, 20:24] = True  # small
    return m


def test_six_click_styles():
    m = _two_blobs()
    big = np.zeros_like(m)
    big[2:12, 2:14, 2:14] = True
    d = edt(m, (1.0,) * 3)
    assert len(CLICK_STYLES) == 6
    for style in CLICK_STYLES:
        c = eligibility_click(m, style=style, rng=0)
        assert m[c.index]
        if style.startswith("largest"):
            assert big[c.index]
    assert d[eligibility_click(m, style="largest_center", rng=0).index] == d[big].max()
    assert d[eligibility_click(m, style="largest_boundary", rng=0).index] == d[big].min()
    hits = {bool(big[eligibility_click(m, style="random_center", rng=s).index]) for s in range(20)}
    assert hits == {True, False}  # random component: both blobs get chosen
    assert eligibility_click(np.zeros((3, 3)), rng=0) is None
    with pytest.raises(ValueError, match=re.escape("style must be one of ('largest_center'")):
        eligibility_click(m, style="center")


def test_eligibility_functions():
    v = make_phantom((16, 32, 32), n_distractors=2, rng=3)
    pred = np.zeros_like(v.label)
    hu = eligibility_mask("high_uptake_background", v.image, v.label, pred)
    assert hu.any() and not (hu & (v.label > 0)).any()
    assert (eligibility_mask("false_negative", v.image, v.label, pred) == (v.label > 0)).all()
    with pytest.raises(
        ValueError, match=re.escape("unknown eligibility kind 'liver'; known: label")
    ):
        eligibility_mask("liver", v.image, v.label, pred)


@pytest.mark.parametrize("style", SCRIBBLE_STYLES)
def test_scribbles_stay_in_the_mask_and_fragment(style):
    m = np.zeros((40, 60), bool)
    m[5:36, 5:55] = True  # odd height: a one-pixel middle line at row 20
    full = eligibility_scribble(m, style=style, rng=1, fragment=0.0, deform=0.0)
    frag = eligibility_scribble(m, style=style, rng=1, fragment=0.5, deform=3.0)
    for s in (full, frag):
        assert m[tuple(s.points.T)].all() and len(s.points) > 0
    assert len(frag.points) < len(full.points)
    if style == "boundary":
        d = edt(m, (1.0, 1.0))
        assert d[tuple(full.points.T)].max() <= 3
    if style == "centerline":
        assert (full.points[:, 0] == 20).sum() >= 19  # 50 wide - 2 x 15 diagonal branches


def test_scribble_on_real_lesion(shared_data):
    lab = load_sample("mr_brain1").label.astype(bool)
    s = eligibility_scribble(lab, style="centerline", rng=0)
    assert s.points.shape[1] == 3 and lab[tuple(s.points.T)].all()
    with pytest.raises(ValueError, match=re.escape("fragment must be in [0, 1), got 1.0")):
        eligibility_scribble(lab, fragment=1.0)


def test_box_styles(shared_data):
    lab = load_sample("ct_spleen").label.astype(bool)
    idx = np.argwhere(lab)
    lo, hi = idx.min(0), idx.max(0) + 1
    ext = hi - lo
    perfect = eligibility_box(lab, style="perfect")
    assert perfect.lo == tuple(lo) and perfect.hi == tuple(hi)
    for seed in range(10):
        careful = eligibility_box(lab, style="careful", rng=seed)
        assert lab[careful.slices].sum() == lab.sum()  # encloses the label
        grow = (np.subtract(careful.hi, careful.lo) - ext) / ext
        clipped = (np.array(careful.lo) == 0) | (np.array(careful.hi) == lab.shape)
        assert np.all((grow >= 0.05 - 2 / ext) & (grow <= 0.10 + 2 / ext) | clipped)
        sloppy = eligibility_box(lab, style="sloppy", rng=seed)
        moved = np.abs(np.concatenate([np.subtract(sloppy.lo, lo), np.subtract(sloppy.hi, hi)]))
        e2 = np.concatenate([ext, ext])
        assert np.all((moved >= np.floor(0.05 * e2) - 1) & (moved <= np.ceil(0.10 * e2) + 1))
    assert set(BOX_STYLES) == {"perfect", "careful", "sloppy"}


def test_polygon_in_eligibility_mask():
    v = make_phantom((48, 48), n_lesions=1, rng=0)
    p = eligibility_polygon(v.label, 8, rng=0)
    labels, n = components(v.label > 0)
    assert n >= 1 and p.vertices.shape == (8, 2)
    # every vertex lies on the 0.5 iso-contour of the largest component: of the 2x2 pixels
    # around it (floor/ceil), at least one is inside and one outside that component
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    big = np.pad(labels == np.argmax(sizes), 1)
    for y, x in p.vertices + 1:
        around = big[int(np.floor(y)) : int(np.ceil(y)) + 1, int(np.floor(x)) : int(np.ceil(x)) + 1]
        assert around.any() and not around.all()
    assert eligibility_polygon(np.zeros((5, 5)), 4) is None


def test_scribble_options_are_validated():
    m = _two_blobs()
    with pytest.raises(ValueError, match=re.escape("deform must be >= 0 voxels, got -1.0")):
        eligibility_scribble(m, deform=-1.0)
    with pytest.raises(ValueError, match=re.escape("sigma must be > 0 voxels, got 0")):
        eligibility_scribble(m, style="boundary", sigma=0)
    with pytest.raises(
        ValueError, match=re.escape("n_points must be >= 2 for random line scribbles, got 1")
    ):
        eligibility_scribble(m, style="random", n_points=1)
