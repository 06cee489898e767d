"""``iseg bench guidance``: time every click signal against a naive full-volume reference.

The naive references are written independently of the signal code (numpy over the whole
grid, scipy EDT, MONAI full-volume Gaussian filtering, scipy.sparse.csgraph Dijkstra), so
the benchmark also reports how far each signal is from its reference (``max_abs_diff``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from reference_impl.device import resolve_device
from reference_impl.guidance.references import (
    NAIVE,
    NEEDS_DIJKSTRA,
    PARAMS,
    dijkstra_gdt,
    verify_gdt,
)
from reference_impl.interactions import Click

__all__ = [
    "run_benchmark",
    "dijkstra_gdt",
    "verify_gdt",
    "gdt_memory",
    "gdt_vs_dijkstra_64",
    "format_table",
    "format_markdown",
]


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _stats(times: list[float]) -> dict:
    """Median, min and max of a list of wall times (s)."""
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "runs": len(times)}  # fmt: skip


def _paired(
    ours: Callable[[], Any], naive: Callable[[], Any] | None, repeats: int, dev: torch.device
) -> tuple[dict, dict | None, Any, Any]:
    """Both sides warmed up once, then ``repeats`` interleaved runs (ours, naive, ours, ...)."""
    out, ref = ours(), (naive() if naive is not None else None)
    t_ours: list[float] = []
    t_naive: list[float] = []
    for _ in range(repeats):
        for fn, acc in ((ours, t_ours), (naive, t_naive)):
            if fn is None:
                continue
            _sync(dev)
            t0 = time.perf_counter()
            fn()
            _sync(dev)
            acc.append(time.perf_counter() - t0)
    return _stats(t_ours), (_stats(t_naive) if naive is not None else None), out, ref


def _rss_kb() -> int:
    """Current resident set size (kB) from /proc (0 where unavailable)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError, IndexError):
        return 0


def _memory_child(npy: str, shape: Sequence[int], spacing: Sequence[float], n_clicks: int) -> None:
    """Child process of :func:`gdt_memory`: one ``gdt_map`` call, peak RSS over the start."""
    import resource
    import warnings

    from reference_impl.guidance.geodesic import _STATS, gdt_map

    torch.set_num_threads(1)
    img = torch.from_numpy(np.load(npy))
    rng = np.random.default_rng(0)
    clicks = [Click(lab, tuple(int(rng.integers(0, s)) for s in shape))
              for lab in (1, 0) for _ in range(n_clicks)]  # fmt: skip
    before = _rss_kb()
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gdt_map(
            clicks, tuple(shape), image=img, sigma=5.0, theta=10.0, spacing=spacing, device="cpu"
        )
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    print(json.dumps({"seconds": dt, "rss_before_kb": before, "peak_rss_kb": peak,
                      "rounds": _STATS["rounds"],
                      "warnings": [str(w.message) for w in caught]}))  # fmt: skip


def gdt_memory(
    *,
    shape: Sequence[int] = (400, 400, 352),
    spacing: Sequence[float] = (3.0, 2.0, 2.0),
    n_clicks: int = 10,
) -> dict:
    """Peak memory and time of one CPU ``gdt_map`` call (both labels) in a fresh process.

    The phantom is written to a temporary ``.npy`` and loaded by a child process, whose
    peak resident set (``getrusage``) minus its resident set just before the call, divided
    by the voxel count, is the bytes per voxel the call needed (output included).
    """
    import tempfile

    from reference_impl.phantoms import make_phantom

    shape = tuple(int(s) for s in shape)
    with tempfile.TemporaryDirectory() as tmp:
        npy = os.path.join(tmp, "img.npy")
        np.save(npy, make_phantom(shape, spacing=tuple(spacing), rng=0).image.astype(np.float32))
        code = (
            f"from reference_impl.guidance.bench import _memory_child; "
            f"_memory_child({npy!r}, {list(shape)!r}, {list(spacing)!r}, {n_clicks})"
        )
        env = dict(os.environ, OMP_NUM_THREADS="1")
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, env=env)  # fmt: skip
    out = json.loads(res.stdout.strip().splitlines()[-1])
    n = math.prod(shape)
    out.update(
        shape=list(shape),
        voxels=n,
        channels=2,
        torch_threads=1,
        bytes_per_voxel=(out["peak_rss_kb"] - out["rss_before_kb"]) * 1024 / n,
    )
    return out


