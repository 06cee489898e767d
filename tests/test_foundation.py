"""Tests of the shared foundation: interactions, volume I/O, phantoms and the CLI."""

from __future__ import annotations

import re

import numpy as np
import pytest

from app.cli import main
from reference_impl.interactions import Box, Click, Polygon, Scribble
from reference_impl.io import load_case, load_sample, read_volume
from reference_impl.phantoms import make_phantom, make_phantoms


def test_click_world_roundtrip_through_resampling():
    aff = np.array([[2.0, 0, 0, 10], [0, 1.5, 0, -3], [0, 0, 0.5, 7], [0, 0, 0, 1]])
    c = Click(1, (3, 4, 10), affine=aff)
    assert np.allclose(c.world(), [16.0, 3.0, 12.0])
    iso = np.diag([1.0, 1.0, 1.0, 1.0])
    iso[:3, 3] = [10, -3, 7]
    moved = c.to_grid(iso)
    assert moved.index == (6, 6, 5)
    assert np.allclose(moved.world(), c.world())
    with pytest.raises(ValueError, match=re.escape("outside shape (4, 4, 4)")):
        c.to_grid(iso, shape=(4, 4, 4))


def test_click_validation_messages():
    with pytest.raises(ValueError, match="label must be 1 .foreground. or 0 .background., got 2"):
        Click(2, (0, 0, 0))
    with pytest.raises(ValueError, match="2 or 3 coordinates"):
        Click(1, (0,))
    with pytest.raises(RuntimeError, match="affine"):
        Click(1, (0, 0)).world()
    with pytest.raises(ValueError, match="hi > lo"):
        Box((0, 0, 0), (1, 0, 1))
    with pytest.raises(ValueError, match="N>=3"):
        Polygon(np.zeros((2, 2)))
    s = Scribble(0, np.array([[0, 1, 2], [0, 1, 3]]))
    assert [c.index for c in s.as_clicks()] == [(0, 1, 2), (0, 1, 3)]
    assert Box((1, 2), (3, 5)).slices == (slice(1, 3), slice(2, 5))


def test_sample_cases_match_data_readme(shared_data):
    spleen = load_sample("ct_spleen")
    assert spleen.shape == (30, 101, 122)  # README: 122x101x30 in (x, y, z)
    assert spleen.spacing == pytest.approx((3.0, 3.0, 3.0))
    assert int(spleen.label.sum()) == 9452
    assert int(load_sample("ct_liver").label.sum()) == 38634
    brain = load_sample("mr_brain1")
    assert brain.shape == (25, 256, 256)
    assert brain.spacing == pytest.approx((6.5, 0.78125, 0.78125))
    assert int(brain.label.sum()) == 4137
    assert int(load_sample("mr_breast1").label.sum()) == 143


def test_nifti_world_coordinates_follow_the_affine(shared_data):
    arr, spacing, aff = read_volume(shared_data / "totalsegmentator_example/example_ct_sm.nii.gz")
    # voxel (z=0, y=0, x=0) is the NIfTI origin; moving one voxel in x moves 3 mm in world x
    assert np.allclose(aff[:3, 3], [-177.95632935, 11.31900024, 94.30175781])
    assert np.allclose(aff[:3, 2], [3.0, 0, 0])


def test_load_case_refuses_bad_pairs(tmp_path, shared_data):
    import nibabel as nib

    img = nib.Nifti1Image(np.zeros((4, 5, 6), np.float32), np.eye(4))
    lab = nib.Nifti1Image(np.zeros((4, 5, 7), np.uint8), np.eye(4))
    nib.save(img, tmp_path / "i.nii.gz")
    nib.save(lab, tmp_path / "l.nii.gz")
    with pytest.raises(ValueError, match="shape mismatch"):
        load_case(tmp_path / "i.nii.gz", tmp_path / "l.nii.gz")
    nib.save(nib.Nifti1Image(np.zeros((4, 5, 6), np.uint8), np.eye(4)), tmp_path / "e.nii.gz")
    with pytest.raises(ValueError, match="label is empty"):
        load_case(tmp_path / "i.nii.gz", tmp_path / "e.nii.gz")
    nan = np.zeros((4, 5, 6), np.float32)
    nan[0, 0, 0] = np.nan
    nib.save(nib.Nifti1Image(nan, np.eye(4)), tmp_path / "n.nii.gz")
    with pytest.raises(ValueError, match="NaN"):
        load_case(tmp_path / "n.nii.gz")
    with pytest.raises(ValueError, match="unsupported file type"):
        load_case(tmp_path / "x.png" if (tmp_path / "x.png").touch() is None else None)


def test_phantom_is_lesion_like_and_reproducible():
    a = make_phantom((24, 32, 32), rng=3)
    b = make_phantom((24, 32, 32), rng=3)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.label, b.label)
    assert a.label.any() and not a.label.all()
    assert a.image[a.label > 0].mean() > a.image[a.label == 0].mean() + 0.5
    vols = make_phantoms(3, (16, 16), rng=0)
    assert [v.name for v in vols] == ["phantom_000", "phantom_001", "phantom_002"]
    assert not np.array_equal(vols[0].label, vols[1].label)


def test_cli_help_and_unknown_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    assert "bench" in capsys.readouterr().out
    assert main([]) == 2


def test_building_the_cli_imports_no_heavy_library():
    """Every ``iseg`` command builds the whole parser: that must not load torch & co."""
    import subprocess
    import sys

    code = (
        "import sys, app.cli; app.cli.build_parser(); "
        "print(','.join(m for m in ('torch', 'monai', 'scipy', 'skimage', 'cc3d', "
        "'streamlit', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"heavy modules imported by the CLI: {out.stdout.strip()}"


def test_phantom_negative_contrast_gives_dark_lesions():
    dark = make_phantom((24, 32, 32), contrast=-1.0, n_distractors=0, rng=5)
    assert dark.image[dark.label > 0].mean() < dark.image[dark.label == 0].mean() - 0.5
    with pytest.raises(ValueError, match="contrast must be non-zero"):
        make_phantom((8, 8, 8), contrast=0.0)
