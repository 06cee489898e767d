"""SW-FastEdit: sliding-window interactive U-Net with exact local corrective inference (thesis §4.1).

``SWFastEditPredictor`` follows the SAM predictor contract (``set_volume`` once,
``predict(clicks)`` many times, ``reset``); ``build_network`` makes the DynUNet backbone;
``train`` runs iterative click-simulation training; see ``docs/swfastedit.md``.  Names are
imported lazily so that ``iseg --help`` does not import torch.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "SWFastEditPredictor": "inference",
    "Prediction": "inference",
    "WindowGrid": "inference",
    "window_grid": "inference",
    "UNetConfig": "model",
    "build_network": "model",
    "required_divisor": "model",
    "TrainConfig": "training",
    "train": "training",
    "load_checkpoint": "training",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
