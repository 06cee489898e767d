"""The engine contract: image once, interactions many times, probabilities back.

An *engine* turns an image plus the interactions made on it into a foreground probability
map on the image's own voxel grid.  Learned models (the shipped click model, a leaf
pipeline's network) and classical baselines (random walker, geodesic, the ball floor)
implement the same two calls, so that :class:`reference_impl.session.InteractiveSession`,
``iseg evaluate``, ``iseg segment`` and the app drive any of them identically
(SAM's ``set_image``/``predict`` contract, STYLE.md §3).

Conventions: numpy axis order ``(z, y, x)`` for indices and ``spacing``; interaction label
1 = foreground (positive), 0 = background (negative); the image is what the user gave
(raw intensities, any dtype), each engine normalises it itself.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np

from ..interactions import Box, Click, Scribble

__all__ = ["Engine", "register_engine", "get_engine", "available_engines"]

_REGISTRY: dict[str, Callable[..., Engine]] = {}


class Engine(abc.ABC):
    """Base class of every interactive segmentation engine.

    Subclasses set ``name`` (the registry key) and ``supports`` (a subset of
    ``{"click", "scribble", "box"}``), and implement :meth:`_set_image` and
    :meth:`_predict`.  Calling :meth:`predict` before :meth:`set_image` raises
    ``RuntimeError``.
    """

    name: ClassVar[str] = ""
    supports: ClassVar[frozenset[str]] = frozenset({"click"})

    def __init__(self) -> None:
        self._shape: tuple[int, ...] | None = None

    def set_image(self, image: np.ndarray, *, spacing: Sequence[float] | None = None) -> None:
        """Embed ``image`` ((M, N) or (M, N, P), numpy axis order) once."""
        img = np.asarray(image)
        if img.ndim not in (2, 3):
            raise ValueError(f"{self.name}: image must be 2D or 3D, got {img.ndim}D")
        sp = (1.0,) * img.ndim if spacing is None else tuple(float(s) for s in spacing)
        if len(sp) != img.ndim or not all(np.isfinite(s) and s > 0 for s in sp):
            raise ValueError(
                f"{self.name}: spacing must be {img.ndim} finite values > 0, got {spacing}"
            )
        self._shape = img.shape
        self._set_image(img, sp)

    def predict(self, interactions: Sequence[Click | Scribble | Box]) -> np.ndarray:
        """Foreground probabilities (float32 in [0, 1], the image's shape) for all
        interactions so far (an empty sequence gives the engine's clickless answer)."""
        if self._shape is None:
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        probs = self._predict(list(interactions))
        return np.asarray(probs, dtype=np.float32)

    def reset(self) -> None:
        """Forget the image (and any state learned from interactions)."""
        self._shape = None

    @abc.abstractmethod
    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None: ...

    @abc.abstractmethod
    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray: ...


def register_engine(name: str) -> Callable[[Callable[..., Engine]], Callable[..., Engine]]:
    """Class decorator: make an engine constructible by ``get_engine(name)``."""

    def deco(factory: Callable[..., Engine]) -> Callable[..., Engine]:
        _REGISTRY[name] = factory
        return factory

    return deco


def available_engines() -> list[str]:
    """Names accepted by :func:`get_engine`."""
    from . import _ensure_registered

    _ensure_registered()
    return sorted(_REGISTRY)


def get_engine(name: str, **options) -> Engine:
    """Build the engine registered as ``name`` (ValueError lists the names)."""
    from . import _ensure_registered

    _ensure_registered()
    if name not in _REGISTRY:
        raise ValueError(f"unknown engine {name!r}; choose one of {sorted(_REGISTRY)}")
    return _REGISTRY[name](**options)
