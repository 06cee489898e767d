"""Organ-level cross-validation of the shipped model's *training recipe* (issue 11).

Why: the held-out table of ``bench/realdata.py`` has been looked at while the recipe was
designed (docs/evaluation.md, "How we got here"), so it no longer measures the recipe
cleanly.  Here the recipe is frozen as committed (``train_shipped`` defaults) and scored on
targets nobody has scored before: the 25 CT organs the shipped model *fits*, split into
the four anatomical folds of :data:`FOLDS` (fixed in this file before any run; mirror twins
and neighbours share a fold, all twelve ribs are one fold).  For each fold a fresh model is
fitted on the same interaction states as the shipped model minus the fold's organs
(phase 1 of :mod:`reference_impl.swfastedit.train_shipped` runs once, its states are
filtered per fold), its step is chosen on the usual validation organs, and it is then
scored on the fold's organs through the evaluation harness (robot users R1 and R4, 10
rounds), beside the random walker and the ball floor fed the same clicks.  The geodesic
baseline was added after the first run (``--add-baseline geodesic``).

Caveats, stated in docs: the folds share one CT volume (and one patient) with the fitted
organs; the validation organs that choose each fold's step include mirror twins of some
fold organs (autochthon, iliopsoas, lower lung lobe); a fold model fits fewer organs than
the shipped one (13 for the rib fold).

    python bench/organ_cv.py           # about 40 min on 2 cores

Writes ``bench/results/organ_cv_cpu.json`` (the protocol, per-fold training metadata, and
records in ``bench/realdata.py``'s format with ``engine`` ``shipped-recipe`` for the fold
models) and the tables of ``docs/evaluation.md`` between the ``organ-cv-table`` markers.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from realdata import ROOT, tables, write_section  # bench/ is on sys.path as a script

OUT = ROOT / "bench" / "results" / "organ_cv_cpu.json"
BEGIN, END = "<!-- organ-cv-table -->", "<!-- /organ-cv-table -->"
USERS = ("R1", "R4")
BASELINES = ("random-walker", "ball-floor")
#: The classical engines (no training, deterministic) whose records ``--model-only`` copies;
#: geodesic joined the first run afterwards (``--add-baseline``).
CLASSICAL = (*BASELINES, "geodesic")
ENGINE = "shipped-recipe"
#: ``--blend W``: each fold model, blended with the random walker (``bench/blend_checkpoint.py``).
BLEND_ENGINE = "shipped-recipe-blend"

#: The folds, fixed before any run: every fitted CT organ of the shipped model exactly once.
FOLDS: dict[str, tuple[str, ...]] = {
    "ribs": tuple(f"rib_{s}_{k}" for s in ("left", "right") for k in range(7, 13)),
    "spine": ("vertebrae_L2", "vertebrae_T12", "vertebrae_T11", "spinal_cord", "costal_cartilages"),
    "abdomen": (
        "adrenal_gland_right",
        "adrenal_gland_left",
        "portal_vein_and_splenic_vein",
        "small_bowel",
    ),
    "thorax-muscle": (
        "lung_upper_lobe_left",
        "lung_lower_lobe_left",
        "autochthon_right",
        "iliopsoas_right",
    ),
}


def paired(records: list[dict], user: str, a: str = ENGINE, b: str = "random-walker") -> dict:
    """Dice@10 of ``a`` against ``b`` per target: means, wins, and a bootstrap 95 % interval
    of the mean difference (10,000 resamples of the targets, seeded)."""
    by = {(r["target"], r["engine"]): r["dice"][-1] for r in records if r["user"] == user}
    names = sorted({t for t, e in by if e == a and (t, b) in by})
    if not names:
        return {"n": 0}
    d = np.array([by[t, a] - by[t, b] for t in names])
    rng = np.random.default_rng(0)
    boot = d[rng.integers(0, len(d), (10_000, len(d)))].mean(axis=1)
    return {
        "n": len(names),
        f"mean_{a}": float(np.mean([by[t, a] for t in names])),
        f"mean_{b}": float(np.mean([by[t, b] for t in names])),
        "wins": int((d > 0).sum()),
        "mean_difference": float(d.mean()),
        "ci95": [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))],
    }


def paired_cells(p: dict, a: str = ENGINE, b: str = "random-walker") -> str:
    """The Markdown cells ``targets | mean a | mean b | wins | difference (95 % interval) |``
    of a :func:`paired` result (``p["n"] > 0``)."""
    lo, hi = p["ci95"]
    return (
        f"{p['n']} | {p[f'mean_{a}']:.3f} | {p[f'mean_{b}']:.3f} | {p['wins']}/{p['n']} "
        f"| {p['mean_difference']:+.3f} ({lo:+.3f}, {hi:+.3f}) |"
    )


def report(result: dict) -> str:
    """Markdown: the paired summary per fold model (unblended, and blended where scored),
    user and fold, then :func:`realdata.tables`."""
    recs = result["records"]
    out = [
        "| fold model | user | fold | targets | model Dice@10 | random-walker Dice@10 | wins "
        "| mean difference (95 % bootstrap) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for engine in (ENGINE, BLEND_ENGINE):
        for user in USERS:
            for fold in [*FOLDS, "all"]:
                rs = [r for r in recs if fold == "all" or r.get("fold") == fold]
                ts = {r["target"] for r in rs if r["engine"] == engine}
                p = paired([r for r in recs if r["target"] in ts], user, a=engine)
                if not p["n"]:
                    continue
                out.append(f"| {engine} | {user} | {fold} | {paired_cells(p, engine)}")
    folds = ["", "| fold | organs | fitted CT organs | best step | validation Dice |"]
    folds.append("|---|---|---|---|---|")
    for f in result["folds"]:
        folds.append(
            f"| {f['fold']} | {', '.join(f['organs'])} | {len(f['trained_ct_organs'])} "
            f"| {f['best_step']} | {f['val_dice']:.3f} |"
        )
    return "\n".join(out + folds + ["", tables(recs)])


def update_doc(result: dict) -> None:
    write_section(BEGIN, END, report(result))


def add_baseline(out: Path, engine: str) -> int:
    """Run a classical ``engine`` (no training) on every fold's organs, R1 and R4, and
    replace its records in ``out``; the docs tables are regenerated."""
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import evaluate, load_cases
    from reference_impl.evaluation.output import write_text
    from reference_impl.io import sample_paths

    result = json.loads(out.read_text())
    image, label, _ = sample_paths("ct_spleen")
    recs = [r for r in result["records"] if r["engine"] != engine]
    for fold, organs in FOLDS.items():
        cases = load_cases([CaseSpec(f"ct_{o}", image, label, o) for o in organs])
        for res in evaluate(cases, [engine], list(USERS), rounds=10):
            recs.append({**res.record, "fold": fold})
            print(
                f"{fold:>13} {res.record['target']:>30} {engine} {res.record['user']} "
                f"{res.record['dice'][-1]:.3f}",
                flush=True,
            )
    result["records"] = recs
    write_text(out, json.dumps(result, indent=1) + "\n")
    if out == OUT:
        update_doc(result)
    return 0


def merge(out: Path, parts: list[Path]) -> int:
    """Write the folds and records of ``parts`` (runs of disjoint ``--fold`` sets with one
    protocol) into ``out``: the parts' records replace ``out``'s of the same engine and
    target, ``out``'s fold-model records (:data:`ENGINE` and :data:`BLEND_ENGINE`: another
    run) are dropped, its other records stay.
    The docs tables are regenerated when ``out`` is :data:`OUT`."""
    from reference_impl.evaluation.output import write_text

    for f in parts:
        if not f.is_file():
            print(f"--merge {f}: no such file", file=sys.stderr)
            return 2
    runs = [json.loads(f.read_text()) for f in parts]
    recipes = {json.dumps(r["protocol"]["recipe"], sort_keys=True) for r in runs}
    folds = [f["fold"] for r in runs for f in r["folds"]]
    if len(recipes) != 1 or len(folds) != len(set(folds)):
        print("--merge: the parts must share one recipe and have disjoint folds", file=sys.stderr)
        return 2
    records = [x for r in runs for x in r["records"]]
    if out.is_file():  # --out's other records stay: baselines of organs no part scored, and
        # kept models (bench/keep_previous.py); its fold models were another run: dropped
        run = {(x["engine"], x["target"]) for x in records}
        records += [
            x
            for x in json.loads(out.read_text())["records"]
            if x["engine"] not in (ENGINE, BLEND_ENGINE) and (x["engine"], x["target"]) not in run
        ]
    result = {
        **runs[0],
        "folds": [f for r in runs for f in r["folds"]],
        "records": records,
        "seconds": [r.get("seconds") for r in runs],
    }
    write_text(out, json.dumps(result, indent=1) + "\n")
    if out == OUT:
        update_doc(result)
    print(report(result))
    return 0


def _commit() -> str | None:
    try:
        return subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--ckpt-dir", type=Path, default=None, help="default: a temporary folder")
    p.add_argument("--fold", action="append", choices=list(FOLDS), help="default: all")
    p.add_argument("--steps", type=int, default=None, help="default: the recipe's")
    p.add_argument(
        "--recipe",
        choices=("shipped", "defaults"),
        default="shipped",
        help="the recipe cross-validated: the shipped checkpoint's settings (default), or "
        "train_shipped's defaults (what the first run used; they were the same then)",
    )
    p.add_argument("--workers", type=int, default=1, help="processes collecting states")
    p.add_argument(
        "--model-only",
        action="store_true",
        help="score only the fold models; copy the (deterministic) classical baselines' records "
        "of the fold organs from --baselines-from",
    )
    p.add_argument("--baselines-from", type=Path, default=OUT)
    p.add_argument(
        "--blend",
        type=float,
        default=None,
        metavar="W",
        help=f"also score each fold model blended with the random walker at weight W as engine "
        f"{BLEND_ENGINE} (the shipped model's recipe since the eleventh candidate)",
    )
    p.add_argument("--merge", nargs="+", type=Path, help="merge these part files into --out")
    p.add_argument("--table-only", action="store_true")
    p.add_argument(
        "--add-baseline",
        metavar="ENGINE",
        help="only run this baseline on every fold's organs and add it to --out's records",
    )
    args = p.parse_args(argv)
    if args.table_only:
        update_doc(json.loads(args.out.read_text()))
        return 0
    if args.add_baseline:
        return add_baseline(args.out, args.add_baseline)
    if args.merge:
        return merge(args.out, args.merge)
    if args.workers < 1:
        p.error(f"--workers must be at least 1, got {args.workers}")
    if args.model_only and not args.baselines_from.is_file():
        p.error(f"--baselines-from {args.baselines_from}: no such file")
    if args.blend is not None and not 0 < args.blend <= 1:
        p.error(f"--blend must be in (0, 1], got {args.blend}")
    import torch

    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import evaluate, load_cases
    from reference_impl.evaluation.output import write_text
    from reference_impl.evaluation.split import VALIDATION_CT_ORGANS, is_trainable_ct_organ
    from reference_impl.io import sample_paths
    from reference_impl.swfastedit import train_shipped as ts
    from reference_impl.swfastedit.checkpoint_io import read_checkpoint

    every = [o for f in FOLDS.values() for o in f]
    assert len(set(every)) == len(every) and all(
        is_trainable_ct_organ(o) and o not in VALIDATION_CT_ORGANS for o in every
    )
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "2")))
    if args.recipe == "shipped":  # the settings the shipped checkpoint was trained with
        from reference_impl.engines.shipped import load_clicknet

        settings = dict(load_clicknet()[1]["settings"])
    else:  # train_clicknet's defaults, the settings dict it stores in a checkpoint
        settings = {
            k: v.default
            for k, v in inspect.signature(ts.train_clicknet).parameters.items()
            if v.default is not v.empty
            and k not in ("log", "organs", "val_organs", "workers", "device")
        }
    settings.setdefault("on_policy", 0)
    settings.setdefault("select", "one-step")
    if args.steps is not None:
        settings["steps"] = args.steps
    baseline_records = []
    if args.model_only:
        baseline_records = [
            r
            for r in json.loads(args.baselines_from.read_text())["records"]
            if r["engine"] in CLASSICAL
        ]
    t0 = time.perf_counter()
    fit_vols, val_vols = ts.recipe_volumes(settings)
    fit, val = ts.recipe_states(  # logs the state counts and seconds
        settings, volumes=(fit_vols, val_vols), workers=args.workers, log=print
    )
    if set(ts.ct_organs(fit)) != set(every):
        raise SystemExit(f"folds {sorted(set(every))} != fitted organs {ts.ct_organs(fit)}")
    image, label, _ = sample_paths("ct_spleen")
    result: dict = {
        "protocol": {
            "folds": {k: list(v) for k, v in FOLDS.items()},
            "validation_organs": list(VALIDATION_CT_ORGANS),
            "recipe": settings,
            "recipe_source": args.recipe,
            "users": list(USERS),
            "rounds": 10,
            "commit": _commit(),
        },
        "machine": {
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),  # the fits differ between thread counts
        },
        "folds": [],
        "records": [],
    }
    ckdir = args.ckpt_dir or Path(tempfile.mkdtemp(prefix="iseg_organ_cv_"))
    ckdir.mkdir(parents=True, exist_ok=True)
    for fold in args.fold or list(FOLDS):
        held = {f"ct:{o}" for o in FOLDS[fold]}
        ck = ckdir / f"{fold}.pt"
        meta = ts.fit_recipe(
            [s for s in fit if s["data"] not in held],
            val,
            fit_vols=[v for v in fit_vols if v[0] not in held],
            val_vols=val_vols,
            settings=settings,
            out=ck,
            workers=args.workers,
            log=print,
        )
        info = read_checkpoint(ck)
        assert not set(FOLDS[fold]) & set(info["trained_ct_organs"])
        result["folds"].append(
            {
                "fold": fold,
                "organs": list(FOLDS[fold]),
                "trained_ct_organs": info["trained_ct_organs"],
                "best_step": meta["best_step"],
                "val_dice": meta["val_dice"],
                "sha256": hashlib.sha256(ck.read_bytes()).hexdigest(),
            }
        )
        cases = load_cases([CaseSpec(f"ct_{o}", image, label, o) for o in FOLDS[fold]])
        names = {f"ct_{o}" for o in FOLDS[fold]}
        result["records"] += [r for r in baseline_records if r["target"] in names]
        models = {ENGINE: ck}
        if args.blend is not None:
            from blend_checkpoint import write_blended

            models[BLEND_ENGINE] = ckdir / f"{fold}-blend.pt"
            write_blended(ck, args.blend, models[BLEND_ENGINE])
            result["folds"][-1]["blend"] = args.blend
        engines = (*models, *(() if args.model_only else BASELINES))
        for engine in engines:
            for res in evaluate(
                cases,
                ["shipped" if engine in models else engine],
                list(USERS),
                rounds=10,
                engine_options={"shipped": {"checkpoint": models[engine]}}
                if engine in models
                else None,
            ):
                rec = {**res.record, "engine": engine, "fold": fold}
                result["records"].append(rec)
                print(
                    f"{fold:>13} {rec['target']:>30} {engine:>14} {rec['user']} "
                    f"{rec['dice'][-1]:.3f}",
                    flush=True,
                )
        write_text(args.out, json.dumps(result, indent=1) + "\n")
    result["seconds"] = time.perf_counter() - t0
    write_text(args.out, json.dumps(result, indent=1) + "\n")
    if args.fold is None and args.out == OUT:
        update_doc(result)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
