"""Classical interactive baselines (no training): random walker, geodesic, ball floor.

They take the same interactions as the learned engines and answer through the same
:class:`~reference_impl.engines.base.Engine` contract, so every learned result in this
project stands beside them (issue 11).

The seeds, the implicit background and the intensity normalisation they share are the
rules of :mod:`reference_impl.engines.seeds`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..interactions import Box, Click, Scribble
from .base import Engine, register_engine
from .seeds import (
    _ball,
    _paint,
    distance_to_mask,
    normalize_image,
    random_walker_2label,
    seed_labels,
)

__all__ = ["RandomWalkerEngine", "GeodesicEngine", "BallFloorEngine"]


def _check_supported(engine: Engine, interactions: Sequence[Click | Scribble | Box]) -> None:
    kinds = {"click": Click, "scribble": Scribble, "box": Box}
    for it in interactions:
        kind = next((k for k, t in kinds.items() if isinstance(it, t)), type(it).__name__)
        if kind not in engine.supports:
            raise ValueError(
                f"engine {engine.name!r} does not support {kind} interactions; "
                f"it supports {sorted(engine.supports)}"
            )


@register_engine("random-walker")
class RandomWalkerEngine(Engine):
    """Random walker (Grady 2006) via :func:`skimage.segmentation.random_walker`.

    Parameters
    ----------
    beta : float, default 130
        scikit-image's default edge penalty.
    scale : float, default 100
        The windowed image ([0, 1], :func:`normalize_image`) is multiplied by this before
        the random walker: scikit-image's edge weights ``exp(-beta g² / (10 std))`` are not
        invariant to the intensity scale, so ``scale`` and ``beta`` together set the edge
        strength.  100 ("percent of the window") was chosen among 1, 10, 30 and 100 on the
        bundled CT's stomach, a non-evaluation organ (5 random positive clicks; 1 failed,
        10 to 100 were close, 100 best), never on an evaluation target.
    tol : float, default 1e-3
        Conjugate-gradient tolerance (scikit-image's default).
    max_distance_mm : float or None, default 45
        Implicit background by distance: unseeded voxels farther than this (Euclidean, in
        mm) from every foreground seed become background seeds, so that a few positive
        clicks cannot leak into every connected soft tissue.  45 mm was chosen among
        ``None`` (no cap), 45, 60 and 90 on eight *training* organs of the bundled CT
        (stomach, colon, left autochthon, L1 vertebra, left iliopsoas, duodenum, inferior
        vena cava, right lower lung lobe; five positive clicks, each at the centre of the
        largest missed part): mean Dice 0.393 without the cap, 0.719 / 0.702 / 0.660 with
        45 / 60 / 90 mm (``python bench/rw_distance_cap.py``).  ``None`` disables it.
    solver : {"fast", "skimage"}
        ``"fast"``: :func:`random_walker_2label` (one solve; the same system);
        ``"skimage"``: :func:`skimage.segmentation.random_walker` itself.
    device : str, optional
        Accepted for a uniform interface; the random walker runs on the CPU.

    Notes
    -----
    The normalised image (:func:`normalize_image`) is passed with the *relative* spacing
    ``spacing / min(spacing)`` (scikit-image divides gradients by it), so an isotropic
    volume gives the same answer as ``spacing=None`` and a thick-slice axis is weighted
    down.  The returned map is the probability of the foreground label.
    """

    name = "random-walker"
    supports = frozenset({"click", "scribble", "box"})

    def __init__(
        self,
        *,
        beta: float = 130.0,
        scale: float = 100.0,
        tol: float = 1e-3,
        max_distance_mm: float | None = 45.0,
        solver: str = "fast",
        device: str | None = None,
    ):
        super().__init__()
        if solver not in ("fast", "skimage"):
            raise ValueError(f"solver must be 'fast' or 'skimage', got {solver!r}")
        if max_distance_mm is not None and not (
            np.isfinite(max_distance_mm) and max_distance_mm > 0
        ):
            raise ValueError(
                f"max_distance_mm must be a finite value > 0 or None, got {max_distance_mm!r}"
            )
        self.max_distance_mm = None if max_distance_mm is None else float(max_distance_mm)
        self.solver = solver
        for key, val in (("beta", beta), ("scale", scale), ("tol", tol)):
            if not (np.isfinite(val) and val > 0):
                raise ValueError(f"{key} must be a finite value > 0, got {val!r}")
        self.beta, self.scale, self.tol = float(beta), float(scale), float(tol)
        self._img: np.ndarray | None = None
        self._sp: tuple[float, ...] = ()

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        self._img = normalize_image(image)
        m = min(spacing)
        self._sp = tuple(s / m for s in spacing)
        self._mm = tuple(float(s) for s in spacing)

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        from skimage.segmentation import random_walker

        _check_supported(self, interactions)
        img = self._img
        if img is None:
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        seeds = seed_labels(img.shape, interactions, background_from=img, border=False)
        if not (seeds == 1).any():
            return np.zeros(img.shape, np.float32)
        if self.max_distance_mm is not None:
            far = distance_to_mask(seeds == 1, self._mm) > self.max_distance_mm
            seeds[far & (seeds == 0)] = 2
        if self.solver == "skimage":
            with warnings.catch_warnings():  # CG round-off slightly outside [0, 1]: clipped
                warnings.filterwarnings("ignore", message="The probability range is outside")
                prob = random_walker(
                    img * self.scale,
                    seeds.astype(np.int32),
                    beta=self.beta,
                    mode="cg_j",
                    tol=self.tol,
                    return_full_prob=True,
                    spacing=self._sp,
                )[0]
        else:
            prob = random_walker_2label(
                img * self.scale, seeds, beta=self.beta, spacing=self._sp, tol=self.tol
            )
        return np.clip(prob, 0.0, 1.0).astype(np.float32)

    def reset(self) -> None:
        """Forget the image."""
        super().reset()
        self._img = None


@register_engine("geodesic")
class GeodesicEngine(Engine):
    """Geodesic-distance segmentation from the clicks (our GDT, Eq. 8 of the thesis).

    A voxel is foreground when its geodesic distance to the foreground seeds is below its
    distance to the background seeds; the probability is ``d_bg / (d_fg + d_bg)`` (0.5 on
    the decision boundary).  Without background interactions the volume border is the
    background seed set (module rule).

    Parameters
    ----------
    lamb : float in [0, 1], default 0.9
        λ of :func:`reference_impl.guidance.geodesic_distance_transform`: the weight of the
        intensity term against the Euclidean term.
    contrast_mm : float, default 100.0
        The normalised image ([0, 1]) is multiplied by this, so that crossing the full
        intensity range costs like ``contrast_mm`` millimetres of path.
    device : str, optional
        ``"cpu"``/``"cuda"`` for the torch GDT (default: CPU).
    """

    name = "geodesic"
    supports = frozenset({"click", "scribble", "box"})

    def __init__(self, *, lamb: float = 0.9, contrast_mm: float = 100.0, device: str | None = None):
        super().__init__()
        if not 0.0 <= lamb <= 1.0:
            raise ValueError(f"lamb must be in [0, 1], got {lamb!r}")
        if not (np.isfinite(contrast_mm) and contrast_mm > 0):
            raise ValueError(f"contrast_mm must be a finite value > 0, got {contrast_mm!r}")
        self.lamb, self.contrast_mm = float(lamb), float(contrast_mm)
        self.device = device or "cpu"
        self._img: Any = None
        self._norm: np.ndarray | None = None
        self._sp: tuple[float, ...] = ()

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        import torch

        self._norm = normalize_image(image)
        self._img = torch.as_tensor(self._norm * self.contrast_mm, device=self.device)
        self._sp = spacing

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        import torch

        from ..guidance import geodesic_distance_transform

        _check_supported(self, interactions)
        if self._img is None:
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        seeds = seed_labels(tuple(self._img.shape), interactions, background_from=self._norm)
        if not (seeds == 1).any():
            return np.zeros(tuple(self._img.shape), np.float32)
        s = torch.as_tensor(seeds, device=self._img.device)
        t_fg = geodesic_distance_transform(s == 1, self._img, spacing=self._sp, lamb=self.lamb)
        t_bg = geodesic_distance_transform(s == 2, self._img, spacing=self._sp, lamb=self.lamb)
        d_fg, d_bg = t_fg.double().cpu().numpy(), t_bg.double().cpu().numpy()
        tot = d_fg + d_bg
        prob = np.where(tot > 0, d_bg / np.where(tot > 0, tot, 1.0), 0.5)
        prob[seeds == 1], prob[seeds == 2] = 1.0, 0.0
        return prob.astype(np.float32)

    def reset(self) -> None:
        """Forget the image."""
        super().reset()
        self._img = None


@register_engine("ball-floor")
class BallFloorEngine(Engine):
    """The trivial floor: paint a cube at every positive click, erase one at every negative.

    Parameters
    ----------
    radius : int, default 2
        Half-width in voxels of the painted max-norm ball: radius 2 is the 5x5x5 cube of
        issue 11.  Interactions are applied in order (a later one overwrites); a scribble
        paints the ball at each of its points.
    device : str, optional
        Ignored (numpy).
    """

    name = "ball-floor"
    supports = frozenset({"click", "scribble"})

    def __init__(self, *, radius: int = 2, device: str | None = None):
        super().__init__()
        if int(radius) != radius or radius < 0:
            raise ValueError(f"radius must be an integer >= 0, got {radius!r}")
        self.radius = int(radius)

    def _set_image(self, image: np.ndarray, spacing: tuple[float, ...]) -> None:
        pass

    def _predict(self, interactions: list[Click | Scribble | Box]) -> np.ndarray:
        _check_supported(self, interactions)
        if self._shape is None:
            raise RuntimeError(f"{self.name}: call set_image() before predict()")
        out = np.zeros(self._shape, np.uint8)
        ball = _ball(len(self._shape), self.radius, norm="max")
        for it in interactions:
            pts = [it.index] if isinstance(it, Click) else list(it.points)  # type: ignore[union-attr]
            for p in pts:
                _paint(out, p, ball, 1 if it.label == 1 else 0)
        return out.astype(np.float32)
