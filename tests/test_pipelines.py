"""End-to-end tests of the leaf pipelines (small budget, synthetic phantoms, CPU).

Every leaf runs once (parametrised); the runs are the slow part of this file (the 13 runs
together take a few minutes on a 2-core CPU).  Bad inputs must fail before any training.
"""

from __future__ import annotations

import json
import re
import threading

import nibabel as nib
import numpy as np
import pytest
import yaml

from app.cli import main
from reference_impl.pipelines import (
    PIPELINES,
    Cancelled,
    get_budget,
    get_pipeline,
    run_pipeline,
)
from taxonomy import leaf_pipeline, pipeline_ids

LEAVES = [p.leaf for p in PIPELINES.values()]


def test_registry_matches_taxonomy():
    assert list(PIPELINES) == list(pipeline_ids())
    for pid, p in PIPELINES.items():
        assert leaf_pipeline(p.leaf)["id"] == pid
        assert get_pipeline(p.leaf) is p and get_pipeline(pid) is p


def test_unknown_pipeline_lists_known_ids():
    with pytest.raises(ValueError, match=re.escape("unknown pipeline or leaf 'T9.9'; known")):
        get_pipeline("T9.9")
    with pytest.raises(ValueError, match="t2.1.2.2.1-center-largest-error"):
        get_pipeline("nope")


def test_unknown_budget():
    with pytest.raises(
        ValueError, match=re.escape("unknown budget 'huge'; known: ['small', 'full']")
    ):
        get_budget("huge")


# --------------------------------------------------------------------------- bad inputs
def _pair(
    tmp_path, *, shape=(12, 14, 16), label_shape=None, label_affine=None, nan=False, empty=False
):
    rng = np.random.default_rng(0)
    img = rng.random(shape).astype(np.float32)
    if nan:
        img[1, 2, 3] = np.nan
    lab = np.zeros(label_shape or shape, np.uint8)
    if not empty:
        lab[4:8, 4:8, 4:8] = 1
    a = tmp_path / "img.nii.gz"
    b = tmp_path / "lab.nii.gz"
    nib.save(nib.Nifti1Image(img, np.eye(4)), a)
    nib.save(nib.Nifti1Image(lab, label_affine if label_affine is not None else np.eye(4)), b)
    return f"{a},{b}"


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if any training step starts."""

    def boom(*a, **k):
        raise AssertionError("training started before the input was validated")

    import torch

    monkeypatch.setattr(torch.optim, "Adam", boom)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("shape", "image/label shape mismatch"),
        ("affine", "image/label affine mismatch"),
        ("nan", "image contains NaN or infinite values"),
        ("empty", "the label is empty"),
    ],
)
def test_bad_inputs_fail_before_training(tmp_path, capsys, no_training, kind, message):
    kwargs = {
        "shape": {"label_shape": (12, 14, 15)},
        "affine": {"label_affine": np.diag([2.0, 1, 1, 1])},
        "nan": {"nan": True},
        "empty": {"empty": True},
    }[kind]
    data = _pair(tmp_path, **kwargs)
    out = tmp_path / "out"
    code = main(["run", "--leaf", "T2.1.2.2.1", "--data", data, "--out", str(out), "--quiet"])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_unknown_leaf_and_data_exit_2(tmp_path, capsys, no_training):
    assert main(["run", "--leaf", "T9.9", "--out", str(tmp_path / "o")]) == 2
    assert "unknown pipeline or leaf 'T9.9'" in capsys.readouterr().err
    assert (
        main(["run", "--leaf", "T3.1", "--data", "no_such_thing", "--out", str(tmp_path / "o")])
        == 2
    )
    assert "is neither 'synthetic', a sample" in capsys.readouterr().err
    assert (
        main(
            [
                "run",
                "--leaf",
                "T3.1",
                "--data",
                str(tmp_path / "a.nii.gz"),
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    assert "give an image and its label as IMAGE,LABEL" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cuda_without_cuda_fails(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="CUDA is not available"):
        run_pipeline("T3.1", device="cuda", out=tmp_path / "o")


def test_cancel_leaves_no_output(tmp_path):
    ev = threading.Event()
    seen = []

    def progress(frac, msg):
        seen.append(frac)
        if frac > 0.1:
            ev.set()

    with pytest.raises(Cancelled):
        run_pipeline(
            "T2.1.2.2.1", out=tmp_path / "run", progress=progress, cancel=ev, show_progress=False
        )
    assert seen and not (tmp_path / "run").exists()
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- the 13 leaves
def _check_outputs(out, pid):
    m = json.loads((out / "metrics.json").read_text())
    cfg = yaml.safe_load((out / "config.yaml").read_text())
    assert cfg["pipeline"] == pid and cfg["budget"] == "small" and cfg["seed"] == 0
    for f in ("dice_curve.png", "overlay.png"):
        assert (out / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert m["pipeline"] == pid and m["seed"] == 0 and "torch" in m["versions"]
    assert all(0.0 <= d <= 1.0 for d in m["dice"])
    assert m["timings"]["total_s"] > 0
    return m


@pytest.mark.slow
@pytest.mark.parametrize("leaf", LEAVES)
def test_leaf_small_budget(tmp_path, leaf):
    pipe = get_pipeline(leaf)
    out = tmp_path / "run"
    run_pipeline(leaf, out=out, device="cpu", budget="small", seed=0, show_progress=False)
    m = _check_outputs(out, pipe.id)
    b = get_budget("small")
    if leaf == "T1.1":
        assert m["curve_kind"] == "round"
        assert len(m["dice"]) == b.al_rounds + 1
        rounds = m["active_learning"]["rounds"]
        assert [r["n_labelled"] for r in rounds] == [
            b.al_start + b.al_query * (i + 1) for i in range(len(rounds))
        ]
        assert m["final"] > 0.3
    elif leaf == "T2.2.1":
        assert len(m["dice"]) == 2
        assert m["final"] > m["box_only_dice"], "the model must refine the boxes"
        assert (out / "weak_labels").is_dir() and m["weak_label_files"] == b.n_train
    else:
        assert len(m["dice"]) == b.n_interactions + 1
        assert m["final"] > m["initial"] + 0.03, f"Dice did not improve: {m['dice']}"
        assert m["final"] > 0.4, f"final Dice too low: {m['dice']}"
        assert 0.0 <= m["auc"] <= 1.0 and "NoC@90" in m


@pytest.mark.slow
def test_config_yaml_reproduces_run(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", "--leaf", "T3.1", "--interactions", "2", "--out", str(a), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["run", "--config", str(a / "config.yaml"), "--out", str(b), "--quiet"]) == 0
    ma = json.loads((a / "metrics.json").read_text())
    mb = json.loads((b / "metrics.json").read_text())
    assert ma["dice"] == mb["dice"] and len(ma["dice"]) == 3


def test_cli_list(capsys):
    assert main(["run", "--list"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(PIPELINES) and lines[0].split()[:2] == ["T1.1", list(PIPELINES)[0]]
