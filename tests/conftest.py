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


@pytest.fixture
def toy_click_volumes():
    """Two small anisotropic phantoms, as ``train_shipped`` takes volumes:
    ``[(name, image, label, spacing)]``."""
    import numpy as np

    from reference_impl.phantoms import make_phantom

    vols = []
    for i in range(2):
        ph = make_phantom((12, 20, 20), spacing=(2.0, 1.0, 1.0), n_lesions=1, rng=i)
        img, lab = ph.image.astype(np.float32), ph.label.astype(np.uint8)
        vols.append((f"toy{i}", img, lab, (2.0, 1.0, 1.0)))
    return vols


@pytest.fixture
def toy_click_states(toy_click_volumes):
    """The interaction states of two R1/R4 episodes of 2 rounds on :func:`toy_click_volumes`
    (what the click model is fitted on)."""
    from reference_impl.swfastedit.train_shipped import collect_states

    return collect_states(toy_click_volumes, episodes=1, rounds=2, seed=0,
                          prior="rw-noborder-cap45", roi_mm=50.0, workers=1)  # fmt: skip
