"""The two figures of a run: the Dice curve and an overlay of one slice (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..interactions import Box, Click, Scribble
from ._base import PipelineResult, Trajectory

__all__: list[str] = []


def dice_curve(res: PipelineResult, path: Path, *, title: str) -> None:
    """Mean Dice (bold) and per-volume Dice (thin) against interactions or rounds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.4), dpi=100)
    for c in res.per_volume:
        ax.plot(range(len(c)), c, color="0.7", lw=0.8)
    ax.plot(range(len(res.curve)), res.curve, "o-", color="C0", lw=2, label="mean")
    ax.set_xlabel("active-learning round" if res.curve_kind == "round" else "interactions")
    ax.set_ylabel("Dice")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _slice_index(traj: Trajectory) -> int:
    """The axial slice to show: the last interaction's slice, else the largest label area."""
    last = traj.steps[-1].interactions
    for h in reversed(last):
        if isinstance(h, Click):
            return int(h.index[0])
        if getattr(h, "axis", None) == 0 and hasattr(h, "index"):
            return int(h.index)
    return int(np.argmax(traj.label.reshape(traj.label.shape[0], -1).sum(1)))


def _draw_interactions(ax, interactions: list, z: int) -> None:
    from matplotlib.patches import Rectangle

    for h in interactions:
        if isinstance(h, Click) and int(h.index[0]) == z:
            ax.plot(
                h.index[2],
                h.index[1],
                "+" if h.label else "x",
                ms=9,
                mew=2,
                color="lime" if h.label else "red",
            )
        elif isinstance(h, Scribble):
            pts = np.asarray(h.points)
            pts = pts[pts[:, 0] == z]
            if len(pts):
                ax.plot(pts[:, 2], pts[:, 1], ".", ms=3, color="lime" if h.label else "red")
        elif isinstance(h, Box) and h.lo[0] <= z < h.hi[0]:
            ax.add_patch(
                Rectangle(
                    (h.lo[2] - 0.5, h.lo[1] - 0.5),
                    h.hi[2] - h.lo[2],
                    h.hi[1] - h.lo[1],
                    fill=False,
                    ec="yellow",
                    lw=1.5,
                )
            )


def overlay(traj: Trajectory, path: Path, *, title: str) -> None:
    """Image, label (green contour), final prediction (red contour), interactions and the
    guidance signal (orange: foreground channel, blue: background channel) on one slice."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    step = traj.steps[-1]
    z = _slice_index(traj)
    fig, axes = plt.subplots(1, 2, figsize=(8, 4), dpi=100)
    for ax in axes:
        ax.imshow(traj.image[z], cmap="gray")
        ax.axis("off")
    ax = axes[0]
    if traj.label[z].any():
        ax.contour(traj.label[z], levels=[0.5], colors="lime", linewidths=1.2)
    if step.pred[z].any():
        ax.contour(step.pred[z], levels=[0.5], colors="red", linewidths=1.2)
    _draw_interactions(ax, step.interactions, z)
    ax.set_title(f"slice z={z}: label (green), prediction (red)", fontsize=8)
    g = step.guidance
    if g is not None and g.shape[0] > 0:
        fg = np.ma.masked_equal(g[0][z], 0)
        axes[1].imshow(fg, cmap="Oranges", alpha=0.7, vmin=0, vmax=max(float(g[0].max()), 1e-6))
        if g.shape[0] > 1:
            bg = np.ma.masked_equal(g[-1][z], 0)
            axes[1].imshow(bg, cmap="Blues", alpha=0.6, vmin=0, vmax=max(float(g[-1].max()), 1e-6))
    _draw_interactions(axes[1], step.interactions, z)
    axes[1].set_title("guidance signal (fg orange, bg blue)", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
