"""The shipped click model's inputs: region of interest and distance channels."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.ndimage import distance_transform_edt

from reference_impl.interactions import Click
from reference_impl.swfastedit.clicknet import (
    ClickNet,
    ClickNetConfig,
    build_inputs,
    network_inputs,
    predict_probs,
)
from reference_impl.swfastedit.prior import roi_from_clicks


def test_distance_channels_match_scipy_on_anisotropic_spacing():
    shape, spacing = (6, 20, 17), (3.0, 1.0, 0.7)
    clicks = [Click(1, (0, 3, 16)), Click(1, (5, 19, 0)), Click(0, (2, 10, 8))]
    x = build_inputs(
        np.zeros(shape, np.float32),
        np.zeros(shape, np.float32),
        clicks,
        sigma=1.0,
        distance_mm=10.0,
        spacing=spacing,
    )
    assert x.shape == (1, 6, *shape)
    for ch, label in ((4, 1), (5, 0)):
        seeds = np.ones(shape, bool)
        for c in clicks:
            if c.label == label:
                seeds[c.index] = False
        ref = np.clip(distance_transform_edt(seeds, sampling=spacing) / 10.0, 0, 2) - 1
        np.testing.assert_allclose(x[0, ch].numpy(), ref, atol=1e-5)


def test_distance_channel_without_clicks_of_a_kind_is_far_everywhere():
    x = build_inputs(
        np.zeros((3, 4, 5), np.float32),
        np.zeros((3, 4, 5), np.float32),
        [Click(1, (1, 1, 1))],
        sigma=1.0,
        distance_mm=5.0,
        spacing=(1.0, 1.0, 1.0),
    )
    assert torch.all(x[0, 5] == 1.0) and x[0, 4, 1, 1, 1] == -1.0
    with pytest.raises(ValueError, match="spacing"):
        build_inputs(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), [], sigma=1.0, distance_mm=5.0)


def test_network_sees_the_clicks_region_and_keeps_the_prior_outside():
    rng = np.random.default_rng(0)
    img = rng.random((10, 40, 40)).astype(np.float32)
    prior = np.zeros(img.shape, np.float32)
    prior[4:7, 5:12, 5:12] = 0.9
    prior[4:7, 30:36, 30:36] = 0.9  # outside the clicks' region: kept as the prior says
    cfg = ClickNetConfig(prior="rw-noborder-cap45", roi_mm=6.0, distance_mm=20.0)
    clicks = [Click(1, (5, 8, 8))]
    x, roi = network_inputs(cfg, img, prior, clicks, spacing=(2.0, 1.0, 1.0))
    assert roi == roi_from_clicks(img.shape, clicks, (2.0, 1.0, 1.0), margin_mm=6.0)
    assert roi == (slice(2, 9), slice(2, 15), slice(2, 15))
    assert x.shape == (1, 6, 7, 13, 13)
    np.testing.assert_allclose(x[0, 3].numpy(), 2 * prior[roi] - 1)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = ClickNet(cfg).eval()  # gain 0: the network returns the prior's logit
    prob, mask, _ = predict_probs(net, img, prior, clicks, spacing=(2.0, 1.0, 1.0))
    assert mask[5, 8, 8] and not mask[5, 33, 33]  # far component: not connected to a click
    assert np.all(prob[5, 30:36, 30:36] <= 0.25)
    assert mask[roi].sum() == (prior[roi] > 0.5).sum()
    with pytest.raises(ValueError, match="spacing"):
        network_inputs(cfg, img, prior, clicks)


def test_old_checkpoint_configs_still_load():
    old = {"channels": [8, 16, 32], "sigma": 2.0, "window": 4.0, "prior_scale": 1.0}
    cfg = ClickNetConfig.from_dict({**old, "prior": "rw-noborder-cap45"})
    assert cfg.roi_mm is None and cfg.distance_mm is None and cfg.in_channels == 4
    assert ClickNetConfig(distance_mm=50.0).in_channels == 6


def test_rw_prior_solves_scikit_images_system():
    """The prior's one-solve walk equals skimage's direct solve with the same seeds."""
    from skimage.segmentation import random_walker

    from reference_impl.engines.seeds import normalize_image, seed_labels
    from reference_impl.swfastedit.prior import rw_prior

    rng = np.random.default_rng(1)
    img = rng.normal(0, 0.05, (8, 16, 16)).astype(np.float32)
    img[2:6, 4:11, 4:11] += 1.0
    clicks = [Click(1, (4, 7, 7)), Click(0, (4, 1, 14))]
    spacing = (2.0, 1.0, 1.0)
    got = rw_prior(img, clicks, spacing=spacing, roi_mm=None, tol=1e-8)
    seeds = seed_labels(img.shape, clicks)
    norm = normalize_image(img)
    ref_int = np.unique(norm[seeds == 1])
    near = np.abs(norm[..., None] - ref_int).min(-1)
    seeds[(near > 0.25) & (seeds == 0)] = 2
    want = random_walker(
        norm * 100.0,
        seeds.astype(np.int32),
        beta=130.0,
        mode="bf",
        return_full_prob=True,
        spacing=(2.0, 1.0, 1.0),
    )[0]
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert got[4, 7, 7] == 1.0 and got[4, 1, 14] == 0.0
    assert not rw_prior(img, [Click(0, (4, 1, 14))], spacing=spacing).any()


def test_prior_normalised_distances_do_not_see_absolute_size():
    """distance_norm="prior": a ball twice as large, clicked at twice the distance from the
    same point of its surface, gives the same distance channels; "mm" does not."""
    from reference_impl.swfastedit.clicknet import ClickNetConfig, network_inputs

    def ball_case(r: int):
        n = 8 * r
        zz, yy, xx = np.ogrid[:n, :n, :n]
        c = n // 2
        prior = (((zz - c) ** 2 + (yy - c) ** 2 + (xx - c) ** 2) <= r * r).astype(np.float32)
        img = prior.copy()
        clicks = [Click(1, (c, c, c)), Click(0, (c, c, c + 2 * r))]
        return img, prior, clicks, c

    chans = {}
    for norm in ("mm", "prior"):
        cfg = ClickNetConfig(distance_mm=50.0, distance_norm=norm)
        for r in (4, 8):
            img, prior, clicks, c = ball_case(r)
            x, _ = network_inputs(cfg, img, prior, clicks, spacing=(1.0, 1.0, 1.0))
            chans[norm, r] = x[0, 4:, c, c, c + r].numpy()  # on the surface, towards the negative
    np.testing.assert_allclose(chans["prior", 4], chans["prior", 8], atol=0.02)
    assert chans["mm", 8][0] - chans["mm", 4][0] == pytest.approx((8 - 4) / 50.0, abs=1e-3)
    with pytest.raises(ValueError, match="distance_norm must be 'mm' or 'prior'"):
        ClickNetConfig(distance_norm="voxels")


def test_swfastedit_click_model_doctests():
    """The Examples of the click model's modules are part of their contract."""
    import doctest
    import importlib

    for name in ("clicknet", "prior", "zoom", "checkpoint_io", "windows"):
        mod = importlib.import_module(f"reference_impl.swfastedit.{name}")
        result = doctest.testmod(mod)
        assert result.attempted > 0 and result.failed == 0, name


