"""Typed user interactions: clicks, scribbles, bounding boxes and polygons.

Convention (used everywhere in ``reference_impl``): voxel indices and ``spacing`` are in
numpy axis order, ``(z, y, x)`` in 3D and ``(y, x)`` in 2D; ``label`` is 1 for a
foreground (positive) interaction and 0 for a background (negative) one.  Every
interaction may carry the 4x4 ``affine`` (voxel index in numpy axis order -> world mm)
of the image it was made on, so that it can be mapped through reorientation and
resampling with :meth:`Click.to_grid` instead of silently reusing stale indices.

Examples
--------
>>> import numpy as np
>>> c = Click(label=1, index=(2, 3, 4), affine=np.diag([2.0, 1.0, 1.0, 1.0]))
>>> c.world().tolist()
[4.0, 3.0, 4.0]
>>> c.to_grid(np.eye(4)).index
(4, 3, 4)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["FOREGROUND", "BACKGROUND", "Click", "Scribble", "Box", "Polygon", "Interaction"]

FOREGROUND = 1
BACKGROUND = 0


def _check_label(label: int) -> None:
    if label not in (FOREGROUND, BACKGROUND):
        raise ValueError(f"label must be 1 (foreground) or 0 (background), got {label!r}")


def _check_affine(affine: np.ndarray | None, ndim: int) -> None:
    if (
        affine is not None
        and np.asarray(affine).shape != (ndim + 1, ndim + 1)
        and np.asarray(affine).shape != (4, 4)
    ):
        raise ValueError(f"affine must be 4x4 (or {ndim + 1}x{ndim + 1}), got {np.shape(affine)}")


def _to_world(index: np.ndarray, affine: np.ndarray) -> np.ndarray:
    index = np.atleast_2d(np.asarray(index, dtype=np.float64))
    nd = index.shape[1]
    aff = np.asarray(affine, dtype=np.float64)
    if aff.shape[0] != nd + 1:  # a 4x4 affine used for a 2D index: pad with a zero axis
        index = np.concatenate([np.zeros((len(index), 3 - nd)), index], axis=1)
    homog = np.concatenate([index, np.ones((len(index), 1))], axis=1)
    return (homog @ aff.T)[:, :-1]


def _to_index(world: np.ndarray, affine: np.ndarray, nd: int) -> np.ndarray:
    aff = np.asarray(affine, dtype=np.float64)
    world = np.atleast_2d(world)
    homog = np.concatenate([world, np.ones((len(world), 1))], axis=1)
    idx = homog @ np.linalg.inv(aff).T
    return idx[:, aff.shape[0] - 1 - nd : -1]


@dataclass(frozen=True, eq=False)
class Click:
    """One click: ``label`` (1 fg / 0 bg) at voxel ``index`` (numpy axis order)."""

    label: int
    index: tuple[int, ...]
    affine: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_label(self.label)
        object.__setattr__(self, "index", tuple(int(i) for i in self.index))
        if len(self.index) not in (2, 3):
            raise ValueError(f"a click index must have 2 or 3 coordinates, got {self.index}")
        _check_affine(self.affine, len(self.index))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Click):
            return NotImplemented
        same_aff = (self.affine is None and other.affine is None) or (
            self.affine is not None
            and other.affine is not None
            and np.allclose(self.affine, other.affine)
        )
        return self.label == other.label and self.index == other.index and same_aff

    def __hash__(self) -> int:
        return hash((self.label, self.index))

    def world(self) -> np.ndarray:
        """World coordinates (mm) of the click; needs ``affine``."""
        if self.affine is None:
            raise RuntimeError("Click.world() needs the click's affine; none was recorded")
        return _to_world(np.array(self.index), self.affine)[0]

    def to_grid(self, affine: np.ndarray, shape: tuple[int, ...] | None = None) -> Click:
        """Map the click onto another voxel grid given by ``affine`` (nearest voxel).

        Raises ``ValueError`` when ``shape`` is given and the mapped click falls outside it.
        """
        idx = np.rint(_to_index(self.world(), affine, len(self.index))[0]).astype(int)
        if shape is not None and (np.any(idx < 0) or np.any(idx >= np.asarray(shape))):
            raise ValueError(f"click {self.index} maps to {tuple(idx)}, outside shape {shape}")
        return Click(self.label, tuple(idx), affine=np.asarray(affine))


@dataclass(frozen=True, eq=False)
class Scribble:
    """A scribble: an ordered ``(N, D)`` array of voxel indices with one ``label``."""

    label: int
    points: np.ndarray
    affine: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_label(self.label)
        pts = np.asarray(self.points)
        if pts.ndim != 2 or pts.shape[1] not in (2, 3):
            raise ValueError(f"scribble points must have shape (N, 2) or (N, 3), got {pts.shape}")
        object.__setattr__(self, "points", pts.astype(np.int64))

    def as_clicks(self) -> list[Click]:
        """The scribble's points as individual clicks (for click signals on scribbles)."""
        return [Click(self.label, tuple(p), affine=self.affine) for p in self.points]


@dataclass(frozen=True, eq=False)
class Box:
    """An axis-aligned bounding box, ``lo`` inclusive and ``hi`` exclusive (numpy slicing)."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    label: int = FOREGROUND
    affine: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        _check_label(self.label)
        object.__setattr__(self, "lo", tuple(int(v) for v in self.lo))
        object.__setattr__(self, "hi", tuple(int(v) for v in self.hi))
        if len(self.lo) != len(self.hi) or len(self.lo) not in (2, 3):
            raise ValueError(
                f"box corners must both have 2 or 3 coordinates, got {self.lo}, {self.hi}"
            )
        if any(h <= lo for lo, h in zip(self.lo, self.hi, strict=True)):
            raise ValueError(f"box must have hi > lo on every axis, got lo={self.lo} hi={self.hi}")

    @property
    def slices(self) -> tuple[slice, ...]:
        """The box as a tuple of slices."""
        return tuple(slice(lo, h) for lo, h in zip(self.lo, self.hi, strict=True))


@dataclass(frozen=True, eq=False)
class Polygon:
    """A closed 2D polygon: ``(N, 2)`` vertices ``(y, x)`` on slice ``slice_index`` of ``axis``."""

    vertices: np.ndarray
    label: int = FOREGROUND
    slice_index: int | None = None
    axis: int = 0

    def __post_init__(self) -> None:
        _check_label(self.label)
        v = np.asarray(self.vertices, dtype=np.float64)
        if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3:
            raise ValueError(f"polygon vertices must have shape (N>=3, 2), got {v.shape}")
        object.__setattr__(self, "vertices", v)


Interaction = Click | Scribble | Box | Polygon
