"""The ``shipped`` engine: the packaged click model (a U-Net correcting a random walker).

The checkpoint is package data (``reference_impl/swfastedit/checkpoints/shipped_clicknet.pt``),
found with :mod:`importlib.resources` and read with ``torch.load(weights_only=True)``.  The
model and its training are described in ``docs/swfastedit.md``
(:mod:`reference_impl.swfastedit.clicknet`, trained by
``python -m reference_impl.swfastedit.train_shipped``).

Per prediction: a random walker seeded by the clicks gives the prior (the project's
random-walker seeds without the volume-border seeds,
:func:`reference_impl.swfastedit.prior.rw_prior`), the network corrects it, and the mask keeps only the components holding a positive click
(every positive click inside, every negative click outside).  Without a positive click the
answer is empty.  A checkpoint whose config has ``blend > 0`` averages that answer with the
``random-walker`` engine's before the mask (an ensemble with the classical baseline; the
installed checkpoint has ``blend`` 0.5).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..interactions import Box, Click, Scribble
from .base import Engine, register_engine

__all__ = ["ShippedEngine", "SHIPPED_CHECKPOINT", "load_clicknet"]

#: File name of the shipped checkpoint inside ``reference_impl/swfastedit/checkpoints``.
SHIPPED_CHECKPOINT = "shipped_clicknet.pt"


def load_clicknet(path: str | Path | None = None, *, device: str = "cpu"):
    """``(ClickNet in eval mode, checkpoint metadata)``; the shipped one when ``path`` is None."""
    import importlib.resources as resources

    from ..swfastedit.checkpoint_io import read_checkpoint
    from ..swfastedit.clicknet import ClickNet, ClickNetConfig

    if path is None:
        ref = resources.files("reference_impl.swfastedit") / "checkpoints" / SHIPPED_CHECKPOINT
        with resources.as_file(ref) as p:
            if not Path(p).is_file():
                raise FileNotFoundError(f"shipped checkpoint {SHIPPED_CHECKPOINT} is not installed")
            ck = read_checkpoint(p, device)
    else:
        ck = read_checkpoint(path, device)
    if not isinstance(ck, dict) or ck.get("kind") != "iseg-clicknet":
        raise ValueError(f"{path or SHIPPED_CHECKPOINT}: not a click-model checkpoint")
    net = ClickNet(ClickNetConfig.from_dict(ck["config"]))
    net.load_state_dict(ck["model"])
    return net.to(device).eval(), {k: v for k, v in ck.items() if k != "model"}


@register_engine("shipped")
class ShippedEngine(Engine):
    """The packaged click model behind the :class:`Engine` contract.

    Parameters
    ----------
    checkpoint : str or Path, optional
        Another click-model checkpoint (default: the shipped one).
    device : str, optional
        ``"cpu"`` (default) or a torch device for the network; the prior runs on the CPU.
    """

    name = "shipped"
    supports = frozenset({"click"})

    def __init__(self, *, checkpoint: str | Path | None = None, device: str | None = None):
        super().__init__()
        self.device = device or "cpu"
        self.net, self.meta = load_clicknet(checkpoint, device=self.device)
        self._img: np.ndarray | None = None
        self._model = None

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        from ..swfastedit.states import model_predictor

        if image.ndim != 3:
            raise ValueError(f"{self.name}: needs a 3D image, got {image.ndim}D")
        self._img = np.asarray(image, dtype=np.float32)
        self._spacing = tuple(float(v) for v in spacing)
        self._model, _ = model_predictor(
            self._img, self._spacing, self.net.config.prior, net=self.net, device=self.device
        )

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        for it in interactions:
            if not isinstance(it, Click):
                raise ValueError(
                    f"engine {self.name!r} does not support {type(it).__name__.lower()} "
                    "interactions; it supports ['click']"
                )
        if self._img is None or self._model is None:
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        _, prob = self._model([c for c in interactions if isinstance(c, Click)])
        return prob

    def reset(self) -> None:
        """Forget the image."""
        super().reset()
        self._img, self._model = None, None
