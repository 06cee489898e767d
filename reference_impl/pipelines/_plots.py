"""The two figures of a run: the Dice curve and an overlay of one slice (matplotlib, Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..interactions import Click
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


def overlay(traj: Trajectory, path: Path, *, title: str) -> None:
    """One slice (the last interaction's) with label, final prediction, interactions and the
    guidance signal: :func:`reference_impl.plotting.slice_figure`, the app's figure."""
    import matplotlib.pyplot as plt

    from ..plotting import slice_figure

    step = traj.steps[-1]
    z = _slice_index(traj)
    g = step.guidance
    fig, _ = slice_figure(
        traj.image[z],
        label=traj.label[z],
        prediction=step.pred[z],
        interactions=step.interactions,
        z=z,
        guidance=None if g is None or g.shape[0] == 0 else np.asarray(g)[:, z],
        title=f"slice z={z}: label (cyan) · prediction (amber)",
    )
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
