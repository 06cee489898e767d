"""Honest ``iseg run`` on user data (issue 11 item 3): never scored on a trained label.

Leave-label-out inside a multi-label volume, held-out cases in a folder, synthetic training
for a single binary case; ``--label VALUE|NAME`` and the multi-class error; no evaluation
crop; results (NIfTI) on the input grid with the input's affine; the split and the classical
baselines in metrics.json.
"""

from __future__ import annotations

import json

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from reference_impl.pipelines import get_budget, run_pipeline
from reference_impl.pipelines._data import load_data

AFFINE_XYZ = np.array(
    [[0.0, 0.0, -1.5, 10.0], [0.0, 0.9, 0.0, -5.0], [2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 1.0]]
)  # oblique axis order, anisotropic


def _save(path, arr_zyx, affine_xyz=AFFINE_XYZ):
    nib.save(nib.Nifti1Image(np.transpose(arr_zyx, (2, 1, 0)), affine_xyz), path)


def _multi(tmp_path, shape=(12, 20, 22), names=True):
    """A 3-class label map: 1 'spleen' (the bright box), 2 'liver', 3 'kidney'."""
    rng = np.random.default_rng(0)
    img = rng.normal(0, 0.1, shape).astype(np.float32)
    lab = np.zeros(shape, np.uint8)
    lab[3:8, 3:9, 3:9] = 1
    lab[2:9, 11:18, 4:12] = 2
    lab[4:8, 4:9, 14:20] = 3
    img[lab > 0] += 1.0
    a, b = tmp_path / "case.nii.gz", tmp_path / "case_seg.nii.gz"
    _save(a, img)
    _save(b, lab)
    if names:
        (tmp_path / "labels.json").write_text(
            json.dumps({"labels": {"1": "spleen", "2": "liver", "3": "kidney"}})
        )
    return a, b, img, lab


