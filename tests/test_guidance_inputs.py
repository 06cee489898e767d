"""Issue 14 (guidance): the shared strict validation of spacing and sigma."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from reference_impl._validate import MAX_KERNEL_VOXELS
from reference_impl.guidance import disk, edt_map, gaussian_heatmap, gdt_map
from reference_impl.interactions import Click

C = [Click(1, (2, 3, 3))]
SHAPE = (6, 8, 8)


@pytest.mark.parametrize("sigma", [1e6, 1e30])
def test_huge_sigma_is_refused_before_allocating(sigma):
    with pytest.raises(ValueError, match=f"above the limit of {MAX_KERNEL_VOXELS} voxels"):
        gaussian_heatmap(C, SHAPE, sigma=sigma, device="cpu")
    with pytest.raises(ValueError, match=f"above the limit of {MAX_KERNEL_VOXELS} voxels"):
        disk(C, SHAPE, sigma=sigma, device="cpu")
    with pytest.raises(ValueError, match=f"above the limit of {MAX_KERNEL_VOXELS} voxels"):
        gaussian_heatmap(C, SHAPE, sigma=sigma, compat="sw-fastedit", device="cpu")


def test_tiny_spacing_is_refused():
    with pytest.raises(ValueError, match=r"in \[1e-06, 1e\+06\] mm"):
        gaussian_heatmap(C, SHAPE, sigma=1.0, spacing=(1e-12, 1.0, 1.0), device="cpu")


@pytest.mark.parametrize("spacing", [(np.nan, 1, 1), (np.inf, 1, 1), (0, 1, 1), (-1, 1, 1)])
@pytest.mark.parametrize("fn", ["heatmap", "disk", "edt", "gdt"])
def test_bad_spacing_same_message_as_robot_users_and_metrics(fn, spacing):
    call = {
        "heatmap": lambda: gaussian_heatmap(C, SHAPE, spacing=spacing, device="cpu"),
        "disk": lambda: disk(C, SHAPE, spacing=spacing, device="cpu"),
        "edt": lambda: edt_map(C, SHAPE, spacing=spacing, device="cpu"),
        "gdt": lambda: gdt_map(C, SHAPE, image=torch.zeros(SHAPE), spacing=spacing, device="cpu"),
    }[fn]
    with pytest.raises(ValueError, match="spacing must be 3 positive finite numbers"):
        call()


@pytest.mark.parametrize("sigma", [np.nan, np.inf, -1.0])
def test_bad_sigma_is_refused(sigma):
    with pytest.raises(ValueError, match="sigma must be a finite number >= 0"):
        gaussian_heatmap(C, SHAPE, sigma=sigma, device="cpu")


def test_a_large_but_legal_sigma_still_works():
    out = gaussian_heatmap(C, SHAPE, sigma=20.0, spacing=(3.0, 2.0, 2.0), device="cpu")
    assert out.shape == (2, *SHAPE) and float(out[0].min()) > 0.7