def _ball(shape, centre, r_vox):
    zz, yy, xx = np.indices(shape)
    d2 = sum((a - c) ** 2 for a, c in zip((zz, yy, xx), centre, strict=True))
    return (d2 <= r_vox**2).astype(np.float32)


def test_untrained_zoomed_model_is_the_prior():
    """gain 0: with zoom-in the answer is still exactly the prior's, inside and outside
    the zoomed crop (the prior's logit is added at the original resolution)."""
    from reference_impl.swfastedit.clicknet import region_logits

    rng = np.random.default_rng(1)
    img = rng.random((12, 40, 36)).astype(np.float32)
    prior = np.clip(_ball(img.shape, (6, 20, 18), 4) * 0.9 + rng.random(img.shape) * 0.05, 0, 1)
    clicks = [Click(1, (6, 20, 18)), Click(0, (2, 5, 5))]
    sp = (2.5, 0.8, 0.8)
    plain = ClickNet(ClickNetConfig(prior="rw-noborder-cap45", roi_mm=20.0, distance_mm=50.0))
    zoomed = ClickNet(ClickNetConfig(prior="rw-noborder-cap45", roi_mm=20.0, distance_mm=50.0,
                                     zoom_voxels=12))  # fmt: skip
    p0, m0, _ = predict_probs(plain.eval(), img, prior, clicks, spacing=sp)
    p1, m1, x1 = predict_probs(zoomed.eval(), img, prior, clicks, spacing=sp)
    np.testing.assert_allclose(p1, p0, atol=1e-6)
    np.testing.assert_array_equal(m1, m0)
    with torch.no_grad():
        zoomed.gain.fill_(1.0)
        logit, roi, x = region_logits(zoomed, img, prior, clicks, spacing=sp)
    assert logit.shape[2:] == prior[roi].shape  # answered in the region's own grid
    assert x.shape[1] == 6 and max(x.shape[2:]) <= zoomed.config.zoom_max
    with pytest.raises(ValueError, match="spacing"):
        region_logits(zoomed, img, prior, clicks)