def test_multi_class_without_label_is_an_error_listing_the_classes(tmp_path, capsys):
    a, b, _, _ = _multi(tmp_path)
    code = main(
        [
            "run",
            "--leaf",
            "T2.1.2.2.1",
            "--data",
            f"{a},{b}",
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "multi-class" in err and "1 (spleen), 2 (liver), 3 (kidney)" in err
    assert "--label" in err and not (tmp_path / "o").exists()


@pytest.mark.parametrize("label", ["spleen", "1", 1])
def test_leave_label_out_never_trains_on_the_evaluation_label(tmp_path, label):
    a, b, _, lab = _multi(tmp_path)
    d = load_data(f"{a},{b}", get_budget("small"), 0, label=label)
    assert d.split["kind"] == "leave-label-out"
    assert d.split["eval"] == "spleen" and sorted(d.split["train"]) == ["kidney", "liver"]
    assert "spleen" not in d.split["train"]
    r = d.eval_input[0]["reorientation"]  # everything is in the canonical orientation
    lab = r.to_canonical(lab)
    target = lab == 1
    assert np.array_equal(d.eval[0].label.astype(bool), target)
    for t in d.train:  # no training label touches the evaluation object
        assert t.label.shape == lab.shape  # small volume: not cropped
        assert t.label.sum() in ((lab == 2).sum(), (lab == 3).sum())
        assert not (t.label.astype(bool) & target).any()


def test_unknown_label_name_and_synthetic_label(tmp_path, capsys):
    a, b, _, _ = _multi(tmp_path)
    assert (
        main(
            [
                "run",
                "--leaf",
                "T3.1",
                "--data",
                f"{a},{b}",
                "--label",
                "pancreas",
                "--out",
                str(tmp_path / "o"),
                "--quiet",
            ]
        )
        == 2
    )
    assert "unknown label name 'pancreas'" in capsys.readouterr().err
    assert (
        main(["run", "--leaf", "T3.1", "--label", "2", "--out", str(tmp_path / "o"), "--quiet"])
        == 2
    )
    assert "--label applies to real label maps" in capsys.readouterr().err


def test_single_binary_case_trains_on_synthetic_phantoms_only(tmp_path):
    a, b, _, lab = _multi(tmp_path, names=False)
    _save(b, (lab == 1).astype(np.uint8))
    d = load_data(f"{a},{b}", get_budget("small"), 0)
    assert d.split["kind"] == "synthetic training"
    assert d.split["train"][0].startswith("synthetic phantoms")
    assert all(t.image.shape == get_budget("small").shape for t in d.train)


def test_folder_of_cases_holds_out_the_last_cases(tmp_path):
    rng = np.random.default_rng(1)
    for k in range(5):
        img = rng.random((10, 12, 14)).astype(np.float32)
        lab = np.zeros((10, 12, 14), np.uint8)
        lab[3:7, 3:8, 4:9] = 1
        _save(tmp_path / f"c{k}.nii.gz", img)
        _save(tmp_path / f"c{k}_seg.nii.gz", lab)
    d = load_data(str(tmp_path), get_budget("small"), 0)
    assert d.split["kind"] == "held-out cases"
    assert d.split["train"] == ["c0", "c1", "c2", "c3"] and d.split["eval"] == "c4"


def test_evaluation_volume_is_whole_on_the_input_grid(tmp_path):
    from reference_impl.pipelines._geometry import to_input_grid

    a, b, img, lab = _multi(tmp_path)
    d = load_data(f"{a},{b}", get_budget("small"), 0, label="liver")
    ev, grid = d.eval[0], d.eval_input[0]
    assert ev.image.size == img.size and not grid["resampled"]  # no crop around the label
    assert grid["reorientation"] is not None  # the oblique test affine is not canonical
    assert np.array_equal(to_input_grid(ev.label, grid), (lab == 2).astype(np.uint8))
    in_aff = nib.load(a).affine[:, [2, 1, 0, 3]]
    j = np.argwhere(ev.label)[0]  # a canonical voxel and its input voxel: same world point
    i = grid["reorientation"].index_from_canonical(j)
    assert np.allclose(ev.affine @ np.r_[j, 1], in_aff @ np.r_[i, 1])
    assert np.array_equal(np.sort(d.eval_raw[0].ravel()), np.sort(img.ravel()))


def _permuted(tmp_path, img, lab, perm):
    """The same volume saved with its voxel axes permuted (a valid, different affine)."""
    folder = tmp_path / "perm"
    folder.mkdir()
    aff_zyx = AFFINE_XYZ[:, [2, 1, 0, 3]]
    aff_p = aff_zyx[:, [*perm, 3]]
    aff_xyz = aff_p[:, [2, 1, 0, 3]]
    a, b = folder / "case.nii.gz", folder / "case_seg.nii.gz"
    _save(a, np.transpose(img, perm), aff_xyz)
    _save(b, np.transpose(lab, perm), aff_xyz)
    (folder / "labels.json").write_text((tmp_path / "labels.json").read_text())
    return a, b


def test_permuted_axes_give_the_same_evaluation_volume(tmp_path):
    a, b, img, lab = _multi(tmp_path)
    a2, b2 = _permuted(tmp_path, img, lab, (2, 0, 1))
    d1 = load_data(f"{a},{b}", get_budget("small"), 0, label="spleen")
    d2 = load_data(f"{a2},{b2}", get_budget("small"), 0, label="spleen")
    assert np.array_equal(d1.eval[0].image, d2.eval[0].image)
    assert np.array_equal(d1.eval[0].label, d2.eval[0].label)
    assert np.allclose(d1.eval[0].affine, d2.eval[0].affine)
    assert d1.eval[0].spacing == pytest.approx(d2.eval[0].spacing)


@pytest.mark.slow
def test_permuted_axes_give_the_same_dice(tmp_path):
    a, b, img, lab = _multi(tmp_path)
    a2, b2 = _permuted(tmp_path, img, lab, (1, 2, 0))
    runs = [
        run_pipeline(
            "T3.1", data=f"{x},{y}", label="spleen", n_interactions=2, show_progress=False
        ).metrics
        for x, y in ((a, b), (a2, b2))
    ]
    assert runs[0]["dice"] == pytest.approx(runs[1]["dice"], abs=0.01)
    assert runs[0]["final_dice_input_grid"]["leaf"] == pytest.approx(
        runs[1]["final_dice_input_grid"]["leaf"], abs=0.01
    )


@pytest.mark.slow
def test_run_writes_input_grid_nifti_split_and_baselines(tmp_path, capsys):
    a, b, _, lab = _multi(tmp_path)
    out = tmp_path / "run"
    assert (
        main(
            [
                "run",
                "--leaf",
                "T3.1",
                "--data",
                f"{a},{b}",
                "--label",
                "kidney",
                "--interactions",
                "2",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "split: leave-label-out" in captured.err and "evaluated on [kidney]" in captured.err
    assert "nothing trained before application" in captured.err  # T3.1 trains nothing
    m = json.loads((out / "metrics.json").read_text())
    assert m["split"]["eval"] == "kidney" and "kidney" not in m["split"]["train"]
    assert set(m["baselines"]) == {"random-walker", "geodesic", "ball-floor"}
    for bl in m["baselines"].values():
        assert len(bl["dice"]) == 3 and bl["interactions_used"] == ["click"]
    seg = nib.load(out / "segmentation" / "case_kidney.nii.gz")
    assert seg.shape == nib.load(a).shape and np.allclose(seg.affine, nib.load(a).affine)
    pred = np.transpose(np.asarray(seg.dataobj), (2, 1, 0))
    inter = (pred.astype(bool) & (lab == 3)).sum()
    dice = 2 * inter / (pred.astype(bool).sum() + (lab == 3).sum())
    assert dice == pytest.approx(m["final_dice_input_grid"]["leaf"][0], abs=1e-6)
    assert dice == pytest.approx(m["final"], abs=1e-6)


def test_in_memory_single_volume_from_the_app(tmp_path):
    from reference_impl.io import Volume

    img = np.zeros((12, 16, 16), np.float32)
    lab = np.zeros_like(img, dtype=np.uint8)
    lab[4:8, 5:10, 5:10] = 1
    img[lab > 0] = 1
    d = load_data(Volume(img, lab, (1.0, 1.0, 1.0), np.eye(4), "upload"), get_budget("small"), 0)
    assert d.split["kind"] == "synthetic training" and d.split["eval"] == "upload"
    with pytest.raises(ValueError, match="in-memory volumes"):
        run_pipeline(
            "T3.1", data=Volume(img, lab, (1.0,) * 3, np.eye(4)), label=1, show_progress=False
        )
