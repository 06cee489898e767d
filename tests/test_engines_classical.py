"""The classical baseline engines against independent references and on toy volumes."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from reference_impl.engines import available_engines, get_engine
from reference_impl.engines.seeds import (
    BACKGROUND_MARGIN,
    normalize_image,
    random_walker_2label,
    seed_labels,
)
from reference_impl.interactions import Box, Click, Scribble
from reference_impl.metrics import dice


def _toy(shape=(10, 24, 24), seed=0):
    """A bright cube on a dark, noisy background."""
    rng = np.random.default_rng(seed)
    img = rng.normal(0, 5, shape).astype(np.float32)
    lab = np.zeros(shape, np.uint8)
    lab[2:8, 6:16, 5:14] = 1
    img[lab > 0] += 100
    return img, lab


def test_registry_has_the_three_baselines():
    assert {"random-walker", "geodesic", "ball-floor"} <= set(available_engines())
    with pytest.raises(ValueError, match="unknown engine 'nope'"):
        get_engine("nope")


@pytest.mark.parametrize("shape, spacing", [((13, 17), (1.0, 1.0)), ((6, 9, 11), (3.0, 1.0, 0.7))])
def test_random_walker_2label_matches_skimage(shape, spacing):
    from skimage.segmentation import random_walker

    rng = np.random.default_rng(1)
    data = rng.random(shape)
    seeds = np.zeros(shape, np.int32)
    flat = seeds.reshape(-1)
    flat[rng.choice(flat.size, 6, replace=False)] = [1, 1, 1, 2, 2, 2]
    ref = random_walker(data, seeds, beta=130, mode="bf", return_full_prob=True, spacing=spacing)[
        0
    ]  # direct sparse solve: the exact reference
    ours = random_walker_2label(data, seeds, beta=130, spacing=spacing, tol=1e-10)
    assert np.abs(ours - np.clip(ref, 0, 1)).max() < 1e-5
    assert np.array_equal(ours[seeds == 1], np.ones((seeds == 1).sum()))


def test_random_walker_engine_solvers_agree_and_segment_the_cube():
    img, lab = _toy()
    clicks = [Click(1, (5, 10, 9)), Click(0, (1, 2, 2))]
    out = {}
    for solver in ("fast", "skimage"):
        e = get_engine("random-walker", solver=solver)
        e.set_image(img, spacing=(2.0, 1.0, 1.0))
        out[solver] = e.predict(clicks)
        assert out[solver].dtype == np.float32 and out[solver].shape == img.shape
    assert np.abs(out["fast"] - out["skimage"]).max() < 1e-2
    assert dice(out["fast"] >= 0.5, lab) > 0.95


@pytest.mark.parametrize("name", ["random-walker", "geodesic", "ball-floor"])
def test_no_interactions_give_zeros_and_negatives_alone_too(name):
    img, _ = _toy()
    e = get_engine(name)
    e.set_image(img)
    assert not e.predict([]).any()
    assert not (e.predict([Click(0, (5, 10, 9))]) >= 0.5).any()
    with pytest.raises(RuntimeError, match="call set_image"):
        get_engine(name).predict([])


def test_seed_labels_balls_scribbles_boxes_and_implicit_background():
    s = seed_labels((7, 7, 7), [Click(1, (3, 3, 3))])
    assert (s == 1).sum() == 7 and (s == 2).sum() == 0  # radius-1 ball, nothing implicit
    sc = Scribble(0, np.array([[0, 0, 0], [0, 0, 1]]))
    s = seed_labels((7, 7, 7), [Click(1, (3, 3, 3)), sc])
    assert s[0, 0, 0] == 2 and s[0, 0, 1] == 2
    s = seed_labels((7, 7, 7), [Box((2, 2, 2), (5, 5, 5))])
    assert (s[2:5, 2:5, 2:5] != 2).all() and (s == 2).sum() == 343 - 27 and s[3, 3, 3] == 1
    img = np.zeros((7, 7, 7))
    img[:, :, 5:] = 1.0  # far in intensity -> implicit background
    s = seed_labels((7, 7, 7), [Click(1, (3, 3, 2))], background_from=img)
    assert (s[1:-1, 1:-1, 5:6] == 2).all() and (
        s[1:-1, 1:-1, 1:5][s[1:-1, 1:-1, 1:5] != 1] == 0
    ).all()
    near = np.full((7, 7, 7), BACKGROUND_MARGIN / 2)
    near[3, 3, 3] = 0
    s = seed_labels((7, 7, 7), [Click(1, (3, 3, 3))], background_from=near)
    assert (s[1:-1, 1:-1, 1:-1] != 2).all()  # within the margin: undecided, not background


def _dijkstra_gdt(seeds, img, spacing, lamb):
    """Independent reference: scipy Dijkstra on the 26-neighbour graph of Eq. 8."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import dijkstra

    shape = img.shape
    idx = np.arange(img.size).reshape(shape)
    rows, cols, w = [], [], []
    for off in itertools.product((-1, 0, 1), repeat=3):
        if off == (0, 0, 0):
            continue
        src = tuple(slice(max(0, -o), n - max(0, o)) for o, n in zip(off, shape, strict=True))
        dst = tuple(slice(max(0, o), n - max(0, -o)) for o, n in zip(off, shape, strict=True))
        eu2 = sum((o * s) ** 2 for o, s in zip(off, spacing, strict=True))
        cost = np.sqrt((1 - lamb) * eu2 + lamb * (img[src] - img[dst]) ** 2)
        rows.append(idx[src].ravel())
        cols.append(idx[dst].ravel())
        w.append(cost.ravel() + 1e-12)
    g = coo_matrix(
        (np.concatenate(w), (np.concatenate(rows), np.concatenate(cols))),
        shape=(img.size, img.size),
    ).tocsr()
    d = dijkstra(g, indices=np.flatnonzero(seeds), min_only=True)
    return d.reshape(shape)


