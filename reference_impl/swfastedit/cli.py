"""``iseg train``, ``iseg evaluate`` and ``iseg bench swfastedit`` (SW-FastEdit, thesis §4.1)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def _ints(text: str) -> tuple[int, ...]:
    """Parse ``"32"`` or ``"32,64,64"`` into a tuple (one value means isotropic 3D)."""
    try:
        vals = tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected integers like 32 or 32,64,64, got {text!r}"
        ) from None
    if len(vals) == 1:
        vals = vals * 3
    if len(vals) != 3 or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or 3 positive integers, got {text!r}")
    return vals


def _range(text: str) -> tuple[int, int]:
    """Parse an inclusive ``"min,max"`` integer range."""
    try:
        lo, hi = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected min,max integers, got {text!r}") from None
    if not 0 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"expected 0 <= min <= max, got {text!r}")
    return lo, hi


def _floats2(text: str) -> tuple[float, float]:
    """Parse a ``"min,max"`` float range with ``0 < min <= max``."""
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected min,max numbers, got {text!r}") from None
    if not 0 < lo <= hi:
        raise argparse.ArgumentTypeError(f"expected 0 < min <= max, got {text!r}")
    return lo, hi


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``train``, ``evaluate`` and ``bench swfastedit``."""
    p = sub.add_parser("train", help="train SW-FastEdit with simulated clicks (thesis §4.1.2)")
    p.add_argument(
        "--data",
        required=True,
        help="'synthetic', 'sample:<case>[,<case>]', or a folder of image/label pairs",
    )
    p.add_argument("--out", required=True, help="checkpoint folder (last.pt, model.pt)")
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--pretrain-epochs", type=int, default=0, help="non-interactive epochs first")
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--crop-size", type=_ints, default=(224, 224, 224))
    p.add_argument("--roi-size", type=_ints, default=(128, 128, 128))
    p.add_argument("--width", type=int, default=32, help="filters of the first U-Net level")
    p.add_argument("--levels", type=int, default=6)
    p.add_argument("--n-iterations", type=int, default=10, help="click rounds N per sample")
    p.add_argument("--iterations", choices=["fixed", "random"], default="fixed")
    p.add_argument("--robot-user", default="R4", help="R1..R5 (default R4, uniform in the error)")
    p.add_argument("--dice-stop", type=float, default=None, help="stop clicking at this Dice")
    p.add_argument("--n-synthetic", type=int, default=16)
    p.add_argument("--synthetic-shape", type=_ints, default=(32, 64, 64))
    p.add_argument("--synthetic-lesions", type=_range, default=(1, 2), help="min,max lesions")
    p.add_argument(
        "--synthetic-distractors", type=_range, default=(2, 4), help="min,max distractor blobs"
    )
    p.add_argument(
        "--synthetic-body",
        type=float,
        default=0.0,
        help="probability of a phantom in a body with dark air around it (CT-like)",
    )
    p.add_argument(
        "--synthetic-contrast",
        type=_floats2,
        default=(0.5, 1.5),
        help="min,max object contrast (noise sd 0.25)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", default=None, help="last.pt to continue from")
    p.add_argument("--device", default=None)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.set_defaults(func=_train)

    b = bench.add_parser("swfastedit", help="first-prediction / corrective-click benchmark")
    b.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    b.add_argument("--sizes", type=_ints, nargs="*", default=None, help="volume shapes z,y,x")
    b.add_argument("--roi-size", type=_ints, default=None)
    b.add_argument("--width", type=int, default=None)
    b.add_argument("--levels", type=int, default=6)
    b.add_argument("--clicks", type=int, default=None)
    b.add_argument(
        "--naive-clicks",
        type=int,
        default=None,
        help="time the naive all-window click on the first N clicks only (default: all)",
    )
    b.add_argument("--sw-batch-size", type=int, default=4)
    b.add_argument("--amp", action="store_true", help="bf16 autocast (CUDA)")
    b.add_argument("--out", default=None, help="default bench/results/swfastedit_<device>.json")
    b.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    b.set_defaults(func=_bench)


def _set_threads(args: argparse.Namespace) -> None:
    import torch

    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)


def _train(args: argparse.Namespace) -> int:
    _set_threads(args)
    from .data import load_dataset
    from .model import UNetConfig
    from .training import TrainConfig, train

    if not 0 <= args.synthetic_body <= 1:
        raise ValueError(f"--synthetic-body must be in [0, 1], got {args.synthetic_body}")
    vols = load_dataset(
        args.data,
        n_synthetic=args.n_synthetic,
        shape=args.synthetic_shape,
        lesions=args.synthetic_lesions,
        distractors=args.synthetic_distractors,
        body=args.synthetic_body,
        contrast=args.synthetic_contrast,
        rng=args.seed,
    )
    cfg = TrainConfig(
        epochs=args.epochs,
        pretrain_epochs=args.pretrain_epochs,
        lr=args.lr,
        crop_size=args.crop_size,
        roi_size=args.roi_size,
        n_iterations=args.n_iterations,
        iterations=args.iterations,
        robot_user=args.robot_user,
        dice_stop=args.dice_stop,
        seed=args.seed,
        net=UNetConfig(width=args.width, levels=args.levels).to_dict(),
    )
    meta = train(vols, cfg, out_dir=args.out, resume=args.resume, device=args.device)
    if meta.get("finished_before"):
        print(
            f"{args.resume}: already finished after {meta.get('epoch', 0)} epochs; nothing written"
        )
        return 0
    print(f"wrote {Path(args.out) / 'model.pt'} ({meta.get('epoch', 0)} epochs)")
    return 0


def _bench_command(args: argparse.Namespace) -> str:
    """The ``iseg bench swfastedit`` command line that reproduces ``args``."""
    parts = ["iseg bench swfastedit", f"--device {args.device}"]
    if args.sizes:
        parts.append("--sizes " + " ".join(",".join(map(str, s)) for s in args.sizes))
    for flag, value in (("--roi-size", args.roi_size), ("--width", args.width),
                        ("--levels", args.levels), ("--clicks", args.clicks),
                        ("--naive-clicks", args.naive_clicks),
                        ("--sw-batch-size", args.sw_batch_size)):  # fmt: skip
        if value is not None:
            parts.append(
                f"{flag} {','.join(map(str, value)) if isinstance(value, tuple) else value}"
            )
    if args.amp:
        parts.append("--amp")
    return " ".join(parts)


def _bench(args: argparse.Namespace) -> int:
    _set_threads(args)
    from ..evaluation.output import write_text
    from .benchmark import run_benchmark

    out = Path(args.out or f"bench/results/swfastedit_{args.device}.json")
    out.parent.mkdir(parents=True, exist_ok=True)

    def write(res: dict) -> None:
        res["command"] = _bench_command(args)
        write_text(out, json.dumps(res, indent=1))

    res = run_benchmark(
        device=args.device,
        sizes=args.sizes,
        roi_size=args.roi_size,
        width=args.width,
        levels=args.levels,
        clicks=args.clicks,
        sw_batch_size=args.sw_batch_size,
        amp=args.amp,
        naive_clicks=args.naive_clicks,
        progress=write,
    )
    write(res)
    for r in res["results"]:
        print(
            json.dumps(
                {
                    k: r[k]
                    for k in (
                        "shape",
                        "windows_total",
                        "first_s",
                        "global_s",
                        "corrective_median_s",
                        "corrective_windows_mean",
                    )
                }
            )
        )
    print(f"wrote {out}")
    return 0
