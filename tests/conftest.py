"""Shared pytest fixtures: sample data location and a GPU marker helper."""

from __future__ import annotations

import sys

import pytest

from reference_impl.io import shared_data_dir


@pytest.fixture(autouse=True)
def _restore_main_module():
    """Streamlit's AppTest runs the app script as ``__main__`` and leaves it there; a later
    spawn pool would then re-run the app in every worker (they crash and are respawned
    forever).  Put the real ``__main__`` back after every test."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main


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
