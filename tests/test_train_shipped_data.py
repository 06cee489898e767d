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
