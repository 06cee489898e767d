"""Location priors (Eq. 29) and attraction-field weight maps (Eq. 30-31), appendix A.1."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from reference_impl.guidance._local import (
    _by_label,
    _check_clicks,
    _check_nonneg,
    _setup,
)
from reference_impl.interactions import Click

__all__ = ["location_prior", "attraction_field", "LP_RADIUS"]

LP_RADIUS = 253
"""Eq. (29) is 0 once the summed weight reaches 255; every pixel weighs >= 1 and the
inclusive rectangle to a pixel 254 away along an axis has >= 255 pixels, so the prior is
exactly 0 beyond 253 pixels."""


def _canny(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """Canny edges of a 2D image with scikit-image (CPU), as a bool tensor on its device."""
    from skimage.feature import canny

    edges = canny(image.detach().cpu().numpy().astype(np.float64), sigma=sigma)
    return torch.from_numpy(edges).to(image.device)


def location_prior(
    clicks: Sequence[Click],
    shape: Sequence[int],
    *,
    image: torch.Tensor | None = None,
    edges: torch.Tensor | None = None,
    canny_sigma: float = 1.0,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Location prior of Sun et al. (Eq. 29): 255 minus the edge-weighted rectangle sum, 2D.

    Parameters
    ----------
    clicks : sequence of Click
        2D clicks ``(y, x)`` inside ``shape``; may be empty.
    shape : tuple of int
        ``(y, x)``; 3D raises (the signal is defined for 2D images only).
    image : torch.Tensor or numpy.ndarray, optional
        ``(y, x)`` image whose Canny edges weigh 10 (needed unless ``edges`` is given).
    edges : torch.Tensor or numpy.ndarray, optional
        Precomputed ``(y, x)`` bool edge map (replaces the Canny step).
    canny_sigma : float, default 1.0
        Gaussian σ of :func:`skimage.feature.canny` (computed on CPU).
    spacing : sequence of float, optional
        Accepted for API uniformity and ignored: Eq. (29) counts pixels.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(2, y, x)`` float32 in ``[0, 255]``; clicks of a label combined by ``max``.

    Raises
    ------
    ValueError
        3D shape, neither ``image`` nor ``edges``, mismatched shapes.

    Notes
    -----
    Eq. (29): ``LP(v) = max(0, 255 - Σ_{i,j in rect(c, v)} (10 if Canny(I)(i,j) else 1))``
    where the double sum runs over the inclusive rectangle spanned by ``c`` and ``v``.  The
    prose describes a Manhattan path ("decrease by 1 per step"); the equation sums the
    rectangle, so the prior falls off with the rectangle's area.  We implement the equation,
    with a summed-area table over the local box ``c ± 253``.

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Click
    >>> lp = location_prior([Click(1, (1, 1))], (3, 4), edges=torch.zeros(3, 4, dtype=bool))
    >>> lp[0].tolist()
    [[251.0, 253.0, 251.0, 249.0], [253.0, 254.0, 253.0, 252.0], [251.0, 253.0, 251.0, 249.0]]
    """
    clicks, shape, _, dev = _setup(clicks, shape, spacing, device)
    if len(shape) != 2:
        raise ValueError(f"location_prior is defined for 2D images only, got shape {shape}")
    if edges is None:
        if image is None:
            raise ValueError("location_prior needs image= (for Canny edges) or edges=")
        img = torch.as_tensor(image)
        if tuple(img.shape) != shape:
            raise ValueError(f"image shape {tuple(img.shape)} must equal shape {shape}")
        edges = _canny(img, _check_nonneg("canny_sigma", canny_sigma))
    edges = torch.as_tensor(edges).to(dev)
    if tuple(edges.shape) != shape:
        raise ValueError(f"edges shape {tuple(edges.shape)} must equal shape {shape}")
    weight = torch.where(edges.to(torch.bool), 10.0, 1.0).to(torch.float64)
    out = torch.zeros((2, *shape), dtype=torch.float32, device=dev)
    r = LP_RADIUS
    for ch, group in enumerate(_by_label(clicks)):
        for c in group:
            lo = [max(ci - r, 0) for ci in c.index]
            hi = [min(ci + r + 1, n) for ci, n in zip(c.index, shape, strict=True)]
            w = weight[lo[0] : hi[0], lo[1] : hi[1]]
            sat = F.pad(w.cumsum(0).cumsum(1), (1, 0, 1, 0))  # sat[i, j] = sum w[:i, :j]
            cy, cx = c.index[0] - lo[0], c.index[1] - lo[1]
            ys = torch.arange(w.shape[0], device=dev)
            xs = torch.arange(w.shape[1], device=dev)
            y0, y1 = torch.clamp(ys, max=cy)[:, None], torch.clamp(ys, min=cy)[:, None] + 1
            x0, x1 = torch.clamp(xs, max=cx)[None, :], torch.clamp(xs, min=cx)[None, :] + 1
            s = sat[y1, x1] - sat[y0, x1] - sat[y1, x0] + sat[y0, x0]
            lp = torch.clamp(255.0 - s, min=0.0).to(torch.float32)
            view = out[ch, lo[0] : hi[0], lo[1] : hi[1]]
            view.copy_(torch.maximum(view, lp))
    return out


