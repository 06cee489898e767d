"""``iseg bench clicksim``: the Table 9 click-simulation benchmark (thesis §4.2)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

__all__ = ["register"]


def _shape(text: str) -> tuple[int, ...]:
    """Parse ``400,400,352`` into a tuple of ints."""
    try:
        return tuple(int(s) for s in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"shape must look like 400,400,352, got {text!r}"
        ) from None


def _run(args: argparse.Namespace) -> int:
    """Run the benchmark, print a table and write the JSON results."""
    from ..device import resolve_device
    from .bench import bench_clicksim

    device = resolve_device(args.device).type
    res = bench_clicksim(
        args.shape,
        device=device,
        n_cases=args.cases,
        repeats=args.repeats,
        rng=args.seed,
        peers=tuple(args.peers.split(",")),
        verbose=True,
    )
    res["command"] = (
        f"iseg bench clicksim --device {device} --shape "
        f"{','.join(map(str, args.shape))} --cases {args.cases} "
        f"--repeats {args.repeats} --seed {args.seed} --peers {args.peers}"
    )
    out = Path(args.out or f"bench/results/clicksim_{device}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n")
    for section in ("lesions", "scattered"):
        sec = res[section]
        print(f"{section}: ratio = {sec['fastest_peer']} median / variant median")
        print(f"{'variant':<22}{'median s':>10}{'min':>9}{'max':>9}{'ratio':>8}{'same':>6}")
        for name, r in sec["variants"].items():
            same = r["same_click_as_peer_edt_full"]
            print(
                f"{name:<22}{r['median_s']:>10.4f}{r['min_s']:>9.4f}{r['max_s']:>9.4f}"
                f"{r['ratio_fastest_peer_over_this']:>7.2f}x{same:>6.2f}"
            )
    print(f"wrote {out}")
    return 0


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg bench clicksim``."""
    p = bench.add_parser("clicksim", help="time the Table 9 EDT click-simulation variants")
    p.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    p.add_argument(
        "--shape",
        type=_shape,
        default=(400, 400, 352),
        help="volume shape z,y,x (default 400,400,352, the autoPET mean)",
    )
    p.add_argument("--cases", type=int, default=3, help="number of phantoms")
    p.add_argument("--repeats", type=int, default=3, help="clicks per phantom and variant")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--peers",
        default="scipy,edt",
        help="full-volume peers, comma-separated from scipy,edt (edt always: the exact click)",
    )
    p.add_argument(
        "--out", default=None, help="JSON path (default bench/results/clicksim_<device>.json)"
    )
    p.set_defaults(func=_run)
