"""A fourth fresh test: two lung lesions in CT nobody had scored (issue 11).

Data (not in this repository, not in ``../shared/data``): pyradiomics' test cases ``lung1``
and ``lung2`` (``data/lung{1,2}_image.nrrd`` and ``_label.nrrd``: a chest CT in Hounsfield
units, 5 mm slices, 0.57 / 0.63 mm in-plane, and a binary lesion label drawn for
pyradiomics' feature tests; its ``data/README.md`` does not say which dataset they come
from).  The images are too large for the Git snapshot of AIM-Harvard/pyradiomics, so they
are read from the package's source distribution on PyPI, pyradiomics 3.1.0 (BSD-3-Clause,
``pyradiomics-3.1.0.tar.gz``, SHA-256 24722c96…); the three bundled lesion volumes of
``../shared/data/pyradiomics_lesions`` come from the same folder, these two never did::

    curl -LO https://files.pythonhosted.org/packages/03/c1/20fc2c50ab1e3304da36d866042a1905a2b05a1431ece35448ab6b4578f2/pyradiomics-3.1.0.tar.gz
    tar xzf pyradiomics-3.1.0.tar.gz pyradiomics-3.1.0/data
    git show f745199:reference_impl/swfastedit/checkpoints/shipped_clicknet.pt > /tmp/unblended.pt
    git show bb2d798^:reference_impl/swfastedit/checkpoints/shipped_clicknet.pt > /tmp/previous.pt
    python bench/fresh_lung.py --data-dir pyradiomics-3.1.0/data --out /tmp/a.json
    python bench/fresh_lung.py --data-dir pyradiomics-3.1.0/data --out /tmp/b.json \\
        --checkpoint shipped-unblended=/tmp/unblended.pt --checkpoint shipped-previous=/tmp/previous.pt
    python bench/fresh_lung.py --merge /tmp/a.json /tmp/b.json

(the first two can run at once, ``OMP_NUM_THREADS=1`` each; with ``--checkpoint`` only those
models run unless ``--engine`` names more).

Every file's SHA-256 (:data:`SHA256`, and :data:`CHECKPOINTS` for the two older models) is
checked before anything runs.

Protocol, committed before the first run (only the files' shape, spacing, affine and label
voxel counts were read before, no engine ran on them):

* **Targets** (:data:`TARGETS`, 2): each volume's lesion (the label's only class; 837 and
  24,644 voxels, one connected component each).  No model of this project has fitted a
  lung, a lesion in CT, or 5 mm slices (the shipped model's lesions are the two held-out MR
  volumes it never fitted), so both are new classes on new images.
* R1 and R4, 10 rounds, seed 0, through the evaluation harness; engines ``shipped`` (the
  packaged checkpoint, unchanged), ``shipped-unblended`` and ``shipped-previous`` (the two
  models it replaced, rebuilt from Git as above, so the scoreboard can list all three)
  beside ``random-walker`` and ``ball-floor`` fed the same clicks.  The geodesic baseline is
  left out of the first run (its cost grows with the 12-16 M voxels of these volumes);
  ``--engine geodesic`` adds it and keeps the other records.
* Summary fixed in advance: that of ``bench/fresh_mr.py`` (per model and user: mean
  Dice@10, wins against the random walker, the bootstrap interval of the mean paired
  difference, and the share of rounds whose positive clicks lie inside the final mask).
  With two targets the interval says little; the per-target table is the result.
* It is a test, not a selection: no checkpoint changes with its result.

Writes ``bench/results/fresh_lung_cpu.json`` and the ``fresh-lung-table`` section of
docs/evaluation.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from fresh_mr import (
    check_files,
    keep_other_records,
    merge_results,
    parse_checkpoints,
    report,
    score_runs,
    update_doc,
)
from realdata import ROOT

OUT = ROOT / "bench" / "results" / "fresh_lung_cpu.json"
BEGIN, END = "<!-- fresh-lung-table -->", "<!-- /fresh-lung-table -->"
TARGETS = ("lung1", "lung2")
SHA256 = {
    "lung1_image.nrrd": "379fa48bf34cfa961e6f5ec19c0c38757a30b9aa884212ef28dc29b5061c64ed",
    "lung1_label.nrrd": "e9d9a88054d7bc1d3034193ff907ce6b8c6ba28a7bc3a16f23728982d1b6b50a",
    "lung2_image.nrrd": "aa2b94eec79127ed786798ac8dc3c013010e1692d5787bebfae1a1e9685a4651",
    "lung2_label.nrrd": "cef52738dc51aab69a48fe30639da956d2b911b1c2920439c091fab84727657a",
}
#: The older models' checkpoints, by engine name (the files at f745199 and bb2d798^).
CHECKPOINTS = {
    "shipped-unblended": "e42dad6b813586ac4d1da52b21e1d36002f5bf88ac52a4517a716f72ba580b0d",
    "shipped-previous": "61ba9a4859889397eeddf6cdc163f8cc4cbd686ed051611f3977db47bcb4ebe7",
}
ENGINES = ("shipped", "random-walker", "ball-floor")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, help="pyradiomics-3.1.0/data")
    p.add_argument("--engine", action="append", default=None, help=f"default {list(ENGINES)}")
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help=f"score this click-model checkpoint as engine NAME, one of {list(CHECKPOINTS)}",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--table-only", action="store_true")
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        help="merge these result files into --out (their records replace those of the same "
        "target, engine and user), so engines can run as separate processes",
    )
    args = p.parse_args(argv)
    if args.table_only or args.merge:
        result = merge_results(p, args.merge, args.out) if args.merge else None
        update_doc(result or json.loads(args.out.read_text()), BEGIN, END)
        return 0
    if args.data_dir is None:
        p.error("--data-dir is required (see the module docstring for where the files come from)")
    candidates = parse_checkpoints(p, args.checkpoint, ENGINES)
    for name, path in candidates:
        if name not in CHECKPOINTS:
            p.error(f"--checkpoint {name}=…: NAME must be one of {list(CHECKPOINTS)}")
        check_files(p, Path(path).parent, {Path(path).name: CHECKPOINTS[name]})
    files = check_files(p, args.data_dir, SHA256)
    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import load_cases

    cases = load_cases(
        [CaseSpec(f"lung_{t}", files[f"{t}_image.nrrd"], files[f"{t}_label.nrrd"]) for t in TARGETS]
    )
    result: dict = {
        "data": {
            "source": "pyradiomics 3.1.0 source distribution (PyPI), data/lung{1,2}_*.nrrd",
            "sha256": SHA256,
            "checkpoints_sha256": {n: CHECKPOINTS[n] for n, _ in candidates},
            "voxels": {c.name: int(c.label.sum()) for c in cases},
            "group": {f"lung_{t}": "new (CT lesion)" for t in TARGETS},
        },
        "records": [],
    }
    engines = args.engine or ([] if candidates else list(ENGINES))
    runs = [(e, e, None) for e in engines] + [(n, "shipped", path) for n, path in candidates]
    old = keep_other_records(result, args.out, runs)
    if old is not None:  # the older checkpoints' hashes of earlier runs
        result["data"]["checkpoints_sha256"] = {
            **old["data"].get("checkpoints_sha256", {}),
            **result["data"]["checkpoints_sha256"],
        }
    score_runs(cases, runs, result, args.out)
    if args.out == OUT:
        update_doc(result, BEGIN, END)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
