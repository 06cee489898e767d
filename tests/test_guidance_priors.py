"""Adaptive heatmaps, location prior, attraction field and positional encodings vs references."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from test_guidance_refs import dijkstra_reference, gaussian_reference

from reference_impl.guidance import (
    adaptive_heatmap,
    adaptive_sigmas,
    attraction_field,
    box_corner_encoding,
    location_prior,
    point_encoding,
    positional_encoding,
    signal_footprint,
)
from reference_impl.interactions import Box, Click


@pytest.mark.parametrize("shape,spacing", [((21, 19), (1.0, 1.0)), ((11, 13, 12), (2.0, 1.0, 1.0))])
def test_adaptive_matches_dijkstra_reference(shape, spacing):
    rng = np.random.default_rng(11)
    img = (rng.random(shape) * 4).astype(np.float32)
    img[(slice(None),) * (len(shape) - 1) + (slice(0, 5),)] = 0.0  # a flat region: large σ
    clicks = [Click(1, (2,) * len(shape)), Click(0, tuple(s - 1 for s in shape))]
    clicks += [Click(int(rng.integers(0, 2)), tuple(int(rng.integers(0, s)) for s in shape))
               for _ in range(3)]  # fmt: skip
    sig = adaptive_sigmas(clicks, shape, image=img, lamb=0.5, spacing=spacing, device="cpu")
    seeds = np.zeros(shape, bool)
    for c in clicks:
        seeds[c.index] = True
    gdt = dijkstra_reference(seeds, img.astype(np.float64), spacing, 0.5)
    want = []
    for c in clicks:
        box = tuple(slice(max(i - 4, 0), i + 5) for i in c.index)
        want.append(math.floor(13 * math.exp(-0.15 * gdt[box].mean())))
    assert sig == want
    assert len(set(sig)) > 1  # the data exercise more than one radius
    got = adaptive_heatmap(clicks, shape, image=img, lamb=0.5, spacing=spacing, device="cpu")
    for ch, label in enumerate((1, 0)):
        ref = gaussian_reference(
            shape, [(c.index, s) for c, s in zip(clicks, sig, strict=True) if c.label == label],
            spacing,
        )  # fmt: skip
        np.testing.assert_allclose(got[ch].numpy(), ref, atol=1e-6)


def test_adaptive_parameters_and_empty():
    img = torch.zeros(9, 9)
    assert adaptive_sigmas([Click(1, (4, 4))], (9, 9), image=img, a=5, device="cpu") == [5]
    out = adaptive_heatmap([], (9, 9), image=img, device="cpu")
    assert float(out.abs().sum()) == 0.0
    with pytest.raises(ValueError, match=re.escape("window must be a positive odd integer, got 4")):
        adaptive_sigmas([], (9, 9), image=img, window=4, device="cpu")
    assert signal_footprint("adaptive_heatmap") is None


def _lp_bruteforce(clicks, edges):
    out = np.zeros((2, *edges.shape))
    for c in clicks:
        for vy in range(edges.shape[0]):
            for vx in range(edges.shape[1]):
                s = 0
                for i in range(min(c.index[0], vy), max(c.index[0], vy) + 1):
                    for j in range(min(c.index[1], vx), max(c.index[1], vx) + 1):
                        s += 10 if edges[i, j] else 1
                ch = 0 if c.label == 1 else 1
                out[ch, vy, vx] = max(out[ch, vy, vx], max(0, 255 - s))
    return out


def test_location_prior_matches_bruteforce():
    rng = np.random.default_rng(2)
    edges = rng.random((19, 23)) < 0.2
    clicks = [Click(1, (0, 0)), Click(1, (10, 12)), Click(0, (18, 22)), Click(0, (5, 20))]
    got = location_prior(clicks, edges.shape, edges=torch.from_numpy(edges), device="cpu")
    np.testing.assert_array_equal(got.numpy(), _lp_bruteforce(clicks, edges))


def test_location_prior_canny_and_footprint():
    from skimage.feature import canny

    rng = np.random.default_rng(3)
    img = np.zeros((30, 30))
    img[8:20, 10:25] = 1.0
    img += rng.normal(0, 0.05, img.shape)
    clicks = [Click(1, (14, 15))]
    got = location_prior(clicks, img.shape, image=img, device="cpu")
    ref = location_prior(clicks, img.shape, edges=canny(img, sigma=1.0), device="cpu")
    torch.testing.assert_close(got, ref)
    big = location_prior([Click(1, (0, 300))], (1, 600), edges=np.zeros((1, 600), bool))[0, 0]
    r = signal_footprint("location_prior", ndim=2)
    assert r == (253, 253) and float(big[300 + 253]) == 1.0 and float(big[300 + 254]) == 0.0
    assert float(big[300 - 253]) == 1.0 and float(big[300 - 254]) == 0.0
    with pytest.raises(ValueError, match=re.escape("defined for 2D images only")):
        location_prior([], (3, 3, 3), edges=np.zeros((3, 3, 3), bool))
    with pytest.raises(ValueError, match=re.escape("needs image= (for Canny edges) or edges=")):
        location_prior([], (3, 3))


@pytest.mark.parametrize("shape,spacing", [((7, 9), None), ((5, 6, 7), (3.0, 1.0, 0.5))])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_attraction_field_matches_numpy(shape, spacing, p):
    c1, c2 = Click(1, (1,) * len(shape)), Click(0, tuple(s - 2 for s in shape))
    got = attraction_field(c1, c2, shape, p=p, spacing=spacing, device="cpu").numpy()
    sp = np.asarray(spacing or (1.0,) * len(shape))
    for v in np.ndindex(*shape):
        want = np.zeros(len(shape))
        for sign, c in ((1, c1), (-1, c2)):
            vec = (np.array(v) - np.array(c.index)) * sp
            n = np.linalg.norm(vec)
            if n > 0:
                want += sign * vec / n**p
        np.testing.assert_allclose(got[(slice(None), *v)], want, rtol=1e-5, atol=1e-6)


def test_positional_encodings_match_formula():
    k, d = 3, 16
    c = (4, 7, 2)
    got = point_encoding(c, n_bands=k, dim=d, spacing=(2.0, 1.0, 1.0), device="cpu").numpy()
    want = []
    for coord in (8.0, 7.0, 2.0):
        for j in range(1, k + 1):
            w = 1 / 10000 ** (2 * j / d)
            want += [math.sin(w * coord), math.cos(w * coord)]
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)
    e = {1: np.arange(18.0), 0: -np.ones(18)}
    clicks = [Click(1, c), Click(1, (0, 0, 1)), Click(0, (3, 3, 3))]
    pe = positional_encoding(clicks, n_bands=k, dim=d, embeddings=e, device="cpu")
    one = [point_encoding(x.index, n_bands=k, dim=d, device="cpu") for x in clicks]
    torch.testing.assert_close(pe[0], one[0] + one[1] + 2 * torch.arange(18.0))
    torch.testing.assert_close(pe[1], one[2] - 1)
    assert positional_encoding([], n_bands=2, ndim=2, device="cpu").shape == (2, 8)
    box = Box((1, 2), (5, 9))
    torch.testing.assert_close(
        box_corner_encoding(box, n_bands=2, device="cpu"),
        point_encoding((1, 2), n_bands=2, device="cpu")
        + point_encoding((4, 8), n_bands=2, device="cpu"),
    )
    with pytest.raises(ValueError, match=re.escape("embedding for label 1 must have shape (18,)")):
        positional_encoding(clicks, n_bands=k, embeddings={1: np.zeros(3)}, device="cpu")


def test_location_prior_follows_eq29_not_the_prose_at_the_click():
    """The prose gives 255 at the click; Eq. 29's inclusive sum counts the click pixel (254)."""
    edges = np.zeros((9, 9), bool)
    lp = location_prior([Click(1, (4, 4))], (9, 9), edges=edges, device="cpu")[0]
    assert float(lp[4, 4]) == 254.0 and float(lp[4, 5]) == 253.0 and float(lp[5, 5]) == 251.0
    edges[4, 4] = True  # an edge under the click costs 10 already there
    assert (
        float(location_prior([Click(1, (4, 4))], (9, 9), edges=edges, device="cpu")[0, 4, 4])
        == 245.0
    )
