"""A third fresh test: brain structures in a T1 MR nobody had scored (issue 11).

Data (not in this repository, not in ``../shared/data``): VoxelMorph's test scan
``data/test_scan.npz`` from voxelmorph/voxelmorph (last changed in commit 860b488; the
repository is Apache-2.0; its README does not say which public dataset the scan comes
from).  It holds ``vol``, a skull-stripped T1 MR min-max normalised to [0, 1], and ``seg``,
a FreeSurfer ``aseg`` label map (automated, a silver standard like the other fresh tests),
both 160x192x224.  The README (line 142 at ca28315) says how it was made: FreeSurfer
``recon-all`` up to skull stripping and affine normalisation to Talairach space, then a
crop of ``((48, 48), (31, 33), (3, 29))`` from FreeSurfer's 256^3 conformed grid, which is
1 mm isotropic; so the script gives both arrays an identity affine (1 mm; *inferred* from
that README, the file has no header).  Get it with::

    git clone https://github.com/voxelmorph/voxelmorph /tmp/vxm
    python bench/fresh_brain.py --data-dir /tmp/vxm/data

The file's SHA-256 is checked before anything runs; it is read with
``numpy.load(allow_pickle=False)`` and written, for the harness, as two NIfTI files in a
temporary folder.

Protocol, committed before the first run (only a timing probe on the right putamen, a class
not in the test, ran before; it printed no score):

* **Targets** (:data:`TARGETS`, 22): every left-hemisphere and midline ``aseg`` class with
  at least 100 voxels, names from FreeSurfer's ``FreeSurferColorLUT.txt``.  The five
  corpus callosum segments (251-255), which FreeSurfer cuts out of one structure by planes,
  are one target.  The right-hemisphere classes (41-63) are left out: they mirror the left
  ones, and leaving them out halves the CPU time.
* R1 and R4, 10 rounds, through the evaluation harness; ``shipped`` (the packaged
  checkpoint, unchanged) beside ``random-walker`` and ``ball-floor`` fed the same clicks.
  The geodesic baseline is left out of the first run (17 s per click here, about 3.5 CPU
  hours for the table); ``--engine geodesic`` adds it and keeps the other records.
* The shipped model never fitted a brain structure (its brain data are the two held-out
  lesion volumes), so every target is a new class on a new image.
* Summary fixed in advance: that of ``bench/fresh_mr.py`` (per user, mean Dice@10, wins
  against the random walker, bootstrap 95 % interval of the mean paired difference, and
  the share of rounds whose positive clicks lie inside the final mask), for all targets
  and for the targets of at least and of under 10,000 voxels.
* It is a test, not a selection: the shipped checkpoint does not change with its result.

Writes ``bench/results/fresh_brain_cpu.json`` and the ``fresh-brain-table`` section of
docs/evaluation.md.  ``--out`` elsewhere and ``--merge`` let the engines run as separate
processes.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from fresh_mr import (
    check_files,
    keep_other_records,
    merge_results,
    parse_checkpoints,
    report,
    score_runs,
    update_doc,
)  # bench/ is on sys.path
from realdata import ROOT

OUT = ROOT / "bench" / "results" / "fresh_brain_cpu.json"
BEGIN, END = "<!-- fresh-brain-table -->", "<!-- /fresh-brain-table -->"
FILE = "test_scan.npz"
SHA256 = {FILE: "32b14f2d7027518d9b3689ca0bdb908a1ed402db1a61ff2eb4c8184a475b12e0"}
SHAPE = (160, 192, 224)
#: target name: the ``aseg`` values that make it.
TARGETS: dict[str, tuple[int, ...]] = {
    "left_cerebral_white_matter": (2,),
    "left_cerebral_cortex": (3,),
    "left_lateral_ventricle": (4,),
    "left_inf_lat_vent": (5,),
    "left_cerebellum_white_matter": (7,),
    "left_cerebellum_cortex": (8,),
    "left_thalamus": (10,),
    "left_caudate": (11,),
    "left_putamen": (12,),
    "left_pallidum": (13,),
    "third_ventricle": (14,),
    "fourth_ventricle": (15,),
    "brain_stem": (16,),
    "left_hippocampus": (17,),
    "left_amygdala": (18,),
    "csf": (24,),
    "left_accumbens_area": (26,),
    "left_ventral_dc": (28,),
    "left_choroid_plexus": (31,),
    "wm_hypointensities": (77,),
    "optic_chiasm": (85,),
    "corpus_callosum": (251, 252, 253, 254, 255),
}
ENGINES = ("shipped", "random-walker", "ball-floor")
LARGE = 10_000


def read_scan(path: Path):
    """``(image float32, label map uint8 with one value per target)`` from the ``.npz``;
    ``ValueError`` naming the file when it is not the expected pair of arrays."""
    import numpy as np

    with np.load(path, allow_pickle=False) as d:
        if {"vol", "seg"} - set(d.files):
            raise ValueError(f"{path}: want arrays 'vol' and 'seg', found {d.files}")
        vol, seg = d["vol"], d["seg"]
    if vol.shape != SHAPE or seg.shape != SHAPE:
        raise ValueError(f"{path}: want two {SHAPE} arrays, got {vol.shape} and {seg.shape}")
    label = np.zeros(SHAPE, np.uint8)
    for k, values in enumerate(TARGETS.values(), start=1):
        label[np.isin(seg, values)] = k
    return vol.astype(np.float32), label


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", type=Path, help=f"folder holding {FILE}")
    p.add_argument("--engine", action="append", default=None, help=f"default {list(ENGINES)}")
    p.add_argument("--target", action="append", default=None, choices=list(TARGETS))
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="also score this click-model checkpoint as engine NAME (keeps the other records)",
    )
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument(
        "--merge",
        nargs="+",
        type=Path,
        help="merge these result files into --out (their records replace those of the same "
        "target, engine and user)",
    )
    p.add_argument("--table-only", action="store_true")
    args = p.parse_args(argv)
    from reference_impl.evaluation.output import write_text

    def save(result: dict) -> None:
        write_text(args.out, json.dumps(result, indent=1) + "\n")
        if args.out == OUT:
            update_doc(result, BEGIN, END)

    if args.table_only:
        update_doc(json.loads(args.out.read_text()), BEGIN, END)
        return 0
    if args.merge:
        merged = merge_results(p, args.merge, args.out)
        save(merged)
        print(report(merged))
        return 0
    if args.data_dir is None:
        p.error("--data-dir is required (see the module docstring for where the file comes from)")
    candidates = parse_checkpoints(p, args.checkpoint, ENGINES)
    files = check_files(p, args.data_dir, SHA256)
    import nibabel as nib
    import numpy as np

    from reference_impl.evaluation.data import CaseSpec
    from reference_impl.evaluation.harness import load_cases

    image, label = read_scan(files[FILE])
    voxels = {f"brain_{t}": int((label == k).sum()) for k, t in enumerate(TARGETS, 1)}
    result: dict = {
        "data": {
            "source": "voxelmorph/voxelmorph data/test_scan.npz (last changed in 860b488)",
            "sha256": SHA256,
            "spacing_mm": [1.0, 1.0, 1.0],
            "targets": {t: list(v) for t, v in TARGETS.items()},
            "voxels": voxels,
            "group": {
                t: f">= {LARGE:,} voxels" if n >= LARGE else f"< {LARGE:,} voxels"
                for t, n in voxels.items()
            },
        },
        "records": [],
    }
    engines = args.engine or ([] if candidates else list(ENGINES))
    runs = [(e, e, None) for e in engines] + [(n, "shipped", path) for n, path in candidates]
    keep_other_records(result, args.out, runs)
    targets = args.target or list(TARGETS)
    with tempfile.TemporaryDirectory() as tmp:
        img, lab = Path(tmp) / "brain.nii.gz", Path(tmp) / "brain_seg.nii.gz"
        nib.save(nib.Nifti1Image(image, np.eye(4)), img)
        nib.save(nib.Nifti1Image(label, np.eye(4)), lab)
        del image, label
        for t in targets:
            case = load_cases([CaseSpec(f"brain_{t}", img, lab, list(TARGETS).index(t) + 1)])
            score_runs(case, runs, result, args.out)
    save(result)
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
