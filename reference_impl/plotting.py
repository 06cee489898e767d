"""One axial slice with its label, prediction, interactions and guidance (matplotlib, Agg).

The one slice figure of the project: the app's pipeline page and the pipelines'
``overlay.png`` both draw with :func:`slice_figure`.  Colours have one meaning each
(:data:`COLOURS`): label cyan, prediction amber, positive inputs lime, negative inputs
magenta, boxes and polygons white.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["COLOURS", "interaction_slices", "draw_interactions", "slice_figure"]

#: RGB colour of each kind of thing drawn, one meaning per colour on every page and figure:
#: prediction, label (reference), positive and negative interactions (and the matching
#: guidance channels), boxes and polygons (the app's 2D views use the same).
COLOURS: dict[str, tuple[int, int, int]] = {
    "prediction": (255, 200, 0),  # amber
    "label": (0, 220, 255),  # cyan
    "positive": (40, 255, 40),  # lime
    "negative": (255, 40, 255),  # magenta
    "box": (255, 255, 255),  # white
}


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def interaction_slices(h: Any, axis: int = 0) -> set[int]:
    """Slices (along ``axis``) an interaction touches: clicks, scribbles, boxes, polygons,
    worst-slice corrections (``SliceCorrection``: an int ``index`` with an ``axis``)."""
    import numpy as np

    from reference_impl.interactions import Box, Click, Polygon, Scribble

    if isinstance(h, Click):
        return {int(h.index[axis])} if len(h.index) == 3 else set()
    if isinstance(h, Scribble):
        pts = np.asarray(h.points)
        return set(pts[:, axis].tolist()) if pts.shape[1] == 3 else set()
    if isinstance(h, Box):
        return set(range(h.lo[axis], h.hi[axis])) if len(h.lo) == 3 else set()
    if isinstance(h, Polygon):
        return {int(h.slice_index)} if h.axis == axis and h.slice_index is not None else set()
    if isinstance(getattr(h, "index", None), (int, np.integer)) and getattr(h, "axis", 0) == axis:
        return {int(h.index)}
    return set()


def draw_interactions(ax: Any, interactions: Sequence[Any], z: int, shape: tuple[int, int]) -> int:
    """Draw the interactions that touch axial slice ``z``; returns how many were drawn.

    Clicks are ``+``/``x`` markers, scribbles filled voxels (positive lime, negative
    magenta), boxes and polygons white outlines, a worst-slice correction its mask outline
    (white, dashed).
    """
    import numpy as np
    from matplotlib.patches import Rectangle

    from reference_impl.interactions import Box, Click, Polygon, Scribble

    drawn = 0
    scrib = np.zeros((*shape, 4), np.float32)
    for h in interactions:
        if z not in interaction_slices(h):
            continue
        rgb = COLOURS["positive"] if getattr(h, "label", 1) else COLOURS["negative"]
        if isinstance(h, Click):
            ax.plot(
                h.index[2],
                h.index[1],
                marker="+" if h.label else "x",
                color=_hex(rgb),
                markersize=11,
                markeredgewidth=2.5,
                linestyle="none",
            )
        elif isinstance(h, Scribble):
            pts = np.asarray(h.points)
            pts = pts[pts[:, 0] == z]
            scrib[pts[:, 1], pts[:, 2]] = (*(np.asarray(rgb) / 255.0), 1.0)
        elif isinstance(h, Box):
            ax.add_patch(
                Rectangle(
                    (h.lo[2] - 0.5, h.lo[1] - 0.5),
                    h.hi[2] - h.lo[2],
                    h.hi[1] - h.lo[1],
                    fill=False,
                    ec=_hex(COLOURS["box"]),
                    lw=1.5,
                )
            )
        elif isinstance(h, Polygon):
            v = np.asarray(h.vertices)
            ax.plot(
                np.r_[v[:, 1], v[:1, 1]],
                np.r_[v[:, 0], v[:1, 0]],
                "-",
                color=_hex(COLOURS["box"]),
                lw=1.5,
            )
        else:  # a worst-slice correction: the ground truth of that slice
            m = np.asarray(getattr(h, "mask", np.zeros(shape)))
            m = m[z] if m.ndim == 3 else m
            if m.shape == shape and m.any():
                ax.contour(
                    m.astype(np.float32),
                    levels=[0.5],
                    colors=_hex(COLOURS["box"]),
                    linewidths=1.2,
                    linestyles="dashed",
                )
        drawn += 1
    if scrib[..., 3].any():
        ax.imshow(scrib, interpolation="nearest")
    return drawn


def _colour_map(rgb: tuple[int, int, int]) -> Any:
    from matplotlib.colors import LinearSegmentedColormap

    c = tuple(v / 255.0 for v in rgb)
    return LinearSegmentedColormap.from_list("iseg", [(*c, 0.0), (*c, 1.0)])


def slice_figure(
    image: Any,
    *,
    label: Any = None,
    prediction: Any = None,
    interactions: Sequence[Any] = (),
    z: int = 0,
    guidance: Any = None,
    title: str = "",
) -> tuple[Any, int]:
    """Matplotlib figure of one axial slice with label, prediction, interactions, guidance.

    Colours have one meaning each (:data:`COLOURS`): label cyan, prediction
    amber, positive inputs lime, negative inputs magenta, boxes/polygons white.

    Parameters
    ----------
    image : (H, W) array
        The slice ``z``, shown in grey with a 1-99 percentile window.
    label, prediction : (H, W) arrays, optional
        Binary masks drawn as cyan (label) and amber (prediction) contours.
    interactions : sequence
        :mod:`reference_impl.interactions` objects in volume coordinates ``(z, y, x)`` and
        worst-slice corrections; those touching slice ``z`` are drawn.
    z : int
        Index of the slice (to select the interactions).
    guidance : (H, W) or (C, H, W) array, optional
        Guidance signal of the slice, shown in a second panel (channel 0 = foreground in
        lime, the last channel = background in magenta, as the interactions).

    Returns
    -------
    (figure, int)
        The figure and the number of interactions drawn on this slice.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    img = np.asarray(image, dtype=np.float32)
    lo, hi = np.percentile(img, [1, 99]) if img.size else (0.0, 1.0)
    panels = 2 if guidance is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4.2), squeeze=False)
    for ax in axes.ravel():
        ax.imshow(
            img, cmap="gray", vmin=lo, vmax=hi if hi > lo else lo + 1, interpolation="nearest"
        )
        ax.set_axis_off()
    ax = axes[0, 0]
    for mask, colour in ((label, COLOURS["label"]), (prediction, COLOURS["prediction"])):
        if mask is not None and np.any(mask):
            ax.contour(
                np.asarray(mask, dtype=np.float32),
                levels=[0.5],
                colors=_hex(colour),
                linewidths=1.2,
            )
    drawn = draw_interactions(ax, interactions, z, img.shape)
    ax.set_title(title or "label (cyan) · prediction (amber)", fontsize=9)
    if guidance is not None:
        g = np.asarray(guidance, dtype=np.float32)
        g = g[None] if g.ndim == 2 else g
        for ch, colour in (
            (g[0], COLOURS["positive"]),
            (g[-1] if len(g) > 1 else None, COLOURS["negative"]),
        ):
            if ch is not None and np.any(ch):
                axes[0, 1].imshow(
                    ch,
                    cmap=_colour_map(colour),
                    alpha=0.8,
                    vmin=0,
                    vmax=max(float(ch.max()), 1e-6),
                    interpolation="nearest",
                )
        draw_interactions(axes[0, 1], interactions, z, img.shape)
        axes[0, 1].set_title("guidance signal (foreground lime, background magenta)", fontsize=9)
    fig.tight_layout()
    return fig, drawn