def test_geodesic_engine_matches_dijkstra_on_random_volumes():
    rng = np.random.default_rng(3)
    img = rng.random((5, 8, 9)).astype(np.float32) * 50
    spacing = (2.0, 1.0, 0.8)
    clicks = [Click(1, (2, 4, 4)), Click(0, (0, 0, 8)), Click(1, (4, 7, 0))]
    e = get_engine("geodesic")
    e.set_image(img, spacing=spacing)
    prob = e.predict(clicks)
    norm = normalize_image(img) * e.contrast_mm
    seeds = seed_labels(img.shape, clicks, background_from=normalize_image(img))
    d_fg = _dijkstra_gdt(seeds == 1, norm.astype(np.float64), spacing, e.lamb)
    d_bg = _dijkstra_gdt(seeds == 2, norm.astype(np.float64), spacing, e.lamb)
    ref = d_bg / (d_fg + d_bg)
    clear = np.abs(d_fg - d_bg) > 1e-3 * (d_fg + d_bg)
    assert ((prob >= 0.5) == (ref >= 0.5))[clear].all()
    assert np.abs(prob - ref)[seeds == 0].max() < 1e-3


def test_geodesic_segments_the_toy_cube():
    img, lab = _toy()
    e = get_engine("geodesic")
    e.set_image(img, spacing=(2.0, 1.0, 1.0))
    assert dice(e.predict([Click(1, (5, 10, 9))]) >= 0.5, lab) > 0.9


def test_ball_floor_paints_5_cubed_and_negatives_erase():
    e = get_engine("ball-floor")
    e.set_image(np.zeros((10, 12, 12)))
    p = e.predict([Click(1, (5, 6, 6))])
    assert p.sum() == 125 and p[3:8, 4:9, 4:9].all()
    assert e.predict([Click(1, (0, 0, 0))]).sum() == 27  # clipped at the border
    p = e.predict([Click(1, (5, 6, 6)), Click(0, (5, 6, 8))])
    assert p.sum() == 125 - 75 and p[5, 6, 5] == 1 and p[5, 6, 6] == 0
    assert get_engine("ball-floor", radius=1).predict.__self__.radius == 1
    with pytest.raises(ValueError, match=re.escape("does not support box interactions")):
        e.predict([Box((0, 0, 0), (2, 2, 2))])
    with pytest.raises(ValueError, match="radius must be an integer >= 0"):
        get_engine("ball-floor", radius=-1)


def test_normalize_image_windows():
    ct = np.array([-1000.0, -160.0, 40.0, 240.0, 1000.0])
    assert normalize_image(ct).tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    mr = np.linspace(0, 100, 1001)
    n = normalize_image(mr)
    assert n.min() == 0 and n.max() == 1 and abs(float(n[500]) - 0.5) < 1e-6
    assert not normalize_image(np.ones(5)).any()
    assert normalize_image(mr, window=(0, 50))[500] == 1.0


@pytest.mark.parametrize(
    "name", ["reference_impl.engines.seeds", "reference_impl.engines.classical"]
)
def test_docstring_examples(name):
    """The docstring examples of the seeds and of the engines run and give what they show."""
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0
    if name.endswith("seeds"):
        assert result.attempted >= 5
