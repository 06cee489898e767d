"""A second patient nobody had scored: a CT angiography of an aortic dissection (issue 11).

Data (not in this repository): TotalSegmentator's aorta-report test case,
``tests/reference_files/aorta_report/test_result/models/``: ``ct_cropped.nii.gz`` (CT,
120x126x164 at 1.5 mm) and one binary label file per structure (its aorta models'
predictions, a silver standard), from wasserth/TotalSegmentator at commit
0e65a44 (Apache-2.0).  A different patient from the bundled CT, at half its voxel size::

    git clone https://github.com/wasserth/TotalSegmentator /tmp/ts
    python bench/fresh_cta.py --data-dir /tmp/ts/tests/reference_files/aorta_report/test_result/models

Protocol, committed before the first run and before any candidate model was trained:
every non-empty single-structure label file is a target (:data:`TARGETS`, 11; the
multi-label ``T7*`` files and ``organ_aorta_T264`` (the aorta again) are left out); R1 and
R4, 10 rounds, through the evaluation harness; ``shipped`` (the packaged checkpoint) and
every ``--checkpoint NAME=PATH`` candidate beside ``random-walker`` and ``ball-floor`` fed
the same clicks; the summary of ``bench/fresh_mr.py``.  Every file's SHA-256 is checked
first.  Writes ``bench/results/fresh_cta_cpu.json`` and the ``fresh-cta-table`` section of
docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fresh_mr import report  # bench/ is on sys.path as a script
from realdata import ROOT

OUT = ROOT / "bench" / "results" / "fresh_cta_cpu.json"
BEGIN, END = "<!-- fresh-cta-table -->", "<!-- /fresh-cta-table -->"
IMAGE = "ct_cropped.nii.gz"
#: target: what the shipped model's training did with that class on the bundled CT.
TARGETS: dict[str, str] = {
    "aorta": "held out",
    "aorta_true_lumen": "new",
    "aorta_false_lumen": "new",
    "brachiocephalic_trunk": "new",
    "celiac_trunk": "new",
    "common_carotid_artery_left": "new",
    "subclavian_artery_left": "new",
    "superior_mesenteric_artery": "new",
    "annulus_proper": "new",
    "sinotubular_junction": "new",
    "vertebrae_T12": "fitted (CT)",
}
#: SHA-256 of every file, checked before any compute.
SHA_FILE = Path(__file__).with_name("fresh_cta_sha256.json")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, help="the aorta_report/test_result/models folder")
    p.add_argument("--checkpoint", action="append", default=[], metavar="NAME=PATH")
    p.add_argument("--no-baselines", action="store_true", help="only the model engines")
    p.add_argument(
        "--no-shipped", action="store_true", help="only the --checkpoint candidates (and baselines)"
    )
    p.add_argument(
        "--baseline",
        action="append",
        default=None,
        help="run only this classical engine (repeatable), keeping the other records",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--table-only", action="store_true")
    args = p.parse_args(argv)
    from fresh_mr import (
        check_files,
        keep_other_records,
        parse_checkpoints,
        score_runs,
        update_doc,
    )

    if args.table_only:
        update_doc(json.loads(args.out.read_text()), BEGIN, END)
        return 0
    if args.data_dir is None:
        p.error("--data-dir is required (see the module docstring for where the files come from)")
    candidates = parse_checkpoints(p, args.checkpoint, ("shipped", "random-walker", "ball-floor"))
    sha = json.loads(SHA_FILE.read_text())
    check_files(p, args.data_dir, sha)
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import load_cases

    d = args.data_dir
    cases = load_cases([CaseSpec(f"cta_{t}", d / IMAGE, d / f"{t}.nii.gz") for t in TARGETS])
    result: dict = {
        "data": {
            "source": "wasserth/TotalSegmentator@0e65a44 "
            "tests/reference_files/aorta_report/test_result/models",
            "sha256": sha,
            "voxels": {c.name: int(c.label.sum()) for c in cases},
            "group": {f"cta_{k}": v for k, v in TARGETS.items()},
        },
        "records": [],
    }
    if args.baseline:
        runs = [(b, b, None) for b in args.baseline]
    else:
        runs = [] if args.no_baselines else [("random-walker", "random-walker", None)]
        runs += [] if args.no_baselines else [("ball-floor", "ball-floor", None)]
        runs += [] if args.no_shipped else [("shipped", "shipped", None)]
        runs += [(n, "shipped", path) for n, path in candidates]
    keep_other_records(result, args.out, runs)
    score_runs(cases, runs, result, args.out)
    if args.out == OUT:
        update_doc(result, BEGIN, END)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