@pytest.mark.parametrize("zoom", [None, 16.0])
def test_zoom_in_shows_objects_of_any_size_at_one_scale(zoom):
    """The same ball at two sizes (radius 3 and 9 voxels, 1 mm): zoomed in, the network
    inputs have the same shape up to voxel rounding and nearly the same content; without
    zoom their shapes differ threefold."""
    from reference_impl.swfastedit.clicknet import region_logits

    cfg = ClickNetConfig(prior="rw-noborder-cap45", roi_mm=30.0, distance_mm=50.0,
                         zoom_voxels=zoom)  # fmt: skip
    net = ClickNet(cfg).eval()
    xs = []
    for r, n in ((3, 40), (9, 120)):
        c = n // 2
        ball = _ball((n, n, n), (c, c, c), r)
        img = 0.2 + 0.6 * ball
        with torch.no_grad():
            _, _, x = region_logits(net, img, ball, [Click(1, (c, c, c))], spacing=(1.0,) * 3)
        xs.append(x[0])
    if zoom is None:
        assert xs[0].shape != xs[1].shape
        return
    from reference_impl.swfastedit.zoom import resize

    # one scale up to the voxel rounding of a 3-voxel ball (and ~20x fewer voxels for r = 9)
    sa, sb = np.array(xs[0].shape[1:]), np.array(xs[1].shape[1:])
    assert np.all(np.abs(sa - sb) <= 0.1 * sa)
    xb = resize(xs[1][None], tuple(sa))[0]
    for ch in (0, 3, 4):  # image, prior, distance to the positive click
        a, b = xs[0][ch].flatten().numpy(), xb[ch].flatten().numpy()
        assert np.corrcoef(a, b)[0, 1] > 0.95, ch


def test_zoomed_model_fits_and_its_checkpoint_loads(tmp_path, toy_click_states):
    """Two fitting steps with zoom-in: gradients reach the network, and the checkpoint
    stores the zoom so the shipped engine rebuilds the same model."""
    from reference_impl.engines import get_engine
    from reference_impl.swfastedit.fitting import fit_states

    states = toy_click_states
    settings = dict(prior="rw-noborder-cap45", roi_mm=50.0, distance_mm=50.0, steps=2, seed=0,
                    lr=1e-2, weight_decay=0.0, eval_every=1, zoom_voxels=12.0)  # fmt: skip
    meta = fit_states(states, states, out=tmp_path / "z.pt", settings=settings,
                      log=lambda _: None)  # fmt: skip
    assert [m["step"] for m in meta["metrics"]] == [0, 1, 2]
    assert any(m.get("gain", 0.0) != 0.0 for m in meta["metrics"][1:])  # it learned something
    e = get_engine("shipped", checkpoint=tmp_path / "z.pt")
    assert e.net.config.zoom_voxels == 12.0


