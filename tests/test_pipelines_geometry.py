"""The affine follows every crop and resampling of the pipelines' data (issue 11 item 5)."""

from __future__ import annotations

import numpy as np
import pytest

from reference_impl.interactions import Click
from reference_impl.io import Volume
from reference_impl.pipelines._geometry import crop, fit_to_budget, resample_to_shape, zoom


def _oblique_affine(spacing=(3.0, 0.8, 1.2)) -> np.ndarray:
    """A rotated, anisotropic, translated voxel (z, y, x) -> world affine."""
    th = 0.3
    rot = np.array([[np.cos(th), -np.sin(th), 0], [np.sin(th), np.cos(th), 0], [0, 0, 1]])
    a = np.eye(4)
    a[:3, :3] = rot @ np.diag(spacing)
    a[:3, 3] = (-40.0, 12.5, 7.0)
    return a


def _world(affine, idx):
    return (np.asarray(affine) @ np.r_[np.asarray(idx, float), 1.0])[:3]


def _marker_volume(shape=(20, 100, 80), centre=(10, 55, 35)):
    z, y, x = np.indices(shape)
    d2 = (z - centre[0]) ** 2 + ((y - centre[1]) / 3) ** 2 + ((x - centre[2]) / 2) ** 2
    lab = (d2 <= 9).astype(np.uint8)
    img = np.exp(-d2 / 20).astype(np.float32)
    return Volume(img, lab, (3.0, 0.8, 1.2), _oblique_affine(), "m")


def test_fit_to_budget_affine_maps_voxels_to_the_same_world_point():
    vol = _marker_volume()
    out, rec = fit_to_budget(vol, 32)
    assert "crop" in rec and "zoom" in rec and max(out.image.shape) <= 32
    lo = np.array([a for a, _ in rec["crop"]], float)
    cropped = np.array([b - a for a, b in rec["crop"]], float)
    step = (cropped - 1) / (np.array(out.image.shape) - 1)
    rng = np.random.default_rng(0)
    for _ in range(20):  # every new voxel maps where scipy's zoom sampled it from
        j = rng.integers(0, out.image.shape)
        assert np.allclose(_world(out.affine, j), _world(vol.affine, lo + step * j), atol=1e-9)
    # the object's centre of mass is at the same physical place (within a new voxel)
    c_old = _world(vol.affine, np.argwhere(vol.label).mean(0))
    c_new = _world(out.affine, np.argwhere(out.label).mean(0))
    assert np.linalg.norm(c_old - c_new) < max(out.spacing)
    # spacing is the column norm of the new affine, not a separate guess
    assert np.allclose(out.spacing, np.linalg.norm(out.affine[:3, :3], axis=0))
    assert out.spacing[1] > vol.spacing[1] and out.spacing[0] == pytest.approx(vol.spacing[0])


def test_click_world_survives_fit_to_budget():
    vol = _marker_volume()
    out, _ = fit_to_budget(vol, 32)
    centre_new = tuple(int(v) for v in np.argwhere(out.label).mean(0).round())
    click = Click(1, centre_new, affine=out.affine)
    back = click.to_grid(vol.affine, vol.image.shape)
    assert vol.label[back.index] == 1  # the click lands in the object of the original grid
    assert np.linalg.norm(back.world() - click.world()) <= np.linalg.norm(vol.spacing)


def test_crop_and_zoom_compose_and_resample_back():
    vol = _marker_volume()
    c = crop(vol, (2, 30, 10), (18, 80, 60))
    assert np.allclose(_world(c.affine, (0, 0, 0)), _world(vol.affine, (2, 30, 10)))
    z = zoom(c, (1.0, 0.5, 0.5))
    assert np.allclose(_world(z.affine, (0, 0, 0)), _world(vol.affine, (2, 30, 10)))
    last = np.array(z.image.shape) - 1
    assert np.allclose(_world(z.affine, last), _world(vol.affine, (17, 79, 59)))
    back = resample_to_shape(z.label, c.label.shape, order=0)
    assert back.shape == c.label.shape
    inter = np.logical_and(back > 0, c.label > 0).sum()
    assert 2 * inter / (back.astype(bool).sum() + c.label.sum()) > 0.8
