"""Tests of the base metrics against brute force and MONAI (Dice, IoU, HD95, NSD, FPV/FNV)."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from monai.metrics import compute_hausdorff_distance, compute_surface_dice
from scipy import ndimage as ndi

from reference_impl.io import load_sample
from reference_impl.metrics import dice, fn_volume, fp_volume, hd95, iou, nsd
from reference_impl.phantoms import make_phantom


def _random_pair(seed, shape=(12, 20, 20)):
    rng = np.random.default_rng(seed)
    a = ndi.gaussian_filter(rng.random(shape), 2) > 0.5
    b = ndi.gaussian_filter(rng.random(shape), 2) > 0.5
    return a, b


@pytest.mark.parametrize("seed", range(4))
def test_dice_iou_match_brute_force(seed):
    a, b = _random_pair(seed)
    inter = sum(1 for i in np.ndindex(a.shape) if a[i] and b[i])
    assert dice(a, b) == pytest.approx(2 * inter / (a.sum() + b.sum()))
    assert iou(a, b) == pytest.approx(inter / (a | b).sum())
    d = dice(a, b)
    assert iou(a, b) == pytest.approx(d / (2 - d))


def test_empty_cases_are_defined():
    z = np.zeros((4, 4), bool)
    o = z.copy()
    o[1, 1] = True
    assert dice(z, z) == 1.0 and iou(z, z) == 1.0 and dice(z, z, empty=0.0) == 0.0
    assert dice(o, z) == 0.0 and iou(z, o) == 0.0
    assert hd95(z, z) == 0.0 and hd95(o, z) == float("inf")
    assert nsd(z, z) == 1.0 and nsd(o, z) == 0.0
    assert fp_volume(z, z) == 0.0 and fn_volume(z, o) == pytest.approx(0.001)


def test_input_validation_messages():
    with pytest.raises(
        ValueError, match=re.escape("pred and label shapes differ: (2, 2) vs (3, 3)")
    ):
        dice(np.zeros((2, 2)), np.zeros((3, 3)))
    with pytest.raises(
        ValueError, match=re.escape("spacing must be 2 positive finite numbers, got (1.0,)")
    ):
        hd95(np.ones((2, 2)), np.ones((2, 2)), spacing=(1.0,))
    with pytest.raises(
        ValueError, match=re.escape("connectivity must be one of (6, 18, 26), got 4")
    ):
        fp_volume(np.ones((2, 2, 2)), np.ones((2, 2, 2)), connectivity=4)


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (3.0, 0.8, 0.8)])
@pytest.mark.parametrize("seed", range(3))
def test_hd95_and_nsd_match_monai(seed, spacing):
    a, b = _random_pair(seed)
    ta = torch.from_numpy(a)[None, None].float()
    tb = torch.from_numpy(b)[None, None].float()
    ref_hd = compute_hausdorff_distance(ta, tb, percentile=95, spacing=list(spacing)).item()
    assert hd95(a, b, spacing=spacing) == pytest.approx(ref_hd, rel=1e-6)
    tol = 2.0
    ref_nsd = compute_surface_dice(
        torch.cat([1 - ta, ta], 1), torch.cat([1 - tb, tb], 1), [tol], spacing=list(spacing)
    ).item()
    assert nsd(a, b, spacing=spacing, tolerance=tol) == pytest.approx(ref_nsd, rel=1e-6)


def test_fp_fn_volumes_count_untouched_components():
    p = np.zeros((10, 10, 10), bool)
    g = np.zeros_like(p)
    g[1:3, 1:3, 1:3] = True  # found (overlaps p)
    p[2:4, 2:4, 2:4] = True
    g[6:8, 6:8, 6:8] = True  # missed: 8 voxels
    p[0, 8, 8] = True  # false positive: 1 voxel
    p[5, 5, 5] = True  # touches g's missed cube only diagonally: still FP
    sp = (2.0, 1.0, 1.0)
    assert fn_volume(p, g, spacing=sp) == pytest.approx(8 * 2.0 / 1000)
    assert fp_volume(p, g, spacing=sp) == pytest.approx(2 * 2.0 / 1000)


def test_metrics_on_real_spleen(shared_data):
    v = load_sample("ct_spleen")
    lab = v.label.astype(bool)
    shrunk = ndi.binary_erosion(lab)
    assert 0.5 < dice(shrunk, lab) < 1.0
    assert hd95(shrunk, lab, spacing=v.spacing) == pytest.approx(3.0)  # 3 mm voxels
    n3 = nsd(shrunk, lab, spacing=v.spacing, tolerance=3.0)
    assert 0.9 < n3 < 1.0 and nsd(shrunk, lab, spacing=v.spacing, tolerance=0.0) < n3
    assert nsd(shrunk, lab, spacing=v.spacing, tolerance=1000.0) == 1.0
    ph = make_phantom((16, 32, 32), rng=0)
    assert dice(ph.label, ph.label) == 1.0
