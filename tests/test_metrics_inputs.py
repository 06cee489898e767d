"""Issue 14/15 (metrics): strict inputs, and the bounding-box hd95/nsd against MONAI."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from monai.metrics import compute_hausdorff_distance, compute_surface_dice
from scipy import ndimage as ndi

from reference_impl.metrics import auc, dice, hd95, iou, noc, nsd

BAD_SPACINGS = [
    (np.nan, 1.0, 1.0),
    (np.inf, 1.0, 1.0),
    (0.0, 1.0, 1.0),
    (-2.0, 1.0, 1.0),
    (1e-12, 1.0, 1.0),
]


def _pair(seed, shape=(12, 20, 18)):
    rng = np.random.default_rng(seed)
    a = ndi.gaussian_filter(rng.random(shape), 1.5) > 0.52
    b = ndi.gaussian_filter(rng.random(shape), 1.5) > 0.52
    return a, b


@pytest.mark.parametrize("spacing", BAD_SPACINGS)
def test_hd95_and_nsd_refuse_bad_spacing(spacing):
    a, b = _pair(0)
    with pytest.raises(ValueError, match="spacing must be 3 positive finite numbers"):
        hd95(a, b, spacing=spacing)
    with pytest.raises(ValueError, match="spacing must be 3 positive finite numbers"):
        nsd(a, b, spacing=spacing)


@pytest.mark.parametrize("tol", [np.nan, np.inf, -1.0])
def test_nsd_refuses_a_bad_tolerance(tol):
    a, b = _pair(1)
    with pytest.raises(ValueError, match="tolerance"):
        nsd(a, b, tolerance=tol)


@pytest.mark.parametrize("metric", [dice, iou, hd95, nsd])
def test_nan_or_probability_prediction_is_refused(metric):
    a, b = _pair(2)
    p = a.astype(np.float32)
    p[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        metric(p, b)
    with pytest.raises(ValueError, match="binary mask"):
        metric(a * 0.6, b)
    with pytest.raises(ValueError, match="binary mask"):
        metric(a.astype(np.uint8) * 255, b)


@pytest.mark.parametrize("thr", [np.nan, 1.5, -0.1])
def test_noc_refuses_a_bad_threshold(thr):
    with pytest.raises(ValueError, match="threshold"):
        noc([0.1, 0.5, 0.9], thr)


def test_auc_refuses_inf():
    with pytest.raises(ValueError, match="finite"):
        auc([0.1, np.inf, 0.9])
    with pytest.raises(ValueError, match="NaN"):
        auc([0.1, np.nan, 0.9])


def _monai(a, b, spacing, tol):
    ta = torch.from_numpy(a)[None, None].float()
    tb = torch.from_numpy(b)[None, None].float()
    hd = compute_hausdorff_distance(ta, tb, percentile=95, spacing=list(spacing)).item()
    ns = compute_surface_dice(
        torch.cat([1 - ta, ta], 1), torch.cat([1 - tb, tb], 1), [tol], spacing=list(spacing)
    ).item()
    return hd, ns


@pytest.mark.parametrize(
    "shape,spacing",
    [((24, 30), (1.0, 1.0)), ((26, 19), (0.5, 2.0)), ((10, 16, 14), (3.0, 0.8, 0.8))],
)
@pytest.mark.parametrize("seed", range(3))
def test_bbox_metrics_match_monai_with_border_masks(shape, spacing, seed):
    a, b = _pair(seed, shape)
    a[(0,) * len(shape)] = True  # border corner voxel
    b[(slice(None),) + (-1,) * (len(shape) - 1)] = True  # a line along the far border
    hd, ns = _monai(a, b, spacing, 1.5)
    assert hd95(a, b, spacing=spacing) == pytest.approx(hd, rel=1e-6)
    assert nsd(a, b, spacing=spacing, tolerance=1.5) == pytest.approx(ns, rel=1e-6)


def test_small_masks_far_apart_in_a_large_volume():
    a = np.zeros((40, 60, 50), bool)
    b = np.zeros_like(a)
    a[2:5, 3:6, 4:8] = True
    b[30:38, 50:59, 40:49] = True
    hd, ns = _monai(a, b, (2.0, 1.0, 0.7), 2.0)
    assert hd95(a, b, spacing=(2.0, 1.0, 0.7)) == pytest.approx(hd, rel=1e-6)
    assert nsd(a, b, spacing=(2.0, 1.0, 0.7), tolerance=2.0) == pytest.approx(ns, abs=1e-12)


def test_single_voxels_and_empty_masks():
    a = np.zeros((5, 6, 7), bool)
    b = np.zeros_like(a)
    assert hd95(a, b) == 0.0 and nsd(a, b) == 1.0
    a[0, 0, 0] = True
    assert hd95(a, b) == np.inf and nsd(a, b) == 0.0
    b[4, 5, 6] = True
    assert hd95(a, b, spacing=(1.0, 2.0, 3.0)) == pytest.approx(np.sqrt(16 + 100 + 324))
