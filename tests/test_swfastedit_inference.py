"""SW-FastEdit inference: MONAI window grid, exact local corrective inference, global inference."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from monai.inferers import sliding_window_inference

from reference_impl.guidance import gaussian_heatmap
from reference_impl.interactions import Click
from reference_impl.swfastedit.data import normalize_intensity
from reference_impl.swfastedit.inference import SWFastEditPredictor
from reference_impl.swfastedit.model import UNetConfig, build_network, required_divisor
from reference_impl.swfastedit.windows import window_grid

ROI = (16, 16, 16)
CFG = UNetConfig(width=2, levels=3)


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny volumes: threading only adds contention
    yield
    torch.set_num_threads(n)


def _net(seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_network(CFG).eval()


def _reference(net, image, clicks, *, sigma=1.0):
    """A full MONAI sliding-window pass with guidance built over the whole volume."""
    guid = gaussian_heatmap(clicks, image.shape, sigma=sigma, device="cpu")
    x = torch.cat([torch.from_numpy(normalize_intensity(image))[None], guid])[None]
    with torch.no_grad():
        logits = sliding_window_inference(x, ROI, 4, net, overlap=0.25, mode="gaussian")
    return torch.softmax(logits[0], 0)[1].numpy()


def _random_click(rng, shape):
    return Click(int(rng.integers(2)), tuple(int(rng.integers(s)) for s in shape))


def test_window_grid_matches_monai_and_brute_force_intersection():
    from monai.data.utils import dense_patch_slices

    g = window_grid((40, 37, 40), ROI, overlap=0.25)
    assert list(g.slices) == [tuple(s) for s in dense_patch_slices((40, 37, 40), ROI, (12, 12, 12))]
    rng = np.random.default_rng(0)
    for _ in range(20):
        lo = rng.integers(0, 36, 3)
        hi = lo + rng.integers(1, 6, 3)
        brute = [
            i
            for i, sl in enumerate(g.slices)
            if all(s.start < h and s.stop > low for s, low, h in zip(sl, lo, hi, strict=True))
        ]
        assert g.intersecting(lo, hi).tolist() == brute


@pytest.mark.parametrize(
    ("seed", "shape"),
    [(0, (40, 37, 40)), (1, (12, 40, 33)), (2, (16, 16, 16)), (3, (28, 20, 45))],
)
def test_local_corrective_inference_equals_full_sliding_window(seed, shape):
    rng = np.random.default_rng(seed)
    net = _net(seed)
    image = (rng.standard_normal(shape) * rng.uniform(1, 50)).astype(np.float32)
    pred = SWFastEditPredictor(
        net, roi_size=ROI, sw_batch_size=4, device="cpu", divisor=required_divisor(CFG)
    )
    pred.set_volume(image)
    n_all = len(window_grid(tuple(max(s, r) for s, r in zip(shape, ROI, strict=True)), ROI).slices)
    clicks: list[Click] = []
    total = 0
    corner = Click(1, tuple(s - 1 for s in shape))  # a click on the far border
    padded = tuple(max(s, r) for s, r in zip(shape, ROI, strict=True))
    grid, pad_lo = (
        window_grid(padded, ROI),
        np.array([(p - s) // 2 for s, p in zip(shape, padded, strict=True)]),
    )

    def touched(c):  # brute force: windows overlapping the click's 4-sigma heatmap box
        lo = np.maximum(np.array(c.index) + pad_lo - 4, pad_lo)
        hi = np.minimum(np.array(c.index) + pad_lo + 5, pad_lo + np.array(shape))
        return {
            i
            for i, sl in enumerate(grid.slices)
            if all(a.start < h and a.stop > low for a, low, h in zip(sl, lo, hi, strict=True))
        }

    for step in range(9):
        before = list(clicks)
        if step == 4:
            clicks = clicks[:-1]  # undo
        elif step == 5:
            clicks = clicks + [corner]
        elif step == 6 and clicks:
            clicks = clicks + [clicks[0]]  # duplicate click
        elif step > 0:
            clicks = clicks + [_random_click(rng, shape)]
        out = pred.predict(clicks)
        total += out.windows
        np.testing.assert_allclose(out.probs, _reference(net, image, clicks), atol=2e-6, rtol=0)
        if step == 0:
            assert out.windows == n_all
        elif n_all > 8:
            assert 0 < out.windows < n_all
        if step > 0 and step != 6:  # one click added or removed: exactly its windows re-run
            (diff,) = set(clicks) ^ set(before) or {clicks[-1]}
            assert out.windows == len(touched(diff)), (step, out.windows, len(touched(diff)))
    assert pred.n_forward == total


def test_no_change_runs_no_window_and_local_false_runs_all():
    rng = np.random.default_rng(5)
    image = rng.standard_normal((40, 40, 40)).astype(np.float32)
    clicks = [Click(1, (20, 20, 20))]
    local = SWFastEditPredictor(_net(5), roi_size=ROI, device="cpu")
    local.set_volume(image)
    first = local.predict(clicks)
    again = local.predict(list(clicks))
    assert again.windows == 0 and again.box is None
    np.testing.assert_array_equal(first.probs, again.probs)
    naive = SWFastEditPredictor(_net(5), roi_size=ROI, device="cpu", local=False)
    naive.set_volume(image)
    naive.predict([])
    assert naive.predict(clicks).windows == 27
    np.testing.assert_allclose(naive.predict(clicks).probs, first.probs, atol=2e-6)


def test_changed_box_covers_every_changed_voxel():
    rng = np.random.default_rng(7)
    image = rng.standard_normal((40, 40, 40)).astype(np.float32)
    pred = SWFastEditPredictor(_net(7), roi_size=ROI, device="cpu")
    pred.set_volume(image)
    before = pred.predict([]).probs
    out = pred.predict([Click(0, (3, 30, 39))])
    changed = np.argwhere(before != out.probs)
    assert changed.size > 0
    lo, hi = np.array(out.box[0]), np.array(out.box[1])
    assert (changed >= lo).all() and (changed < hi).all()


def test_global_inference_is_one_padded_forward_pass():
    rng = np.random.default_rng(3)
    image = rng.standard_normal((10, 13, 9)).astype(np.float32)
    net = _net(3)
    clicks = [Click(1, (2, 3, 4)), Click(0, (9, 12, 8))]
    pred = SWFastEditPredictor(
        net, inference="global", roi_size=ROI, device="cpu", divisor=required_divisor(CFG)
    )
    pred.set_volume(image)
    out = pred.predict(clicks)
    x = torch.cat(
        [
            torch.from_numpy(normalize_intensity(image))[None],
            gaussian_heatmap(clicks, image.shape, device="cpu"),
        ]
    )[None]
    x = torch.nn.functional.pad(x, (0, 3, 0, 3, 0, 2))  # to multiples of 4
    with torch.no_grad():
        ref = torch.softmax(net(x)[0, :, :10, :13, :9], 0)[1].numpy()
    assert out.windows == 1
    np.testing.assert_allclose(out.probs, ref, atol=1e-6)
    assert out.mask.dtype == np.uint8 and set(np.unique(out.mask)) <= {0, 1}


def test_float16_cache_stays_close_to_float32():
    rng = np.random.default_rng(11)
    image = rng.standard_normal((40, 40, 40)).astype(np.float32)
    clicks = [_random_click(rng, image.shape) for _ in range(4)]
    res = []
    for dt in (torch.float32, torch.float16):
        p = SWFastEditPredictor(_net(11), roi_size=ROI, device="cpu", cache_dtype=dt)
        p.set_volume(image)
        for k in range(len(clicks) + 1):
            out = p.predict(clicks[:k])
        res.append(out.probs)
    np.testing.assert_allclose(res[0], res[1], atol=2e-3)


def test_contract_errors_and_reset():
    pred = SWFastEditPredictor(_net(0), roi_size=ROI, device="cpu")
    with pytest.raises(RuntimeError, match=re.escape("call set_volume(image) before predict")):
        pred.predict([])
    pred.set_volume(np.zeros((20, 20, 20), np.float32))
    with pytest.raises(ValueError, match=re.escape("click (20, 0, 0) lies outside the volume")):
        pred.predict([Click(1, (20, 0, 0))])
    with pytest.raises(TypeError, match="clicks must be Click objects"):
        pred.predict([(1, (0, 0, 0))])
    view = pred.predict([], copy=False).probs
    assert not view.flags.writeable
    assert pred.is_volume_set and pred.n_forward == 8
    pred.reset()
    assert not pred.is_volume_set and pred.n_forward == 0
    with pytest.raises(RuntimeError, match="set_volume"):
        pred.predict([])
    with pytest.raises(
        ValueError,
        match=re.escape("inference must be one of ['sliding_window', 'global'], got 'x'"),
    ):
        SWFastEditPredictor(_net(0), inference="x")
    with pytest.raises(ValueError, match=re.escape("image must be 3D, got shape (4, 4)")):
        pred.set_volume(np.zeros((4, 4)))
    with pytest.raises(
        ValueError, match=re.escape("roi_size (16, 16, 16) must be a multiple of (32, 32, 32)")
    ):
        SWFastEditPredictor(_net(0), roi_size=ROI, divisor=(32, 32, 32))


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_local_inference_matches_cpu(monkeypatch):
    # fp32 on both sides: cuDNN convolutions default to TF32 (about 1e-3 off, seen on the H200)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    rng = np.random.default_rng(0)
    image = rng.standard_normal((40, 40, 40)).astype(np.float32)
    clicks = [_random_click(rng, image.shape) for _ in range(3)]
    out = []
    for dev in ("cpu", "cuda"):
        p = SWFastEditPredictor(_net(0), roi_size=ROI, device=dev)
        p.set_volume(image)
        for k in range(len(clicks) + 1):
            r = p.predict(clicks[:k])
        out.append(r.probs)
    np.testing.assert_allclose(out[0], out[1], atol=1e-4)


def test_global_guidance_is_built_on_the_predictor_device(monkeypatch):
    """Sliding windows keep the guidance on the CPU; global inference builds it on its device."""
    from reference_impl.swfastedit import _signals

    seen, real = [], _signals.heatmap

    def spy(clicks, shape, *, sigma, device=None):
        seen.append(device)  # None: the CPU default of the sliding-window state
        return real(clicks, shape, sigma=sigma, device=device or "cpu")

    monkeypatch.setattr(_signals, "heatmap", spy)
    image = np.zeros((16, 16, 16), np.float32)
    for inference in ("global", "sliding_window"):
        pred = SWFastEditPredictor(_net(0), inference=inference, roi_size=ROI, device="cpu")
        pred.set_volume(image)
        pred.predict([Click(1, (3, 3, 3))])
    assert seen == [pred.device, None]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_global_inference_matches_cpu(monkeypatch):
    # fp32 on both sides: cuDNN convolutions default to TF32 (about 1e-3 off, seen on the H200)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    rng = np.random.default_rng(1)
    image = rng.standard_normal((20, 24, 28)).astype(np.float32)
    clicks = [_random_click(rng, image.shape) for _ in range(3)]
    out = []
    for dev in ("cpu", "cuda"):
        p = SWFastEditPredictor(
            _net(0), inference="global", roi_size=ROI, device=dev, divisor=required_divisor(CFG)
        )
        p.set_volume(image)
        out.append(p.predict(clicks).probs)
    np.testing.assert_allclose(out[0], out[1], atol=1e-4)
