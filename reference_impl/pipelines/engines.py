"""Two leaves as interactive engines (:class:`reference_impl.engines.Engine`).

* ``online`` (T3.1, online learning from scratch): an ECONet-like classifier
  (:func:`.online.econet`) trained from random initialisation on the user's interactions of
  the image being segmented, and updated after every new interaction.  Clicks become disk
  scribbles of radius 2 voxels (:func:`.online.scribble_labels`), scribbles label their own
  voxels.  Without any background interaction the outer faces of the volume are background
  labels (the object is assumed not to fill the field of view; the classical engines make
  the same assumption).  No interaction: all zeros (there is no model yet).
* ``postprocess`` (T2.2.2, post-processing during application): an initial segmentation
  (``initial`` probabilities on the image grid, or a non-interactive network ``net``) is
  edited by clicks with the rules of :func:`.postprocessing.postprocess` (a negative click in
  a component's core removes it, other negative clicks refine the boundary with the random
  walker, positive clicks add the nearby soft mask); the network is never changed.

``get_engine("online")`` / ``get_engine("postprocess", initial=probs)``; both are
deterministic for a given ``seed`` and interaction list.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engines.base import Engine, register_engine
from ..interactions import Box, Click, Scribble

__all__ = ["OnlineEngine", "PostprocessEngine"]


def _normalise(image: np.ndarray) -> np.ndarray:
    from ..swfastedit.data import normalize_intensity

    return normalize_intensity(np.asarray(image, dtype=np.float32))


@register_engine("online")
class OnlineEngine(Engine):
    """T3.1: an ECONet-like CNN trained from scratch on the interactions of one image.

    Parameters
    ----------
    steps : int, default 30
        Adam steps per update (the small budget's ``2 * online_steps``).
    lr : float, default 1e-2
        Learning rate.
    features : int, default 16
        Feature maps of the 3x3x3 convolution.
    seed : int, default 0
        Seed of the initial weights.
    normalize : bool, default True
        Percentile-normalise the image (``False`` for an image already in [0, 1]).
    device : str, default 'cpu'
        Torch device.
    """

    name = "online"
    supports = frozenset({"click", "scribble"})

    def __init__(
        self,
        *,
        steps: int = 30,
        lr: float = 1e-2,
        features: int = 16,
        seed: int = 0,
        normalize: bool = True,
        device: str = "cpu",
    ):
        super().__init__()
        if isinstance(steps, bool) or int(steps) < 1:
            raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite value > 0, got {lr!r}")
        self.steps, self.lr, self.features, self.seed = int(steps), float(lr), int(features), seed
        self.normalize, self.device = normalize, device
        self._x: Any = None
        self._net: Any = None
        self._seen: list = []

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        from ._nets import to_input

        if image.ndim != 3:
            raise ValueError(f"{self.name}: needs a 3D image, got {image.ndim}D")
        img = _normalise(image) if self.normalize else np.asarray(image, np.float32)
        self._x = to_input(img, None)
        self._net, self._seen = None, []

    def labels(self, interactions: list) -> np.ndarray:
        """Per-voxel training labels: ``1``/``0`` where interactions say so, else ``-1``."""
        from .online import scribble_labels

        shape = tuple(self._x.shape[1:])
        clicks = [i for i in interactions if isinstance(i, Click)]
        lab = scribble_labels(clicks, shape) if clicks else np.full(shape, -1, np.int64)
        for s in interactions:
            if isinstance(s, Scribble):
                pts = np.asarray(s.points)
                ok = np.all((pts >= 0) & (pts < np.asarray(shape)), axis=1)
                lab[tuple(pts[ok].T)] = s.label
        if not (lab == 0).any():  # no background interaction: the outer faces
            border = np.ones(shape, bool)
            border[1:-1, 1:-1, 1:-1] = False
            lab[border & (lab < 0)] = 0
        return lab

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        import torch

        from .online import _update, econet

        bad = [type(i).__name__ for i in interactions if not isinstance(i, Click | Scribble)]
        if bad:
            raise ValueError(
                f"engine {self.name!r} does not support {bad[0]} interactions; "
                f"it supports {sorted(self.supports)}"
            )
        shape = tuple(self._x.shape[1:])
        if not interactions:
            return np.zeros(shape, np.float32)
        same_start = len(interactions) >= len(self._seen) and all(
            a is b or a == b for a, b in zip(self._seen, interactions, strict=False)
        )
        if self._net is None or not same_start:  # new image, undo or reset: from scratch
            self._net = econet(features=self.features, seed=self.seed)
        self._seen = list(interactions)
        lab = torch.from_numpy(self.labels(list(interactions)))
        _update(
            self._net,
            self._x,
            lab.clamp_min(0),
            (lab >= 0).float(),
            steps=self.steps,
            lr=self.lr,
            device=self.device,
        )
        with torch.no_grad():
            logits = self._net(self._x[None].to(self.device))
        return torch.softmax(logits.float(), 1)[0, 1].cpu().numpy()

    def reset(self) -> None:
        super().reset()
        self._x, self._net, self._seen = None, None, []


@register_engine("postprocess")
class PostprocessEngine(Engine):
    """T2.2.2: clicks edit an initial segmentation; nothing is retrained.

    Parameters
    ----------
    initial : array, optional
        Initial foreground probabilities (or a binary mask) on the image grid.
    net : torch.nn.Module, optional
        A non-interactive network (image -> 2 logits) that makes the initial segmentation
        when ``initial`` is not given (:func:`._nets.predict`, the small budget's window).
    normalize : bool, default True
        Percentile-normalise the image (what ``net`` and the random walker see).
    device : str, default 'cpu'
        Torch device of ``net``.
    """

    name = "postprocess"
    supports = frozenset({"click"})

    def __init__(
        self,
        *,
        initial: np.ndarray | None = None,
        net: Any = None,
        normalize: bool = True,
        device: str = "cpu",
    ):
        super().__init__()
        self.initial = None if initial is None else np.asarray(initial, dtype=np.float32)
        if self.initial is not None and not np.isfinite(self.initial).all():
            raise ValueError("postprocess: the initial segmentation contains NaN or inf")
        self.net, self.normalize, self.device = net, normalize, device
        self._img: np.ndarray | None = None
        self._probs: np.ndarray | None = None

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        img = _normalise(image) if self.normalize else np.asarray(image, np.float32)
        if self.initial is not None:
            if self.initial.shape != img.shape:
                raise ValueError(
                    f"postprocess: initial segmentation shape {self.initial.shape} "
                    f"differs from the image's {img.shape}"
                )
            probs = np.clip(self.initial, 0.0, 1.0)
        elif self.net is not None:
            from ._base import get_budget
            from ._nets import predict, to_input

            probs = predict(self.net, to_input(img, None), get_budget("small"), self.device)
        else:
            raise ValueError(
                "postprocess needs an initial segmentation: "
                "get_engine('postprocess', initial=probs) or net=model"
            )
        self._img, self._probs = img, probs.astype(np.float32)

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        from .postprocessing import postprocess

        bad = [type(i).__name__ for i in interactions if not isinstance(i, Click)]
        if bad:
            raise ValueError(
                f"engine {self.name!r} does not support {bad[0]} interactions; "
                "it supports ['click']"
            )
        if self._probs is None or self._img is None:  # Engine.predict checks this first
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        if not interactions:
            return self._probs.copy()
        clicks = [i for i in interactions if isinstance(i, Click)]  # all of them (checked)
        return postprocess(self._probs, self._img, clicks).astype(np.float32)

    def reset(self) -> None:
        super().reset()
        self._img, self._probs = None, None
