"""Glue between the "Segment interactively" page and :class:`reference_impl.session.InteractiveSession`.

A :class:`Workspace` holds one opened volume (input grid and display grid), the session
of the chosen engine, the clicks made so far and the latest mask.  The page only draws
it and forwards clicks: :func:`click` maps a pixel of a view to the voxel drawn there
(:class:`app.orthoview.Ortho`) and asks the engine for a new mask; :func:`undo`,
:func:`reset` and :func:`switch_engine` replay the clicks through the session.
"""

from __future__ import annotations

import functools
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.orthoview import VIEWS, Ortho, percentile_window

__all__ = [
    "DEFAULT_ENGINE",
    "Workspace",
    "open_workspace",
    "click",
    "undo",
    "reset",
    "switch_engine",
    "dice",
    "guess_modality",
    "engines",
]

DEFAULT_ENGINE = "random-walker"


@dataclass
class Workspace:
    """One opened volume with its interactive session (arrays on the input grid)."""

    name: str
    image: np.ndarray
    label: np.ndarray | None
    affine: np.ndarray
    spacing: tuple[float, ...]
    ortho: Ortho
    engine: str
    session: Any
    modality: str = "CT"
    clicks: list[tuple[tuple[int, ...], bool]] = field(default_factory=list)
    scribbles: list[tuple[np.ndarray, bool]] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # "click" / "scribble", oldest first
    mask: np.ndarray | None = None
    seconds: list[float] = field(default_factory=list)  # engine latency of each click
    pos: dict[str, int] = field(default_factory=dict)  # display slice of each view
    seen: dict[str, Any] = field(default_factory=dict)  # last click event of each view
    auto_window: tuple[float, float] = (0.0, 1.0)  # (level, width) of the 1-99 percentiles

    @property
    def canon_image(self) -> np.ndarray:
        """The image on the display grid."""
        return self.ortho.to_canonical(self.image)

    @property
    def median_seconds(self) -> float | None:
        """Median engine latency per click so far."""
        return statistics.median(self.seconds) if self.seconds else None


@functools.lru_cache(maxsize=1)
def engines() -> list[str]:
    """Engine names the page offers: those of :func:`reference_impl.engines.available_engines`
    that work from clicks alone (``postprocess``, which needs a network's first answer, and
    engines that fail to build here are left out)."""
    from reference_impl.engines import available_engines, get_engine

    probe = np.random.default_rng(0).normal(size=(8, 24, 24)).astype(np.float32)
    names = []
    for name in available_engines():
        try:
            engine = get_engine(name)
            engine.set_image(probe, spacing=(1.0, 1.0, 1.0))
        except Exception:  # noqa: BLE001 - an engine that cannot work from clicks alone
            continue
        names.append(name)
    return sorted(names, key=lambda n: (n != DEFAULT_ENGINE, n))


def guess_modality(image: np.ndarray) -> str:
    """ "CT" when the intensities look like Hounsfield units (air near -1000), else "MR"."""
    lo = float(np.percentile(np.asarray(image, dtype=np.float32)[::2, ::2, ::2], 0.5))
    return "CT" if lo < -500 else "MR"


def _new_session(
    engine: str, image: np.ndarray, affine: np.ndarray, spacing: Any, device: str | None
) -> Any:
    from reference_impl.session import InteractiveSession

    session = InteractiveSession(engine=engine, device=device)
    session.set_image(image, affine=affine, spacing=spacing)
    return session


def open_workspace(
    volume: Any, *, engine: str = DEFAULT_ENGINE, device: str | None = None, max_px: int = 300
) -> Workspace:
    """Open ``volume`` (a :class:`reference_impl.io.Volume`) for clicking with ``engine``."""
    image = np.asarray(volume.image)
    if image.ndim != 3:
        raise ValueError(f"{volume.name}: the page needs a 3D volume, got shape {image.shape}")
    ortho = Ortho.from_affine(volume.affine, image.shape, max_px=max_px)
    session = _new_session(engine, image, volume.affine, volume.spacing, device)
    ws = Workspace(
        name=volume.name,
        image=image,
        label=volume.label,
        affine=volume.affine,
        spacing=tuple(volume.spacing),
        ortho=ortho,
        engine=engine,
        session=session,
        modality=guess_modality(image),
        auto_window=percentile_window(image),
    )
    centre = _label_centre(ortho, volume.label) if volume.label is not None else None
    for view, a in VIEWS.items():
        ws.pos[view] = int(centre[a]) if centre else ortho.canon_shape[a] // 2
    return ws


def _label_centre(ortho: Ortho, label: np.ndarray) -> tuple[int, ...] | None:
    idx = np.argwhere(ortho.to_canonical(label) > 0)
    return tuple(int(v) for v in np.round(idx.mean(axis=0))) if len(idx) else None


def _predict(ws: Workspace, *, record: bool = True) -> None:
    t0 = time.perf_counter()
    result = ws.session.predict()
    seconds = float(getattr(result, "seconds", time.perf_counter() - t0))
    ws.mask = np.asarray(result.mask, dtype=np.uint8)
    if record:
        ws.seconds.append(seconds)


