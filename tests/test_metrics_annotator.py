"""M1-M7 on hand-computed click logs (thesis Eq. 21-27)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference_impl.interactions import Click
from reference_impl.metrics import (
    ClickLog,
    annotator_metrics,
    m1_label_agreement,
    m2_centerness,
    m3_click_diversity,
    m4_label_proximity,
    m5_consistent_improvement,
    m6_user_shift,
    m7_dice_difference,
)


def _label():
    """Two components: a 5x5 square (centre (3, 3)) and a single voxel at (9, 9)."""
    lab = np.zeros((11, 11), np.uint8)
    lab[1:6, 1:6] = 1
    lab[9, 9] = 1
    return lab


def _logs():
    lab = _label()
    # image 1: centre click, edge click (1, 3), outside click 2 voxels right of the square,
    # a background click (ignored by M1-M4)
    a = ClickLog(
        lab,
        [Click(1, (3, 3)), Click(1, (1, 3)), Click(1, (3, 7)), Click(0, (10, 0))],
        dice=[0.0, 0.5, 0.5, 0.8],
        spacing=(1.0, 1.0),
        image_id="a",
    )
    # image 2: one click on the single-voxel component, one outside the label
    b = ClickLog(lab, [Click(1, (9, 9)), Click(1, (9, 5))], dice=[0.2, 0.1, 0.6], image_id="b")
    return a, b


def test_m1_to_m5_by_hand():
    a, b = _logs()
    # M1: image a 2/3 inside, image b 1/2 inside
    assert m1_label_agreement([a, b]) == pytest.approx((2 / 3 + 1 / 2) / 2)
    # M2: a: (3,3) -> 3/(3+0)=1, (1,3) -> bound 1, cent 2 -> 1/3 ; b: (9,9): bound 1, cent 0 -> 1
    assert m2_centerness([a, b]) == pytest.approx(((1 + 1 / 3) / 2 + 1.0) / 2)
    # M3: a hits 1 component of 2 with 3 clicks -> 1/2 ; b hits 1 of 2 with 2 clicks -> 1/2
    assert m3_click_diversity([a, b]) == pytest.approx(0.5)
    # M4: a: (3,7) is 2 from the square -> 1/2 ; b: (9,5) is 4 from (9,9) and from (5,5)
    assert m4_label_proximity([a, b]) == pytest.approx((1 / 2 + 1 / 4) / 2)
    # M5: a: up, same, up -> 2/3 ; b: down, up -> 1/2
    assert m5_consistent_improvement([a, b]) == pytest.approx((2 / 3 + 1 / 2) / 2)
    m = annotator_metrics([a, b])
    assert set(m) == {"M1", "M2", "M3", "M4", "M5"}


def test_anisotropic_spacing_changes_distances():
    lab = _label()
    log = ClickLog(lab, [Click(1, (3, 7))], spacing=(1.0, 3.0))
    assert m4_label_proximity([log]) == pytest.approx(1 / 6)


def test_missing_clicks_give_nan():
    lab = _label()
    only_bg = ClickLog(lab, [Click(0, (0, 0))])
    assert np.isnan(m1_label_agreement([only_bg])) and np.isnan(m4_label_proximity([only_bg]))


def test_m6_m7_by_hand():
    robot = {"M1": 1.0, "M2": 0.8, "M3": 1.0, "M4": 0.0, "M5": 0.9}
    ann1 = {"M1": 0.75, "M2": 0.6, "M3": 0.5, "M4": 0.2, "M5": 0.5}
    ann2 = dict(robot)
    # |0.25|+|0.2|+|0.5|+|0.2|+|0.4| = 1.55 -> /5 = 0.31 ; ann2: 0 -> mean 0.155
    assert m6_user_shift(robot, [ann1, ann2]) == pytest.approx(0.155)
    r = {"x": [0.0, 0.6, 0.8], "y": [0.1, 0.1, 0.1]}
    a1 = {"x": [0.0, 0.4, 0.8], "y": [0.1, 0.3, 0.5]}
    # x: (0.2 + 0) / 2 = 0.1 ; y: (0.2 + 0.4) / 2 = 0.3 -> 0.2
    assert m7_dice_difference(r, [a1]) == pytest.approx(0.2)
    with pytest.raises(ValueError, match=re.escape("annotator curves lack image 'x'")):
        m7_dice_difference(r, [{"y": [0, 0, 0]}])
    with pytest.raises(ValueError, match=re.escape("metrics dict lacks ['M5']")):
        m6_user_shift({k: 0 for k in ("M1", "M2", "M3", "M4")}, [robot])
