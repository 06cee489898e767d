"""Unit tests of the pipeline building blocks (fast; hand-made arrays)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference_impl.interactions import Box, Click
from reference_impl.io import Volume
from reference_impl.pipelines import get_budget
from reference_impl.pipelines._data import load_data, validate_volume
from reference_impl.pipelines._geometry import fit_to_budget
from reference_impl.pipelines.online import scribble_labels
from reference_impl.pipelines.postprocessing import postprocess
from reference_impl.pipelines.rule_based import _slice_correct, _slice_encoder
from reference_impl.pipelines.weak_labels import component_boxes, load_boxes, save_boxes


def _vol(shape=(10, 12, 12), **kw):
    img = np.zeros(shape, np.float32)
    lab = np.zeros(shape, np.uint8)
    lab[3:6, 3:6, 3:6] = 1
    return Volume(kw.get("image", img), kw.get("label", lab), (1.0, 1.0, 1.0), np.eye(4), "v")


def test_validate_volume_messages():
    with pytest.raises(ValueError, match=re.escape("x: image/label shape mismatch")):
        validate_volume(_vol(label=np.ones((10, 12, 11), np.uint8)), "x")
    with pytest.raises(ValueError, match="x: the label is empty"):
        validate_volume(_vol(label=np.zeros((10, 12, 12), np.uint8)), "x")
    img = np.zeros((10, 12, 12), np.float32)
    img[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match="x: image contains NaN"):
        validate_volume(_vol(image=img), "x")
    with pytest.raises(ValueError, match="x: a label is required"):
        validate_volume(Volume(img, None, (1.0,) * 3, np.eye(4)), "x")
    with pytest.raises(ValueError, match="the pipelines need a 3D image"):
        validate_volume(Volume(np.zeros((5, 5)), np.ones((5, 5)), (1.0,) * 2, np.eye(3)), "x")


def test_fit_to_budget_crops_and_resamples_around_label():
    shape = (20, 100, 80)
    img = np.random.default_rng(0).random(shape).astype(np.float32)
    lab = np.zeros(shape, np.uint8)
    lab[8:12, 40:70, 30:40] = 1
    v, rec = fit_to_budget(Volume(img, lab, (3.0, 1.0, 1.0), np.eye(4), "big"), 32)
    assert max(v.image.shape) <= 32 and v.label.any()
    assert rec["crop"][1] == [25, 85] and "zoom" in rec
    assert v.spacing[1] > 1.0 and v.spacing[0] == 3.0  # only the too-long axes are zoomed
    assert 0.0 <= v.image.min() and v.image.max() <= 1.0
    small, rec2 = fit_to_budget(_vol(), 32)
    assert small.image.shape == (10, 12, 12) and "crop" not in rec2 and "zoom" not in rec2


def test_load_data_synthetic_and_single_volume():
    b = get_budget("small")
    d = load_data("synthetic", b, 0)
    assert len(d.train) == b.n_train and len(d.eval) == b.n_eval and not d.same_volume
    assert {v.name for v in d.train}.isdisjoint(v.name for v in d.eval)
    d1 = load_data(_vol(), b, 0)  # one binary case: never trained on, phantoms instead
    assert not d1.same_volume and d1.split["kind"] == "synthetic training"
    assert len(d1.eval) == 1 and all(t.image is not d1.eval[0].image for t in d1.train)


def test_postprocess_click_rules():
    probs = np.zeros((1, 20, 20), np.float32)
    probs[0, 2:6, 2:6] = 0.9  # object A
    probs[0, 12:16, 12:16] = 0.9  # object B
    probs[0, 2:6, 12:16] = 0.3  # weak object C (below 0.5, above the low threshold)
    img = probs.copy()
    none = postprocess(probs, img, [])
    assert none.sum() == 32
    removed = postprocess(probs, img, [Click(0, (0, 13, 13))])
    assert removed[0, 2:6, 2:6].all() and not removed[0, 12:16, 12:16].any()
    added = postprocess(probs, img, [Click(1, (0, 3, 13))])
    assert added[0, 2:6, 12:16].all() and added.sum() == 48
    far = postprocess(probs, img, [Click(1, (0, 10, 2))])
    assert far[0, 10, 2] and far.sum() == 32 + 13  # a disk of radius 2 in 2D-like slab: 13 px


def test_postprocess_boundary_click_refines_locally_with_random_walker():
    probs = np.zeros((1, 20, 24), np.float32)
    probs[0, 4:16, 4:16] = 0.95  # confident object
    probs[0, 4:16, 16:20] = 0.7  # uncertain rim attached to it
    img = np.zeros_like(probs)
    img[0, 4:16, 4:16] = 1.0  # the object is bright, the rim is not
    out = postprocess(probs, img, [Click(0, (0, 10, 18))])  # negative click in the rim
    assert out[0, 4:16, 4:16].all(), "the confident object must stay"
    assert not out[0, 5:16, 16:20].any(), "the rim near the click must go"
    assert out[0, 4, 19], "voxels farther than EDIT_RADIUS from the click are not edited"


def test_scribble_labels_and_slice_encoding():
    lab = scribble_labels([Click(1, (5, 5, 5)), Click(0, (0, 0, 0))], (11, 11, 11))
    assert (lab == 1).sum() == 33 and lab[0, 0, 0] == 0 and (lab == -1).sum() > 1000
    label = np.zeros((4, 5, 5), np.uint8)
    label[1:3, 1:4, 1:4] = 1
    pred = label.copy()
    pred[2] = 0
    c = _slice_correct(label, pred, None, None, [], None, None)
    assert c[0].index == 2
    assert _slice_correct(label, pred, None, None, c, None, None) == []
    g = _slice_encoder(c, label.shape, None).numpy()
    assert (g[0, 2] == label[2]).all() and (g[1, 2] == 1 - label[2]).all()
    assert g[:, [0, 1, 3]].sum() == 0


def test_component_boxes_roundtrip(tmp_path):
    lab = np.zeros((20, 20, 20), np.uint8)
    lab[2:6, 2:6, 2:6] = 1
    lab[12:18, 10:15, 10:19] = 1
    boxes = component_boxes(lab, rng=0)
    assert len(boxes) == 2
    for b in boxes:
        assert isinstance(b, Box)
    covered = np.zeros_like(lab, bool)
    for b in boxes:
        covered[b.slices] = True
    assert covered[lab > 0].all()
    save_boxes(tmp_path / "b.npz", boxes)
    back = load_boxes(tmp_path / "b.npz")
    assert [(b.lo, b.hi) for b in back] == [(b.lo, b.hi) for b in boxes]


def test_evaluation_and_training_simulation_use_the_one_loop(monkeypatch):
    """``evaluate`` and ``simulate`` run through robot_users.loop.run_interaction."""
    import reference_impl.pipelines._interactive as inter
    from reference_impl.pipelines._base import Context
    from reference_impl.pipelines._protocols import click_protocol

    calls = []
    real = inter.run_interaction

    def spy(*a, **k):
        calls.append(k.get("n_iterations"))
        return real(*a, **k)

    monkeypatch.setattr(inter, "run_interaction", spy)
    v = _vol()
    ctx = Context(
        train=[v],
        eval=[v],
        budget=get_budget("small"),
        device="cpu",
        seed=0,
        workdir=None,
        n_interactions=3,
    )
    p = click_protocol("R1", user="R1")
    trajs = inter.evaluate(lambda vol: lambda h: (vol.label * 0.9).astype(np.float32), p, ctx)
    assert calls == [3] and [round(d, 3) for d in trajs[0].dice] == [1.0] * 4
    hist = inter.simulate(
        lambda h: np.zeros(v.label.shape, np.float32),
        p,
        v.label,
        v.image,
        rounds=2,
        rng=np.random.default_rng(0),
    )
    assert calls == [3, 3] and len(hist) >= 2 and hist[0].label == 1
