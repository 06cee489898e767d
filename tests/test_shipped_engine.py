"""The ``shipped`` engine: packaged click model found by importlib.resources, clicks followed,
the held-out split respected, and its training command runnable on a tiny budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from reference_impl.engines import available_engines, get_engine
from reference_impl.evaluation.split import HELD_OUT_CT_ORGANS
from reference_impl.interactions import Click
from reference_impl.metrics import dice

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_loads_from_package_data_in_a_fresh_process(tmp_path):
    code = (
        "import json; from reference_impl.engines import get_engine; e = get_engine('shipped'); "
        "print(json.dumps({'kind': e.meta['kind'], 'organs': e.meta['trained_ct_organs']}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env={**env, "OMP_NUM_THREADS": "1"},
    )
    assert res.returncode == 0, res.stderr[-2000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert out["kind"] == "iseg-clicknet" and len(out["organs"]) >= 20
    assert "shipped" in available_engines()
    ck = ROOT / "reference_impl" / "swfastedit" / "checkpoints" / "shipped_clicknet.pt"
    assert ck.stat().st_size < 5 * 2**20


def test_trained_only_on_non_held_out_organs():
    e = get_engine("shipped")
    organs = set(e.meta["trained_ct_organs"])
    assert organs and not organs & HELD_OUT_CT_ORGANS
    assert e.meta["held_out"] == "reference_impl.evaluation.split"


@pytest.mark.parametrize("polarity", [1.0, -1.0])
def test_positive_click_on_a_toy_object_is_followed(polarity):
    rng = np.random.default_rng(0)
    img = rng.normal(0, 0.1, (20, 40, 40)).astype(np.float32)
    lab = np.zeros(img.shape, np.uint8)
    lab[6:14, 10:22, 10:22] = 1  # the target
    img[lab > 0] += polarity
    img[6:14, 26:36, 26:36] += polarity  # a same-brightness distractor, not clicked
    e = get_engine("shipped")
    e.set_image(img, spacing=(2.0, 1.0, 1.0))
    assert not e.predict([]).any()
    p = e.predict([Click(1, (10, 16, 16))])
    mask = p > 0.5
    assert p.shape == img.shape and p.dtype == np.float32
    assert mask[10, 16, 16] and dice(mask, lab) > 0.8
    assert not mask[10, 30, 30]  # the distractor is not segmented
    m2 = e.predict([Click(1, (10, 16, 16)), Click(0, (10, 12, 12))]) > 0.5
    assert m2[10, 16, 16] and not m2[10, 12, 12]
    with pytest.raises(ValueError, match="does not support"):
        from reference_impl.interactions import Box

        e.predict([Box((0, 0, 0), (5, 5, 5))])


def test_positive_click_on_the_bundled_ct_is_inside_the_mask(shared_data):
    from reference_impl.io import load_sample

    v = load_sample("ct_kidney_right")
    from scipy.ndimage import distance_transform_edt

    centre = tuple(
        int(i) for i in np.unravel_index(np.argmax(distance_transform_edt(v.label)), v.shape)
    )
    e = get_engine("shipped")
    e.set_image(v.image, spacing=v.spacing)
    mask = e.predict([Click(1, centre)]) > 0.5
    assert mask[centre]
    assert mask.sum() <= v.label.sum()  # one click: a cautious start, no leak (655 of 3,947)
    # two more positive clicks, each at the centre of the largest missed part (0.884, 0.927)
    from scipy import ndimage

    clicks = [Click(1, centre)]
    for _ in range(2):
        comp, _n = ndimage.label((v.label > 0) & ~mask)
        big = comp == np.argmax(np.bincount(comp.ravel())[1:]) + 1
        d = distance_transform_edt(big, sampling=v.spacing)
        clicks.append(Click(1, tuple(int(i) for i in np.unravel_index(np.argmax(d), d.shape))))
        mask = e.predict(clicks) > 0.5
        assert all(mask[c.index] for c in clicks)
    assert dice(mask, v.label) > 0.85


@pytest.mark.slow
def test_training_command_runs_and_its_checkpoint_loads(tmp_path, shared_data):
    from reference_impl.swfastedit.train_shipped import main

    out = tmp_path / "m.pt"
    argv = ["--out", str(out), "--steps", "4", "--seed", "3", "--threads", "1", "--workers", "1"]
    argv += ["--episodes", "1", "--synthetic", "1", "--anisotropic", "3"]
    argv += ["--organs", "adrenal_gland_left", "--channels", "4,8,16"]
    assert main([*argv, "--val-organs", "duodenum"]) == 0
    e = get_engine("shipped", checkpoint=out)
    assert e.meta["settings"]["steps"] == 4 and e.meta["settings"]["seed"] == 3
    assert e.meta["metrics"][0]["step"] == 0  # the untrained model's validation Dice is kept
    assert e.meta["trained_ct_organs"] == ["adrenal_gland_left"]
    assert e.meta["validation_ct_organs"] == ["duodenum"]
    assert e.net.config.roi_mm == 50.0 and e.net.config.in_channels == 6
    assert e.net.config.channels == (4, 8, 16) and e.meta["fitted_on"] == "cpu"
    for bad_opt in (["--channels", "8"], ["--channels", "8,x"], ["--channels", "0,8"]):
        with pytest.raises(SystemExit) as exc:  # refused before any compute
            main(["--out", str(tmp_path / "y.pt"), *bad_opt])
        assert exc.value.code == 2
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit) as exc:
            main(["--out", str(tmp_path / "y.pt"), "--device", "cuda"])
        assert exc.value.code == 2
    with pytest.raises(SystemExit):  # a held-out organ is refused before anything runs
        main(["--out", str(tmp_path / "x.pt"), "--organs", "spleen"])
    # refused before any compute: a file that is not a click model, a missing folder
    notes = tmp_path / "notes.txt"
    notes.write_text("mine")
    for bad in (notes, tmp_path / "missing" / "m.pt"):
        with pytest.raises(SystemExit) as exc:
            main(["--out", str(bad), "--steps", "1"])
        assert exc.value.code == 2
    assert notes.read_text() == "mine"
    notes.unlink()
    assert not set(e.meta["trained_ct_organs"]) & HELD_OUT_CT_ORGANS
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # atomic write, no temp file left
    with pytest.raises(ValueError, match="not a click-model checkpoint"):
        bad = tmp_path / "bad.pt"
        torch.save({"model": {}}, bad)
        get_engine("shipped", checkpoint=bad)


def test_on_policy_training_with_interactive_selection(tmp_path, shared_data):
    """``--on-policy 1 --select interactive``: a second round of states collected with the
    fitted model, fitting continued from it, steps chosen by the 10-round interactive Dice
    on the validation volumes; the checkpoint records all of it and loads."""
    from reference_impl.swfastedit.train_shipped import main

    out = tmp_path / "m.pt"
    argv = ["--out", str(out), "--steps", "4", "--eval-every", "2", "--threads", "1"]
    argv += ["--episodes", "1", "--synthetic", "1", "--anisotropic", "0", "--channels", "4,8"]
    argv += ["--organs", "adrenal_gland_left", "--val-organs", "duodenum", "--lr", "0.01"]
    assert main([*argv, "--on-policy", "1", "--select", "interactive"]) == 0
    e = get_engine("shipped", checkpoint=out)
    assert e.meta["settings"]["on_policy"] == 1 and e.meta["settings"]["select"] == "interactive"
    rounds = [(m["round"], m["step"]) for m in e.meta["metrics"]]
    assert rounds == [(0, 0), (0, 2), (0, 4), (1, 0), (1, 2), (1, 4)]  # both rounds' curves
    assert e.meta["on_policy_round"] == 1  # written by the last round (its best step, maybe 0)
    assert e.meta["val_dice_untrained"] == e.meta["metrics"][0]["val_dice"]  # round 0, step 0
    assert 0.0 <= e.meta["metrics"][0]["val_dice"] <= 1.0
    for bad in (["--on-policy", "-1"], ["--select", "best"]):
        with pytest.raises(SystemExit) as exc:
            main(["--out", str(tmp_path / "y.pt"), *bad])
        assert exc.value.code == 2


@pytest.mark.slow
def test_iseg_segment_with_five_world_clicks_on_the_ct_spleen(tmp_path, shared_data):
    """``iseg segment --engine shipped`` with 5 positive world clicks (the in-slice centres of
    the spleen at 20..80 % of its z extent) reaches Dice >= 0.7 (0.80 when written)."""
    import nibabel as nib
    from scipy.ndimage import distance_transform_edt

    from app.cli import main
    from reference_impl.io import load_sample, read_volume

    v = load_sample("ct_spleen")
    zs = np.flatnonzero(v.label.any((1, 2)))
    args = []
    for q in (0.2, 0.35, 0.5, 0.65, 0.8):
        z = int(zs[0] + q * (zs[-1] - zs[0]))
        y, x = np.unravel_index(np.argmax(distance_transform_edt(v.label[z])), v.label[z].shape)
        xyz = (v.affine @ np.array([z, y, x, 1.0]))[:3]
        args.append("--click-world=" + ",".join(f"{c:.3f}" for c in xyz))
    ct = shared_data / "totalsegmentator_example"
    out = tmp_path / "spleen.nii.gz"
    rc = main(
        [
            "segment",
            str(ct / "example_ct_sm.nii.gz"),
            "--engine",
            "shipped",
            *args,
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    mask, _, affine = read_volume(out)
    assert np.allclose(affine, v.affine) and nib.load(str(out)).shape == (122, 101, 30)
    assert dice(mask > 0, v.label) >= 0.7


def test_blended_checkpoint_averages_the_model_with_the_random_walker(tmp_path, capsys):
    """``bench/blend_checkpoint.py``: the shipped weights with ``blend`` set; at weight 1 the
    engine's mask is the random walker's made click-consistent, at 0.5 it follows clicks."""
    sys.path.insert(0, str(ROOT / "bench"))
    import blend_checkpoint

    from reference_impl.swfastedit.checkpoint_io import read_checkpoint
    from reference_impl.swfastedit.clicknet import click_consistent

    rng = np.random.default_rng(1)
    img = rng.normal(0, 0.1, (16, 32, 32)).astype(np.float32)
    lab = np.zeros(img.shape, np.uint8)
    lab[4:12, 8:20, 8:20] = 1
    img[lab > 0] += 1.0
    clicks = [Click(1, (8, 14, 14)), Click(0, (8, 26, 26))]
    rw = get_engine("random-walker")
    rw.set_image(img, spacing=(2.0, 1.0, 1.0))
    expected = click_consistent(rw.predict(clicks), clicks)
    for w in (1.0, 0.5):
        out = tmp_path / f"blend{w}.pt"
        assert blend_checkpoint.main(["--weight", str(w), "--out", str(out)]) == 0
        ck = read_checkpoint(out)
        assert ck["config"]["blend"] == w and len(ck["blended_from"]["sha256"]) == 64
        e = get_engine("shipped", checkpoint=out)
        shipped = get_engine("shipped")
        for k, v in shipped.net.state_dict().items():  # the weights are the shipped ones
            assert torch.equal(v, e.net.state_dict()[k])
        e.set_image(img, spacing=(2.0, 1.0, 1.0))
        mask = e.predict(clicks) > 0.5
        if w == 1.0:
            assert np.array_equal(mask, expected > 0)
        assert mask[8, 14, 14] and not mask[8, 26, 26] and dice(mask, lab) > 0.8
    before = out.read_bytes()
    assert blend_checkpoint.main(["--weight", "0.2", "--out", str(out)]) == 2  # never overwritten
    assert out.read_bytes() == before and "exists" in capsys.readouterr().err
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    assert (
        blend_checkpoint.main(
            ["--source", str(bad), "--weight", "0.5", "--out", str(tmp_path / "x.pt")]
        )
        == 2
    )
    assert blend_checkpoint.main(["--weight", "1.5", "--out", str(tmp_path / "y.pt")]) == 2
    assert not (tmp_path / "x.pt").exists() and not (tmp_path / "y.pt").exists()
    assert "blend must be" in capsys.readouterr().err
