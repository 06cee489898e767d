"""Tests of the interaction-curve metrics (Algorithm 4, NoC, consistent improvement)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from reference_impl.metrics import (
    InteractiveMetric,
    auc,
    consistent_improvement,
    dice,
    final,
    fp_volume,
    metric_at,
    metric_curve,
    noc,
    noc_summary,
)
from reference_impl.phantoms import make_phantom


def test_auc_variants_by_hand():
    v = [0.2, 0.4, 0.6, 0.8, 0.9, 1.0]
    # ours: ((0.2+1.0)/2 + 0.4+0.6+0.8+0.9) / 5
    assert auc(v) == pytest.approx((0.6 + 2.7) / 5)
    assert auc(v, variant="cvpr25") == pytest.approx(0.7 + 2.3)
    eleven = np.linspace(0, 1, 11)
    assert auc(eleven, variant="autopet") == pytest.approx(5.0)
    assert auc(eleven) == pytest.approx(0.5)
    assert auc([0.7]) == 0.7
    with pytest.raises(
        ValueError, match=re.escape("the autoPET AUC needs 11 values (clicks 0..10), got 6")
    ):
        auc(v, variant="autopet")
    with pytest.raises(
        ValueError,
        match=re.escape("variant must be one of ('normalized', 'autopet', 'cvpr25'), got 'x'"),
    ):
        auc(v, variant="x")
    with pytest.raises(ValueError, match="must not contain NaN"):
        auc([0.1, float("nan")])


@pytest.mark.parametrize("seed", range(3))
def test_normalized_auc_is_bounded_and_matches_a_riemann_sum(seed):
    v = np.random.default_rng(seed).random(8)
    a = auc(v)
    assert v.min() <= a <= v.max()
    x = np.linspace(0, 7, 70001)
    assert a == pytest.approx(np.interp(x, np.arange(8), v).mean(), abs=1e-4)


def test_interactive_metric_wraps_any_base_metric():
    ph = make_phantom((16, 24, 24), rng=0)
    lab = ph.label
    preds = [np.zeros_like(lab), lab.copy(), lab.copy()]
    preds[1][:, :, :12] = 0
    res = InteractiveMetric(dice)(preds, lab)
    assert res["values"][0] == 0.0 and res["Final"] == 1.0
    assert res["AUC"] == pytest.approx(auc(res["values"]))
    neg = InteractiveMetric(fp_volume, higher_is_better=False)
    fp_preds = [lab.copy(), lab.copy()]
    fp_preds[0][0, 0, 0] = 1
    out = neg(fp_preds, lab, spacing=(10.0, 10.0, 10.0))
    assert out["values"] == [1.0, 0.0] and out["Final"] == 0.0
    assert metric_at(res["values"], 1) == pytest.approx(dice(preds[1], lab))
    assert final(metric_curve(preds, lab)) == 1.0
    with pytest.raises(
        ValueError, match=re.escape("k must be in [0, 2] for a curve of 3 values, got 3")
    ):
        metric_at(res["values"], 3)
    with pytest.raises(ValueError, match="auc_variant must be one of"):
        InteractiveMetric(dice, auc_variant="trapz")


def test_noc_counts_failures_separately_from_last_click_successes():
    reach_at_20 = [0.0] * 20 + [0.95]
    never = [0.5] * 25
    early = [0.0, 0.86, 0.91]
    assert noc(reach_at_20, 0.9) == noc(reach_at_20, 0.9, max_clicks=20)
    assert noc(reach_at_20, 0.9).noc == 20 and not noc(reach_at_20, 0.9).failed
    assert noc(never, 0.85).failed and noc(never, 0.85).noc == 20
    assert noc([0.9, 0.1], 0.85).failed  # click 0 does not count: at least one click
    s = noc_summary([reach_at_20, never, early])
    assert s["NoC@85"] == pytest.approx((20 + 20 + 1) / 3)
    assert s["NoC@90"] == pytest.approx((20 + 20 + 2) / 3)
    assert s["NoC@85_failures"] == 1 and s["NoC@90_failures"] == 1
    with pytest.raises(ValueError, match="max_clicks must be >= 1, got 0"):
        noc(early, max_clicks=0)


def test_consistent_improvement():
    assert consistent_improvement([0.1, 0.2, 0.2, 0.1, 0.3]) == pytest.approx(0.5)
    assert consistent_improvement([0.0, 1.0]) == 1.0
    with pytest.raises(ValueError, match="needs >= 2 values, got 1"):
        consistent_improvement([0.3])