def attraction_field(
    c1: Click,
    c2: Click,
    shape: Sequence[int],
    *,
    p: float = 2.0,
    spacing: Sequence[float] | None = None,
    device: str | torch.device | None = None,
) -> torch.Tensor:
    """Attraction-field weight map of two clicks (Eq. 30-31): a ``D``-channel vector field.

    Parameters
    ----------
    c1, c2 : Click
        The two clicks (the "charges"), inside ``shape``.
    shape : tuple of int
        ``(y, x)`` or ``(z, y, x)``.
    p : float, default 2.0
        Decay exponent of Eq. (30).
    spacing : sequence of float, optional
        Voxel size; offsets are physical when given.
    device : str or torch.device, optional
        ``"cpu"``, ``"cuda"`` or None/``"auto"``.

    Returns
    -------
    torch.Tensor
        ``(D, *shape)`` float32, component ``k`` along numpy axis ``k``;
        the singular term at ``v = c_i`` is set to 0.

    Raises
    ------
    ValueError
        Clicks outside ``shape`` or of the wrong dimension, negative ``p``.

    Notes
    -----
    Eq. (30): ``AFWM(v) = ∇S_1(v)/|∇S_1(v)|^p - ∇S_2(v)/|∇S_2(v)|^p``.  Eq. (31) as printed
    (``(2(v_x - c_x) + 2(v_y - c_y) + (v_z - c_z)) / (2 ||v - c||)``) is a scalar mixing 2D
    and 3D terms; we read ``∇S_i(v)`` as the gradient of ``||v - c_i||² / 2``, i.e. the vector
    ``v - c_i``, so that ``p`` controls the decay (``p = 1``: unit field, ``p = 3``: Coulomb).

    Examples
    --------
    >>> from reference_impl.interactions import Click
    >>> f = attraction_field(Click(1, (0, 0)), Click(0, (0, 2)), (1, 3), p=1.0, device="cpu")
    >>> f[1].tolist()
    [[1.0, 2.0, 1.0]]
    """
    _, shape, sp, dev = _setup([], shape, spacing, device)
    _check_clicks([c1, c2], shape)
    p = _check_nonneg("p", p)
    grids = torch.meshgrid(
        *[torch.arange(n, device=dev, dtype=torch.float64) for n in shape], indexing="ij"
    )
    out = torch.zeros((len(shape), *shape), dtype=torch.float64, device=dev)
    for sign, c in ((1.0, c1), (-1.0, c2)):
        vec = torch.stack([(g - ci) * s for g, ci, s in zip(grids, c.index, sp, strict=True)])
        norm = vec.norm(dim=0)
        scale = torch.where(norm > 0, norm.clamp(min=1e-300) ** (-p), 0.0)
        out += sign * vec * scale
    return out.to(torch.float32)
