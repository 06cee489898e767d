"""``iseg bench guidance``: benchmark every click guidance signal (issue 4)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def _ints(text: str) -> tuple[int, ...]:
    try:
        vals = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if len(vals) != 3 or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected 3 positive sizes z,y,x, got {text!r}")
    return vals


def _floats(text: str) -> tuple[float, ...]:
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None
    if len(vals) != 3 or min(vals) <= 0:
        raise argparse.ArgumentTypeError(f"expected 3 positive spacings z,y,x, got {text!r}")
    return vals


def _out(args: argparse.Namespace, dev) -> Path:
    return Path(args.out or Path("bench") / "results" / f"guidance_{dev.type}.json")


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces ``args``."""
    return (
        f"iseg bench guidance --device {args.device} --shape {','.join(map(str, args.shape))} "
        f"--spacing {','.join(map(str, args.spacing))} --clicks {args.clicks} "
        f"--repeats {args.repeats} --memory-shape {args.memory_shape}"
        + (f" --threads {args.threads}" if args.threads else "")
        + (" --no-naive" if args.no_naive else "")
    )


def _saver(args: argparse.Namespace, dev):
    """Progress callback: print the last signal's median and save the partial result."""
    from reference_impl.guidance.bench import save

    def progress(res: dict) -> None:
        key, row = list(res["signals"].items())[-1]
        print(f"{key}: {1e3 * row['ours_s']:.1f} ms", flush=True)
        res["command"] = _command(args)
        save(res, _out(args, dev))

    return progress


def _bench(args: argparse.Namespace) -> int:
    import torch

    from reference_impl.device import resolve_device
    from reference_impl.guidance.bench import format_table, run_benchmark, save

    for flag, value in (("--clicks", args.clicks), ("--repeats", args.repeats)):
        if value < 1:
            raise ValueError(f"{flag} must be >= 1, got {value}")
    dev = resolve_device(args.device)
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
    res = run_benchmark(
        shape=args.shape, spacing=args.spacing, n_clicks=args.clicks, repeats=args.repeats,
        device=dev, naive_max_voxels=args.naive_max_voxels,
        memory_shape=None if args.memory_shape == "none" else _ints(args.memory_shape),
        naive=not args.no_naive, progress=_saver(args, dev),
    )  # fmt: skip
    res["command"] = _command(args)
    print(format_table(res))
    print(f"saved {save(res, _out(args, dev))}")
    return 0


def _bench_gdt_memory(args: argparse.Namespace) -> int:
    import json

    import torch

    from reference_impl.guidance.bench import _machine, gdt_memory

    res = gdt_memory(shape=args.shape, spacing=args.spacing, n_clicks=args.clicks)
    res["machine"] = _machine(torch.device("cpu"))
    res["command"] = (
        f"iseg bench gdt-memory --shape {','.join(map(str, args.shape))} "
        f"--spacing {','.join(map(str, args.spacing))} --clicks {args.clicks}"
    )
    from reference_impl.evaluation.output import write_text

    out = args.out or Path("bench") / "results" / "gdt_memory_cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(res, indent=2) + "\n")
    print(
        f"GDT at {res['shape']} (2 labels): {res['bytes_per_voxel']:.1f} B/voxel peak, "
        f"{res['seconds']:.1f} s, {res['rounds']} rounds, warnings {res['warnings']}"
    )
    print(f"saved {out}")
    return 0


def _bench_scribbles(args: argparse.Namespace) -> int:
    import json

    from reference_impl.guidance.bench_scribbles import bench_scribbles

    if args.repeats < 1 or args.points < 1:
        raise ValueError(f"--repeats and --points must be >= 1, got {args.repeats}, {args.points}")
    res = bench_scribbles(
        shape=args.shape, n_points=args.points, threshold=args.threshold, repeats=args.repeats
    )
    res["command"] = (
        f"iseg bench scribbles --shape {','.join(map(str, args.shape))} "
        f"--points {args.points} --threshold {args.threshold} "
        f"--repeats {args.repeats}"
    )
    from reference_impl.evaluation.output import write_text

    out = args.out or Path("bench") / "results" / "scribbles_cpu.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text(out, json.dumps(res, indent=2) + "\n")
    print(
        f"ours {res['ours']['median_s']:.4f} s, scipy.ndimage.label {res['scipy_label']['median_s']:.4f}"
        f" s (medians): ours/scipy {res['ratio_ours_over_scipy']:.2f}, identical {res['identical']}"
    )
    print(f"saved {out}")
    return 0


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg bench guidance``."""
    p = bench.add_parser(
        "guidance",
        help="time every click guidance signal vs a naive full-volume reference",
        description="Computes every click signal for N foreground + N background clicks on a "
        "phantom volume and compares with a naive full-volume scipy/numpy reference "
        "(time ratio and max |difference|); writes bench/results/guidance_<device>.json.",
    )
    p.add_argument("--device", default="auto", choices=["auto", "cuda", "cpu"])
    p.add_argument(
        "--shape", type=_ints, default=(400, 400, 352), help="z,y,x (default autoPET mean)"
    )
    p.add_argument("--spacing", type=_floats, default=(3.0, 2.0, 2.0), help="z,y,x in mm")
    p.add_argument("--clicks", type=int, default=10, help="clicks per label (default 10)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per signal (median)")
    p.add_argument("--naive-max-voxels", type=int, default=2_500_000,
                   help="skip the Dijkstra references above this many voxels")  # fmt: skip
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's choice)")  # fmt: skip
    p.add_argument("--no-naive", action="store_true",
                   help="skip the naive CPU references (GPU runs at full size)")  # fmt: skip
    p.add_argument(
        "--memory-shape",
        default="400,400,352",
        help="shape of the CPU GDT peak-memory run in a child process, or 'none'",
    )
    p.add_argument("--out", type=Path, default=None, help="JSON path (default bench/results/...)")
    p.set_defaults(func=_bench)
    q = bench.add_parser(
        "scribbles", help="time scribble expansion (Eq. 36) vs scipy.ndimage.label"
    )
    q.add_argument("--shape", type=_ints, default=(48, 96, 96), help="z,y,x")
    q.add_argument("--points", type=int, default=8, help="scribble points (default 8)")
    q.add_argument("--threshold", type=float, default=0.1, help="T of Eq. 36")
    q.add_argument("--repeats", type=int, default=5, help="interleaved timed runs")
    q.add_argument(
        "--out", type=Path, default=None, help="JSON (default bench/results/scribbles_cpu.json)"
    )
    q.set_defaults(func=_bench_scribbles)
    g = bench.add_parser("gdt-memory", help="peak memory and time of one CPU gdt_map call")
    g.add_argument("--shape", type=_ints, default=(400, 400, 352), help="z,y,x")
    g.add_argument("--spacing", type=_floats, default=(3.0, 2.0, 2.0), help="z,y,x in mm")
    g.add_argument("--clicks", type=int, default=10, help="clicks per label")
    g.add_argument(
        "--out", type=Path, default=None, help="JSON (default bench/results/gdt_memory_cpu.json)"
    )
    g.set_defaults(func=_bench_gdt_memory)
