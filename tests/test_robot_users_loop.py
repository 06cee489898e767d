"""Tests of the interaction loop with a toy click-driven predictor and the interactive metrics."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage as ndi

from reference_impl.metrics import InteractiveMetric, auc, consistent_improvement, iou, noc
from reference_impl.phantoms import make_phantom
from reference_impl.robot_users import run_interaction


def _toy_model(label, fp_region, radius=4):
    """Prediction: label voxels near a fg click plus a false-positive region not yet bg-clicked."""
    grid = np.indices(label.shape)

    def ball(c):
        return sum((g - i) ** 2 for g, i in zip(grid, c.index, strict=True)) <= radius**2

    fp_comps, _ = ndi.label(fp_region)

    def predict(clicks):
        pred = np.zeros(label.shape, bool)
        fp = fp_region.copy()
        for c in clicks:
            if c.label == 1:
                pred |= ball(c) & label
            elif fp_comps[c.index]:
                fp &= fp_comps != fp_comps[c.index]
        return pred | fp

    return predict


@pytest.mark.parametrize("user", ["R1", "R3", "R4"])
def test_loop_improves_dice_and_feeds_the_metrics(user):
    v = make_phantom((16, 28, 28), n_lesions=2, rng=1)
    lab = v.label.astype(bool)
    fp = np.zeros_like(lab)
    fp[1:3, 1:4, 1:4] = True
    fp &= ~lab
    seen = []
    res = run_interaction(
        _toy_model(lab, fp),
        lab,
        user=user,
        n_iterations=12,
        rng=0,
        spacing=v.spacing,
        callback=lambda i, c, p: seen.append(i),
    )
    assert len(res.values) == 13 and seen == list(range(1, 13))
    assert res.values[-1] > res.values[0] and np.all(np.diff(res.values) >= -1e-12)
    assert res.clicks[0] and all(c.label == 1 for c in res.clicks[0])  # first from the label
    assert any(c.label == 0 for c in res.all_clicks)  # the FP region got a background click
    assert 0 <= auc(res.values) <= 1 and consistent_improvement(res.values) > 0
    again = run_interaction(
        _toy_model(lab, fp), lab, user=user, n_iterations=12, rng=0, spacing=v.spacing
    )
    assert again.values == res.values


def test_loop_with_r5_iou_and_noc():
    v = make_phantom((16, 28, 28), n_lesions=1, n_distractors=2, rng=3)
    lab = v.label.astype(bool)
    res = run_interaction(
        _toy_model(lab, np.zeros_like(lab), radius=6),
        lab,
        user="R5",
        image=v.image,
        n_iterations=6,
        rng=1,
        metric=iou,
        keep_preds=True,
    )
    assert len(res.preds) == 7 and res.preds[0].sum() == 0
    first = next((k for k in range(1, 7) if res.values[k] >= 0.85), None)
    n = noc(res.values, 0.85, max_clicks=6)
    assert (n.noc, n.failed) == ((first, False) if first else (6, True))
    im = InteractiveMetric(iou)
    assert im.compute_interactive(res.values)["Final"] == res.values[-1]


def test_loop_validation():
    lab = np.ones((4, 4), bool)
    with pytest.raises(ValueError, match=re.escape("n_iterations must be >= 1, got 0")):
        run_interaction(lambda c: lab, lab, n_iterations=0)
    with pytest.raises(ValueError, match="unknown robot user 'R0'"):
        run_interaction(lambda c: lab, lab, user="R0")


def test_monai_dict_wrapper_matches_the_function():
    import torch
    from monai.data import MetaTensor

    from reference_impl.robot_users import r1_center
    from reference_impl.robot_users.transforms import RobotClicksd

    v = make_phantom((12, 20, 20), rng=2)
    aff = torch.diag(torch.tensor([2.0, 1.0, 1.0, 1.0]))
    lab = MetaTensor(torch.from_numpy(v.label[None]), affine=aff)
    pred = torch.zeros_like(lab)
    t = RobotClicksd(("label", "pred"), "R1", rng=0, connectivity=26)
    out = t({"label": lab, "pred": pred, "clicks": []})
    ref = r1_center(v.label, np.zeros_like(v.label), rng=0, connectivity=26)
    assert [c.index for c in out["clicks"]] == [c.index for c in ref]
    assert np.allclose(out["clicks"][0].affine, aff.numpy())
    out2 = t(out)
    assert len(out2["clicks"]) == 2 and out2["clicks"][1].index != out2["clicks"][0].index
    with pytest.raises(ValueError, match="keys must be .label_key, pred_key."):
        RobotClicksd("label", "R1")


def test_loop_times_each_prediction_and_accepts_result_objects():
    from reference_impl.session import InteractiveSession

    v = make_phantom((12, 24, 24), n_lesions=1, rng=4)
    sess = InteractiveSession("ball-floor")
    sess.set_image(v.image, spacing=v.spacing)

    def predict(clicks):
        sess.reset()
        return sess.add_interactions(clicks) if clicks else sess.predict()

    res = run_interaction(predict, v.label, user="R1", n_iterations=3, rng=0, keep_probs=True)
    n_pred = 1 + sum(1 for c in res.clicks if c)
    assert len(res.seconds) == n_pred and all(s >= 0 for s in res.seconds)
    assert len(res.respected) == n_pred - 1  # SessionResult.clicks_respected after round 0
    assert len(res.probs) == 4 and res.probs[0].dtype == np.float32
    assert res.values[0] == 0.0 and res.values[-1] > 0  # R1's first click is in the lesion
    # a (pred, probs) predictor still works and gives no `respected`
    res2 = run_interaction(lambda c: (predict(c).mask, None), v.label, n_iterations=3, rng=0)
    assert res2.values == res.values and res2.respected == []
