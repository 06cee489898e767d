"""Three orthogonal views of a volume in radiological orientation, and their click mapping.

The volume arrives in numpy axis order ``(z, y, x)`` with a 4x4 affine mapping
``(z, y, x, 1)`` indices to RAS millimetres (:mod:`reference_impl.io`).  It is reoriented
(axis permutation and flips only, never resampled, through
:class:`reference_impl.orientation.Reorientation`) to a display array whose axes point to
the patient's inferior, posterior and left.  Then every view is a plain slice:

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

from reference_impl.orientation import Reorientation
from reference_impl.plotting import COLOURS

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
    """Reorientation of one volume to the display axes (inferior, posterior, left).

    The permutation and flips are :class:`reference_impl.orientation.Reorientation`'s
    (canonical ``(S, A, R)``), read backwards along every axis for display.

    Attributes
    ----------
    reorientation : reference_impl.orientation.Reorientation
        Input grid <-> canonical ``(S, A, R)`` grid.
    max_px : int
        Largest side, in screen pixels, a view is drawn at (voxels are never shrunk).
    """

    reorientation: Reorientation
    max_px: int = 420

    @classmethod
    def from_affine(cls, affine: np.ndarray, shape: Sequence[int], *, max_px: int = 420) -> Ortho:
        """Build the reorientation from a ``(z, y, x) -> RAS`` affine (nearest axes)."""
        aff = np.asarray(affine, dtype=np.float64)
        if len(shape) != 3:
            raise ValueError(f"three orthogonal views need a 3D volume, got shape {tuple(shape)}")
        if aff.shape != (4, 4) or not np.isfinite(aff).all():
            raise ValueError(f"the affine must be a finite 4x4 matrix, got shape {aff.shape}")
        return cls(Reorientation.from_affine(shape, aff), max_px)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the input array (numpy axis order)."""
        return self.reorientation.shape

    @property
    def spacing(self) -> tuple[float, ...]:
        """Voxel spacing (mm) along the display axes."""
        return self.reorientation.canonical_spacing

    # ------------------------------------------------------------ volume <-> display grid
    @property
    def canon_shape(self) -> tuple[int, ...]:
        """Shape of the display array."""
        return self.reorientation.canonical_shape

    def to_canonical(self, volume: np.ndarray) -> np.ndarray:
        """The input-ordered ``volume`` on the display grid (inferior, posterior, left)."""
        return self.reorientation.to_canonical(volume)[::-1, ::-1, ::-1]

    def canon_to_index(self, canon: Sequence[int]) -> tuple[int, ...]:
        """Input index ``(z, y, x)`` of display index ``canon``."""
        cs = self.canon_shape
        sar = [cs[a] - 1 - int(canon[a]) for a in range(3)]
        return self.reorientation.index_from_canonical(sar)

    def index_to_canon(self, index: Sequence[int]) -> tuple[int, ...]:
        """Display index of input index ``index``."""
        cs = self.canon_shape
        sar = self.reorientation.index_to_canonical(index)
        return tuple(cs[a] - 1 - int(sar[a]) for a in range(3))

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

    def render(
        self,
        grey: np.ndarray,
        view: str,
        pos: int,
        *,
        mask: np.ndarray | None = None,
        label: np.ndarray | None = None,
        clicks: Iterable[tuple[Sequence[int], bool]] = (),
        scribbles: Iterable[tuple[np.ndarray, bool]] = (),
    ) -> np.ndarray:
        """RGB uint8 image of ``view`` at slice ``pos``.

        Parameters
        ----------
        grey : canonical uint8 array
            The windowed image (:func:`window` of :meth:`to_canonical`).
        mask, label : canonical arrays, optional
            The prediction (amber fill and outline) and the reference label (cyan outline).
        clicks : iterable of (input index, positive)
            Clicks on this slice are drawn as lime ``+`` (positive) or magenta ``x``.
        scribbles : iterable of ((N, 3) input indices, positive)
            Scribbled voxels on this slice are filled lime (positive) or magenta.
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
        r, c = _ROWS_COLS[a]
        for pts, positive in scribbles:
            canon = np.array([self.index_to_canon(p) for p in np.asarray(pts).reshape(-1, 3)])
            canon = canon[canon[:, a] == int(pos)] if len(canon) else canon
            colour = COLOURS["positive" if positive else "negative"]
            for row, col in zip(canon[:, r], canon[:, c], strict=True):
                rgb[row * fr : (row + 1) * fr, col * fc : (col + 1) * fc] = colour
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
            pts = (
                [(row + d, col + t), (row + t, col + d)]
                if positive
                else [(row + d + t, col + d), (row + d + t, col - d)]
            )
            for y, x in pts:
                if 0 <= y < h and 0 <= x < w:
                    rgb[y, x] = colour
