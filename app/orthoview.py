"""Three orthogonal views of a volume in radiological orientation, and their click mapping.

The volume arrives in numpy axis order ``(z, y, x)`` with a 4x4 affine mapping
``(z, y, x, 1)`` indices to RAS millimetres (:mod:`reference_impl.io`).  It is reoriented
(axis permutation and flips only, never resampled) to a *canonical* array whose axes point
to the patient's inferior, posterior and left.  Then every view is a plain slice:

- axial ``canon[k]``: anterior at the top, the patient's right on the image's left;
- coronal ``canon[:, j]``: superior at the top, the patient's right on the image's left;
- sagittal ``canon[:, :, i]``: superior at the top, anterior on the image's left.

Each voxel is drawn as an integer block of screen pixels (nearest neighbour, in proportion
to the voxel spacing), so a pixel maps back to exactly one voxel: :meth:`Ortho.pixel_to_index`
inverts :meth:`Ortho.render` for every view, flips included.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["VIEWS", "WINDOWS", "COLOURS", "Ortho", "window", "percentile_window"]

#: view name -> the canonical axis it is perpendicular to
VIEWS: dict[str, int] = {"axial": 0, "coronal": 1, "sagittal": 2}
#: CT window presets as (level, width) in HU; ``None`` = percentile window (MR, PET, …)
WINDOWS: dict[str, tuple[float, float] | None] = {
    "CT soft tissue": (40.0, 400.0),
    "CT lung": (-600.0, 1500.0),
    "CT bone": (400.0, 1800.0),
    "Percentile (MR)": None,
}
#: one meaning per colour on every page: prediction, label (reference), positive and
#: negative interactions (and the matching guidance channels), boxes and polygons.
COLOURS: dict[str, tuple[int, int, int]] = {
    "prediction": (255, 200, 0),  # amber
    "label": (0, 220, 255),  # cyan
    "positive": (40, 255, 40),  # lime
    "negative": (255, 40, 255),  # magenta
    "box": (255, 255, 255),  # white
}
# canonical axis a points along RAS world axis _WORLD[a], towards its negative end
_WORLD = (2, 1, 0)  # inferior (-S), posterior (-A), left (-R)
_ROWS_COLS = {0: (1, 2), 1: (0, 2), 2: (0, 1)}


def window(image: np.ndarray, level: float, width: float) -> np.ndarray:
    """Map intensities to uint8 grey with a (level, width) window (clipped)."""
    lo, hi = level - width / 2.0, level + width / 2.0
    out = (np.asarray(image, dtype=np.float32) - lo) / max(hi - lo, 1e-6)
    return (np.clip(out, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def percentile_window(image: np.ndarray, lo: float = 1.0, hi: float = 99.0) -> tuple[float, float]:
    """(level, width) spanning the ``lo``..``hi`` percentiles of ``image`` (subsampled)."""
    flat = np.asarray(image, dtype=np.float32).ravel()
    step = max(1, flat.size // 2_000_000)
    a, b = np.percentile(flat[::step], [lo, hi]) if flat.size else (0.0, 1.0)
    b = b if b > a else a + 1.0
    return float((a + b) / 2.0), float(b - a)


@dataclass(frozen=True)
class Ortho:
    """Reorientation of one volume to the canonical (inferior, posterior, left) axes.

    Attributes
    ----------
    shape : tuple of int
        Shape of the input array (numpy axis order).
    perm : tuple of int
        ``perm[a]`` is the input axis that becomes canonical axis ``a``.
    flip : tuple of bool
        Whether canonical axis ``a`` runs against the input axis.
    spacing : tuple of float
        Voxel spacing (mm) along the canonical axes.
    max_px : int
        Largest side, in screen pixels, a view is drawn at (voxels are never shrunk).
    """

    shape: tuple[int, int, int]
    perm: tuple[int, int, int]
    flip: tuple[bool, bool, bool]
    spacing: tuple[float, float, float]
    max_px: int = 420

    @classmethod
    def from_affine(cls, affine: np.ndarray, shape: Sequence[int], *, max_px: int = 420) -> Ortho:
        """Build the reorientation from a ``(z, y, x) -> RAS`` affine (nearest axes)."""
        from nibabel.orientations import io_orientation

        aff = np.asarray(affine, dtype=np.float64)
        if aff.shape != (4, 4) or not np.isfinite(aff).all():
            raise ValueError(f"the affine must be a finite 4x4 matrix, got shape {aff.shape}")
        if len(shape) != 3:
            raise ValueError(f"three orthogonal views need a 3D volume, got shape {tuple(shape)}")
        ornt = io_orientation(aff)  # per input axis: (world axis, +1/-1)
        if np.isnan(ornt).any():
            raise ValueError("the affine is degenerate (an axis has no direction)")
        perm, flip = [], []
        for w in _WORLD:
            i = int(np.flatnonzero(ornt[:, 0] == w)[0])
            perm.append(i)
            flip.append(bool(ornt[i, 1] > 0))  # input runs to +world: reverse it
        sp = np.linalg.norm(aff[:3, :3], axis=0)
        return cls(tuple(int(s) for s in shape), tuple(perm), tuple(flip),  # type: ignore[arg-type]
                   tuple(float(sp[p]) for p in perm), max_px)  # type: ignore[arg-type]

    # ------------------------------------------------------------ volume <-> canonical
    @property
    def canon_shape(self) -> tuple[int, int, int]:
        """Shape of the canonical array."""
        return tuple(self.shape[p] for p in self.perm)  # type: ignore[return-value]

    def to_canonical(self, volume: np.ndarray) -> np.ndarray:
        """The input-ordered ``volume`` as a canonical array (a view, no copy)."""
        if tuple(volume.shape) != self.shape:
            raise ValueError(f"volume shape {volume.shape} differs from {self.shape}")
        out = np.transpose(volume, self.perm)
        return out[tuple(slice(None, None, -1) if f else slice(None) for f in self.flip)]

    def canon_to_index(self, canon: Sequence[int]) -> tuple[int, int, int]:
        """Input index ``(z, y, x)`` of canonical index ``canon``."""
        idx = [0, 0, 0]
        for a, (p, f) in enumerate(zip(self.perm, self.flip, strict=True)):
            c = int(canon[a])
            idx[p] = self.shape[p] - 1 - c if f else c
        return tuple(idx)  # type: ignore[return-value]

    def index_to_canon(self, index: Sequence[int]) -> tuple[int, int, int]:
        """Canonical index of input index ``index``."""
        return tuple(self.shape[p] - 1 - int(index[p]) if f else int(index[p])
                     for p, f in zip(self.perm, self.flip, strict=True))  # type: ignore[return-value]

    # ------------------------------------------------------------ views
    def scale(self, view: str) -> tuple[int, int]:
        """Integer screen pixels per voxel (rows, columns) of ``view``."""
        r, c = _ROWS_COLS[VIEWS[view]]
        smin = min(self.spacing)
        fr = max(1, round(self.spacing[r] / smin))
        fc = max(1, round(self.spacing[c] / smin))
        cs = self.canon_shape
        k = max(1, self.max_px // max(cs[r] * fr, cs[c] * fc, 1))
        return fr * k, fc * k

    def view_slice(self, canon: np.ndarray, view: str, pos: int) -> np.ndarray:
        """The 2D slice of canonical array ``canon`` shown in ``view`` at position ``pos``."""
        a = VIEWS[view]
        pos = int(np.clip(pos, 0, canon.shape[a] - 1))
        return np.take(canon, pos, axis=a)

    def pixel_to_index(self, view: str, pos: int, px: float, py: float) -> tuple[int, int, int]:
        """Input index ``(z, y, x)`` of screen pixel ``(px, py)`` (column, row) of ``view``
        showing slice ``pos`` (pixels of the image as rendered, before any browser scaling)."""
        a = VIEWS[view]
        r, c = _ROWS_COLS[a]
        fr, fc = self.scale(view)
        cs = self.canon_shape
        canon = [0, 0, 0]
        canon[a] = int(np.clip(pos, 0, cs[a] - 1))
        canon[r] = int(np.clip(int(py // fr), 0, cs[r] - 1))
        canon[c] = int(np.clip(int(px // fc), 0, cs[c] - 1))
        return self.canon_to_index(canon)

    def index_to_pixel(self, view: str, index: Sequence[int]) -> tuple[float, float]:
        """Centre ``(px, py)`` of the screen block that draws input voxel ``index`` in ``view``."""
        r, c = _ROWS_COLS[VIEWS[view]]
        fr, fc = self.scale(view)
        canon = self.index_to_canon(index)
        return (canon[c] + 0.5) * fc, (canon[r] + 0.5) * fr

    def render(self, grey: np.ndarray, view: str, pos: int, *, mask: np.ndarray | None = None,
               label: np.ndarray | None = None,
               clicks: Iterable[tuple[Sequence[int], bool]] = ()) -> np.ndarray:
        """RGB uint8 image of ``view`` at slice ``pos``.

        Parameters
        ----------
        grey : canonical uint8 array
            The windowed image (:func:`window` of :meth:`to_canonical`).
        mask, label : canonical arrays, optional
            The prediction (amber fill and outline) and the reference label (cyan outline).
        clicks : iterable of (input index, positive)
            Clicks on this slice are drawn as lime ``+`` (positive) or magenta ``x``.
        """
        fr, fc = self.scale(view)
        sl = self.view_slice(grey, view, pos)
        rgb = np.repeat(np.repeat(np.stack([sl] * 3, axis=-1), fr, axis=0), fc, axis=1)
        rgb = rgb.astype(np.float32)
        if mask is not None:
            m = _up(self.view_slice(mask, view, pos) > 0, fr, fc)
            rgb[m] = 0.6 * rgb[m] + 0.4 * np.asarray(COLOURS["prediction"], np.float32)
            rgb[_outline(m)] = COLOURS["prediction"]
        if label is not None:
            lab = _up(self.view_slice(label, view, pos) > 0, fr, fc)
            rgb[_outline(lab)] = COLOURS["label"]
        a = VIEWS[view]
        for index, positive in clicks:
            if self.index_to_canon(index)[a] != int(pos):
                continue
            px, py = self.index_to_pixel(view, index)
            _marker(rgb, int(py), int(px), positive, size=max(4, min(fr, fc) + 3))
        return rgb.astype(np.uint8)


def _up(m: np.ndarray, fr: int, fc: int) -> np.ndarray:
    return np.repeat(np.repeat(m, fr, axis=0), fc, axis=1)


def _outline(m: np.ndarray) -> np.ndarray:
    """Pixels of ``m`` with a 4-neighbour outside ``m`` (a one-pixel outline)."""
    if not m.any():
        return m
    inner = m.copy()
    inner[1:] &= m[:-1]
    inner[:-1] &= m[1:]
    inner[:, 1:] &= m[:, :-1]
    inner[:, :-1] &= m[:, 1:]
    return m & ~inner


def _marker(rgb: np.ndarray, row: int, col: int, positive: bool, *, size: int) -> None:
    colour = np.asarray(COLOURS["positive" if positive else "negative"], np.float32)
    h, w = rgb.shape[:2]
    for d in range(-size, size + 1):
        for t in (-1, 0, 1):  # three pixels thick
            pts = ([(row + d, col + t), (row + t, col + d)] if positive
                   else [(row + d + t, col + d), (row + d + t, col - d)])
            for y, x in pts:
                if 0 <= y < h and 0 <= x < w:
                    rgb[y, x] = colour
