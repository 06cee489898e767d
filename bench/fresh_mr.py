"""A fresh held-out test: the shipped model on an abdominal MR nobody had scored (issue 11).

Data (not in this repository, not in ``../shared/data``): TotalSegmentator's own test pair
``tests/reference_files/example_mr_sm.nii.gz`` (MR, 117x91x20 at 3 mm) and
``example_seg_mr.nii.gz`` (its ``total_mr`` prediction, a silver-standard label map), both
last changed in wasserth/TotalSegmentator commit c78d8800af7fe05b8efb3c4ed939db16b6c0be62
(Apache-2.0, like the bundled CT).  Get them with::

    git clone https://github.com/wasserth/TotalSegmentator /tmp/ts
    python bench/fresh_mr.py --data-dir /tmp/ts/tests/reference_files

The files' SHA-256 are checked against :data:`SHA256` before anything runs.

Protocol, committed before the first run: every class of the label map with at least 50
voxels is a target (:data:`CLASSES`, ``total_mr`` names from ``totalsegmentator/
map_to_binary.py`` at commit 0e65a44); robot users R1 and R4, 10 rounds, through the
evaluation harness; engines ``shipped`` (the checkpoint in the package, unchanged) beside
``random-walker`` and ``ball-floor`` fed the same clicks (the geodesic baseline was added
after the first run: ``--engine geodesic``).  The shipped model never saw an MR image
of a body; on the bundled CT, 7 of these classes are held-out evaluation organs, 6 are
validation organs (never fitted), 8 were fitted (:data:`CT_ROLE`), and the intervertebral
discs are new.  Summary fixed in advance: per user, mean Dice@10,
wins against the random walker, and the bootstrap 95 % interval of the mean paired
difference (``bench/organ_cv.py::paired``), and the share of rounds whose positive clicks
lie inside the shipped model's final mask.

Writes ``bench/results/fresh_mr_cpu.json`` and the tables of ``docs/evaluation.md``
between the ``fresh-mr-table`` markers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from organ_cv import paired, paired_cells  # bench/ is on sys.path as a script
from realdata import ROOT, replace_records, tables, write_section

from reference_impl.io import check_sha256

OUT = ROOT / "bench" / "results" / "fresh_mr_cpu.json"
BEGIN, END = "<!-- fresh-mr-table -->", "<!-- /fresh-mr-table -->"
IMAGE, LABEL = "example_mr_sm.nii.gz", "example_seg_mr.nii.gz"
SHA256 = {
    IMAGE: "209b46efaff595dd54a9332872e17a722b62654bbb68dbd89acd5090701bbd4f",
    LABEL: "e73a5ee12962aa2bb2f3e43ab58dfc67990c5a7ef2dcb426a1bf5e5982b9587f",
}
#: ``total_mr`` classes present with >= 50 voxels (value: name).
CLASSES: dict[int, str] = {
    1: "spleen",
    2: "kidney_right",
    3: "kidney_left",
    4: "gallbladder",
    5: "liver",
    6: "stomach",
    7: "pancreas",
    8: "adrenal_gland_right",
    9: "adrenal_gland_left",
    13: "small_bowel",
    14: "duodenum",
    15: "colon",
    19: "vertebrae",
    20: "intervertebral_discs",
    21: "spinal_cord",
    23: "aorta",
    24: "inferior_vena_cava",
    25: "portal_vein_and_splenic_vein",
    46: "autochthon_left",
    47: "autochthon_right",
    48: "iliopsoas_left",
    49: "iliopsoas_right",
}
#: What the shipped model's training did with the class on the bundled CT.
CT_ROLE: dict[str, str] = {
    **dict.fromkeys(
        ("spleen", "kidney_right", "kidney_left", "gallbladder", "liver", "pancreas", "aorta"),
        "held out",
    ),
    **dict.fromkeys(
        ("stomach", "duodenum", "colon", "inferior_vena_cava", "autochthon_left", "iliopsoas_left"),
        "validation",
    ),
    **dict.fromkeys(
        (
            "adrenal_gland_right",
            "adrenal_gland_left",
            "small_bowel",
            "spinal_cord",
            "portal_vein_and_splenic_vein",
            "autochthon_right",
            "iliopsoas_right",
            "vertebrae",
        ),
        "fitted (CT)",
    ),
    "intervertebral_discs": "new",
}
ENGINES = ("shipped", "random-walker", "ball-floor")
USERS = ("R1", "R4")


def report(result: dict) -> str:
    """Markdown: each model engine against the random walker (per user and target group:
    the target's role in the CT split for the MR and the CTA, its size for the brain), then
    :func:`realdata.tables`."""
    recs = result["records"]
    models = sorted({r["engine"] for r in recs} - {"random-walker", "ball-floor"})
    lines = [
        "| engine | user | classes | targets | engine Dice@10 | random-walker Dice@10 | wins "
        "| mean difference (95 % bootstrap) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    roles = result["data"]["group"]
    for eng, user, role in [
        (e, u, r) for e in models for u in USERS for r in ("all", *dict.fromkeys(roles.values()))
    ]:
        rs = [r for r in recs if role == "all" or roles[r["target"]] == role]
        p = paired(rs, user, a=eng)
        if p["n"]:
            lines.append(f"| {eng} | {user} | {role} | {paired_cells(p, eng)}")
    return "\n".join([*lines, "", tables(recs)])


def update_doc(result: dict, begin: str = BEGIN, end: str = END) -> None:
    """Replace the text between ``begin`` and ``end`` in docs/evaluation.md by :func:`report`."""
    write_section(begin, end, report(result))


def check_files(p: argparse.ArgumentParser, folder: Path, sha256: dict[str, str]) -> dict:
    """``{name: path}`` of the files named in ``sha256`` inside ``folder``; exit 2 (before
    any compute) when one is missing or is not the file the protocol was fixed for."""
    files = {n: folder / n for n in sha256}
    try:
        check_sha256({files[n]: sha for n, sha in sha256.items()})
    except FileNotFoundError as e:
        p.error(str(e))
    except ValueError as e:
        p.error(f"{e} (not the file this protocol was fixed for)")
    return files


def parse_checkpoints(p: argparse.ArgumentParser, items: list[str], reserved=()) -> list:
    """``[(name, path)]`` of ``--checkpoint NAME=PATH`` options; ``p.error`` (exit 2, before
    any compute) when a file is missing or a name is empty or one of ``reserved``."""
    out = []
    for item in items:
        name, _, path = item.partition("=")
        if not name or name in reserved or not Path(path).is_file():
            p.error(f"--checkpoint {item!r}: want NAME=PATH of an existing file (NAME new)")
        out.append((name, path))
    return out


def merge_results(p: argparse.ArgumentParser, parts: list[Path], out: Path) -> dict:
    """The result of merging ``parts`` into ``out`` (its records first, when it exists):
    records of the same target, engine and user are replaced by the later file's, the
    ``data`` dicts are merged key by key.  Writes ``out``; ``p.error`` (exit 2, nothing
    written) when a part is missing."""
    from reference_impl.evaluation.output import write_text

    for f in parts:
        if not f.is_file():
            p.error(f"--merge {f}: no such file")
    results = [json.loads(f.read_text()) for f in ([out] if out.exists() else []) + parts]
    merged: dict = {"data": {}, "records": []}
    for q in results:
        for k, v in q["data"].items():
            both = isinstance(v, dict) and isinstance(merged["data"].get(k), dict)
            merged["data"][k] = {**merged["data"][k], **v} if both else v
        merged["records"] = replace_records(merged["records"], q["records"])
    write_text(out, json.dumps(merged, indent=1) + "\n")
    return merged


def keep_other_records(result: dict, out: Path, runs: list) -> dict | None:
    """Put ``out``'s records of the engines that ``runs`` (``(name, engine, checkpoint)``)
    does not rerun before ``result``'s, so a run of some engines keeps the others'; return
    ``out``'s result, or None when there is no ``out`` yet."""
    if not out.exists():
        return None
    old = json.loads(out.read_text())
    names = {n for n, _, _ in runs}
    result["records"] = [r for r in old["records"] if r["engine"] not in names] + result["records"]
    return old


def score_runs(cases, runs: list, result: dict, out: Path) -> None:
    """Score every ``(name, engine, checkpoint or None)`` of ``runs`` on ``cases`` with R1
    and R4, 10 rounds, through the evaluation harness: each record (its engine renamed
    ``name``) joins ``result["records"]`` and ``out`` is rewritten atomically after each
    one, so an interrupted run keeps what it scored."""
    from reference_impl.evaluation.harness import evaluate
    from reference_impl.evaluation.output import write_text

    def keep(res, name: str) -> None:
        r = {**res.record, "engine": name}
        result["records"].append(r)
        write_text(out, json.dumps(result, indent=1) + "\n")
        print(f"{r['target']:>34} {name:>17} {r['user']} {r['dice'][-1]:.3f}", flush=True)

    for name, engine, path in runs:
        opts = {"shipped": {"checkpoint": path}} if path else None
        evaluate(cases, [engine], list(USERS), rounds=10, engine_options=opts,
                 on_result=lambda res, n=name: keep(res, n))  # fmt: skip
    write_text(out, json.dumps(result, indent=1) + "\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, help=f"folder holding {IMAGE} and {LABEL}")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--table-only", action="store_true")
    p.add_argument(
        "--engine",
        action="append",
        default=None,
        help=f"run only these engines and keep the others' records (default: {list(ENGINES)})",
    )
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also score this click-model checkpoint as engine NAME (keeps the other records)",
    )
    args = p.parse_args(argv)
    if args.table_only:
        update_doc(json.loads(args.out.read_text()))
        return 0
    if args.data_dir is None:
        p.error("--data-dir is required (see the module docstring for where the files come from)")
    candidates = parse_checkpoints(p, args.checkpoint, ENGINES)
    files = check_files(p, args.data_dir, SHA256)
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import load_cases

    cases = load_cases(
        [CaseSpec(f"mr_{name}", files[IMAGE], files[LABEL], v) for v, name in CLASSES.items()]
    )
    result: dict = {
        "data": {
            "source": "wasserth/TotalSegmentator tests/reference_files "
            "(last changed in c78d8800af7fe05b8efb3c4ed939db16b6c0be62)",
            "sha256": SHA256,
            "classes": {str(k): v for k, v in CLASSES.items()},
            "voxels": {c.name: int(c.label.sum()) for c in cases},
            "group": {f"mr_{k}": v for k, v in CT_ROLE.items()},
        },
        "records": [],
    }
    engines = args.engine or ([] if candidates else list(ENGINES))
    runs = [(e, e, None) for e in engines] + [(n, "shipped", path) for n, path in candidates]
    keep_other_records(result, args.out, runs)
    score_runs(cases, runs, result, args.out)
    if args.out == OUT:
        update_doc(result)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
