"""The leaf engines ``online`` (T3.1) and ``postprocess`` (T2.2.2) on toy volumes."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl.engines import available_engines, get_engine
from reference_impl.interactions import Box, Click, Scribble
from reference_impl.metrics import dice
from reference_impl.robot_users.loop import run_interaction


def _toy(shape=(16, 20, 20)):
    rng = np.random.default_rng(0)
    lab = np.zeros(shape, np.uint8)
    lab[5:11, 6:14, 6:14] = 1
    img = (200.0 * lab + rng.normal(0, 10, shape)).astype(np.float32)  # raw, not in [0, 1]
    return img, lab


def test_registered():
    assert {"online", "postprocess"} <= set(available_engines())


def test_online_learns_from_clicks_only():
    img, lab = _toy()
    eng = get_engine("online", seed=0)
    eng.set_image(img, spacing=(2.0, 1.0, 1.0))
    none = eng.predict([])
    assert none.shape == img.shape and none.dtype == np.float32 and not none.any()
    clicks = [Click(1, (8, 10, 10)), Click(0, (1, 2, 2))]
    p = eng.predict(clicks)
    assert 0.0 <= p.min() and p.max() <= 1.0
    assert dice(p > 0.5, lab) > 0.6  # 3x3x3 features over-segment the rim (0.71 here)
    fresh = get_engine("online", seed=0)  # deterministic
    fresh.set_image(img, spacing=(2.0, 1.0, 1.0))
    assert np.array_equal(fresh.predict(clicks), p)


def test_online_without_background_click_uses_the_border_and_undo_restarts():
    img, lab = _toy()
    eng = get_engine("online", seed=1)
    eng.set_image(img)
    only_fg = eng.predict([Click(1, (8, 10, 10))])
    assert dice(only_fg > 0.5, lab) > 0.6  # not "everything is foreground"
    eng.predict([Click(1, (8, 10, 10)), Click(0, (2, 3, 3))])
    undone = eng.predict([Click(1, (8, 10, 10))])  # undo: retrained from scratch
    assert np.array_equal(undone, only_fg)
    scrib = eng.predict([Scribble(1, np.array([[8, 10, c] for c in range(7, 13)]))])
    assert dice(scrib > 0.5, lab) > 0.6
    with pytest.raises(ValueError, match="does not support Box"):
        eng.predict([Box((0, 0, 0), (4, 4, 4))])


def test_online_follows_the_one_loop():
    img, lab = _toy()
    eng = get_engine("online", seed=0)
    eng.set_image(img)
    res = run_interaction(lambda cl: eng.predict(cl) > 0.5, lab, user="R1", n_iterations=3, rng=0)
    assert res.values[0] == 0.0 and min(res.values[1:]) > 0.6  # plateaus near 0.7 here


def test_postprocess_edits_an_initial_segmentation():
    img, lab = _toy()
    probs = lab.astype(np.float32) * 0.95
    probs[1:5, 1:5, 14:18] = 0.9  # a false positive component
    eng = get_engine("postprocess", initial=probs)
    eng.set_image(img)
    assert np.array_equal(eng.predict([]), probs)
    removed = eng.predict([Click(0, (3, 3, 16))])  # negative click in its core
    assert not (removed[1:5, 1:5, 14:18] > 0.5).any() and dice(removed > 0.5, lab) == 1.0
    weak = probs.copy()
    weak[5:11, 6:14, 10:14] = 0.3  # half the object under 0.5, above the low threshold
    eng2 = get_engine("postprocess", initial=weak)
    eng2.set_image(img)
    grown = eng2.predict([Click(1, (8, 10, 11))])
    assert (grown > 0.5)[8, 10, 11] and (grown > 0.5).sum() > (weak > 0.5).sum()


def test_postprocess_needs_a_matching_initial_segmentation():
    img, _ = _toy()
    with pytest.raises(ValueError, match="needs an initial segmentation"):
        get_engine("postprocess").set_image(img)
    with pytest.raises(ValueError, match="differs from the image"):
        get_engine("postprocess", initial=np.zeros((4, 4, 4))).set_image(img)
    eng = get_engine("postprocess", initial=np.zeros(img.shape))
    eng.set_image(img)
    with pytest.raises(ValueError, match="does not support Scribble"):
        eng.predict([Scribble(1, np.array([[1, 1, 1]]))])
