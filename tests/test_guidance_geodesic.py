"""EDT / GDT / exp-GDT vs scipy EDT, brute force and a scipy.sparse.csgraph Dijkstra."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from scipy import ndimage
from test_guidance_refs import dijkstra_reference

from reference_impl.guidance import (
    edt_map,
    exp_gdt_map,
    gdt_map,
    geodesic_distance_transform,
    truncate_top,
)
from reference_impl.interactions import Click

CASES = [
    ((15, 17), (1.0, 1.0)),
    ((13, 11), (0.6, 2.0)),
    ((7, 9, 8), (1.0, 1.0, 1.0)),
    ((7, 9, 8), (3.0, 1.0, 0.7)),
]


def _clicks(shape, n, rng):
    out = [Click(1, (0,) * len(shape)), Click(0, tuple(s - 1 for s in shape))]
    out += [
        Click(int(rng.integers(0, 2)), tuple(int(rng.integers(0, s)) for s in shape))
        for _ in range(n)
    ]
    return out


@pytest.mark.parametrize("shape,spacing", CASES)
@pytest.mark.parametrize("lamb", [0.0, 0.5, 1.0])
def test_gdt_matches_dijkstra(shape, spacing, lamb):
    rng = np.random.default_rng(len(shape) * 10 + int(lamb * 2))
    img = (rng.random(shape) * 3).astype(np.float32)
    seeds = np.zeros(shape, bool)
    seeds.flat[rng.integers(0, seeds.size, 3)] = True
    got = geodesic_distance_transform(
        torch.from_numpy(seeds), torch.from_numpy(img), spacing=spacing, lamb=lamb
    ).numpy()
    ref = dijkstra_reference(seeds, img.astype(np.float64), spacing, lamb)
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)


def test_gdt_fixed_iterations_is_upper_bound_and_converges():
    rng = np.random.default_rng(1)
    img = torch.from_numpy((rng.random((12, 12, 12)) * 5).astype(np.float32))
    seeds = torch.zeros(12, 12, 12, dtype=torch.bool)
    seeds[6, 6, 6] = True
    exact = geodesic_distance_transform(seeds, img)
    one = geodesic_distance_transform(seeds, img, iterations=1)
    assert bool((one >= exact - 1e-5).all())
    assert float((one - exact).max()) > 1e-3  # one round is not enough on noise: could fail
    assert torch.equal(geodesic_distance_transform(seeds, img, iterations=12), exact)


@pytest.mark.parametrize("shape,spacing", CASES)
@pytest.mark.parametrize("sigma", [0.0, 2.0])
def test_edt_matches_scipy(shape, spacing, sigma):
    rng = np.random.default_rng(5)
    clicks = _clicks(shape, 4, rng)
    got = edt_map(clicks, shape, sigma=sigma, spacing=spacing, device="cpu").numpy()
    for ch, label in enumerate((1, 0)):
        seeds = np.ones(shape, bool)
        grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
        for c in clicks:
            if c.label == label:
                d = np.sqrt(
                    sum(
                        ((g - ci) * s) ** 2
                        for g, ci, s in zip(grids, c.index, spacing, strict=True)
                    )
                )
                seeds &= ~(d <= sigma)
        ref = ndimage.distance_transform_edt(seeds, sampling=spacing)
        if sigma == 0:
            np.testing.assert_allclose(got[ch], ref, rtol=1e-5, atol=1e-4)
        else:  # distance to the continuous ball: <= discrete-disk EDT < it + voxel diagonal
            assert np.all(got[ch] <= ref + 1e-4)
            assert np.all(ref - got[ch] < np.linalg.norm(spacing))
            np.testing.assert_array_equal(got[ch] == 0, ref == 0)


def test_edt_squared_and_empty_channel():
    c = [Click(1, (1, 2))]
    plain = edt_map(c, (4, 5), spacing=(2.0, 1.0), device="cpu")
    sq = edt_map(c, (4, 5), spacing=(2.0, 1.0), squared=True, device="cpu")
    torch.testing.assert_close(sq[0], plain[0] ** 2)
    assert bool(torch.isinf(plain[1]).all())
    assert bool(torch.isinf(gdt_map(c, (4, 5), image=torch.zeros(4, 5), device="cpu")[1]).all())
    assert bool((exp_gdt_map([], (4, 5), image=torch.zeros(4, 5), device="cpu") == 1).all())


@pytest.mark.parametrize("theta", [0.0, 10.0, 30.0, 50.0])
def test_theta_truncation_keeps_smallest(theta):
    rng = np.random.default_rng(2)
    d = torch.from_numpy(rng.random(1000).astype(np.float32))
    out = truncate_top(d, theta).numpy()
    srt = np.sort(d.numpy())
    keep = int(np.ceil((1 - theta / 100) * 1000))
    thr = srt[keep - 1]
    np.testing.assert_array_equal(out, np.minimum(d.numpy(), thr))
    assert np.sum(d.numpy() > thr) == 1000 - keep


def test_gdt_map_sigma_seeds_and_exp():
    rng = np.random.default_rng(4)
    shape, sp = (8, 10, 9), (2.0, 1.0, 1.0)
    img = (rng.random(shape) * 2).astype(np.float32)
    clicks = _clicks(shape, 3, rng)
    got = gdt_map(clicks, shape, image=img, sigma=2.0, lamb=0.5, spacing=sp, device="cpu")
    for ch, label in enumerate((1, 0)):
        grids = np.meshgrid(*[np.arange(s) for s in shape], indexing="ij")
        seeds = np.zeros(shape, bool)
        for c in clicks:
            if c.label == label:
                seeds |= (
                    sum(((g - ci) * s) ** 2 for g, ci, s in zip(grids, c.index, sp, strict=True))
                    <= 4.0
                )
        ref = dijkstra_reference(seeds, img.astype(np.float64), sp, 0.5)
        np.testing.assert_allclose(got[ch].numpy(), ref, rtol=1e-5, atol=1e-5)
    e = exp_gdt_map(clicks, shape, image=img, sigma=2.0, lamb=0.5, spacing=sp, device="cpu")
    torch.testing.assert_close(e, 1 - torch.exp(-got))


def test_errors():
    with pytest.raises(ValueError, match=re.escape("needs image=")):
        gdt_map([], (4, 4), image=None, device="cpu")
    with pytest.raises(ValueError, match=re.escape("image shape (4, 5) must equal shape (4, 4)")):
        gdt_map([], (4, 4), image=np.zeros((4, 5)), device="cpu")
    with pytest.raises(ValueError, match=re.escape("lamb must be in [0, 1], got 2")):
        geodesic_distance_transform(torch.ones(3, 3, dtype=bool), torch.zeros(3, 3), lamb=2)
    with pytest.raises(ValueError, match=re.escape("theta must be a percentage in [0, 100]")):
        edt_map([Click(1, (0, 0))], (3, 3), theta=101, device="cpu")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    rng = np.random.default_rng(0)
    shape, sp = (16, 20, 18), (2.0, 1.0, 1.5)
    img = (rng.random(shape) * 3).astype(np.float32)
    clicks = _clicks(shape, 5, rng)
    for f, kw in [(edt_map, {"theta": 10.0}), (gdt_map, {"image": img, "lamb": 0.7})]:
        cpu = f(clicks, shape, spacing=sp, device="cpu", **kw)
        gpu = f(clicks, shape, spacing=sp, device="cuda", **kw).cpu()
        torch.testing.assert_close(gpu, cpu, atol=1e-4, rtol=1e-5)


@pytest.mark.parametrize("shape,spacing", [CASES[1], CASES[3]])
def test_fused_cuda_sweep_is_bitwise_equal_on_cpu(shape, spacing):
    """The fused inner loop (used on CUDA) is run on CPU and must equal the shifted one."""
    from reference_impl.guidance.geodesic import _gdt

    rng = np.random.default_rng(9)
    img = torch.from_numpy((rng.random(shape) * 2).astype(np.float32))
    seeds = torch.zeros((2, *shape), dtype=torch.bool)
    seeds[0].view(-1)[3] = True
    seeds[1].view(-1)[-1] = True
    for it in (None, 2):
        a = _gdt(seeds, img, spacing, 0.7, it, fused=False)
        b = _gdt(seeds, img, spacing, 0.7, it, fused=True)
        assert torch.equal(a, b)
    ref = dijkstra_reference(seeds[0].numpy(), img.numpy().astype(np.float64), spacing, 0.7)
    np.testing.assert_allclose(b[0].numpy(), ref, rtol=1e-5, atol=1e-5)


def test_gdt_costs_once_per_call_and_graph_round_logic(monkeypatch):
    """Edge weights are built 2·D times per call (not per round); the CUDA-graph control
    flow (round 0 eager + capture, later rounds replayed) gives the eager result bit for bit."""
    from reference_impl.guidance import _gdt_torch as geo

    rng = np.random.default_rng(3)
    shape, sp = (9, 11, 10), (2.0, 1.0, 0.7)
    img = torch.from_numpy((rng.random(shape) * 3).astype(np.float32))
    seeds = torch.zeros((2, *shape), dtype=torch.bool)
    seeds[0, 0, 0, 0] = seeds[1, -1, -1, -1] = True
    calls = {"costs": 0, "capture": 0, "replay": 0}
    real_costs = geo._pass_costs

    def counting_costs(*args):
        calls["costs"] += 1
        return real_costs(*args)

    def fake_capture(one_round, device):  # the CPU stand-in for _capture_round
        calls["capture"] += 1
        one_round()

        def replay():
            calls["replay"] += 1
            one_round()

        return replay

    monkeypatch.setattr(geo, "_pass_costs", counting_costs)
    monkeypatch.setattr(geo, "_capture_round", fake_capture)
    eager = geo._gdt(seeds, img, sp, 1.0, None, fused=True, graphs=False)
    assert calls["costs"] == 6, calls
    graphed = geo._gdt(seeds, img, sp, 1.0, None, fused=True, graphs=True)
    assert torch.equal(eager, graphed)
    assert calls["capture"] == 1 and calls["replay"] >= 1, calls
    fixed = geo._gdt(seeds, img, sp, 1.0, 3, fused=True, graphs=True)
    assert torch.equal(fixed, geo._gdt(seeds, img, sp, 1.0, 3, fused=True, graphs=False))
    assert calls["replay"] >= 3  # 2 more replays for the 3-round call


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_graph_gdt_equals_eager_cuda():
    from reference_impl.guidance.geodesic import _gdt

    rng = np.random.default_rng(4)
    shape, sp = (20, 24, 22), (3.0, 2.0, 2.0)
    img = torch.from_numpy((rng.random(shape) * 3).astype(np.float32)).cuda()
    seeds = torch.zeros((2, *shape), dtype=torch.bool, device="cuda")
    seeds[0, 3, 4, 5] = seeds[1, -1, 0, -1] = True
    for it in (None, 3):
        eager = _gdt(seeds, img, sp, 0.7, it, fused=True, graphs=False)
        graphed = _gdt(seeds, img, sp, 0.7, it, fused=True, graphs=True)
        assert torch.equal(eager, graphed)
    ref = dijkstra_reference(seeds[0].cpu().numpy(), img.cpu().numpy().astype(np.float64), sp, 0.7)
    np.testing.assert_allclose(graphed[0].cpu().numpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_kth_smallest_equals_kthvalue(dtype):
    """Exact selection: numpy's introselect gives torch.kthvalue's value (ties, both ends)."""
    from reference_impl.guidance.geodesic import kth_smallest

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 1000, 100_003):
        vals = torch.from_numpy(rng.random(n)).to(dtype)
        vals[: n // 3] = vals[0]  # many ties
        for k in {1, n, max(1, n // 2), max(1, math.ceil(0.9 * n))}:
            got = kth_smallest(vals, k)
            assert got.dtype == dtype and got.item() == torch.kthvalue(vals, k).values.item()
    with pytest.raises(ValueError, match=re.escape("k must be in [1, 3]")):
        kth_smallest(torch.ones(3), 4)
    with pytest.raises(ValueError, match="1-D"):
        kth_smallest(torch.ones(2, 2), 1)
