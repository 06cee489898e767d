"""Shared pytest fixtures: sample data location and a GPU marker helper."""

from __future__ import annotations

import pytest

from reference_impl.io import shared_data_dir


@pytest.fixture(scope="session")
def shared_data():
    """Path of ``shared/data``; tests that need real volumes fail loudly when it is missing."""
    d = shared_data_dir()
    if d is None:
        pytest.fail("shared/data not found beside the project (set ISEG_DATA)")
    return d


def cuda_available() -> bool:
    """True when torch sees a CUDA device."""
    import torch

    return torch.cuda.is_available()
