"""Gaussian heatmaps, disks and footprints vs independent float64 numpy/MONAI references."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from reference_impl.guidance import (
    CLICK_SIGNALS,
    disk,
    gaussian_heatmap,
    get_signal,
    signal_footprint,
)
from reference_impl.interactions import Click

CASES = [
    ((17, 13), None),
    ((17, 13), (0.7, 1.9)),
    ((9, 12, 11), None),
    ((9, 12, 11), (3.0, 1.0, 0.8)),
]


def _random_clicks(shape, n, rng, *, border=True):
    clicks = []
    for k in range(n):
        idx = [int(rng.integers(0, s)) for s in shape]
        if border and k == 0:  # always one click on the border / corner
            idx = [0] * len(shape)
        if border and k == 1:
            idx = [s - 1 for s in shape]
        clicks.append(Click(int(rng.integers(0, 2)), tuple(idx)))
    return clicks


def _np_dist2(shape, c, spacing):
    grids = np.meshgrid(*[np.arange(s, dtype=np.float64) for s in shape], indexing="ij")
    sp = spacing or (1.0,) * len(shape)
    return sum(((g - ci) * s) ** 2 for g, ci, s in zip(grids, c, sp, strict=True))


def _np_reference(kind, clicks, shape, sigma, spacing, combine="max", truncate=4.0):
    out = np.zeros((2, *shape))
    for c in clicks:
        d2 = _np_dist2(shape, c.index, spacing)
        if kind == "gaussian":
            v = np.exp(-d2 / (2 * sigma**2)) if sigma > 0 else (d2 == 0).astype(float)
            v[d2 > (truncate * sigma) ** 2] = 0
        else:
            v = (np.sqrt(d2) <= sigma).astype(float)
        ch = 0 if c.label == 1 else 1
        out[ch] = np.maximum(out[ch], v) if combine == "max" else out[ch] + v
    return out


@pytest.mark.parametrize("shape,spacing", CASES)
@pytest.mark.parametrize("sigma", [0.0, 1.0, 2.5])
@pytest.mark.parametrize("combine", ["max", "sum"])
def test_gaussian_matches_numpy(shape, spacing, sigma, combine):
    rng = np.random.default_rng(hash((shape, sigma)) % 2**32)
    clicks = _random_clicks(shape, 6, rng)
    got = gaussian_heatmap(
        clicks, shape, sigma=sigma, spacing=spacing, device="cpu", combine=combine
    )
    ref = _np_reference("gaussian", clicks, shape, sigma, spacing, combine)
    assert got.dtype == torch.float32 and tuple(got.shape) == (2, *shape)
    np.testing.assert_allclose(got.numpy(), ref, atol=1e-6)


@pytest.mark.parametrize("shape,spacing", CASES)
@pytest.mark.parametrize("sigma", [0.0, 1.0, 3.2])
def test_disk_matches_numpy(shape, spacing, sigma):
    rng = np.random.default_rng(7)
    clicks = _random_clicks(shape, 5, rng)
    got = disk(clicks, shape, sigma=sigma, spacing=spacing, device="cpu")
    np.testing.assert_array_equal(got.numpy(), _np_reference("disk", clicks, shape, sigma, spacing))


@pytest.mark.parametrize("func", [gaussian_heatmap, disk])
@pytest.mark.parametrize("shape", [(8, 9), (5, 6, 7)])
def test_empty_clicks_give_zeros(func, shape):
    out = func([], shape, device="cpu")
    assert tuple(out.shape) == (2, *shape) and float(out.abs().sum()) == 0.0


def test_max_keeps_footprints_independent():
    a = gaussian_heatmap([Click(1, (5, 5))], (20, 20), sigma=2.0, device="cpu")
    ab = gaussian_heatmap([Click(1, (5, 5)), Click(1, (5, 8))], (20, 20), sigma=2.0, device="cpu")
    assert float(ab[0, 5, 5]) == float(a[0, 5, 5]) == 1.0
    assert float(ab[0].max()) == 1.0


def _monai_sw_fastedit(clicks, shape, sigma, threshold):
    from monai.networks.layers import GaussianFilter

    out = torch.zeros((2, *shape))
    for c in clicks:
        out[0 if c.label == 1 else 1][c.index] = 1.0
    filt = GaussianFilter(len(shape), sigma=sigma, truncated=4.0, approx="erf")
    for ch in range(2):
        g = filt(out[ch][None, None])[0, 0]
        if g.max() > g.min():
            g = (g - g.min()) / (g.max() - g.min())
        out[ch] = (g > 0.1).float() if threshold else g
    return out


@pytest.mark.parametrize("shape", [(30, 31), (20, 22, 21)])
@pytest.mark.parametrize("sigma", [1.0, 3.0])
@pytest.mark.parametrize("threshold", [True, False])
def test_sw_fastedit_compat_matches_full_volume_monai(shape, sigma, threshold):
    rng = np.random.default_rng(3)
    clicks = _random_clicks(shape, 7, rng) + [
        Click(1, (3,) * len(shape)),
        Click(1, (4,) * len(shape)),
    ]
    mode = "sw-fastedit" if threshold else "sw-fastedit-heatmap"
    got = gaussian_heatmap(clicks, shape, sigma=sigma, device="cpu", compat=mode)
    ref = _monai_sw_fastedit(clicks, shape, sigma, threshold)
    np.testing.assert_allclose(got.numpy(), ref.numpy(), atol=1e-5)


def test_sw_fastedit_sigma1_is_33_voxel_ball():
    g = gaussian_heatmap(
        [Click(1, (10, 10, 10))], (21, 21, 21), sigma=1.0, device="cpu", compat="sw-fastedit"
    )
    assert int(g[0].sum()) == 33
    assert int(disk([Click(1, (10, 10, 10))], (21, 21, 21), sigma=2.0, device="cpu")[0].sum()) == 33


@pytest.mark.parametrize(
    "name,params",
    [
        ("gaussian_heatmap", {"sigma": 1.5}),
        ("disk", {"sigma": 2.2}),
        ("gaussian_heatmap", {"sigma": 0.0}),
    ],
)
@pytest.mark.parametrize("spacing", [None, (2.5, 1.0, 0.7)])
def test_footprint_is_tight_and_exact(name, params, spacing):
    shape, c = (41, 41, 41), (20, 20, 20)
    r = signal_footprint(name, spacing=spacing, ndim=3, **params)
    out = get_signal(name)([Click(1, c)], shape, spacing=spacing, device="cpu", **params)[0]
    box = tuple(slice(ci - ri, ci + ri + 1) for ci, ri in zip(c, r, strict=True))
    outside = out.clone()
    outside[box] = 0
    assert float(outside.abs().sum()) == 0.0
    for ax in range(3):  # the footprint is tight: the signal reaches r along each axis
        idx = list(c)
        idx[ax] += r[ax]
        assert float(out[tuple(idx)]) > 0


def test_registry_and_errors():
    assert {"gaussian_heatmap", "disk"} <= set(CLICK_SIGNALS)
    with pytest.raises(ValueError, match=re.escape("unknown guidance signal 'nope'; known: [")):
        get_signal("nope")
    with pytest.raises(ValueError, match=re.escape("lies outside shape (4, 4)")):
        disk([Click(1, (4, 0))], (4, 4), device="cpu")
    with pytest.raises(ValueError, match=re.escape("sigma must be a finite number >= 0, got -1.0")):
        gaussian_heatmap([], (4, 4), sigma=-1, device="cpu")
    with pytest.raises(
        ValueError, match=re.escape("combine must be one of ['max', 'sum'], got 'mean'")
    ):
        disk([], (4, 4), combine="mean", device="cpu")
    with pytest.raises(ValueError, match=re.escape("compat must be one of [None, 'sw-fastedit'")):
        gaussian_heatmap([], (4, 4), compat="x", device="cpu")
    with pytest.raises(ValueError, match=re.escape("spacing must be 2 positive finite numbers")):
        disk([], (4, 4), spacing=(1.0, 0.0), device="cpu")
    with pytest.raises(ValueError, match=re.escape("shape (4, 4) needs 2")):
        disk([Click(1, (1, 1, 1))], (4, 4), device="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name", ["gaussian_heatmap", "disk"])
def test_cuda_matches_cpu(name):
    rng = np.random.default_rng(0)
    shape, sp = (20, 30, 25), (2.0, 1.0, 1.5)
    clicks = _random_clicks(shape, 8, rng)
    cpu = get_signal(name)(clicks, shape, sigma=2.0, spacing=sp, device="cpu")
    gpu = get_signal(name)(clicks, shape, sigma=2.0, spacing=sp, device="cuda").cpu()
    torch.testing.assert_close(gpu, cpu, atol=1e-6, rtol=1e-5)


def test_compat_footprint_is_global():
    """Overlapping clicks raise the global maximum, so a new click rescales far voxels."""
    far = Click(1, (2, 2, 2))
    one = gaussian_heatmap([far, Click(1, (15, 15, 15))], (20, 20, 20), device="cpu",
                           compat="sw-fastedit-heatmap")  # fmt: skip
    two = gaussian_heatmap([far, Click(1, (15, 15, 15)), Click(1, (15, 15, 16))], (20, 20, 20),
                           device="cpu", compat="sw-fastedit-heatmap")  # fmt: skip
    assert float(two[0, 2, 2, 3]) < float(one[0, 2, 2, 3])
    assert signal_footprint("gaussian_heatmap", compat="sw-fastedit") is None