def gdt_vs_dijkstra_64(*, repeats: int = 3, size: int = 64) -> dict:
    """GDT (λ = 1, 3 seeds) vs scipy Dijkstra on a ``size³`` phantom: error and interleaved times.

    FastGeodis (``FastGeodis.generalised_geodesic3d``, λ = 1, 4 iterations, its default
    use) is timed alongside only when it happens to be installed; it is never a dependency.
    """
    from reference_impl.guidance.geodesic import geodesic_distance_transform
    from reference_impl.phantoms import make_phantom

    shape, sp = (size,) * 3, (3.0, 2.0, 2.0)
    img = make_phantom(shape, spacing=sp, rng=0).image.astype(np.float32)
    seeds = np.zeros(shape, bool)
    seeds.flat[np.random.default_rng(0).integers(0, seeds.size, 3)] = True
    st, it = torch.from_numpy(seeds), torch.from_numpy(img)

    def ours():
        return geodesic_distance_transform(st, it, spacing=sp, lamb=1.0).numpy()

    t_ours, t_dij, got, ref = _paired(
        ours, lambda: dijkstra_gdt(seeds, img.astype(np.float64), sp, 1.0), repeats,
        torch.device("cpu"))  # fmt: skip
    assert t_dij is not None  # the Dijkstra side was given, so it was timed
    out = {"shape": list(shape), "spacing": list(sp), "lamb": 1.0, "ours": t_ours,
           "dijkstra": t_dij, "ratio_dijkstra_over_ours": t_dij["median_s"] / t_ours["median_s"],
           "max_abs_error": float(np.abs(got - ref).max()),
           "max_rel_error": float((np.abs(got - ref) / np.maximum(ref, 1e-12)).max()),
           "max_distance": float(ref.max()), "fastgeodis": None}  # fmt: skip
    try:
        import FastGeodis  # optional: timed only when installed
    except ImportError:
        out["fastgeodis"] = "not installed"
        return out
    fi = it[None, None]
    fm = (~st).float()[None, None]
    t_fg, _, fg, _ = _paired(
        lambda: FastGeodis.generalised_geodesic3d(fi, fm, list(sp), 1e10, 1.0, 4)[0, 0].numpy(),
        None, repeats, torch.device("cpu"))  # fmt: skip
    out["fastgeodis"] = {"version": getattr(FastGeodis, "__version__", None), "times": t_fg,
                         "ratio_fastgeodis_over_ours": t_fg["median_s"] / t_ours["median_s"],
                         "max_abs_diff_vs_dijkstra": float(np.abs(fg - ref).max())}  # fmt: skip
    return out


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    both_inf = np.isinf(a) & np.isinf(b)
    return float(np.abs(np.where(both_inf, 0.0, a - b)).max())


def _machine(dev: torch.device) -> dict:
    info = {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "device": str(dev),
    }
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
        info["gdt_cuda_graphs"] = os.environ.get("ISEG_GDT_CUDA_GRAPHS", "1") != "0"
    try:
        info["git_commit"] = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
            cwd=Path(__file__).parent,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        info["git_commit"] = None
    return info


