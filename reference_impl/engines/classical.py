"""Classical interactive baselines (no training): random walker, geodesic, ball floor.

They take the same interactions as the learned engines and answer through the same
:class:`~reference_impl.engines.base.Engine` contract, so every learned result in this
project stands beside them (issue 11).

Shared rules
------------
* **Seeds.**  A click is a ball of radius :data:`CLICK_RADIUS` (1 voxel, Euclidean in voxel
  units: the click and its 2·D face neighbours); a scribble is its own voxels; a box makes
  every voxel outside it a background seed.  Later interactions overwrite earlier ones
  where seeds overlap.
* **Implicit background.**  The random walker and the geodesic engine need both kinds of
  seeds, and a few user clicks leave most of the volume undecided (one negative click
  would otherwise claim, or cede, everything far away).  So voxels that no interaction
  seeded become background seeds whenever there is a foreground seed: every voxel whose
  normalised intensity differs from the intensity of *every* foreground seed voxel by more
  than :data:`BACKGROUND_MARGIN` (a quarter of the window: fat and air around a
  soft-tissue organ in the CT window), and for the geodesic engine also the volume's outer
  faces (for both engines when intensity alone gives none).  The random walker does not
  take the faces: organs cut by the field of view (liver and spleen touch the bundled CT's
  top slice) would be cut there.  The choice was made on the CT's stomach, a training organ
  that also touches the faces (R1, 5 rounds: the random walker did clearly better without
  the faces, the geodesic engine clearly worse).  User seeds are never overridden.
  A box alone seeds the foreground with a ball at its centre.
* **No interactions** → all zeros.
* **Intensity normalisation** (as a user windows an image): CT in HU gets the soft-tissue
  window W400/L40, anything else its 0.5th–99.5th percentiles, scaled to [0, 1]
  (:func:`normalize_image`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..interactions import Box, Click, Scribble
from .base import Engine, register_engine

__all__ = [
    "CLICK_RADIUS",
    "BACKGROUND_MARGIN",
    "CT_SOFT_TISSUE_WINDOW",
    "normalize_image",
    "seed_labels",
    "intensity_background",
    "random_walker_2label",
    "distance_to_mask",
    "RandomWalkerEngine",
    "GeodesicEngine",
    "BallFloorEngine",
]

#: Radius (voxels, Euclidean) of the seed ball painted at each click.
CLICK_RADIUS = 1
#: Voxels whose normalised intensity differs from every foreground seed's by more than this
#: are implicit background seeds (see the module's rules).
BACKGROUND_MARGIN = 0.25
#: Soft-tissue CT window (HU): level 40, width 400.
CT_SOFT_TISSUE_WINDOW = (-160.0, 240.0)


def normalize_image(image: np.ndarray, *, window: tuple[float, float] | None = None) -> np.ndarray:
    """Window an image to [0, 1] (float32) the way a user would look at it.

    ``window=(lo, hi)`` clips to that intensity range.  Without it: an image that looks
    like CT in Hounsfield units (0.5th percentile below -500, i.e. air at about -1000) gets
    the standard soft-tissue window (:data:`CT_SOFT_TISSUE_WINDOW`, W400/L40); any other
    image is clipped to its 0.5th-99.5th percentiles (an MR-style window).

    >>> [round(float(v), 2) for v in normalize_image(np.array([0.0, 1.0, 2.0, 3.0]))]
    [0.0, 0.33, 0.67, 1.0]
    >>> normalize_image(np.array([-1000.0, -160.0, 40.0, 240.0, 1000.0])).tolist()
    [0.0, 0.0, 0.5, 1.0, 1.0]
    """
    img = np.asarray(image, dtype=np.float32)
    if window is None:
        lo, hi = np.percentile(img, [0.5, 99.5])
        if lo < -500:
            lo, hi = CT_SOFT_TISSUE_WINDOW
    else:
        lo, hi = (float(w) for w in window)
    if hi <= lo:
        return np.zeros_like(img)
    return ((np.clip(img, lo, hi) - lo) / (hi - lo)).astype(np.float32)


def _ball(ndim: int, radius: int, *, norm: str = "euclidean") -> np.ndarray:
    r = int(radius)
    grid = np.indices((2 * r + 1,) * ndim) - r
    if norm == "max":
        return np.ones((2 * r + 1,) * ndim, bool)
    return (grid**2).sum(0) <= r * r


def _paint(out: np.ndarray, centre: Sequence[int], ball: np.ndarray, value: int) -> None:
    """Write ``value`` where ``ball`` (centred on ``centre``) overlaps ``out``."""
    r = ball.shape[0] // 2
    src, dst = [], []
    for c, n in zip(centre, out.shape, strict=True):
        lo, hi = max(int(c) - r, 0), min(int(c) + r + 1, n)
        dst.append(slice(lo, hi))
        src.append(slice(lo - (int(c) - r), hi - (int(c) - r)))
    out[tuple(dst)][ball[tuple(src)]] = value


def seed_labels(
    shape: Sequence[int],
    interactions: Sequence[Click | Scribble | Box],
    *,
    radius: int = CLICK_RADIUS,
    background_from: np.ndarray | None = None,
    border: bool = True,
) -> np.ndarray:
    """Seed map: 1 = foreground seed, 2 = background seed, 0 = unknown.

    Follows the module's *Seeds* rule; with ``background_from`` (the normalised image) also
    its *Implicit background* rule (``border``: whether the volume's faces are background
    seeds even when intensity alone gives some).

    Examples
    --------
    >>> img = np.zeros((5, 5)); img[:, 3:] = 1.0
    >>> seed_labels((5, 5), [Click(1, (2, 1))], background_from=img).tolist()
    [[2, 2, 2, 2, 2], [2, 1, 0, 2, 2], [1, 1, 1, 2, 2], [2, 1, 0, 2, 2], [2, 2, 2, 2, 2]]
    """
    out = np.zeros(tuple(shape), np.uint8)
    ball = _ball(len(shape), radius)
    for it in interactions:
        if isinstance(it, Click):
            _paint(out, it.index, ball, 1 if it.label == 1 else 2)
        elif isinstance(it, Scribble):
            pts = tuple(np.asarray(it.points).T)
            out[pts] = 1 if it.label == 1 else 2
        elif isinstance(it, Box):
            inside = np.zeros(out.shape, bool)
            inside[it.slices] = True
            out[~inside] = 2
            if not (out == 1).any():
                centre = [(lo + hi - 1) // 2 for lo, hi in zip(it.lo, it.hi, strict=True)]
                _paint(out, centre, ball, 1)
        else:
            raise TypeError(f"unsupported interaction {type(it).__name__}")
    if background_from is not None and (out == 1).any():
        implicit = intensity_background(background_from, out == 1)
        if border or not (implicit & (out == 0)).any():
            edge = np.ones(out.shape, bool)
            edge[tuple(slice(1, -1) for _ in out.shape)] = False
            implicit |= edge
        out[implicit & (out == 0)] = 2
    return out


def intensity_background(
    image: np.ndarray, foreground: np.ndarray, *, margin: float = BACKGROUND_MARGIN
) -> np.ndarray:
    """Voxels whose intensity differs from that of *every* ``foreground`` voxel by more than
    ``margin`` (the module's implicit-background rule; ``foreground`` must not be empty).

    >>> intensity_background(np.array([0.0, 0.1, 0.5, 1.0]), np.array([1, 0, 0, 0], bool)).tolist()
    [False, False, True, True]
    """
    img = np.asarray(image)
    ref = np.unique(img[np.asarray(foreground, bool)])
    pos = np.clip(np.searchsorted(ref, img), 1, max(len(ref) - 1, 1))
    near = np.minimum(np.abs(img - ref[pos - 1]), np.abs(img - ref[np.minimum(pos, len(ref) - 1)]))
    return near > margin


def distance_to_mask(mask: np.ndarray, spacing: Sequence[float]) -> np.ndarray:
    """Euclidean distance (mm) of every voxel to the nearest voxel of ``mask`` (``edt``).

    >>> m = np.zeros((1, 5), bool); m[0, 0] = True
    >>> distance_to_mask(m, (1.0, 2.0)).tolist()
    [[0.0, 2.0, 4.0, 6.0, 8.0]]
    """
    import edt

    return edt.edt(
        ~np.asarray(mask, bool), anisotropy=tuple(float(s) for s in spacing), black_border=False
    )


def random_walker_2label(
    data: np.ndarray,
    seeds: np.ndarray,
    *,
    beta: float = 130.0,
    spacing: Sequence[float] | None = None,
    tol: float = 1e-3,
) -> np.ndarray:
    """Foreground probability of the two-label random walker, solved once.

    The same graph, weights and linear system as :func:`skimage.segmentation.random_walker`
    (Grady 2006): edge weight ``exp(-beta * (Δdata / spacing)² / (10 * std(data))) + 1e-10``
    between face neighbours, Dirichlet values 1 at foreground seeds (``seeds == 1``) and 0 at
    background seeds (``seeds == 2``), conjugate gradients with a Jacobi preconditioner.
    scikit-image solves one system per label; with two labels the background probability is
    ``1 - p``, so one solve suffices (about 3x faster on the bundled volumes; the tests
    check the two against each other).  Every unseeded connected region must touch a seed.

    Examples
    --------
    >>> d = np.array([[0.0, 0.0, 1.0, 1.0]]); s = np.array([[1, 0, 0, 2]])
    >>> [round(float(v), 3) for v in random_walker_2label(d, s)[0]]
    [1.0, 1.0, 0.0, 0.0]
    """
    from scipy import sparse
    from scipy.sparse.linalg import cg

    data = np.asarray(data, np.float64)
    seeds = np.asarray(seeds)
    shape, n = data.shape, data.size
    sp = np.ones(data.ndim) if spacing is None else np.asarray(spacing, np.float64)
    std = data.std()
    scale = -beta / (10 * std) if std > 0 else 0.0
    unk = (seeds == 0).ravel()
    fg = (seeds == 1).ravel().astype(np.float64)
    uidx = np.full(n, -1, np.int64)
    uidx[unk] = np.arange(int(unk.sum()))
    idx = np.arange(n).reshape(shape)
    deg, rhs = np.zeros(n), np.zeros(n)
    rows, cols, vals = [], [], []
    for ax in range(data.ndim):
        if shape[ax] < 2:
            continue
        g = np.diff(data, axis=ax) / sp[ax]
        w = (np.exp(scale * g * g) + 1e-10).ravel()
        a = idx.take(range(shape[ax] - 1), axis=ax).ravel()
        c = idx.take(range(1, shape[ax]), axis=ax).ravel()
        deg += np.bincount(a, w, n) + np.bincount(c, w, n)
        rhs += np.bincount(a, w * fg[c], n) + np.bincount(c, w * fg[a], n)
        both = unk[a] & unk[c]
        rows.append(uidx[a[both]])
        cols.append(uidx[c[both]])
        vals.append(w[both])
    out = fg.copy()
    m = int(unk.sum())
    if m:
        off = sparse.coo_matrix(
            (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m, m)
        )
        lap = (sparse.diags(deg[unk]) - off - off.T).tocsr()
        x, _ = cg(lap, rhs[unk], rtol=tol, M=sparse.diags(1.0 / deg[unk]))
        out[unk] = x
    return np.clip(out.reshape(shape), 0.0, 1.0)


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
