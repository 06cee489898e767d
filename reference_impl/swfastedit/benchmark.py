"""Benchmark of SW-FastEdit inference: first prediction, corrective clicks, global inference.

For each volume size it measures, in one run and with one randomly initialised network:
the first sliding-window prediction (all windows, ``sw_batch_size`` per pass, CPU
stitching), global (DeepEdit) inference of the whole volume, the corrective-click latency
of local inference (guidance update + affected windows + stitch update) and of the naive
corrective click that re-runs every window (what the public SW-FastEdit code does; both
predictors warmed up on the volume, then timed click by click, interleaved; medians with
min and max), with forward-window counts, ratios, and on CUDA the peak device memory of each phase
(``torch.cuda.max_memory_allocated``).  Absolute times are only meaningful on a GPU.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable, Sequence
from typing import TypedDict

import numpy as np
import torch

from ..interactions import Click
from .inference import SWFastEditPredictor
from .model import UNetConfig, build_network, count_parameters, required_divisor

__all__ = ["run_benchmark", "DEFAULTS"]


class _DeviceDefaults(TypedDict):
    """Default benchmark sizes, window, network width and click count of one device type."""

    sizes: list[tuple[int, int, int]]
    roi: tuple[int, int, int]
    width: int
    clicks: int


DEFAULTS: dict[str, _DeviceDefaults] = {
    "cpu": {
        "sizes": [(64, 96, 96), (96, 128, 128), (128, 160, 160)],
        "roi": (32, 32, 32),
        "width": 4,
        "clicks": 5,
    },
    "cuda": {
        "sizes": [(400, 400, 352), (512, 512, 400), (640, 640, 640), (800, 800, 780)],
        "roi": (128, 128, 128),
        "width": 16,
        "clicks": 20,
    },
}


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _peak_reset(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)


def _peak_gib(dev: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(dev) / 2**30 if dev.type == "cuda" else None


def _timed(fn, dev):
    _sync(dev)
    t = time.perf_counter()
    out = fn()
    _sync(dev)
    return out, time.perf_counter() - t


def _machine(dev: torch.device) -> str:
    if dev.type == "cuda":
        return torch.cuda.get_device_name(dev)
    return (
        f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} torch threads"
    )


def _one_size(
    net, shape, *, roi, dev, clicks, sw_batch_size, amp, divisor, rng, naive, naive_clicks
) -> dict:
    img = rng.standard_normal(shape).astype(np.float32)
    row: dict = {"shape": list(shape), "voxels": int(np.prod(shape))}
    sw = SWFastEditPredictor(
        net, roi_size=roi, sw_batch_size=sw_batch_size, device=dev, amp=amp, divisor=divisor
    )
    sw.set_volume(img)
    _peak_reset(dev)
    first, row["first_s"] = _timed(lambda: sw.predict([], copy=False), dev)
    row["first_peak_gib"], row["windows_total"] = _peak_gib(dev), first.windows
    sw_naive = None
    # the naive predictor: warmed up on the same volume, then timed click by click, interleaved
    if naive and naive_clicks > 0:
        sw_naive = SWFastEditPredictor(
            net,
            roi_size=roi,
            sw_batch_size=sw_batch_size,
            device=dev,
            amp=amp,
            divisor=divisor,
            local=False,
        )
        sw_naive.set_volume(img)
        sw_naive.predict([], copy=False)
    cl: list[Click] = []
    lat, wins, lat_naive = [], [], []
    _peak_reset(dev)
    for k in range(clicks):
        cl = cl + [Click(int(rng.integers(2)), tuple(int(rng.integers(s)) for s in shape))]
        out, dt = _timed(lambda c=cl: sw.predict(c, copy=False), dev)
        lat.append(dt)
        wins.append(out.windows)
        if sw_naive is not None and k < naive_clicks:
            lat_naive.append(_timed(lambda c=cl: sw_naive.predict(c, copy=False), dev)[1])
    row["corrective_peak_gib"] = _peak_gib(dev)
    row["corrective_median_s"], row["corrective_windows_mean"] = (
        statistics.median(lat),
        float(np.mean(wins)),
    )
    row["corrective_min_s"], row["corrective_max_s"] = min(lat), max(lat)
    if sw_naive is not None:
        row["naive_clicks"] = len(lat_naive)
        row["naive_corrective_s"] = statistics.median(lat_naive)
        row["naive_corrective_min_s"], row["naive_corrective_max_s"] = (
            min(lat_naive),
            max(lat_naive),
        )
        row["speedup_local_vs_naive"] = row["naive_corrective_s"] / row["corrective_median_s"]
        sw_naive.reset()
    sw.reset()  # free the host-side state before the global pass
    glob = SWFastEditPredictor(
        net, inference="global", roi_size=roi, device=dev, amp=amp, divisor=divisor
    )
    glob.set_volume(img)
    _peak_reset(dev)
    try:
        _, row["global_s"] = _timed(lambda: glob.predict([], copy=False), dev)
        row["global_peak_gib"] = _peak_gib(dev)
        row["first_vs_global_time_ratio"] = row["first_s"] / row["global_s"]
    except torch.OutOfMemoryError:
        row["global_s"], row["global_peak_gib"] = "oom", None
    except RuntimeError as exc:  # e.g. cuDNN refusing tensors past 2**31 elements
        row["global_s"], row["global_peak_gib"] = f"failed: {str(exc).splitlines()[0]}", None
    glob.reset()
    row["corrective_vs_first_time_ratio"] = row["corrective_median_s"] / row["first_s"]
    return row


def run_benchmark(
    *,
    device: str = "cpu",
    sizes: Sequence[Sequence[int]] | None = None,
    roi_size: Sequence[int] | None = None,
    width: int | None = None,
    levels: int = 6,
    clicks: int | None = None,
    sw_batch_size: int = 4,
    amp: bool = False,
    naive: bool = True,
    naive_clicks: int | None = None,
    seed: int = 0,
    progress: Callable[[dict], None] | None = None,
) -> dict:
    """Run the benchmark; returns a JSON-serialisable dict (see the module docstring).

    ``naive_clicks`` times the naive (all-window) corrective click on the first N clicks
    only (default: every click); each naive click costs a full first prediction, minutes of
    device time at 500 M voxels.  ``progress`` is called with the partial result after
    each size (the CLI writes the JSON then, so a run stopped at its time limit keeps the
    sizes it finished).
    """
    from ..device import resolve_device

    dev = resolve_device(device)
    d = DEFAULTS[dev.type]
    sizes = [tuple(int(v) for v in s) for s in (sizes or d["sizes"])]
    roi = tuple(int(r) for r in (roi_size or d["roi"]))
    cfg = UNetConfig(width=width or d["width"], levels=levels)
    with torch.random.fork_rng(devices=[]):  # seeded weights, global RNG untouched
        torch.manual_seed(seed)
        net = build_network(cfg).to(dev).eval()
    rng = np.random.default_rng(seed)
    warm = SWFastEditPredictor(
        net, roi_size=roi, device=dev, amp=amp, divisor=required_divisor(cfg)
    )  # warm-up (cudnn, allocator)
    warm.set_volume(rng.standard_normal(roi).astype(np.float32))
    warm.predict([], copy=False)
    rows: list[dict] = []
    res = {
        "machine": _machine(dev),
        "device": dev.type,
        "torch": torch.__version__,
        "network": {**cfg.to_dict(), "parameters": count_parameters(net)},
        "roi_size": list(roi),
        "overlap": 0.25,
        "sw_batch_size": sw_batch_size,
        "amp_bf16": amp,
        "cudnn_tf32": bool(torch.backends.cudnn.allow_tf32) if dev.type == "cuda" else None,
        "note": "times in seconds; ratios are within this run; absolute CPU times are not "
        "meaningful for GPU deployment",
        "results": rows,
    }
    n_clicks = clicks or d["clicks"]
    for s in sizes:
        rows.append(
            _one_size(
                net,
                s,
                roi=roi,
                dev=dev,
                clicks=n_clicks,
                sw_batch_size=sw_batch_size,
                amp=amp,
                divisor=required_divisor(cfg),
                rng=rng,
                naive=naive,
                naive_clicks=n_clicks if naive_clicks is None else naive_clicks,
            )
        )
        if progress is not None:
            progress(res)
    return res
