"""Issue 14 (kernels): strict inputs and deterministic rule-based robot users."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage as ndi

from reference_impl.robot_users import (
    autopet_clicks,
    get_robot_user,
    medsegfm_click,
    object_center,
    r1_center,
    r3_edt,
    r5_realistic,
    simulate_click,
)

BAD_SPACINGS = [(np.nan, 1.0, 1.0), (np.inf, 1.0, 1.0), (0.0, 1.0, 1.0), (-1.0, 1.0, 1.0)]


def _case():
    lab = np.zeros((8, 12, 12), np.uint8)
    lab[2:6, 3:9, 3:9] = 1
    pred = np.zeros_like(lab)
    pred[2:6, 3:6, 3:9] = 1
    pred[0, 0, 0] = 1
    return lab, pred


@pytest.mark.parametrize("spacing", BAD_SPACINGS)
@pytest.mark.parametrize("user", ["R1", "R2", "R3", "R4", "R5"])
def test_bad_spacing_is_refused_by_every_user(user, spacing):
    lab, pred = _case()
    kw = {"probs": pred.astype(float) * 0.8, "image": lab.astype(float)}
    with pytest.raises(ValueError, match="spacing must be 3 positive finite numbers"):
        get_robot_user(user)(lab, pred, spacing=spacing, rng=0, **kw)


@pytest.mark.parametrize("spacing", BAD_SPACINGS)
def test_bad_spacing_is_refused_by_clicksim_and_challenges(spacing):
    lab, pred = _case()
    with pytest.raises(ValueError, match="spacing"):
        simulate_click(lab, spacing=spacing)
    with pytest.raises(ValueError, match="spacing"):
        medsegfm_click(lab, pred, spacing=spacing)
    with pytest.raises(ValueError, match="spacing"):
        object_center(lab, spacing=spacing)
    with pytest.raises(ValueError, match="spacing"):
        autopet_clicks(lab, lab.astype(float), spacing=spacing, rng=0)


def test_r3_never_returns_nothing_on_a_non_empty_error():
    lab, pred = _case()
    for sp in [(1e-6, 1.0, 1.0), (1e6, 1e6, 1e6), (1e-6, 1e-6, 1e-6), (3.0, 0.7, 0.7)]:
        for weighting in ("linear", "deepedit"):
            out = r3_edt(lab, pred, spacing=sp, rng=0, weighting=weighting)
            assert [c.label for c in out] == [1, 0]
    for sp in [(1e-300, 1.0, 1.0), (1e300, 1.0, 1.0)]:  # float32 distances would be 0 / inf
        with pytest.raises(ValueError, match=r"in \[1e-06, 1e\+06\] mm"):
            r3_edt(lab, pred, spacing=sp, rng=0)


@pytest.mark.parametrize("values", [[0, 2], [0, 255], [0, 1, 2]])
def test_label_values_other_than_0_1_are_refused(values):
    lab = np.zeros((6, 6), np.uint8)
    lab[2:4, 2:4] = values[-1]
    lab[0, 0] = values[1]
    with pytest.raises(ValueError, match="binary mask with values 0/1"):
        r1_center(lab, None)


def test_probability_map_and_nan_prediction_are_refused():
    lab, pred = _case()
    with pytest.raises(ValueError, match="binary mask"):
        r1_center(lab, pred * 0.7)
    bad = pred.astype(float)
    bad[1, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        r1_center(lab, bad)


def test_object_center_is_the_same_every_call_on_a_tie_plateau():
    lab = np.zeros((12, 24), np.uint8)
    lab[:, :] = 1  # the 12x24 rectangle: a ridge of equally central voxels
    centres = {object_center(lab, rng=s).index for s in range(20)}
    centres |= {object_center(lab).index for _ in range(5)}
    assert len(centres) == 1
    # the first tie in C order among the EDT maxima of the padded rectangle
    d = ndi.distance_transform_edt(np.pad(lab, 1))[1:-1, 1:-1]
    ties = np.flatnonzero(d.ravel() >= d.max() * (1 - 1e-6))
    assert centres == {tuple(int(i) for i in np.unravel_index(ties[0], lab.shape))}


def test_r1_r5_medsegfm_autopet_are_deterministic():
    lab = np.zeros((3, 10, 16), np.uint8)
    lab[1, 2:8, 2:14] = 1  # flat slab: many ties
    pred = np.zeros_like(lab)
    r1 = {tuple(c.index for c in r1_center(lab, pred, rng=s)) for s in range(10)}
    assert len(r1) == 1
    r5 = {
        tuple(
            c.index
            for c in r5_realistic(lab, pred, image=lab * 1.0, rng=s, p_perturb=0, p_system=0)
        )
        for s in range(10)
    }
    assert r5 == r1
    ms = {medsegfm_click(lab, pred, rng=s).index for s in range(10)}
    assert len(ms) == 1 and ms == {next(iter(r1))[0]}
    ap = {autopet_clicks(lab, lab * 1.0, n=1, rng=s)[0][0].index for s in range(10)}
    assert ap == ms


@pytest.mark.parametrize("shape,spacing", [((9, 13), (1.0, 1.0)), ((5, 9, 11), (3.0, 0.7, 0.7))])
def test_first_tie_rule_matches_an_independent_reference(shape, spacing):
    rng = np.random.default_rng(3)
    for _ in range(5):
        m = ndi.gaussian_filter(rng.random(shape), 1.0) > 0.5
        m[(0,) * len(shape)] = True  # border voxel
        got = simulate_click(m, component="all", spacing=spacing, ties="first")
        d = ndi.distance_transform_edt(np.pad(m, 1), sampling=spacing)[(slice(1, -1),) * m.ndim]
        ties = np.flatnonzero(d.ravel() >= d.max() * (1 - 1e-6))
        assert got == tuple(int(i) for i in np.unravel_index(ties[0], shape))


def test_empty_error_gives_no_click():
    lab = np.zeros((6, 6), np.uint8)
    assert simulate_click(lab) is None
    assert r1_center(lab, lab) == []
    assert r3_edt(lab, lab, rng=0) == []
