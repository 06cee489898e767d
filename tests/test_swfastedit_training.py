"""SW-FastEdit model, data helpers, iterative click training, checkpoints, DDP and evaluation."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch

from reference_impl.evaluation.data import find_pairs
from reference_impl.phantoms import make_phantoms
from reference_impl.swfastedit.data import (
    augment,
    data_fingerprint,
    load_dataset,
    normalize_intensity,
    random_crop,
    synthetic_volumes,
)
from reference_impl.swfastedit.model import (
    UNetConfig,
    build_network,
    count_parameters,
    required_divisor,
)
from reference_impl.swfastedit.training import TrainConfig, load_checkpoint, train

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "crop_size": (16, 16, 16),
    "roi_size": (16, 16, 16),
    "lr": 3e-3,
    "net": UNetConfig(width=2, levels=3).to_dict(),
    "n_iterations": 2,
}


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_network_shapes_divisor_and_config_errors():
    cfg = UNetConfig(width=4)
    assert cfg.filters() == [4, 8, 16, 32, 40, 40]
    assert cfg.strides()[-1] == (1, 2, 2)
    assert required_divisor(cfg) == (16, 32, 32)
    net = build_network(cfg)
    assert net(torch.zeros(1, 3, 32, 32, 32)).shape == (1, 2, 32, 32, 32)
    assert count_parameters(net) * 4 < 10 * 2**20
    with pytest.raises(ValueError, match=re.escape("levels must be in 2..7, got 9")):
        UNetConfig(levels=9)
    with pytest.raises(TypeError, match="pass either a config or keyword fields"):
        build_network(cfg, width=3)


_HEAVY = ("torch", "monai", "scipy", "skimage", "cc3d", "matplotlib")


def test_cli_import_and_register_load_no_heavy_module():
    code = (
        "import sys, argparse, reference_impl.swfastedit as sw, reference_impl.swfastedit.cli as c;"
        "p = argparse.ArgumentParser(); s = p.add_subparsers(); b = s.add_parser('bench').add_subparsers();"
        "c.register(s, b); p.parse_args(['train', '--data', 'synthetic', '--out', 'x']); p.parse_args(['bench', 'swfastedit']);"
        f"print(sorted(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.strip()
    assert out == "[]", f"importing reference_impl.swfastedit.cli loaded {out}"


def test_lazy_exports_resolve():
    import reference_impl.swfastedit as sw
    from reference_impl.swfastedit import inference, training

    assert sw.SWFastEditPredictor is inference.SWFastEditPredictor and sw.train is training.train
    assert set(sw.__all__) <= set(dir(sw))
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        sw.nope  # noqa: B018


def test_synthetic_phantoms_show_their_objects_in_both_polarities():
    """Dark phantoms used to be blank (``make_phantom`` paints ``max(bg, contrast)``)."""
    vols = synthetic_volumes(12, (24, 32, 32), rng=3)
    gaps = []
    for v in vols:
        x = normalize_intensity(v.image)
        gaps.append(float(x[v.label > 0].mean() - x[v.label == 0].mean()))
    assert all(abs(g) > 0.15 for g in gaps), gaps
    assert min(gaps) < 0 < max(gaps), gaps  # both bright and dark objects occur
    same = synthetic_volumes(3, (24, 32, 32), rng=3, body=0.0)
    assert all((a.image == b.image).all() for a, b in zip(vols, same, strict=False))
    low = synthetic_volumes(12, (24, 32, 32), rng=3, contrast=(0.1, 0.1))  # faint objects
    faint = [
        abs(
            float(
                normalize_intensity(v.image)[v.label > 0].mean()
                - normalize_intensity(v.image)[v.label == 0].mean()
            )
        )
        for v in low
    ]
    assert max(faint) < min(abs(g) for g in gaps), (faint, gaps)
    for v in synthetic_volumes(3, (24, 32, 32), rng=3, body=1.0):  # CT-like: air around a body
        x = normalize_intensity(v.image)
        air = x < 0.1
        assert 0.05 < air.mean() < 0.6 and not (air & (v.label > 0)).any()
        assert np.median(x[~air]) > 0.6  # tissue high in [0, 1], as CT soft tissue is


def test_data_helpers(tmp_path):
    x = normalize_intensity(np.array([0.0, 1.0, 2.0, 100.0]), lower=0, upper=75)
    assert x.min() == 0.0 and x.max() == 1.0 and x.dtype == np.float32
    assert not normalize_intensity(np.ones((3, 3))).any()
    with pytest.raises(
        ValueError, match=re.escape("method must be one of ['percentile', 'none'], got 'z'")
    ):
        normalize_intensity(np.ones(3), method="z")
    vol = make_phantoms(1, (20, 30, 30), rng=0)[0]
    for seed in range(5):
        img, lab = random_crop(vol.image, vol.label, (16, 16, 16), p_lesion=1.0, rng=seed)
        assert img.shape == (16, 16, 16) and lab.any()
    img, lab = random_crop(
        vol.image, vol.label, (24, 40, 8), rng=0
    )  # larger than the volume: padded
    assert img.shape == (24, 40, 8)
    a, b = augment(vol.image, vol.label, p_flip=1.0, p_rot=0.0, rng=0)
    np.testing.assert_array_equal(a, vol.image[::-1, ::-1, ::-1])
    assert b.shape == vol.label.shape
    for name in ("c1", "c2"):
        nib.save(nib.Nifti1Image(vol.image, np.eye(4)), tmp_path / f"{name}.nii.gz")
        nib.save(nib.Nifti1Image(vol.label, np.eye(4)), tmp_path / f"{name}_label.nii.gz")
    pairs = find_pairs(tmp_path)
    assert [p[0].name for p in pairs] == ["c1.nii.gz", "c2.nii.gz"]
    vols = load_dataset(tmp_path)
    assert len(vols) == 2 and vols[0].label.any()
    assert data_fingerprint(vols) != data_fingerprint(vols[:1])
    (tmp_path / "empty").mkdir()
    assert find_pairs(tmp_path / "empty") == []
    with pytest.raises(ValueError, match="no image/label pairs found"):
        load_dataset(tmp_path / "empty")
    with pytest.raises(FileNotFoundError, match="no such data folder"):
        load_dataset(tmp_path / "missing")


def test_training_smoke_checkpoint_and_resume(tmp_path):
    vols = make_phantoms(3, (16, 24, 24), rng=1)
    cfg = TrainConfig(epochs=2, pretrain_epochs=1, dice_stop=0.9, **TINY)
    state = torch.get_rng_state()
    meta = train(vols, cfg, out_dir=tmp_path, log=lambda _: None)
    assert torch.equal(torch.get_rng_state(), state)  # no global seeding
    assert meta["epoch"] == 3 and len(meta["metrics"]) == 3
    assert [m["interactive"] for m in meta["metrics"]] == [False, True, True]
    assert meta["metrics"][0]["clicks"] == 0 and meta["metrics"][1]["clicks"] > 0
    assert meta["data_fingerprint"] == data_fingerprint(vols)
    net, cfg2, meta2 = load_checkpoint(tmp_path / "model.pt")
    assert cfg2 == cfg and not net.training
    more = TrainConfig(epochs=3, pretrain_epochs=1, dice_stop=0.9, **TINY)
    meta3 = train(vols, more, out_dir=tmp_path, resume=tmp_path / "last.pt", log=lambda _: None)
    assert [m["epoch"] for m in meta3["metrics"]] == [1, 2, 3, 4]
    bad = TrainConfig(epochs=1, **{**TINY, "net": UNetConfig(width=3, levels=3).to_dict()})
    with pytest.raises(ValueError, match="network config"):
        train(vols, bad, out_dir=tmp_path, resume=tmp_path / "last.pt")
    with pytest.raises(
        ValueError, match=re.escape("iterations must be one of ['fixed', 'random'], got 'x'")
    ):
        TrainConfig(iterations="x")
    with pytest.raises(FileNotFoundError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nope.pt")
    with pytest.raises(
        ValueError, match=re.escape("unknown robot user 'R9'; known: R1, R2, R3, R4, R5")
    ):
        TrainConfig(robot_user="R9")
    with pytest.raises(ValueError, match=re.escape("got epochs=0, pretrain_epochs=0")):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match=re.escape("lr must be > 0, got 0.0")):
        TrainConfig(lr=0.0)


def test_ddp_two_gloo_processes_stay_in_sync(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        "-m",
        "app.cli",
        "train",
        "--data",
        "synthetic",
        "--n-synthetic",
        "4",
        "--synthetic-shape",
        "16,24,24",
        "--epochs",
        "2",
        "--crop-size",
        "16",
        "--roi-size",
        "16",
        "--width",
        "2",
        "--levels",
        "3",
        "--n-iterations",
        "2",
        "--lr",
        "1e-2",
        "--device",
        "cpu",
        "--out",
        str(tmp_path),
    ]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    _, _, meta = load_checkpoint(tmp_path / "model.pt")
    assert meta["world_size"] == 2 and meta["ranks_in_sync"] is True
    assert len(meta["metrics"]) == 2


def test_cli_bench_cpu_writes_json(tmp_path):
    from app.cli import main

    out = tmp_path / "b.json"
    rc = main(
        [
            "bench",
            "swfastedit",
            "--device",
            "cpu",
            "--sizes",
            "40,40,40",
            "48,48,40",
            "--roi-size",
            "16",
            "--width",
            "2",
            "--levels",
            "3",
            "--clicks",
            "3",
            "--out",
            str(out),
            "--threads",
            "1",
        ]
    )
    assert rc == 0
    res = json.loads(out.read_text())
    rows = res["results"]
    assert [r["shape"] for r in rows] == [[40, 40, 40], [48, 48, 40]]
    assert rows[0]["windows_total"] == 27 and rows[1]["windows_total"] == 48
    assert all(0 < r["corrective_windows_mean"] < r["windows_total"] for r in rows)
    assert all(r["first_peak_gib"] is None for r in rows)  # peak memory is a CUDA-only field


def test_cli_rejects_bad_values_naming_them(tmp_path, capsys):
    from app.cli import main

    assert (
        main(["train", "--data", "synthetic", "--synthetic-body", "1.5", "--out", str(tmp_path)])
        == 2
    )
    assert "--synthetic-body must be in [0, 1], got 1.5" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(
            ["train", "--data", "synthetic", "--synthetic-contrast", "0,1", "--out", str(tmp_path)]
        )
    assert "expected 0 < min <= max, got '0,1'" in capsys.readouterr().err
    with pytest.raises(
        ValueError, match=re.escape("contrast must be a range 0 < min <= max, got (2.0, 1.0)")
    ):
        load_dataset("synthetic", contrast=(2.0, 1.0))
    with pytest.raises(
        ValueError, match=re.escape("body must be a probability in [0, 1], got -0.5")
    ):
        load_dataset("synthetic", body=-0.5)
    assert not any(tmp_path.iterdir())


def test_cuda_bench_defaults_cover_the_issue_range():
    """Issue 6: 50 M to 500 M voxels, including the 400 x 400 x 352 reference volume."""
    from reference_impl.swfastedit.benchmark import DEFAULTS

    d = DEFAULTS["cuda"]
    voxels = [int(np.prod(s)) for s in d["sizes"]]
    assert (400, 400, 352) in d["sizes"] and d["roi"] == (128, 128, 128)
    assert 50e6 <= min(voxels) and max(voxels) <= 500e6 and max(voxels) > 400e6


def test_nrrd_folder_of_real_pairs(shared_data):
    vols = load_dataset(
        shared_data / "pyradiomics_lesions"
    )  # <case>_image.nrrd + <case>_label.nrrd
    assert [(v.shape, int(v.label.sum())) for v in vols] == [
        ((25, 256, 256), 4137),
        ((23, 256, 256), 453),
        ((21, 120, 45), 143),
    ]
