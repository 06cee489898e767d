"""Registry of click signals (name -> function) and their spatial footprints."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from reference_impl.guidance import adaptive as _adaptive
from reference_impl.guidance import clicks as _clicks
from reference_impl.guidance import geodesic as _geo
from reference_impl.guidance import priors as _priors
from reference_impl.guidance._local import _check_spacing, _radius_vox

__all__ = ["CLICK_SIGNALS", "get_signal", "signal_footprint"]

ClickSignal = Callable[..., torch.Tensor]

CLICK_SIGNALS: dict[str, ClickSignal] = {
    "gaussian_heatmap": _clicks.gaussian_heatmap,
    "disk": _clicks.disk,
    "edt": _geo.edt_map,
    "gdt": _geo.gdt_map,
    "exp_gdt": _geo.exp_gdt_map,
    "adaptive_heatmap": _adaptive.adaptive_heatmap,
    "location_prior": _priors.location_prior,
}
"""Click signals with the common signature ``f(clicks, shape, *, spacing, device, **params)``."""

# Signals where one click can change voxels anywhere: distance maps, and adaptive heatmaps
# (a new click changes GDT(v, C) and hence the radius of other clicks).
_GLOBAL: set[str] = {"edt", "gdt", "exp_gdt", "adaptive_heatmap"}


def get_signal(name: str) -> ClickSignal:
    """Return the click signal function registered as ``name``.

    Raises
    ------
    ValueError
        Unknown name; the message lists the known names.

    Examples
    --------
    >>> get_signal("disk").__name__
    'disk'
    """
    try:
        return CLICK_SIGNALS[name]
    except KeyError:
        raise ValueError(
            f"unknown guidance signal {name!r}; known: {sorted(CLICK_SIGNALS)}"
        ) from None


def signal_footprint(
    name: str,
    *,
    ndim: int | None = None,
    spacing: Sequence[float] | None = None,
    sigma: float = 1.0,
    truncate: float = 4.0,
    compat: str | None = None,
    **_params: object,
) -> tuple[int, ...] | None:
    """Per-axis voxel radius beyond which one click's signal is exactly neutral.

    Parameters
    ----------
    name : str
        A key of :data:`CLICK_SIGNALS`.
    ndim : int, optional
        2 or 3; taken from ``spacing`` when given, else 3.
    spacing, sigma, truncate, compat
        The same values passed to the signal function (other parameters are ignored).

    Returns
    -------
    tuple of int or None
        ``r`` per axis: voxels with ``|v - c| > r`` on some axis are untouched by click ``c``.
        ``None`` for global signals, where a click can change voxels anywhere: distance maps,
        adaptive heatmaps and the ``compat`` modes of ``gaussian_heatmap`` (global min-max).

    Raises
    ------
    ValueError
        Unknown ``name`` or bad ``ndim``/``spacing``.

    Examples
    --------
    >>> signal_footprint("gaussian_heatmap", sigma=1.0, spacing=(3.0, 2.0, 2.0))
    (1, 2, 2)
    >>> signal_footprint("gaussian_heatmap", sigma=1.0, compat="sw-fastedit") is None
    True
    >>> signal_footprint("edt") is None
    True
    """
    get_signal(name)
    if ndim is None:
        ndim = len(spacing) if spacing is not None else 3
    if ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 or 3, got {ndim!r}")
    sp = _check_spacing(spacing, ndim)
    if name in _GLOBAL:
        return None
    if name == "gaussian_heatmap" and compat is not None:
        # Global min-max after summing: a click overlapping others can raise the maximum and
        # so rescale every voxel.  The kernel itself reaches sw_fastedit_radius(sigma, ndim).
        return None
    if name == "gaussian_heatmap":
        return _clicks.gaussian_radius(sigma, sp, truncate=truncate)
    if name == "disk":
        return _radius_vox(sigma, sp)
    if name == "location_prior":
        if ndim != 2:
            raise ValueError(f"location_prior is 2D only, got ndim={ndim}")
        return (_priors.LP_RADIUS,) * 2
    raise ValueError(f"no footprint rule for signal {name!r}")  # pragma: no cover
