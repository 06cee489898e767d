"""Tests of the Table 9 click-simulation variants against a brute-force full-volume reference."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch
from scipy import ndimage as ndi

from app.cli import main
from reference_impl.robot_users import CLICKSIM_METHODS, simulate_click
from reference_impl.robot_users._core import edt


def _random_mask(seed, shape):
    rng = np.random.default_rng(seed)
    return ndi.gaussian_filter(rng.random(shape), 1.5) > 0.53


def _reference_click(mask, spacing, rng, *, full):
    """Independent full-volume reference: scipy labels, padded EDT, ties in raster order."""
    structure = ndi.generate_binary_structure(mask.ndim, mask.ndim if full else 1)
    lab, _ = ndi.label(mask, structure=structure)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    comp = lab == int(np.argmax(sizes))
    d = ndi.distance_transform_edt(np.pad(comp, 1), sampling=spacing)[(slice(1, -1),) * mask.ndim]
    ties = np.flatnonzero(d.ravel() >= d.max() * (1 - 1e-6))
    pick = ties[rng.integers(len(ties))] if len(ties) > 1 else ties[0]
    return tuple(int(i) for i in np.unravel_index(pick, mask.shape))


def test_edt_matches_brute_force_with_border_as_boundary():
    m = _random_mask(0, (7, 9))
    m[0, :] = True  # touches the border
    sp = (2.0, 0.5)
    zeros = np.argwhere(~np.pad(m, 1)) - 1
    d = edt(m, sp)
    for idx in np.argwhere(m):
        brute = np.sqrt((((zeros - idx) * sp) ** 2).sum(1)).min()
        assert d[tuple(idx)] == pytest.approx(brute)


@pytest.mark.parametrize("method", ["argmax", "argmax_crop"])
@pytest.mark.parametrize(
    "shape,spacing",
    [((20, 24, 24), (1.0, 1.0, 1.0)), ((12, 30, 30), (3.0, 0.7, 0.7)), ((40, 40), (1.0, 1.0))],
)
@pytest.mark.parametrize("seed", range(4))
def test_exact_variants_return_the_reference_click(method, shape, spacing, seed):
    m = _random_mask(seed, shape)
    m[(0,) * len(shape)] = True  # a voxel on the border corner
    got = simulate_click(m, method=method, spacing=spacing, rng=seed, connectivity=26)
    ref = _reference_click(m, spacing, np.random.default_rng(seed), full=True)
    assert got == ref


def test_ties_are_broken_by_the_rng_and_reproducible():
    m = np.zeros((3, 9, 9), bool)
    m[1, 1:8, 1:8] = True  # a single slice: many equally central voxels
    picks = {simulate_click(m, method="argmax_crop", rng=s) for s in range(30)}
    assert len(picks) > 3
    for s in range(5):
        assert simulate_click(m, method="argmax", rng=s) == simulate_click(
            m, method="argmax_crop", rng=s
        )


def test_component_all_vs_largest_and_6_connectivity():
    m = np.zeros((10, 10, 10), bool)
    m[0:4, 0:4, 0:4] = True  # 64 voxels, deep
    m[4:6, 4:10, 4:10] = True  # 72 voxels, touches the cube at an edge/corner only, flat
    c_all = simulate_click(m, method="argmax_crop", component="all", rng=0)
    c6 = simulate_click(m, method="argmax_crop", connectivity=6, rng=0)
    assert c6[0] >= 4  # the flat slab is the largest 6-connected component
    assert m[c_all] and edt(m, (1.0,) * 3)[c_all] == pytest.approx(edt(m, (1.0,) * 3).max())


def test_sakinis_samples_proportionally_to_the_edt():
    m = np.zeros((7, 7), bool)
    m[1:6, 1:6] = True
    d = edt(m, (1.0, 1.0))
    p = d / d.sum()
    rng = np.random.default_rng(0)
    n = 3000
    counts = np.zeros(m.shape)
    for _ in range(n):
        counts[simulate_click(m, method="sakinis", rng=rng)] += 1
    assert np.all(np.abs(counts - n * p) <= 4 * np.sqrt(n * p * (1 - p)) + 1)


@pytest.mark.parametrize("seed", range(3))
def test_resize_variant_is_close_to_the_exact_click(seed):
    m = ndi.binary_dilation(_random_mask(seed, (24, 40, 40)), iterations=2)
    sp = (2.0, 1.0, 1.0)
    c = simulate_click(m, method="argmax_crop_resize", spacing=sp, rng=seed)
    lab, _ = ndi.label(m, structure=ndi.generate_binary_structure(3, 3))
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    comp = lab == int(np.argmax(sizes))
    d = edt(comp, sp)
    assert comp[c]
    assert d[c] >= d.max() - 2 * 2 * max(sp)  # within two coarse voxels of the optimum


def test_empty_and_invalid_inputs():
    z = np.zeros((4, 4, 4), bool)
    for method in CLICKSIM_METHODS:
        assert simulate_click(z, method=method) is None
    with pytest.raises(
        ValueError,
        match=re.escape(
            "method must be one of ('sakinis', 'argmax', 'argmax_crop', 'argmax_crop_resize'), got 'fast'"
        ),
    ):
        simulate_click(z, method="fast")
    with pytest.raises(
        ValueError, match=re.escape("component must be one of ('largest', 'all'), got 'max'")
    ):
        simulate_click(z, component="max")
    with pytest.raises(ValueError, match=re.escape("error must be a 2D or 3D array, got 1D")):
        simulate_click(np.zeros(4))


def test_bench_cli_writes_json(tmp_path, capsys):
    out = tmp_path / "cs.json"
    rc = main(
        [
            "bench",
            "clicksim",
            "--device",
            "cpu",
            "--shape",
            "16,24,24",
            "--cases",
            "1",
            "--repeats",
            "2",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    res = json.loads(out.read_text())
    assert res["shape"] == [16, 24, 24] and res["device"] == "cpu"
    les, scat = res["lesions"]["variants"], res["scattered"]["variants"]
    assert set(les) == {
        "peer_scipy_full",
        "peer_edt_full",
        "sakinis",
        "argmax",
        "argmax_crop",
        "argmax_crop_resize",
    }
    for key in ("peer_scipy_full", "argmax", "argmax_crop"):  # exact: the same click
        assert les[key]["same_click_as_peer_edt_full"] == 1.0, key
    assert scat["argmax_crop_all"]["same_click_as_peer_edt_full"] == 1.0
    assert scat["peer_scipy_full"]["same_click_as_peer_edt_full"] == 1.0
    assert les["argmax_crop"]["runs"] == 2 and res["scattered_components_mean"] > 1
    assert "argmax_crop" in capsys.readouterr().out
    assert main(["bench", "clicksim", "--shape", "16,24"]) == 2


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_exact_variant_matches_cpu():
    pytest.importorskip("cupy")
    for seed in range(3):
        m = _random_mask(seed, (20, 32, 32))
        assert simulate_click(m, method="argmax_crop", rng=seed, device="cuda") == simulate_click(
            m, method="argmax_crop", rng=seed
        )


def test_cuda_branch_without_cupy_is_a_clear_error(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy -> ImportError
    with pytest.raises(ValueError, match=re.escape("device='cuda' needs CuPy")):
        simulate_click(np.ones((3, 3), bool), device="cuda")


@pytest.mark.parametrize("method", CLICKSIM_METHODS)
def test_cuda_branch_logic_with_numpy_standing_in_for_cupy(method, monkeypatch):
    """The GPU code path run with numpy/scipy in place of CuPy must give the CPU clicks."""
    import sys
    import types

    fake = types.ModuleType("cupy")
    for name in ("asarray", "pad", "bincount", "argwhere"):
        setattr(fake, name, getattr(np, name))
    fake.asnumpy = np.asarray
    cupyx = types.ModuleType("cupyx")
    cupyx_scipy = types.ModuleType("cupyx.scipy")
    cupyx_scipy.ndimage = ndi
    cupyx.scipy = cupyx_scipy
    monkeypatch.setitem(sys.modules, "cupy", fake)
    monkeypatch.setitem(sys.modules, "cupyx", cupyx)
    monkeypatch.setitem(sys.modules, "cupyx.scipy", cupyx_scipy)
    monkeypatch.setitem(sys.modules, "cupyx.scipy.ndimage", ndi)
    for seed in range(3):
        m = _random_mask(seed, (14, 22, 22))
        for conn in (6, 26):
            gpu = simulate_click(
                m,
                method=method,
                rng=seed,
                connectivity=conn,
                device="cuda",
                spacing=(2.0, 1.0, 1.0),
            )
            cpu = simulate_click(
                m, method=method, rng=seed, connectivity=conn, spacing=(2.0, 1.0, 1.0)
            )
            assert gpu == cpu
    assert simulate_click(np.zeros((4, 4, 4), bool), method=method, device="cuda") is None


def test_cli_module_import_is_light():
    """Every ``iseg`` command imports this CLI module: it must not load scipy/torch & co."""
    import subprocess
    import sys

    code = (
        "import sys, reference_impl.robot_users.cli as c, reference_impl.robot_users as r; "
        "heavy = [m for m in ('torch', 'scipy', 'skimage', 'cc3d', 'monai') if m in sys.modules]; "
        "print(heavy, callable(r.get_robot_user))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] True"


def test_bench_rejects_empty_runs():
    from reference_impl.robot_users.bench import bench_clicksim

    with pytest.raises(ValueError, match=re.escape("n_cases must be >= 1, got 0")):
        bench_clicksim((16, 16, 16), n_cases=0)
    with pytest.raises(ValueError, match=re.escape("repeats must be >= 1, got 0")):
        bench_clicksim((16, 16, 16), repeats=0)


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (3.0, 0.7, 0.7)])
@pytest.mark.parametrize("kind", ["scattered", "compact"])
def test_component_all_crop_and_full_volume_branches_match_the_reference(kind, spacing):
    rng = np.random.default_rng(5)
    m = ndi.gaussian_filter(rng.random((14, 20, 22)), 1.0) > 0.56  # box ~ the volume
    if kind == "compact":  # box far below half the volume: the cropped branch
        m = np.zeros((14, 20, 22), bool)
        m[3:7, 4:11, 9:15] = True
        m[5, 12, 15] = True
    for seed in range(3):
        got = simulate_click(m, method="argmax_crop", component="all", spacing=spacing, rng=seed)
        d = ndi.distance_transform_edt(np.pad(m, 1), sampling=spacing)[1:-1, 1:-1, 1:-1]
        ties = np.flatnonzero(d.ravel() >= d.max() * (1 - 1e-6))
        r = np.random.default_rng(seed)
        pick = ties[r.integers(len(ties))] if len(ties) > 1 else ties[0]
        assert got == tuple(int(i) for i in np.unravel_index(pick, m.shape))


def test_docs_quote_the_committed_clicksim_results():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    res = json.loads((root / "bench" / "results" / "clicksim_cpu.json").read_text())
    doc = (root / "docs" / "robot_users.md").read_text()
    assert res["command"] in doc
    crop = res["lesions"]["variants"]["argmax_crop"]
    scat = res["scattered"]["variants"]["argmax_crop_all"]
    assert f"**{crop['ratio_fastest_peer_over_this']:.2f}×**" in doc
    assert f"**{scat['ratio_fastest_peer_over_this']:.2f}×**" in doc
    assert res["lesions"]["fastest_peer"] == "peer_edt_full"
    assert crop["same_click_as_peer_edt_full"] == scat["same_click_as_peer_edt_full"] == 1.0