def click(ws: Workspace, view: str, event: dict[str, Any] | None, *, positive: bool) -> bool:
    """Add the click of a ``streamlit-image-coordinates`` ``event`` on ``view``.

    The event's ``x``/``y`` are pixels of the image as displayed (``width``/``height``);
    they are scaled back to the rendered image, mapped to the voxel drawn there, and the
    engine predicts.  The same event seen again (a rerun) is ignored.  Returns whether a
    click was added.
    """
    if not event or event.get("x") is None or ws.seen.get(view) == event.get("unix_time"):
        return False
    ws.seen[view] = event.get("unix_time")
    rows, cols = ws.ortho.view_slice(ws.canon_image, view, ws.pos[view]).shape
    fr, fc = ws.ortho.scale(view)
    sx = cols * fc / float(event.get("width") or cols * fc)
    sy = rows * fr / float(event.get("height") or rows * fr)
    index = ws.ortho.pixel_to_index(view, ws.pos[view], event["x"] * sx, event["y"] * sy)
    add_click(ws, index, positive=positive)
    canon = ws.ortho.index_to_canon(index)
    for other, a in VIEWS.items():  # the other views follow the click
        if other != view:
            ws.pos[other] = int(canon[a])
    return True


def add_click(ws: Workspace, index: tuple[int, ...], *, positive: bool) -> None:
    """Add a click at input voxel ``index`` and predict."""
    ws.session.add_click(tuple(int(i) for i in index), positive=positive, run_prediction=False)
    ws.clicks.append((tuple(int(i) for i in index), bool(positive)))
    ws.order.append("click")
    _predict(ws)


def path_points(path: list[list[Any]]) -> np.ndarray:
    """Points ``(x, y)`` along a Fabric.js free-drawing path (``M``/``L``/``Q`` commands),
    every half pixel or closer (the quadratic segments are followed through their control
    point)."""
    pts: list[tuple[float, float]] = []
    for cmd in path:
        nums = [float(v) for v in cmd[1:]]
        pts.extend(zip(nums[0::2], nums[1::2], strict=True))
    if not pts:
        return np.zeros((0, 2))
    out = [np.asarray(pts[:1], dtype=np.float64)]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(1, int(np.ceil(np.hypot(b[0] - a[0], b[1] - a[1]) * 2)))
        t = np.linspace(0.0, 1.0, n + 1)[1:, None]
        out.append(np.asarray(a) + t * (np.asarray(b) - np.asarray(a)))
    return np.concatenate(out)


def scribble_indices(
    ws: Workspace, view: str, points: np.ndarray, *, scale: tuple[float, float] = (1.0, 1.0)
) -> np.ndarray:
    """Input voxel indices ``(N, 3)`` (unique, in drawing order) under canvas ``points``
    ``(x, y)`` drawn on ``view`` at its current slice; ``scale`` maps canvas pixels to the
    rendered image's pixels."""
    seen: dict[tuple[int, ...], None] = {}
    for x, y in np.asarray(points, dtype=np.float64).reshape(-1, 2):
        seen.setdefault(ws.ortho.pixel_to_index(view, ws.pos[view], x * scale[0], y * scale[1]))
    return np.asarray(list(seen), dtype=np.int64).reshape(-1, 3)


def add_scribble(ws: Workspace, indices: np.ndarray, *, positive: bool) -> None:
    """Add a scribble over input voxels ``indices`` and predict."""
    pts = np.asarray(indices, dtype=np.int64).reshape(-1, 3)
    ws.session.add_scribble(pts, positive=positive, run_prediction=False)
    ws.scribbles.append((pts, bool(positive)))
    ws.order.append("scribble")
    _predict(ws)


def undo(ws: Workspace) -> None:
    """Take back the last click or scribble (the mask is predicted again from the rest)."""
    if not ws.order:
        return
    ws.session.undo(run_prediction=False)
    (ws.clicks if ws.order.pop() == "click" else ws.scribbles).pop()
    ws.seconds = ws.seconds[:-1]
    if ws.order:
        _predict(ws, record=False)
    else:
        ws.mask = None


def reset(ws: Workspace) -> None:
    """Forget every click and scribble and the mask (the image stays)."""
    ws.session.reset()
    ws.clicks, ws.scribbles, ws.order, ws.seconds, ws.mask = [], [], [], [], None


def switch_engine(ws: Workspace, engine: str, *, device: str | None = None) -> None:
    """Use ``engine`` from now on; the clicks so far are replayed through it."""
    if engine == ws.engine:
        return
    session = _new_session(engine, ws.image, ws.affine, ws.spacing, device)
    clicks, scribbles = iter(ws.clicks), iter(ws.scribbles)
    for kind in ws.order:
        if kind == "click":
            index, positive = next(clicks)
            session.add_click(index, positive=positive, run_prediction=False)
        else:
            pts, positive = next(scribbles)
            session.add_scribble(pts, positive=positive, run_prediction=False)
    ws.session, ws.engine, ws.seconds, ws.mask = session, engine, [], None
    if ws.order:
        _predict(ws, record=False)


def dice(ws: Workspace) -> float | None:
    """Dice of the current mask against the label (None without a label)."""
    if ws.label is None:
        return None
    from reference_impl.metrics import dice as dice_score

    pred = ws.mask if ws.mask is not None else np.zeros_like(ws.label)
    return float(dice_score(pred, ws.label))
