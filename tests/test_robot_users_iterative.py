"""Tests of the iterative robot users R1-R5 and their registry (thesis Eq. 17-20, 28)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from scipy import ndimage as ndi

from reference_impl.interactions import Click
from reference_impl.io import load_sample
from reference_impl.phantoms import make_phantom
from reference_impl.robot_users import (
    ROBOT_USERS,
    entropy_uncertainty,
    epistemic_uncertainty,
    get_robot_user,
    mc_dropout_probs,
    r1_center,
    r2_uncertainty,
    r3_edt,
    r4_uniform,
    r5_realistic,
)


def _largest_scipy(mask: np.ndarray, full: bool) -> np.ndarray:
    """Independent reference: largest component with scipy (6- or 26-connectivity)."""
    structure = ndi.generate_binary_structure(mask.ndim, mask.ndim if full else 1)
    lab, n = ndi.label(mask, structure=structure)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    return lab == int(np.argmax(sizes))


def _case(seed=0, shape=(32, 48, 48)):
    """Phantom label plus a prediction with an under- and an over-segmented region."""
    v = make_phantom(shape, n_lesions=2, n_distractors=2, rng=seed)
    lab = v.label.astype(bool)
    pred = ndi.binary_erosion(lab, iterations=2)
    pred[2:8, 2:10, 2:12] = True
    pred[20:23, 40:44, 40:44] = True
    return v, lab, pred


def test_registry_lookup_and_unknown_name():
    assert get_robot_user("R1") is r1_center
    assert get_robot_user("R3") is r3_edt and get_robot_user("R4") is r4_uniform
    assert set(ROBOT_USERS) >= {"R1", "R2", "R3", "R4", "R5"}
    with pytest.raises(ValueError, match=re.escape("unknown robot user 'R9'; known: R1, R2")):
        get_robot_user("R9")


@pytest.mark.parametrize("connectivity", [6, 26])
def test_r1_clicks_centre_of_largest_error_component(connectivity):
    v, lab, pred = _case()
    clicks = r1_center(lab, pred, rng=0, connectivity=connectivity, affine=v.affine)
    assert [c.label for c in clicks] == [1, 0]
    full = connectivity == 26
    for c, err in zip(clicks, (lab & ~pred, pred & ~lab), strict=True):
        comp = _largest_scipy(err, full)
        assert comp[c.index]
        d = ndi.distance_transform_edt(np.pad(comp, 1))[1:-1, 1:-1, 1:-1]
        assert d[c.index] == pytest.approx(d.max())
        assert np.allclose(c.affine, v.affine)


def test_r1_connectivity_changes_the_largest_component():
    err = np.zeros((12, 12, 12), bool)
    err[0:3, 0:3, 0:3] = True  # A, 27 voxels
    err[3:6, 3:6, 3:6] = True  # B, touches A at a corner only
    err[7:9, 7:11, 6:11] = True  # C, 40 voxels
    c6 = r1_center(err, np.zeros_like(err), rng=0, connectivity=6)[0]
    c26 = r1_center(err, np.zeros_like(err), rng=0, connectivity=26)[0]
    comp_c = np.zeros_like(err)
    comp_c[7:9, 7:11, 6:11] = True
    assert comp_c[c6.index]
    assert err[c26.index] and not comp_c[c26.index]
    with pytest.raises(ValueError, match=re.escape("connectivity must be one of (6, 26), got 18")):
        r1_center(err, None, connectivity=18)


def test_r1_first_click_on_label_and_anisotropic_spacing():
    lab = np.zeros((20, 9), bool)
    lab[2:18, 2:7] = True
    (c,) = r1_center(lab, None, rng=0)
    assert c.index[1] == 4 and c.label == 1
    # with y spacing 0.2 mm the long axis is short in mm: the EDT in mm peaks along x's centre
    (c2,) = r1_center(lab, None, rng=0, spacing=(0.2, 1.0))
    d = ndi.distance_transform_edt(np.pad(lab, 1), sampling=(0.2, 1.0))[1:-1, 1:-1]
    assert d[c2.index] == pytest.approx(d.max())


def test_r1_never_repeats_a_click_and_handles_no_error():
    lab = np.zeros((9, 9), bool)
    lab[2:7, 2:7] = True
    first = r1_center(lab, np.zeros_like(lab), rng=0)[0]
    second = r1_center(lab, np.zeros_like(lab), clicks=[first], rng=0)[0]
    assert second.index != first.index and lab[second.index]
    assert r1_center(lab, lab, rng=0) == []


@pytest.mark.parametrize("name", ["R1", "R2", "R3", "R4", "R5"])
def test_users_are_reproducible_and_clicks_lie_in_the_error(name):
    v, lab, pred = _case(seed=3)
    probs = np.clip(pred * 0.8 + 0.1, 0, 1)
    kw = dict(probs=probs, image=v.image, spacing=v.spacing)
    user = get_robot_user(name)
    a = user(lab, pred, rng=7, **kw)
    b = user(lab, pred, rng=np.random.default_rng(7), **kw)
    assert [(c.label, c.index) for c in a] == [(c.label, c.index) for c in b]
    assert [c.label for c in a] == [1, 0]
    if name != "R5":
        assert (lab & ~pred)[a[0].index] and (pred & ~lab)[a[1].index]


def test_global_rng_state_is_untouched():
    _, lab, pred = _case()
    state = np.random.get_state()[1].copy()
    for user in ROBOT_USERS.values():
        user(lab, pred, probs=pred.astype(float), image=lab.astype(float), rng=1)
    assert np.array_equal(np.random.get_state()[1], state)


def test_r4_is_uniform_over_the_error():
    lab = np.zeros((6, 6), bool)
    lab[1:5, 1:5] = True
    rng = np.random.default_rng(0)
    counts = np.zeros(lab.shape)
    for _ in range(3200):
        counts[r4_uniform(lab, np.zeros_like(lab), rng=rng)[0].index] += 1
    assert counts[~lab].sum() == 0
    assert counts[lab].min() > 200 - 4 * 14 and counts[lab].max() < 200 + 4 * 14


@pytest.mark.parametrize("weighting", ["linear", "deepedit"])
def test_r3_frequencies_follow_the_edt_weights(weighting):
    lab = np.zeros((7, 7), bool)
    lab[1:6, 1:6] = True
    d = ndi.distance_transform_edt(np.pad(lab, 1))[1:-1, 1:-1]
    w = d if weighting == "linear" else np.expm1(d)
    expected = w / w.sum()
    rng = np.random.default_rng(1)
    n = 4000
    counts = np.zeros(lab.shape)
    for _ in range(n):
        counts[r3_edt(lab, np.zeros_like(lab), rng=rng, weighting=weighting)[0].index] += 1
    sd = np.sqrt(n * expected * (1 - expected))
    assert np.all(np.abs(counts - n * expected) <= 4 * sd + 1)


def test_r3_deepedit_weighting_is_stable_for_large_distances():
    lab = np.zeros((11, 11), bool)
    lab[1:10, 1:10] = True
    # 200 mm voxels: the central distance is 1000 mm, exp(1000) overflows float64
    c = r3_edt(lab, np.zeros_like(lab), spacing=(200.0, 200.0), weighting="deepedit", rng=0)[0]
    assert c.index == (5, 5)
    with pytest.raises(
        ValueError, match=re.escape("weighting must be one of ('linear', 'deepedit'), got 'exp'")
    ):
        r3_edt(lab, lab, weighting="exp")


def test_r2_follows_the_uncertainty_and_needs_one():
    lab = np.zeros((8, 8), bool)
    lab[2:6, 2:6] = True
    pred = np.zeros_like(lab)
    probs = np.full(lab.shape, 0.01)
    probs[3, 4] = 0.5  # maximal entropy: the only uncertain voxel
    u = entropy_uncertainty(probs)
    assert u[3, 4] == pytest.approx(1.0) and u[0, 0] < 0.1
    hits = {
        r2_uncertainty(lab, pred, uncertainty=np.where(u > 0.5, u, 0), rng=s)[0].index
        for s in range(20)
    }
    assert hits == {(3, 4)}
    with pytest.raises(ValueError, match="R2 needs `uncertainty`"):
        r2_uncertainty(lab, pred)
    samples = np.stack([probs, 1 - probs])
    assert epistemic_uncertainty(samples).max() <= 1.0
    with pytest.raises(ValueError, match=re.escape("samples must have shape (T>=2, M, N[, P])")):
        epistemic_uncertainty(probs[None])


def test_r5_disagreement_rate_is_about_25_percent():
    lab = np.zeros((40, 40, 40), bool)
    lab[20, 20, 20] = True  # tiny lesion: a perturbed click leaves it almost surely
    image = np.random.default_rng(0).random(lab.shape)
    rng = np.random.default_rng(5)
    n = 1500
    outside = sum(not lab[r5_realistic(lab, None, image=image, rng=rng)[0].index] for _ in range(n))
    # Eq. 28: p_system + (1 - p_system) * p_perturb = 0.134 + 0.866 * 0.134 = 0.250
    assert abs(outside / n - 0.25) < 4 * np.sqrt(0.25 * 0.75 / n)


def test_r5_systematic_and_perturbed_clicks():
    v = make_phantom((24, 40, 40), n_distractors=2, rng=2)
    lab = v.label.astype(bool)
    thr = np.percentile(v.image, 95)
    for seed in range(10):
        (c,) = r5_realistic(lab, None, image=v.image, p_perturb=0, p_system=1, rng=seed)
        assert c.label == 1 and not lab[c.index] and v.image[c.index] > thr
    base = r1_center(lab, None, rng=0)[0].index
    for seed in range(30):
        (c,) = r5_realistic(lab, None, image=v.image, p_perturb=1, p_system=0, rng=seed)
        assert all(0 <= i < s for i, s in zip(c.index, lab.shape, strict=True))
        assert np.abs(np.subtract(c.index, base)).max() <= 35
    with pytest.raises(ValueError, match="R5 with p_system > 0 needs `image`, got None"):
        r5_realistic(lab, None)
    with pytest.raises(ValueError, match=re.escape("p_perturb must lie in [0, 1], got 1.5")):
        r5_realistic(lab, None, image=v.image, p_perturb=1.5)


def test_users_on_real_ct_spleen(shared_data):
    v = load_sample("ct_spleen")
    lab = v.label.astype(bool)
    pred = ndi.binary_erosion(lab, iterations=1)
    pred[:, :10, :10] = True
    for name in ("R1", "R3", "R4"):
        clicks = get_robot_user(name)(lab, pred, spacing=v.spacing, affine=v.affine, rng=0)
        assert isinstance(clicks[0], Click) and (lab & ~pred)[clicks[0].index]
        assert (pred & ~lab)[clicks[1].index]
        assert np.allclose(clicks[0].world(), v.affine[:3, :3] @ clicks[0].index + v.affine[:3, 3])
    c = r1_center(lab, pred, spacing=v.spacing, rng=0)[0]
    assert _largest_scipy(lab & ~pred, full=False)[c.index]


def test_users_on_real_mr_brain_lesion(shared_data):
    v = load_sample("mr_brain1")
    lab = v.label.astype(bool)
    pred = np.zeros_like(lab)
    (c1,) = r1_center(lab, None, spacing=v.spacing, rng=0)
    assert lab[c1.index]
    clicks = r5_realistic(lab, pred, image=v.image, spacing=v.spacing, rng=0)
    assert clicks[0].label == 1


def test_mc_dropout_uncertainty_drives_r2():
    import torch

    with torch.random.fork_rng(devices=[]):  # seed locally, leave the global state alone
        torch.manual_seed(0)
        net = torch.nn.Sequential(
            torch.nn.Conv3d(1, 4, 3, padding=1),
            torch.nn.BatchNorm3d(4),
            torch.nn.Dropout3d(0.5),
            torch.nn.Conv3d(4, 2, 1),
        )
        net.train()
        x = torch.randn(1, 1, 6, 8, 8)
        samples = mc_dropout_probs(net, x, n_samples=6)
    assert samples.shape == (6, 6, 8, 8) and net.training and net[1].training
    u = epistemic_uncertainty(samples)
    assert u.max() > 0 and 0 <= u.min() and u.max() <= 1
    lab = np.zeros((6, 8, 8), bool)
    lab[2:4, 2:6, 2:6] = True
    (c,) = r2_uncertainty(lab, np.zeros_like(lab), uncertainty=u, rng=0)
    assert lab[c.index]
    with pytest.raises(ValueError, match="model has no dropout layer"):
        mc_dropout_probs(torch.nn.Conv3d(1, 1, 1), x)


def test_r5_options_are_validated():
    lab = np.zeros((6, 6), bool)
    lab[2:4, 2:4] = True
    img = lab.astype(float)
    with pytest.raises(ValueError, match=re.escape("percentile must lie in [0, 100], got 150")):
        r5_realistic(lab, None, image=img, percentile=150)
    with pytest.raises(
        ValueError, match=re.escape("amplitude must be an integer >= 0 (voxels), got 2.5")
    ):
        r5_realistic(lab, None, image=img, amplitude=2.5)
    with pytest.raises(
        ValueError, match=re.escape("amplitude must be an integer >= 0 (voxels), got -1")
    ):
        r5_realistic(lab, None, image=img, amplitude=-1)


def test_robot_user_doctests():
    """The Examples of the robot users' modules are part of their contract."""
    import doctest
    import importlib

    for name in ("iterative", "uncertainty", "noniterative", "loop", "corrections"):
        mod = importlib.import_module(f"reference_impl.robot_users.{name}")
        result = doctest.testmod(mod)
        assert result.failed == 0, name
    assert (
        doctest.testmod(importlib.import_module("reference_impl.robot_users.uncertainty")).attempted
        > 0
    )
