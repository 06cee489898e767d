"""InteractiveSession: the click rule, undo/reset, bounds, world clicks, real volumes."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference_impl import InteractiveSession
from reference_impl.engines import Engine
from reference_impl.io import load_sample
from reference_impl.metrics import dice


class _Zeros(Engine):
    """An engine that never segments anything (to test the session's click rule)."""

    name = "zeros"
    supports = frozenset({"click", "scribble"})

    def _set_image(self, image, spacing):
        self.spacing = spacing

    def _predict(self, interactions):
        return np.full(self._shape, 0.9 if any(i.label == 0 for i in interactions) else 0.0)


def _img():
    img = np.zeros((8, 16, 16), np.float32)
    img[2:6, 4:12, 4:12] = 100.0
    return img


def test_click_rule_and_result_object():
    s = InteractiveSession(_Zeros())
    s.set_image(_img())
    r = s.add_click((4, 8, 8))
    assert r.mask.dtype == np.uint8 and r.probs.dtype == np.float32
    assert r.mask[4, 8, 8] == 1 and r.mask.sum() == 1 and r.probs[4, 8, 8] == 0.0
    assert r.clicks_respected is False and r.seconds >= 0 and r.n_interactions == 1
    r = s.add_click((1, 1, 1), positive=False)  # the engine now says 0.9 everywhere
    assert r.mask[1, 1, 1] == 0 and r.mask[4, 8, 8] == 1 and r.mask.sum() == r.mask.size - 1
    assert r.clicks_respected is False


def test_undo_reset_and_order_errors():
    s = InteractiveSession("ball-floor")
    with pytest.raises(RuntimeError, match=re.escape("call set_image() first")):
        s.predict()
    s.set_image(_img())
    assert s.predict().mask.sum() == 0
    with pytest.raises(RuntimeError, match="nothing to undo"):
        s.undo()
    a = s.add_click((4, 8, 8)).mask.copy()
    s.add_click((4, 8, 9), positive=False)
    assert s.add_click((2, 5, 5), run_prediction=False) is None and len(s.interactions) == 3
    s.undo(run_prediction=False)
    assert np.array_equal(s.undo().mask, a) and len(s.interactions) == 1
    s.reset()
    assert s.interactions == () and s.result is None and s.predict().mask.sum() == 0


def test_bounds_boxes_and_scribbles():
    s = InteractiveSession("ball-floor")
    s.set_image(_img())
    with pytest.raises(
        ValueError,
        match=re.escape("click index (8, 0, 0) is outside the image of shape (8, 16, 16)"),
    ):
        s.add_click((8, 0, 0))
    with pytest.raises(ValueError, match="must be 3 integers"):
        s.add_click((1, 2))
    with pytest.raises(ValueError, match="does not support box interactions"):
        s.add_box((0, 0, 0), (4, 4, 4))
    r = s.add_scribble([[4, 8, 8], [4, 8, 9]])
    assert r.mask[2:7, 6:11, 6:12].all()
    with pytest.raises(ValueError, match="scribble point"):
        s.add_scribble([[4, 8, 8], [4, 8, 99]])
    rw = InteractiveSession("random-walker")
    rw.set_image(_img())
    r = rw.add_box((1, 3, 3), (7, 13, 13))
    assert r.mask[2:6, 4:12, 4:12].all() and r.mask.sum() == 4 * 8 * 8
    with pytest.raises(ValueError, match="must exceed lo"):
        rw.add_box((1, 3, 3), (1, 13, 13))


def test_world_clicks_and_spacing_from_the_affine():
    aff = np.array([[0, 0, -0.5, 20.0], [0, 2.0, 0, -4.0], [3.0, 0, 0, 9.0], [0, 0, 0, 1]])
    s = InteractiveSession(_Zeros())
    with pytest.raises(RuntimeError, match="needs the image's affine"):
        s.set_image(_img())
        s.add_click_world((0, 0, 0))
    s.set_image(_img(), affine=aff)
    assert s.spacing == (3.0, 2.0, 0.5) and s.engine.spacing == (3.0, 2.0, 0.5)
    xyz = (aff @ [3, 7, 11, 1])[:3]
    r = s.add_click_world(xyz + 0.2)
    assert s.interactions[0].index == (3, 7, 11) and r.mask[3, 7, 11] == 1
    assert np.allclose(s.interactions[0].world(), xyz)
    with pytest.raises(ValueError, match="outside the image of shape"):
        s.add_click_world((1000.0, 0.0, 0.0))


@pytest.mark.slow
def test_session_on_the_bundled_ct_spleen(shared_data):
    v = load_sample("ct_spleen")
    s = InteractiveSession("random-walker")
    s.set_image(v.image, affine=v.affine)
    assert s.spacing == pytest.approx((3.0, 3.0, 3.0))
    inside = [(22, 32, 23), (12, 37, 18), (24, 34, 31)]  # spleen voxels (label == 1)
    assert all(v.label[c] for c in inside)
    for c in inside:
        r = s.add_click(c)
    assert dice(r.mask, v.label) > 0.5 and all(r.mask[c] for c in inside)
    worse = s.add_click((15, 60, 60), positive=True)  # a wrong click outside the spleen
    back = s.undo()
    assert np.array_equal(back.mask, r.mask) and not np.array_equal(worse.mask, r.mask)
    s.reset()
    assert s.predict().mask.sum() == 0


def test_session_on_a_lesion_volume(shared_data):
    v = load_sample("mr_breast1")
    s = InteractiveSession("random-walker")
    s.set_image(v.image, affine=v.affine)
    centre = tuple(int(round(c)) for c in np.argwhere(v.label).mean(0))
    assert v.label[centre]
    r = s.add_click(centre)
    assert r.mask[centre] == 1 and dice(r.mask, v.label) > 0.3
    far = tuple(int(i) for i in np.argwhere(v.label == 0)[0])
    r2 = s.add_click(far, positive=False)
    assert r2.mask[far] == 0 and len(s.interactions) == 2
    s.undo()
    assert len(s.interactions) == 1
    s.reset()
    assert s.interactions == ()