def run_benchmark(
    *,
    shape: Sequence[int] = (400, 400, 352),
    spacing: Sequence[float] = (3.0, 2.0, 2.0),
    n_clicks: int = 10,
    repeats: int = 3,
    device: str | torch.device | None = None,
    naive_max_voxels: int = 2_500_000,
    rng: np.random.Generator | int | None = 0,
    memory_shape: Sequence[int] | None = (400, 400, 352),
    dijkstra_size: int = 64,
    naive: bool = True,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Time every click signal on a phantom volume vs its naive reference; return a dict.

    ``naive=False`` skips the naive CPU references (their ``naive_s`` and ``max_abs_diff``
    are None): on a GPU run at full size they would take minutes of device time and compare
    devices; the CUDA paths are checked against the CPU paths by the GPU tests instead.
    It also skips the CPU-only GDT-vs-Dijkstra checks.  ``progress`` is called with the
    partial result after each signal (the CLI saves it, so a stopped run keeps those).
    """
    from reference_impl.guidance.registry import get_signal
    from reference_impl.phantoms import make_phantom

    for name, value in (("n_clicks", n_clicks), ("repeats", repeats)):
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    rng = np.random.default_rng(rng)
    dev = resolve_device(device)
    shape, sp = tuple(int(s) for s in shape), tuple(float(s) for s in spacing)
    vol = make_phantom(shape, spacing=sp, rng=rng)
    img = vol.image.astype(np.float32)
    clicks = [Click(lab, tuple(int(rng.integers(0, s)) for s in shape))
              for lab in (1, 0) for _ in range(n_clicks)]  # fmt: skip
    img_t = torch.from_numpy(img).to(dev)
    results: dict[str, dict] = {}
    res = {
        "benchmark": "guidance signals (issue 4)",
        "shape": list(shape),
        "spacing": list(sp),
        "n_clicks_per_label": n_clicks,
        "repeats": repeats,
        "image": "reference_impl.phantoms.make_phantom(shape, spacing, rng=0)",
        "machine": _machine(dev),
        "signals": results,
    }
    # the geodesic signals last, so that a run stopped at a time limit keeps the fast ones
    for key, params in sorted(PARAMS.items(), key=lambda kv: kv[0] in NEEDS_DIJKSTRA):
        name = key.split("[")[0]
        cl, shp, sp_k, im, im_np = clicks, shape, sp, img_t, img
        if name == "location_prior":  # 2D only: the middle axial slice
            z = shape[0] // 2
            cl = [Click(c.label, c.index[1:]) for c in clicks]
            shp, sp_k, im, im_np = shape[1:], sp[1:], img_t[z], img[z]
        kw = dict(params, spacing=None if "compat" in params else sp_k, device=dev)
        if name in ("gdt", "exp_gdt", "adaptive_heatmap", "location_prior"):
            kw["image"] = im
        run_naive = naive and (name not in NEEDS_DIJKSTRA or math.prod(shp) <= naive_max_voxels)
        t_ours, t_naive, out, ref = _paired(
            lambda: get_signal(name)(cl, shp, **kw),  # noqa: B023
            (lambda: NAIVE[key](cl, shp, sp_k, im_np)) if run_naive else None,  # noqa: B023
            repeats, dev)  # fmt: skip
        row = {"params": params, "ours_s": t_ours["median_s"], "ours": t_ours, "naive_s": None,
               "naive": t_naive, "ratio_naive_over_ours": None, "max_abs_diff": None}  # fmt: skip
        if t_naive is not None:
            row.update(naive_s=t_naive["median_s"],
                       ratio_naive_over_ours=t_naive["median_s"] / t_ours["median_s"],
                       max_abs_diff=_max_diff(out.cpu().double().numpy(), ref))  # fmt: skip
        if name in NEEDS_DIJKSTRA:  # sweep rounds of the last call (convergence diagnosis)
            from reference_impl.guidance.geodesic import _STATS

            row["gdt_rounds"] = _STATS["rounds"]
        results[key] = row
        if progress is not None:
            progress(res)
    # CPU-only references of the GDT (Dijkstra): skipped with the naive references
    res["gdt_vs_dijkstra"] = verify_gdt(rng=0) if naive else None
    res["gdt_vs_dijkstra_64"] = (
        gdt_vs_dijkstra_64(repeats=repeats, size=dijkstra_size) if naive else None
    )
    res["gdt_memory"] = None if memory_shape is None else gdt_memory(shape=memory_shape, spacing=sp)
    return res


def format_table(res: dict) -> str:
    """Plain-text table of a :func:`run_benchmark` result."""
    lines = [
        f"{'signal':32s} {'ours ms':>10s} {'naive ms':>10s} {'naive/ours':>10s} {'max|diff|':>10s}"
    ]
    for key, r in res["signals"].items():
        naive = "skipped" if r["naive_s"] is None else f"{1e3 * r['naive_s']:.1f}"
        ratio = "-" if r["ratio_naive_over_ours"] is None else f"{r['ratio_naive_over_ours']:.2f}"
        diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.2e}"
        lines.append(f"{key:32s} {1e3 * r['ours_s']:10.1f} {naive:>10s} {ratio:>10s} {diff:>10s}")
    g = res.get("gdt_vs_dijkstra")
    if g:
        lines.append(f"GDT vs Dijkstra on {g['n_volumes']} random volumes: max abs error "
                     f"{g['max_abs_error']:.2e}, max rel error {g['max_rel_error']:.2e}")  # fmt: skip
    g = res.get("gdt_vs_dijkstra_64")
    if g:
        lines.append(
            f"GDT vs Dijkstra at {g['shape']}: max abs error {g['max_abs_error']:.2e}, "
            f"Dijkstra/ours {g['ratio_dijkstra_over_ours']:.2f}, FastGeodis: "
            f"{g['fastgeodis'] if isinstance(g['fastgeodis'], str) else 'timed'}"
        )
    m = res.get("gdt_memory")
    if m:
        lines.append(
            f"GDT memory at {m['shape']} (2 labels): {m['bytes_per_voxel']:.1f} B/voxel, "
            f"{m['seconds']:.1f} s, {m['rounds']} rounds, warnings {m['warnings']}"
        )
    return "\n".join(lines)


def save(res: dict, out: str | Path) -> Path:
    """Write ``res`` as indented JSON (creating folders, atomically)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    from reference_impl.evaluation.output import write_text

    # atomic: a run stopped mid-write keeps the last complete file
    return write_text(path, json.dumps(res, indent=2) + "\n")


def format_markdown(res: dict) -> str:
    """Markdown table of a :func:`run_benchmark` result (quoted verbatim in docs/guidance.md)."""
    lines = [
        "| signal | ours median (min–max) ms | naive median (min–max) ms | naive / ours "
        "| max abs diff |",
        "|---|---:|---:|---:|---:|",
    ]

    def cell(t: dict | None) -> str:
        if t is None:
            return "skipped"
        return f"{1e3 * t['median_s']:.1f} ({1e3 * t['min_s']:.1f}–{1e3 * t['max_s']:.1f})"

    for key, r in res["signals"].items():
        ratio = "-" if r["ratio_naive_over_ours"] is None else f"{r['ratio_naive_over_ours']:.2f}"
        diff = "-" if r["max_abs_diff"] is None else f"{r['max_abs_diff']:.1e}"
        lines.append(f"| `{key}` | {cell(r['ours'])} | {cell(r['naive'])} | {ratio} | {diff} |")
    return "\n".join(lines)
