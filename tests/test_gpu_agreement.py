"""Every GPU kernel against its CPU path (issue 16): run only where CUDA is present.

The CPU paths are themselves checked against independent references (scipy, Dijkstra,
brute force) in the per-module tests; these tests close the chain for the CUDA paths that the
per-module GPU tests do not cover: every registered click signal with the parameters the
benchmark times, and every Table 9 click-simulation variant on random masks, 2D and 3D,
border clicks and anisotropic spacing included.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reference_impl.guidance.references import PARAMS as _PARAMS
from reference_impl.guidance.registry import get_signal
from reference_impl.interactions import Click

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA"),
]


def _clicks(shape, n, rng):
    out = [Click(lab, tuple(int(rng.integers(0, s)) for s in shape)) for lab in (1, 0)
           for _ in range(n)]  # fmt: skip
    out.append(Click(1, tuple(0 for _ in shape)))  # a corner click every time
    out.append(Click(0, tuple(s - 1 for s in shape)))
    return out


@pytest.mark.parametrize("key", sorted(_PARAMS))
def test_every_signal_cuda_matches_cpu(key):
    """Each signal at the benchmark's parameters: CUDA equals the CPU path (anisotropic grid)."""
    name = key.split("[")[0]
    rng = np.random.default_rng(0)
    shape, sp = ((24, 30, 28), (3.0, 2.0, 1.5))
    if name == "location_prior":  # 2D only
        shape, sp = shape[1:], sp[1:]
    img = (rng.random(shape) * 3).astype(np.float32)
    clicks = _clicks(shape, 5, rng)
    params = dict(_PARAMS[key])
    out = {}
    for dev in ("cpu", "cuda"):
        kw = dict(params, spacing=None if "compat" in params else sp, device=dev)
        if name in ("gdt", "exp_gdt", "adaptive_heatmap", "location_prior"):
            kw["image"] = torch.from_numpy(img).to(dev)
        out[dev] = get_signal(name)(clicks, shape, **kw).cpu().double()
    assert out["cpu"].shape == out["cuda"].shape
    torch.testing.assert_close(out["cuda"], out["cpu"], atol=1e-4, rtol=1e-5)


def _random_mask(seed, shape):
    from scipy import ndimage as ndi

    rng = np.random.default_rng(seed)
    m = ndi.gaussian_filter(rng.random(shape), 1.5) > 0.52
    m[(0,) * len(shape)] = True  # touches the border
    return m


@pytest.mark.parametrize("method", ["argmax", "argmax_crop", "argmax_crop_resize"])
@pytest.mark.parametrize("component", ["largest", "all"])
@pytest.mark.parametrize("shape", [(40, 36), (20, 32, 28)])
def test_every_exact_clicksim_variant_cuda_matches_cpu(method, component, shape):
    """Table 9 argmax variants (ties: first voxel): the CuPy click is the CPU click."""
    pytest.importorskip("cupy")
    from reference_impl.robot_users.clicksim import simulate_click

    sp = (3.0, 2.0, 1.5)[-len(shape) :]
    for seed in range(3):
        m = _random_mask(seed, shape)
        kw = dict(method=method, component=component, spacing=sp, ties="first", rng=seed)
        assert simulate_click(m, device="cuda", **kw) == simulate_click(m, device="cpu", **kw)
    empty = np.zeros(shape, bool)
    assert simulate_click(empty, method=method, device="cuda") is None


def test_sakinis_cuda_samples_inside_the_error():
    """Sampled variant: the CuPy click lies in the error, nearer the centre than the border."""
    pytest.importorskip("cupy")
    from scipy import ndimage as ndi

    from reference_impl.robot_users.clicksim import simulate_click

    m = _random_mask(5, (24, 30, 28))
    d = ndi.distance_transform_edt(np.pad(m, 1))[1:-1, 1:-1, 1:-1]
    picks = [simulate_click(m, method="sakinis", component="all", rng=s, device="cuda")
             for s in range(50)]  # fmt: skip
    assert all(p is not None and m[p] for p in picks)
    assert np.mean([d[p] for p in picks]) > np.mean(d[m])  # weighted by the distance


def test_kth_smallest_cuda_equals_kthvalue():
    """The CUDA selection (a sort) gives torch.kthvalue's value, ties included."""
    from reference_impl.guidance.geodesic import kth_smallest

    rng = np.random.default_rng(2)
    vals = torch.from_numpy(rng.random(200_001).astype(np.float32))
    vals[:50_000] = vals[0]
    for k in (1, 100_000, 180_001, 200_001):
        assert kth_smallest(vals.cuda(), k).item() == torch.kthvalue(vals, k).values.item()


def test_click_model_fits_on_cuda_as_on_the_cpu(tmp_path, toy_click_states):
    """``train_shipped --device cuda``: the same seed gives the same untrained validation
    Dice and, after two steps in fp32 (TF32 off), the same weights as the CPU fit."""
    from reference_impl.swfastedit.fitting import fit_states

    states = toy_click_states
    settings = dict(prior="rw-noborder-cap45", roi_mm=50.0, distance_mm=50.0, steps=2, seed=0,
                    lr=1e-3, weight_decay=0.0, eval_every=1, channels=[4, 8])  # fmt: skip
    tf32 = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        out = {}
        for dev in ("cpu", "cuda"):
            meta = fit_states(states, states, out=tmp_path / f"{dev}.pt", settings=settings,
                              log=lambda _: None, device=dev)  # fmt: skip
            out[dev] = meta, torch.load(tmp_path / f"{dev}.pt", weights_only=True)
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = tf32
    assert out["cuda"][1]["fitted_on"] == "cuda"
    assert abs(out["cpu"][0]["val_dice_untrained"] - out["cuda"][0]["val_dice_untrained"]) < 1e-4
    assert out["cpu"][1]["step"] == out["cuda"][1]["step"]
    for k, v in out["cpu"][1]["model"].items():
        assert out["cuda"][1]["model"][k].device.type == "cpu"
        torch.testing.assert_close(out["cuda"][1]["model"][k], v, rtol=1e-3, atol=1e-4)
