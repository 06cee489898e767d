"""``InteractiveSession``: the one front door from image + interactions to a mask.

The session takes the image once (:meth:`InteractiveSession.set_image`), then one call per
interaction — :meth:`~InteractiveSession.add_click`, :meth:`~InteractiveSession.add_click_world`,
:meth:`~InteractiveSession.add_scribble`, :meth:`~InteractiveSession.add_box` — each of
which predicts unless ``run_prediction=False`` (nnInteractive's session, STYLE.md §3b).
:meth:`~InteractiveSession.undo` drops the last interaction, :meth:`~InteractiveSession.reset`
drops them all (the image stays).  The engine behind it is chosen by name
(:func:`reference_impl.engines.available_engines`).  ``iseg segment``, ``iseg evaluate``,
the benchmark and the app page all drive this one object.

The session's rule
------------------
The returned ``mask`` is the engine's probabilities thresholded at 0.5, then every click
is enforced: **a positive click's voxel is always inside the mask and a negative click's
voxel always outside** (a later click on the same voxel wins).  ``probs`` are the
engine's own probabilities, untouched; ``clicks_respected`` says whether the engine's own
thresholded answer already obeyed the rule (the benchmark reports that fraction).

Conventions: indices in numpy axis order ``(z, y, x)``; ``affine`` maps ``(z, y, x, 1)`` to
RAS millimetres (:mod:`reference_impl.io`); positive = foreground (label 1).

Examples
--------
>>> import numpy as np
>>> img = np.zeros((8, 16, 16), np.float32); img[2:6, 4:12, 4:12] = 100.0
>>> s = InteractiveSession("ball-floor")
>>> s.set_image(img)
>>> r = s.add_click((4, 8, 8))
>>> int(r.mask.sum()), r.mask.dtype.name, r.probs.dtype.name
(125, 'uint8', 'float32')
>>> int(s.add_click((4, 8, 8), positive=False).mask[4, 8, 8])
0
>>> int(s.undo().mask[4, 8, 8])
1
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .engines import Engine, get_engine
from .interactions import Box, Click, Scribble

__all__ = ["InteractiveSession", "SessionResult"]


@dataclass(frozen=True)
class SessionResult:
    """One prediction: ``mask`` (uint8 0/1), ``probs`` (float32 in [0, 1], the engine's),
    ``seconds`` (engine wall time), ``clicks_respected`` (the engine's own answer already
    had every positive click inside and every negative one outside)."""

    mask: np.ndarray = field(repr=False)
    probs: np.ndarray = field(repr=False)
    seconds: float
    clicks_respected: bool
    n_interactions: int


def enforce_clicks(
    probs: np.ndarray, interactions: Sequence[Click | Scribble | Box]
) -> tuple[np.ndarray, bool]:
    """The session's rule: ``(mask, clicks_respected)`` from probabilities and interactions."""
    mask = (np.asarray(probs) >= 0.5).astype(np.uint8)
    respected = True
    clicks = [it for it in interactions if isinstance(it, Click)]
    for c in clicks:
        respected &= bool(mask[c.index] == c.label)
    for c in clicks:
        mask[c.index] = c.label
    return mask, respected


class InteractiveSession:
    """Image + interactions -> mask, with any registered engine behind it.

    Parameters
    ----------
    engine : str or Engine, default "random-walker"
        An engine name (``random-walker``, ``geodesic``, ``ball-floor``, ``shipped``, ...)
        or an :class:`~reference_impl.engines.Engine` instance.
    device : str, optional
        Passed to the engine when given (``"cpu"``, ``"cuda"``); engines default to the CPU
        or pick CUDA themselves when present.
    **engine_options
        Keyword options of the engine (e.g. ``beta=130`` for the random walker).
    """

    def __init__(
        self, engine: str | Engine = "random-walker", *, device: str | None = None, **engine_options
    ) -> None:
        if isinstance(engine, Engine):
            if engine_options or device is not None:
                raise ValueError("pass options when building the engine, not with an instance")
            self.engine = engine
        else:
            opts = dict(engine_options)
            if device is not None:
                opts["device"] = device
            self.engine = get_engine(str(engine), **opts)
        self._shape: tuple[int, ...] | None = None
        self.affine: np.ndarray | None = None
        self.spacing: tuple[float, ...] | None = None
        self._interactions: list[Click | Scribble | Box] = []
        self.result: SessionResult | None = None

    @property
    def engine_name(self) -> str:
        """The engine's registry name."""
        return self.engine.name

    @property
    def shape(self) -> tuple[int, ...]:
        """Image shape (numpy axis order); RuntimeError before :meth:`set_image`."""
        if self._shape is None:
            raise RuntimeError("call set_image() first")
        return self._shape

    @property
    def interactions(self) -> tuple[Click | Scribble | Box, ...]:
        """Every interaction so far, in order."""
        return tuple(self._interactions)

    def set_image(
        self,
        image: np.ndarray,
        *,
        affine: np.ndarray | None = None,
        spacing: Sequence[float] | None = None,
    ) -> None:
        """Give the session its image ((M, N) or (M, N, P), numpy axis order).

        ``spacing`` defaults to the column norms of ``affine`` (else 1).  Clears all
        interactions and the last result.
        """
        img = np.asarray(image)
        if img.ndim not in (2, 3):
            raise ValueError(f"image must be 2D or 3D, got shape {img.shape}")
        if not np.issubdtype(img.dtype, np.number) or not np.isfinite(img).all():
            raise ValueError("image must hold finite numbers (no NaN/inf)")
        aff = None
        if affine is not None:
            aff = np.asarray(affine, dtype=np.float64)
            if aff.shape != (img.ndim + 1, img.ndim + 1) and aff.shape != (4, 4):
                raise ValueError(f"affine must be {img.ndim + 1}x{img.ndim + 1}, got {aff.shape}")
            if not np.isfinite(aff).all():
                raise ValueError("affine must be finite")
        if spacing is None and aff is not None:
            spacing = tuple(float(s) for s in np.linalg.norm(aff[:-1, :-1], axis=0)[-img.ndim :])
        self.engine.reset()
        self.engine.set_image(img, spacing=spacing)
        self._shape = tuple(img.shape)
        self.affine = aff
        self.spacing = (
            tuple(float(s) for s in spacing) if spacing is not None else (1.0,) * img.ndim
        )
        self._interactions = []
        self.result = None

    # -- interactions --------------------------------------------------------------------
    def _index(self, index: Sequence[int], what: str = "index") -> tuple[int, ...]:
        shape = self.shape
        try:
            arr = np.asarray(index, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ValueError(f"{what} {index!r} is not a sequence of integers") from None
        if arr.size != len(shape) or not np.isfinite(arr).all() or np.any(arr != np.round(arr)):
            raise ValueError(
                f"{what} {tuple(index)} must be {len(shape)} integers for an image of shape {shape}"
            )
        idx = tuple(int(v) for v in arr)
        if any(i < 0 or i >= n for i, n in zip(idx, shape, strict=True)):
            raise ValueError(f"{what} {idx} is outside the image of shape {shape}")
        return idx

    def _add(self, it: Click | Scribble | Box, run_prediction: bool) -> SessionResult | None:
        kind = {Click: "click", Scribble: "scribble", Box: "box"}[type(it)]
        if kind not in self.engine.supports:
            raise ValueError(
                f"engine {self.engine_name!r} does not support {kind} "
                f"interactions; it supports {sorted(self.engine.supports)}"
            )
        self._interactions.append(it)
        return self.predict() if run_prediction else None

    def add_click(
        self, index: Sequence[int], *, positive: bool = True, run_prediction: bool = True
    ) -> SessionResult | None:
        """Add a click at voxel ``index``; returns the new prediction (or None)."""
        idx = self._index(index, "click index")
        return self._add(Click(int(bool(positive)), idx, affine=self.affine), run_prediction)

    def add_click_world(
        self, xyz_mm: Sequence[float], *, positive: bool = True, run_prediction: bool = True
    ) -> SessionResult | None:
        """Add a click at RAS world millimetres (as nibabel's affine and 3D Slicer give them);
        it lands on the nearest voxel."""
        if self.affine is None:
            raise RuntimeError(
                "add_click_world needs the image's affine: set_image(image, affine=...)"
            )
        xyz = np.asarray(xyz_mm, dtype=np.float64).ravel()
        if xyz.size != 3 or not np.isfinite(xyz).all():
            raise ValueError(
                f"world coordinates must be 3 finite numbers (x, y, z mm), got {xyz_mm!r}"
            )
        ijk = np.linalg.inv(self.affine) @ np.append(xyz, 1.0)
        idx = np.rint(ijk[4 - 1 - len(self.shape) : -1]).astype(int)
        if any(i < 0 or i >= n for i, n in zip(idx, self.shape, strict=True)):
            raise ValueError(
                f"world point {tuple(xyz)} mm maps to voxel {tuple(idx)}, outside "
                f"the image of shape {self.shape}"
            )
        return self.add_click(tuple(idx), positive=positive, run_prediction=run_prediction)

    def add_scribble(
        self,
        indices: Sequence[Sequence[int]] | np.ndarray,
        *,
        positive: bool = True,
        run_prediction: bool = True,
    ) -> SessionResult | None:
        """Add a scribble: an ``(N, D)`` array of voxel indices."""
        pts = np.asarray(indices)
        if pts.ndim != 2 or pts.shape[1] != len(self.shape) or len(pts) == 0:
            raise ValueError(
                f"a scribble needs an (N, {len(self.shape)}) array of indices "
                f"with N >= 1, got shape {pts.shape}"
            )
        for p in pts:
            self._index(p, "scribble point")
        sc = Scribble(int(bool(positive)), pts.astype(np.int64), affine=self.affine)
        return self._add(sc, run_prediction)

    def add_box(
        self, lo: Sequence[int], hi: Sequence[int], *, run_prediction: bool = True
    ) -> SessionResult | None:
        """Add a bounding box, ``lo`` inclusive and ``hi`` exclusive (numpy slicing);
        ValueError when the engine does not support boxes."""
        if "box" not in self.engine.supports:
            raise ValueError(
                f"engine {self.engine_name!r} does not support box interactions; "
                f"it supports {sorted(self.engine.supports)}"
            )
        lo_i = self._index(lo, "box lo")
        hi_i = tuple(int(v) for v in hi)
        if len(hi_i) != len(self.shape) or any(
            h <= a or h > n for a, h, n in zip(lo_i, hi_i, self.shape, strict=True)
        ):
            raise ValueError(
                f"box hi {hi_i} must exceed lo {lo_i} and stay within the image shape {self.shape}"
            )
        return self._add(Box(lo_i, hi_i, affine=self.affine), run_prediction)

    def add_interactions(
        self, interactions: Sequence[Click | Scribble | Box], *, run_prediction: bool = True
    ) -> SessionResult | None:
        """Add ready-made interactions (checked like the ``add_*`` calls)."""
        for it in interactions:
            if isinstance(it, Click):
                self._index(it.index, "click index")
            elif isinstance(it, Scribble):
                for p in it.points:
                    self._index(p, "scribble point")
            self._add(it, False)
        return self.predict() if run_prediction else None

    def undo(self, *, run_prediction: bool = True) -> SessionResult | None:
        """Drop the last interaction (RuntimeError when there is none)."""
        if not self._interactions:
            raise RuntimeError("nothing to undo")
        self._interactions.pop()
        self.result = None
        return self.predict() if run_prediction else None

    def reset(self) -> None:
        """Drop every interaction and the last result (the image stays)."""
        self.shape  # noqa: B018 - raises before set_image
        self._interactions = []
        self.result = None

    def predict(self) -> SessionResult:
        """Predict from all interactions so far (all zeros without any)."""
        shape = self.shape
        t0 = time.perf_counter()
        probs = np.asarray(self.engine.predict(list(self._interactions)), dtype=np.float32)
        seconds = time.perf_counter() - t0
        if probs.shape != shape:
            raise RuntimeError(
                f"engine {self.engine_name!r} returned shape {probs.shape}, expected {shape}"
            )
        mask, ok = enforce_clicks(probs, self._interactions)
        self.result = SessionResult(mask, probs, seconds, ok, len(self._interactions))
        return self.result
