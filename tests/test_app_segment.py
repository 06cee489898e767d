"""The "Segment interactively" page's helpers: orthogonal views, click mapping, session glue."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.orthoview import COLOURS, VIEWS, Ortho, percentile_window, window


def _affine(perm, signs, spacing=(2.0, 1.0, 0.5)):
    """(z, y, x) -> RAS affine whose input axis i runs along world axis perm[i] * signs[i]."""
    aff = np.eye(4)
    aff[:3, :3] = 0
    for i, (w, s) in enumerate(zip(perm, signs, strict=True)):
        aff[w, i] = s * spacing[i]
    aff[:3, 3] = (10.0, -20.0, 30.0)
    return aff


def _world(aff, idx):
    return (aff @ np.r_[np.asarray(idx, float), 1.0])[:3]


AFFINES = [(p, s) for p in itertools.permutations(range(3))
           for s in itertools.product((1, -1), repeat=3)]


@pytest.mark.parametrize(("perm", "signs"), AFFINES)
def test_every_view_pixel_maps_to_the_voxel_drawn_there(perm, signs):
    """For all 48 axis permutations/flips: the voxel under a pixel is the one rendered there,
    and the views are radiological (patient's right on the image's left, anterior/superior up,
    sagittal anterior on the left)."""
    shape = (7, 9, 11)
    aff = _affine(perm, signs)
    vol = np.arange(np.prod(shape)).reshape(shape)
    o = Ortho.from_affine(aff, shape, max_px=60)
    canon = o.to_canonical(vol)
    rng = np.random.default_rng(0)
    for view, a in VIEWS.items():
        fr, fc = o.scale(view)
        for _ in range(20):
            pos = int(rng.integers(canon.shape[a]))
            sl = o.view_slice(canon, view, pos)
            r, c = int(rng.integers(sl.shape[0])), int(rng.integers(sl.shape[1]))
            px, py = c * fc + rng.integers(fc), r * fr + rng.integers(fr)  # anywhere in the block
            idx = o.pixel_to_index(view, pos, px, py)
            assert vol[idx] == sl[r, c]
            assert o.index_to_canon(idx)[a] == pos
            cx, cy = o.index_to_pixel(view, idx)
            assert o.pixel_to_index(view, pos, cx, cy) == idx
        # orientation: one block right / down moves the world point as radiologists expect
        pos = canon.shape[a] // 2
        w0 = _world(aff, o.pixel_to_index(view, pos, 0, 0))
        right = _world(aff, o.pixel_to_index(view, pos, fc, 0)) - w0
        down = _world(aff, o.pixel_to_index(view, pos, 0, fr)) - w0
        if view == "axial":
            assert right[0] < 0 and down[1] < 0  # towards patient's left; towards posterior
        elif view == "coronal":
            assert right[0] < 0 and down[2] < 0  # towards patient's left; towards inferior
        else:
            assert right[1] < 0 and down[2] < 0  # towards posterior; towards inferior
        assert np.count_nonzero(right) == 1 and np.count_nonzero(down) == 1


def test_bundled_ct_axial_view_is_radiological(shared_data):
    """The spleen (patient's left) appears on the image's right half of the axial view."""
    from reference_impl.io import load_sample

    vol = load_sample("ct_spleen")
    o = Ortho.from_affine(vol.affine, vol.shape)
    lab = o.to_canonical(vol.label)
    cols = np.nonzero(lab.any(axis=(0, 1)))[0]
    assert cols.mean() > lab.shape[2] / 2
    rows = np.nonzero(lab.any(axis=(0, 2)))[0]  # the spleen is posterior: lower half
    assert rows.mean() > lab.shape[1] / 2
    fr, fc = o.scale("axial")
    assert fr == fc and fr >= 2  # 3 mm isotropic voxels drawn as square blocks


def test_anisotropic_voxels_keep_their_aspect():
    aff = _affine((2, 1, 0), (1, 1, 1), spacing=(6.5, 0.78, 0.78))  # z along S, 6.5 mm
    o = Ortho.from_affine(aff, (25, 256, 256))
    fr, fc = o.scale("coronal")  # rows along z (6.5 mm), columns along x (0.78 mm)
    assert fr / fc == pytest.approx(6.5 / 0.78, rel=0.1)
    assert o.scale("axial") == (1, 1)  # native resolution: never shrunk


def test_render_draws_mask_label_and_clicks():
    shape = (5, 20, 20)
    o = Ortho.from_affine(_affine((2, 1, 0), (1, 1, 1), (1.0, 1.0, 1.0)), shape, max_px=20)
    grey = np.full(o.canon_shape, 100, np.uint8)
    mask = np.zeros(shape, np.uint8)
    mask[2, 5:15, 5:15] = 1
    label = np.zeros(shape, np.uint8)
    label[2, 2:18, 2:18] = 1
    pos_click, neg_click = (2, 10, 10), (2, 3, 16)
    canon_pos = o.index_to_canon(pos_click)[0]
    rgb = o.render(grey, "axial", canon_pos, mask=o.to_canonical(mask),
                   label=o.to_canonical(label), clicks=[(pos_click, True), (neg_click, False)])
    colours = {tuple(int(v) for v in p) for p in rgb.reshape(-1, 3)}
    for name in ("prediction", "label", "positive", "negative"):
        assert COLOURS[name] in colours, name
    px, py = o.index_to_pixel("axial", pos_click)
    assert tuple(rgb[int(py), int(px)]) == COLOURS["positive"]
    other = o.render(grey, "axial", canon_pos + 1, clicks=[(pos_click, True)])
    assert COLOURS["positive"] not in {tuple(int(v) for v in p) for p in other.reshape(-1, 3)}


def test_colours_have_one_meaning_each():
    assert len(set(COLOURS.values())) == len(COLOURS)


def test_windows():
    img = np.array([-1000.0, 40.0, 240.0, 3000.0])
    assert window(img, 40, 400).tolist() == [0, 128, 255, 255]
    level, width = percentile_window(np.arange(101.0), 1, 99)
    assert (level, width) == pytest.approx((50.0, 98.0))
    with pytest.raises(ValueError, match="3D"):
        Ortho.from_affine(np.eye(4), (4, 4))
