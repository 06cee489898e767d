"""``iseg evaluate`` and ``iseg segment`` (thin: the work is in this package's modules).

Nothing heavy is imported here at module level (``iseg --help`` stays fast).
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["register"]


class _Ordered(argparse.Action):
    """Append ``(option, value)`` to one shared list so interactions keep their order."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        items.append((option_string, values))
        setattr(namespace, self.dest, items)


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return v


def _engine_opts(pairs: list[str] | None, *, per_engine: bool) -> dict:
    """``ENGINE:KEY=VALUE`` (or ``KEY=VALUE``) -> options; numbers parsed, else strings."""
    out: dict = {}
    for text in pairs or []:
        head, sep, value = text.partition("=")
        engine, _, key = head.rpartition(":") if per_engine else ("", "", head)
        if not sep or not key or (per_engine and not engine):
            form = "ENGINE:KEY=VALUE" if per_engine else "KEY=VALUE"
            raise ValueError(f"--engine-opt {text!r}: expected {form}")
        for cast in (int, float):
            try:
                parsed: object = cast(value)
                break
            except ValueError:
                parsed = value
        out.setdefault(engine, {})[key] = parsed
    return out if per_engine else out.get("", {})


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``evaluate`` and ``segment``."""
    e = sub.add_parser(
        "evaluate",
        help="evaluate engines with robot users on image/label data (Dice per click, AUC, NoC)",
        description="Every engine side by side with the classical baselines, on held-out "
        "image/label data, in the input's voxel grid (docs/evaluation.md).",
    )
    e.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="DATA",
        help="sample name (ct_spleen, sample:mr_brain1), IMAGE,LABEL, one image with "
        "its label beside it (<case>_seg/_label/_mask), or a folder; repeatable",
    )
    e.add_argument(
        "--label",
        default=None,
        metavar="VALUE|NAME",
        help="class of a multi-class label map (a value, or a name from labels.json)",
    )
    e.add_argument(
        "--engine",
        action="append",
        default=None,
        metavar="NAME",
        help="engine to evaluate; repeatable (default: every registered engine)",
    )
    e.add_argument(
        "--engine-opt",
        action="append",
        default=None,
        metavar="ENGINE:KEY=VALUE",
        help="an engine option, e.g. random-walker:beta=200; repeatable",
    )
    e.add_argument(
        "--user",
        action="append",
        default=None,
        metavar="R1|R2|..",
        help="robot user; repeatable (default R1)",
    )
    e.add_argument("--rounds", type=_positive_int, default=10, help="interaction rounds (10)")
    e.add_argument("--seed", type=int, default=0, help="robot-user seed (0)")
    e.add_argument("--device", default=None, help="cpu or cuda (engines that can use it)")
    e.add_argument(
        "--max-voxels",
        type=_positive_int,
        default=None,
        help="refuse larger volumes before decoding them",
    )
    e.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="new or empty folder (or an earlier iseg evaluate result) for "
        "metrics.json, summary.md and seg/*.nii.gz",
    )
    e.set_defaults(func=_evaluate)

    s = sub.add_parser(
        "segment",
        help="segment an image from clicks/scribbles with an engine",
        description="Segment IMAGE from voxel clicks (z,y,x indices of the numpy array, see "
        "README 'Conventions'), world clicks (RAS mm) or scribbles; writes the mask as "
        "NIfTI with the input's affine.",
    )
    s.add_argument("image", metavar="IMAGE")
    s.add_argument("--engine", default="random-walker", metavar="NAME")
    s.add_argument("--engine-opt", action="append", default=None, metavar="KEY=VALUE")
    s.add_argument(
        "--click",
        dest="interactions",
        action=_Ordered,
        metavar="Z,Y,X[:neg]",
        help="voxel click; repeatable",
    )
    s.add_argument(
        "--click-world",
        dest="interactions",
        action=_Ordered,
        metavar="X,Y,Z[:neg]",
        help="click in RAS millimetres; repeatable (write "
        "--click-world=-12.5,40,7 when the first value is negative)",
    )
    s.add_argument(
        "--clicks-json",
        dest="interactions",
        action=_Ordered,
        metavar="FILE",
        help='[{"index": [z, y, x]} | {"world": [x, y, z]}, "positive": bool]',
    )
    s.add_argument(
        "--scribble",
        dest="interactions",
        action=_Ordered,
        metavar="FILE",
        help='{"points": [[z, y, x], ...], "positive": bool}',
    )
    s.add_argument(
        "--label-for-dice",
        default=None,
        metavar="LABEL",
        help="label file to print the Dice against",
    )
    s.add_argument(
        "--label",
        default=None,
        metavar="VALUE|NAME",
        help="class of a multi-class --label-for-dice map",
    )
    s.add_argument("--device", default=None)
    s.add_argument("--max-voxels", type=_positive_int, default=None)
    s.add_argument("--out", required=True, metavar="FILE.nii.gz")
    s.set_defaults(func=_segment, interactions=None)


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from ..robot_users import get_robot_user
    from .data import resolve_data
    from .harness import evaluate, format_table, load_cases, summarize, usable_engines
    from .output import check_out_dir, finish_out_dir, write_segmentation, write_text

    out = check_out_dir(args.out)
    opts = _engine_opts(args.engine_opt, per_engine=True)
    for name in opts:
        if args.engine is not None and name not in args.engine:
            raise ValueError(f"--engine-opt: engine {name!r} is not evaluated here")
    usable_engines(args.engine, options=opts, device=args.device)  # names and options
    users = list(dict.fromkeys(args.user or ["R1"]))
    for u in users:
        get_robot_user(u)  # ValueError listing the users
    cases = load_cases(resolve_data(args.data, target=args.label), max_voxels=args.max_voxels)
    engines = usable_engines(
        args.engine,
        options=opts,
        device=args.device,
        probe=cases[0],
        warn=lambda m: print(m, file=sys.stderr),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "seg").mkdir(exist_ok=True)
    written: list[str] = []

    def save(r) -> None:
        rec, case = r.record, next(c for c in cases if c.name == r.record["target"])
        rel = f"seg/{rec['target']}__{rec['engine']}__{rec['user']}.nii.gz"
        write_segmentation(r.mask, case.affine, out / rel)
        written.append(rel)
        finish_out_dir(out, written)
        print(
            f"{rec['target']} {rec['engine']} {rec['user']}: Dice@{len(rec['dice']) - 1} "
            f"{rec['dice'][-1]:.3f}",
            file=sys.stderr,
        )

    results = evaluate(
        cases,
        engines,
        users,
        rounds=args.rounds,
        seed=args.seed,
        device=args.device,
        engine_options=opts,
        on_result=save,
    )
    records = [r.record for r in results]
    rows = summarize(records)
    table = format_table(rows)
    report = {
        "data": args.data,
        "label": args.label,
        "engines": engines,
        "users": users,
        "rounds": args.rounds,
        "seed": args.seed,
        "summary": rows,
        "records": records,
    }
    write_text(out / "metrics.json", json.dumps(report, indent=1) + "\n")
    write_text(out / "summary.md", table + "\n")
    finish_out_dir(out, [*written, "metrics.json", "summary.md"])
    print(table)
    print(f"wrote {out / 'metrics.json'}, {out / 'summary.md'} and {len(written)} segmentations")
    return 0


def _segment(args: argparse.Namespace) -> int:
    from ..engines import available_engines
    from .output import check_seg_path, write_segmentation
    from .segment import parse_click, read_clicks_json, read_scribble_json, segment_file

    out = check_seg_path(args.out)
    known = available_engines()
    if args.engine not in known:
        raise ValueError(f"--engine {args.engine!r}: unknown; choose from {', '.join(known)}")
    if args.label is not None and args.label_for_dice is None:
        raise ValueError("--label selects a class of --label-for-dice; give that file too")
    items = []
    for option, value in args.interactions or []:
        if option == "--click":
            items.append(parse_click(value))
        elif option == "--click-world":
            items.append(parse_click(value, world=True, option="--click-world"))
        elif option == "--clicks-json":
            items += read_clicks_json(value)
        else:
            items += read_scribble_json(value)
    res = segment_file(
        args.image,
        items,
        engine=args.engine,
        engine_options=_engine_opts(args.engine_opt, per_engine=False),
        device=args.device,
        label=args.label_for_dice,
        label_target=args.label,
        max_voxels=args.max_voxels,
    )
    write_segmentation(res.mask, res.affine, out)
    dice = "" if res.dice is None else f", Dice {res.dice:.3f}"
    print(
        f"{res.engine}: {res.n_interactions} interactions, {int(res.mask.sum())} voxels, "
        f"{res.seconds:.2f} s{dice}; wrote {out}"
    )
    return 0
