"""Where one SW-FastEdit corrective click spends its time: ``torch.profiler`` over N clicks.

docs/gpu.md: on the H200 a corrective click took 66–81 ms (goal 10 ms) and bf16 barely
changed it, so the split between host work, copies and kernels is the open question.  This
profiles ``--clicks`` corrective clicks (after a first prediction and one warm-up click) of the
benchmark's network on a random volume and writes the top operators by self device time and by
self CPU time, with the wall time per click, to ``bench/results/swfastedit_profile_<device>.json``.

    python bench/swfastedit_profile.py --device cuda                    # 400x400x352, width 16
    python bench/swfastedit_profile.py --device cpu --shape 96,128,128 --roi 32 --width 4
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from reference_impl.evaluation.output import write_text  # noqa: E402
from reference_impl.interactions import Click  # noqa: E402
from reference_impl.swfastedit.inference import SWFastEditPredictor  # noqa: E402
from reference_impl.swfastedit.model import UNetConfig, build_network, required_divisor  # noqa: E402


def _ints(text: str) -> tuple[int, ...]:
    vals = tuple(int(v) for v in text.split(","))
    return vals * 3 if len(vals) == 1 else vals


def _top(rows, key: str, n: int) -> list[dict]:
    out = []
    for e in sorted(rows, key=lambda e: getattr(e, key), reverse=True)[:n]:
        out.append(
            {
                "name": e.key,
                "calls": e.count,
                "self_device_ms": getattr(e, "self_device_time_total", 0.0) / 1e3,
                "self_cpu_ms": e.self_cpu_time_total / 1e3,
            }
        )
    return out


def run(shape, roi, width, clicks, device, amp, top) -> dict:
    from torch.profiler import ProfilerActivity, profile

    dev = torch.device(device)
    cfg = UNetConfig(width=width, levels=6)
    torch.manual_seed(0)
    net = build_network(cfg).to(dev).eval()
    rng = np.random.default_rng(0)
    img = rng.standard_normal(shape).astype(np.float32)
    sw = SWFastEditPredictor(net, roi_size=roi, sw_batch_size=4, device=dev, amp=amp,
                             divisor=required_divisor(cfg))  # fmt: skip
    sw.set_volume(img)
    sw.predict([], copy=False)
    cl = [Click(1, tuple(s // 2 for s in shape))]
    sw.predict(cl, copy=False)  # warm-up click
    acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if dev.type == "cuda" else [])
    walls = []
    with profile(activities=acts) as prof:
        for _ in range(clicks):
            cl = cl + [Click(int(rng.integers(2)), tuple(int(rng.integers(s)) for s in shape))]
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            t0 = time.perf_counter()
            sw.predict(cl, copy=False)
            if dev.type == "cuda":
                torch.cuda.synchronize(dev)
            walls.append(time.perf_counter() - t0)
    rows = prof.key_averages()
    return {
        "benchmark": "SW-FastEdit corrective-click profile (torch.profiler)",
        "device": dev.type,
        "gpu": torch.cuda.get_device_name(dev) if dev.type == "cuda" else None,
        "torch": torch.__version__,
        "shape": list(shape),
        "roi": list(roi),
        "width": width,
        "amp_bf16": amp,
        "clicks": clicks,
        "wall_ms_per_click": [1e3 * w for w in walls],
        "total_self_cpu_ms": sum(e.self_cpu_time_total for e in rows) / 1e3,
        "total_self_device_ms": sum(getattr(e, "self_device_time_total", 0.0) for e in rows) / 1e3,
        "top_by_self_device": _top(rows, "self_device_time_total", top)
        if dev.type == "cuda"
        else [],
        "top_by_self_cpu": _top(rows, "self_cpu_time_total", top),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    p.add_argument("--shape", type=_ints, default=(400, 400, 352))
    p.add_argument("--roi", type=_ints, default=(128, 128, 128))
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--clicks", type=int, default=5)
    p.add_argument("--amp", action="store_true")
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda needs CUDA", file=sys.stderr)
        return 2
    if args.clicks < 1 or len(args.shape) != 3 or len(args.roi) != 3:
        print("error: --clicks >= 1 and 3-D --shape/--roi expected", file=sys.stderr)
        return 2
    res = run(args.shape, args.roi, args.width, args.clicks, args.device, args.amp, args.top)
    res["command"] = "python bench/swfastedit_profile.py " + " ".join(argv or sys.argv[1:])
    out = args.out or ROOT / "bench" / "results" / f"swfastedit_profile_{args.device}.json"
    write_text(out, json.dumps(res, indent=1) + "\n")
    print(json.dumps({k: res[k] for k in ("wall_ms_per_click", "total_self_cpu_ms")}))
    for r in res["top_by_self_device"] or res["top_by_self_cpu"]:
        print(r)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
