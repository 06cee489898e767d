"""``iseg bench scribbles``: scribble expansion (Eq. 36) against ``scipy.ndimage.label``.

The peer is the direct reading of Eq. 36 with scipy: for every scribble point ``p`` the
admissible mask ``|I - I(p)| < T`` is labelled by ``scipy.ndimage.label`` (full ``3^D``
structure) and ``p``'s component joins the union.  Both sides run on the same
``make_phantom`` image and points, warmed up, interleaved, median (min, max); the outputs
must be equal voxel for voxel.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Sequence

import numpy as np

__all__ = ["bench_scribbles", "scipy_expansion"]


def scipy_expansion(points: np.ndarray, image: np.ndarray, threshold: float) -> np.ndarray:
    """Eq. 36 with one ``scipy.ndimage.label`` call per point (the peer, float32 image)."""
    from scipy import ndimage as ndi

    img = image.astype(np.float32)
    structure = np.ones((3,) * img.ndim)
    out = np.zeros(img.shape, bool)
    for p in points:
        lab, _ = ndi.label(np.abs(img - img[tuple(p)]) < np.float32(threshold), structure=structure)
        out |= lab == lab[tuple(p)]
    return out


def bench_scribbles(
    *,
    shape: Sequence[int] = (48, 96, 96),
    n_points: int = 8,
    threshold: float = 0.1,
    repeats: int = 5,
    rng: int = 0,
) -> dict:
    """Time :func:`~reference_impl.guidance.scribble_expansion` against the scipy peer."""
    import torch

    from reference_impl.guidance.scribbles import scribble_expansion
    from reference_impl.interactions import Scribble
    from reference_impl.phantoms import make_phantom

    if int(repeats) < 1 or int(n_points) < 1:
        raise ValueError(f"repeats and n_points must be >= 1, got {repeats!r}, {n_points!r}")
    torch.set_num_threads(1)
    gen = np.random.default_rng(rng)
    shape = tuple(int(s) for s in shape)
    vol = make_phantom(shape, rng=gen)
    img = vol.image.astype(np.float32)
    assert vol.label is not None  # make_phantom always returns a label
    inside = np.argwhere(vol.label > 0)
    pts = inside[gen.choice(len(inside), size=min(n_points, len(inside)), replace=False)]
    scr = [Scribble(1, pts)]

    def ours():
        return scribble_expansion(scr, shape, image=img, threshold=threshold, device="cpu")[0]

    def peer():
        return scipy_expansion(pts, img, threshold)

    a, b = ours().numpy() > 0, peer()
    t_ours: list[float] = []
    t_peer: list[float] = []
    for _ in range(repeats):
        for fn, acc in ((ours, t_ours), (peer, t_peer)):
            t0 = time.perf_counter()
            fn()
            acc.append(time.perf_counter() - t0)

    def stats(t):
        return {"median_s": statistics.median(t), "min_s": min(t), "max_s": max(t), "runs": len(t)}

    from importlib.metadata import version

    return {
        "benchmark": "scribble expansion (Eq. 36) vs scipy.ndimage.label (issue 15)",
        "shape": list(shape), "n_points": len(pts), "threshold": threshold,
        "image": "reference_impl.phantoms.make_phantom(shape, rng=0); points inside the label",
        "repeats": repeats, "ours": stats(t_ours), "scipy_label": stats(t_peer),
        "ratio_ours_over_scipy": statistics.median(t_ours) / statistics.median(t_peer),
        "identical": bool(np.array_equal(a, b)), "region_voxels": int(b.sum()),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "python": platform.python_version(), "numpy": np.__version__,
                    "cc3d": version("connected-components-3d"), "torch_threads": 1},
    }  # fmt: skip
