"""SW-FastEdit: sliding-window interactive U-Net with exact local corrective inference (thesis §4.1).

``SWFastEditPredictor`` follows the SAM predictor contract (``set_volume`` once,
``predict(clicks)`` many times, ``reset``); ``build_network`` makes the DynUNet backbone;
``train`` runs iterative click-simulation training; see ``docs/swfastedit.md``.  Names are
imported lazily so that ``iseg --help`` does not import torch.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "SWFastEditPredictor": "inference",
    "Prediction": "inference",
    "WindowGrid": "windows",
    "window_grid": "windows",
    "UNetConfig": "model",
    "build_network": "model",
    "required_divisor": "model",
    "TrainConfig": "training",
    "train": "training",
    "load_checkpoint": "training",
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = list(_EXPORTS)