def test_grown_box_is_the_smallest_box_holding_every_point_grown_by_the_margin():
    """``prior.grown_box`` against a brute-force check on random points, spacings and margins
    (2D and 3D, points on the border included): every voxel within ``margin_mm`` of a point
    along each axis is inside, and each face is either the image's border or exactly
    ``ceil(margin / spacing)`` voxels beyond the outermost point."""
    import math

    from reference_impl.swfastedit.prior import grown_box

    rng = np.random.default_rng(0)
    for _ in range(200):
        nd = int(rng.integers(2, 4))
        shape = tuple(int(v) for v in rng.integers(1, 20, nd))
        k = int(rng.integers(1, 5))
        pts = np.stack([rng.integers(0, n, k) for n in shape], 1)
        if rng.random() < 0.3:
            pts[0] = [n - 1 for n in shape]  # a border point
        spacing = tuple(float(v) for v in rng.uniform(0.3, 5, nd))
        margin = float(rng.uniform(0, 12))
        box = grown_box(pts, shape, spacing, margin_mm=margin)
        for ax, (sl, n) in enumerate(zip(box, shape, strict=True)):
            m = math.ceil(margin / spacing[ax])
            lo, hi = int(pts[:, ax].min()), int(pts[:, ax].max())
            assert sl.start == max(lo - m, 0) and sl.stop == min(hi + m + 1, n)
            assert all(sl.start <= p < sl.stop for p in pts[:, ax])


def test_blend_weight_is_checked_and_old_configs_do_not_blend():
    assert ClickNetConfig().blend == 0.0
    assert ClickNetConfig.from_dict({"channels": [8, 16, 32]}).blend == 0.0
    for bad in (-0.1, 1.5, "0.5", float("nan"), True):
        with pytest.raises(ValueError, match="blend"):
            ClickNetConfig(blend=bad)


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_blended_probabilities_are_the_weighted_mean_before_the_mask(weight):
    """``blend`` w: the mask is the click-consistent mask of ``(1-w)·model + w·other``."""
    from reference_impl.swfastedit.clicknet import click_consistent, region_logits

    torch.manual_seed(0)
    rng = np.random.default_rng(3)
    img = rng.random((8, 16, 16)).astype(np.float32)
    prior = np.zeros(img.shape, np.float32)
    prior[2:6, 4:12, 4:12] = 0.9
    other = np.zeros(img.shape, np.float32)
    other[2:6, 6:14, 2:10] = 0.8
    clicks = [Click(1, (4, 8, 8)), Click(0, (1, 1, 1))]
    plain = ClickNet(ClickNetConfig(channels=(4, 8)))
    blended = ClickNet(ClickNetConfig(channels=(4, 8), blend=weight))
    blended.load_state_dict(plain.state_dict())
    with torch.no_grad():  # a non-zero correction, so the model is not its prior
        plain.gain.fill_(0.7)
        blended.gain.fill_(0.7)
    p0, _, _ = predict_probs(plain, img, prior, clicks, spacing=(1.0, 1.0, 1.0))
    with torch.no_grad():  # the model's own probabilities, before the mask
        logits, roi, _ = region_logits(plain, img, prior, clicks, spacing=(1.0, 1.0, 1.0))
    raw = prior.copy()
    raw[roi] = torch.sigmoid(logits[0, 0]).numpy()
    pb, mb, _ = predict_probs(
        blended, img, prior, clicks, spacing=(1.0, 1.0, 1.0), blend_probs=other
    )
    assert np.array_equal(mb, click_consistent((1 - weight) * raw + weight * other, clicks))
    if weight == 0.0:
        assert np.array_equal(pb, p0)
    if weight == 1.0:  # only the other answer counts
        assert np.array_equal(mb, click_consistent(other, clicks))
    assert 0 < mb.sum() < mb.size and mb[4, 8, 8] == 1 and mb[1, 1, 1] == 0
    assert np.array_equal(mb, (pb > 0.5).astype(np.uint8))
    if weight > 0:
        with pytest.raises(ValueError, match="blend_probs"):
            predict_probs(blended, img, prior, clicks, spacing=(1.0, 1.0, 1.0))
        with pytest.raises(ValueError, match="blend_probs"):
            predict_probs(
                blended, img, prior, clicks, spacing=(1.0, 1.0, 1.0), blend_probs=other[:4]
            )
