"""One canonical orientation for every volume, and the exact way back to the input grid.

Canonical here is nibabel's closest canonical (RAS+) orientation written in numpy axis
order: array axis 0 runs towards Superior, axis 1 towards Anterior, axis 2 towards Right
(``(z, y, x) = (S, A, R)``).  Reorienting only permutes and flips axes (no resampling),
so :meth:`Reorientation.from_canonical` gives back the input array exactly, and a result
computed in the canonical grid lands voxel for voxel on the input grid.  Robot users and
engines then see the same array whatever axis order a file was saved in.

Examples
--------
>>> import numpy as np
>>> aff = np.array([[1.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, -2.0, 10], [0, 0, 0, 1]])
>>> r = Reorientation.from_affine((2, 3, 4), aff)
>>> r.canonical_shape, r.canonical_spacing
((4, 3, 2), (2.0, 3.0, 1.0))
>>> a = np.arange(24).reshape(2, 3, 4)
>>> bool(np.array_equal(r.from_canonical(r.to_canonical(a)), a))
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Reorientation", "CANONICAL_AXCODES"]

#: World direction of each canonical array axis (numpy order z, y, x).
CANONICAL_AXCODES = ("S", "A", "R")
_TARGET = np.array([[2, 1], [1, 1], [0, 1]], dtype=float)  # axis -> (world axis, +1)


@dataclass(frozen=True)
class Reorientation:
    """Permutation + flips between an input grid and the canonical grid.

    Build it with :meth:`from_affine`; ``affine`` maps input ``(z, y, x, 1)`` indices to
    RAS mm.
    """

    shape: tuple[int, ...]
    affine: np.ndarray = field(repr=False)
    transform: np.ndarray = field(repr=False)  # nibabel ornt: input axis -> (canonical axis, flip)

    @classmethod
    def from_affine(cls, shape: Sequence[int], affine: np.ndarray) -> Reorientation:
        """The reorientation of a ``shape`` volume with zyx->RAS ``affine``."""
        from nibabel import orientations as ornt

        shape = tuple(int(s) for s in shape)
        aff = np.asarray(affine, dtype=np.float64)
        if len(shape) != 3 or aff.shape != (4, 4):
            raise ValueError(f"need a 3D shape and a 4x4 affine, got {shape} and {aff.shape}")
        current = ornt.io_orientation(aff)
        if np.isnan(current).any():
            raise ValueError("the affine is degenerate; cannot find the volume's orientation")
        return cls(shape, aff, ornt.ornt_transform(current, _TARGET))

    @property
    def is_identity(self) -> bool:
        """True when the input is already canonical."""
        return bool(np.array_equal(self.transform, [[0, 1], [1, 1], [2, 1]]))

    @property
    def canonical_shape(self) -> tuple[int, ...]:
        """Shape of the canonical array."""
        out = [0, 0, 0]
        for i, (ax, _) in enumerate(self.transform):
            out[int(ax)] = self.shape[i]
        return tuple(out)

    @property
    def canonical_affine(self) -> np.ndarray:
        """zyx->RAS affine of the canonical grid (same world points as the input)."""
        from nibabel import orientations as ornt

        return self.affine @ ornt.inv_ornt_aff(self.transform, self.shape)

    @property
    def canonical_spacing(self) -> tuple[float, ...]:
        """Voxel size (mm) of the canonical axes."""
        return tuple(float(s) for s in np.linalg.norm(self.canonical_affine[:3, :3], axis=0))

    def to_canonical(self, array: np.ndarray) -> np.ndarray:
        """An input-grid array in the canonical grid (a contiguous copy)."""
        from nibabel import orientations as ornt

        self._check(array, self.shape)
        return np.ascontiguousarray(ornt.apply_orientation(np.asarray(array), self.transform))

    def from_canonical(self, array: np.ndarray) -> np.ndarray:
        """A canonical-grid array back on the input grid, exactly."""
        from nibabel import orientations as ornt

        self._check(array, self.canonical_shape)
        back = ornt.ornt_transform(_TARGET, ornt.io_orientation(self.affine))
        return np.ascontiguousarray(ornt.apply_orientation(np.asarray(array), back))

    def index_to_canonical(self, index: Sequence[int]) -> tuple[int, ...]:
        """An input voxel index in the canonical grid."""
        out = [0, 0, 0]
        for i, (ax, flip) in enumerate(self.transform):
            v = int(index[i])
            out[int(ax)] = v if flip > 0 else self.shape[i] - 1 - v
        return tuple(out)

    def index_from_canonical(self, index: Sequence[int]) -> tuple[int, ...]:
        """A canonical voxel index on the input grid."""
        out = [0, 0, 0]
        for i, (ax, flip) in enumerate(self.transform):
            v = int(index[int(ax)])
            out[i] = v if flip > 0 else self.shape[i] - 1 - v
        return tuple(out)

    @staticmethod
    def _check(array: np.ndarray, shape: tuple[int, ...]) -> None:
        if tuple(np.shape(array)) != tuple(shape):
            raise ValueError(f"expected an array of shape {shape}, got {np.shape(array)}")
