"""train_shipped's phantom families that span object sizes (``--tiny``, ``--large``)."""

from __future__ import annotations

import numpy as np


def test_size_families(shared_data):
    from reference_impl.swfastedit.train_shipped import training_volumes

    kw = dict(n_synthetic=0, n_anisotropic=0, min_voxels=50, seed=0, organs=(), val_organs=())
    fit0, val0 = training_volumes(**kw)
    assert fit0 == [] and val0 == []  # the defaults add nothing: old commands train the same
    fit, val = training_volumes(n_tiny=8, n_large=4, **kw)
    names = [v[0] for v in fit + val]
    assert sum(n.startswith("tiny:") for n in names) == 8
    assert sum(n.startswith("large:") for n in names) == 4
    assert sum(n.startswith("tiny-val:") for n in names) == 2
    assert sum(n.startswith("large-val:") for n in names) == 1
    for name, img, lab, sp in fit + val:
        assert img.min() >= 0 and img.max() <= 1 and lab.any()
        ml = lab.sum() * np.prod(sp) / 1000
        if name.startswith("tiny"):
            assert lab.sum() < 400 and sp[1] <= 1.0  # a few dozen to a few hundred voxels
        else:
            assert ml > 50 and min(sp) >= 3.0  # organ-sized (> 50 mL) at 3-5 mm


def test_state_collection_in_spawned_workers_equals_one_process(
    toy_click_volumes, toy_click_states
):
    """``--workers 2`` (a spawn pool) collects exactly the states of one process."""
    from reference_impl.swfastedit.train_shipped import collect_states

    kw = dict(episodes=1, rounds=2, seed=0, prior="rw-noborder-cap45", roi_mm=50.0)
    one = toy_click_states  # workers=1
    two = collect_states(toy_click_volumes, workers=2, **kw)
    assert len(one) == len(two) > 0
    for a, b in zip(one, two, strict=True):
        assert a["data"] == b["data"] and a["clicks"] == b["clicks"]
        for k in ("image", "prior", "label"):
            np.testing.assert_array_equal(a[k], b[k])


def test_on_policy_states_run_the_network_in_the_loop(toy_click_volumes, toy_click_states):
    """``collect_states(net=...)`` runs the given network through the loop: an untrained
    network (gain 0, so it *is* the prior) reproduces the untrained model's states and its
    interactive Dice exactly, and a network that answers differently leads the robot user
    to other clicks."""
    import torch

    from reference_impl.swfastedit.clicknet import ClickNet, ClickNetConfig
    from reference_impl.swfastedit.states import collect_states, interactive_dice

    kw = dict(episodes=1, rounds=2, seed=0, prior="rw-noborder-cap45", roi_mm=50.0, workers=1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = ClickNet(ClickNetConfig(prior="rw-noborder-cap45", channels=(4, 8))).eval()
    same = collect_states(toy_click_volumes, net=net, **kw)
    assert [s["clicks"] for s in same] == [s["clicks"] for s in toy_click_states]
    for a, b in zip(same, toy_click_states, strict=True):
        np.testing.assert_array_equal(a["prior"], b["prior"])
    assert interactive_dice(net, toy_click_volumes, prior="rw-noborder-cap45", rounds=3) == (
        interactive_dice(None, toy_click_volumes, prior="rw-noborder-cap45", rounds=3)
    )
    with torch.no_grad():  # a network that inverts its prior answers otherwise
        net.scale.fill_(-1.0)
    other = collect_states(toy_click_volumes, net=net, **kw)
    assert [s["clicks"] for s in other] != [s["clicks"] for s in toy_click_states]


def _extra_case(tmp_path):
    """A toy image + two-class label map and a manifest entry for class 2 ('vertebrae')."""
    import hashlib

    import nibabel as nib

    rng = np.random.default_rng(0)
    img = rng.normal(100, 10, (12, 14, 10)).astype(np.float32)
    lab = np.zeros(img.shape, np.uint8)
    lab[2:6, 3:8, 2:6] = 1  # 80 voxels of class 1
    lab[6:11, 5:12, 3:8] = 2  # 175 voxels of class 2
    aff = np.diag([0.8, 0.8, 2.5, 1.0])
    ip, lp = tmp_path / "mr.nii.gz", tmp_path / "mr_seg.nii.gz"
    nib.save(nib.Nifti1Image(img, aff), ip)
    nib.save(nib.Nifti1Image(lab, aff), lp)

    def sha(p):
        return hashlib.sha256(p.read_bytes()).hexdigest()

    entry = {
        "name": "mr:vertebrae", "organ": "vertebrae", "image": str(ip), "label": str(lp),
        "value": 2, "sha256": {"image": sha(ip), "label": sha(lp)},
    }  # fmt: skip
    return entry, lab


def test_extra_volumes_fit_one_class_of_another_image(tmp_path):
    import json

    import pytest

    from reference_impl.swfastedit.states import extra_volumes, read_extra_manifest

    entry, lab = _extra_case(tmp_path)
    m = tmp_path / "extra.json"
    m.write_text(json.dumps([entry]))
    ((name, image, label, spacing),) = extra_volumes(read_extra_manifest(m), min_voxels=50)
    assert name == "mr:vertebrae" and label.dtype == np.uint8
    assert int(label.sum()) == int((lab == 2).sum()) == 175  # only the selected class
    assert 0.0 <= image.min() and image.max() <= 1.0
    assert sorted(np.round(spacing, 3)) == [0.8, 0.8, 2.5]
    assert extra_volumes([entry], min_voxels=200) == []  # under min_voxels: left out
    # a held-out organ, a part of one, a validation organ: refused when the manifest is read
    for organ in ("liver", "aorta_true_lumen", "stomach"):
        m.write_text(json.dumps([{**entry, "organ": organ}]))
        with pytest.raises(ValueError, match="may not be fitted"):
            read_extra_manifest(m)
    m.write_text(json.dumps([{**entry, "image": str(tmp_path / "missing.nii.gz")}]))
    with pytest.raises(ValueError, match="no such image file"):
        read_extra_manifest(m)
    m.write_text(json.dumps([{k: v for k, v in entry.items() if k != "sha256"}]))
    with pytest.raises(ValueError, match="exactly the keys"):
        read_extra_manifest(m)
    m.write_text("[{]")
    with pytest.raises(ValueError, match="not a readable JSON manifest"):
        read_extra_manifest(m)
    bad = {**entry, "sha256": {"image": "0" * 64, "label": entry["sha256"]["label"]}}
    with pytest.raises(ValueError, match="SHA-256"):
        extra_volumes([bad], min_voxels=50)


def test_train_shipped_refuses_a_bad_extra_manifest_before_computing(tmp_path, capsys):
    import json

    import pytest

    from reference_impl.swfastedit.train_shipped import main

    entry, _ = _extra_case(tmp_path)
    m = tmp_path / "extra.json"
    m.write_text(json.dumps([{**entry, "organ": "spleen"}]))
    with pytest.raises(SystemExit) as e:
        main(["--out", str(tmp_path / "m.pt"), "--extra-fit", str(m)])
    assert e.value.code == 2
    assert "spleen" in capsys.readouterr().err
    assert not (tmp_path / "m.pt").exists()
