"""Write the extra-data manifest of the tenth click-model candidate (issue 11).

The shipped model fits one CT volume's organs and phantoms; nine candidates trained on them
moved the fresh MR and CTA both ways.  This manifest adds the real classes of those two
images that may be fitted (``reference_impl.evaluation.split.is_fittable_class``: never a
held-out evaluation organ, never a part of one, never a validation organ), so the model sees
another modality and vessels; the MR and the CTA then stop being validation data.

* MR (``bench/fresh_mr.py``'s files and classes, ``total_mr`` names): the classes whose
  ``CT_ROLE`` is ``fitted (CT)`` or ``new``; the held-out (spleen, kidneys, gallbladder, liver,
  pancreas, aorta) and validation (stomach, duodenum, colon, inferior vena cava, autochthon
  left, iliopsoas left) classes are left out.
* CTA (``bench/fresh_cta.py``'s files and targets): every target but the aorta and its true
  and false lumen (parts of the held-out aorta).

Every file's SHA-256 is checked (exit 2 otherwise) and written into the manifest, which
``train_shipped --extra-fit`` checks again before it reads a voxel::

    python bench/extra_training_data.py --mr-dir /tmp/ts/tests/reference_files \\
        --cta-dir /tmp/ts/tests/reference_files/aorta_report/test_result/models \\
        --out /tmp/extra.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import fresh_cta  # bench/ is on sys.path as a script
import fresh_mr

from reference_impl.evaluation.output import write_text
from reference_impl.evaluation.split import is_fittable_class


def entry(name: str, organ: str, image: Path, label: Path, value: int, shas: tuple) -> dict:
    """One manifest entry: a class ``value`` of ``label`` over ``image``, with both files'
    absolute paths and SHA-256 (``shas``: image's, label's)."""
    return {
        "name": name,
        "organ": organ,
        "image": str(image.resolve()),
        "label": str(label.resolve()),
        "value": value,
        "sha256": {"image": shas[0], "label": shas[1]},
    }


def entries(mr_dir: Path, cta_dir: Path, mr_sha: dict, cta_sha: dict) -> list[dict]:
    """The manifest's entries (one per fittable class), in a fixed order."""
    img, lab = mr_dir / fresh_mr.IMAGE, mr_dir / fresh_mr.LABEL
    mr_shas = (mr_sha[fresh_mr.IMAGE], mr_sha[fresh_mr.LABEL])
    out = [
        entry(f"mr:{organ}", organ, img, lab, value, mr_shas)
        for value, organ in fresh_mr.CLASSES.items()
        if is_fittable_class(organ)
    ]
    cta_img = cta_dir / fresh_cta.IMAGE
    for organ in fresh_cta.TARGETS:
        if is_fittable_class(organ):
            f = f"{organ}.nii.gz"
            shas = (cta_sha[fresh_cta.IMAGE], cta_sha[f])
            out.append(entry(f"cta:{organ}", organ, cta_img, cta_dir / f, 1, shas))
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mr-dir", type=Path, required=True, help="folder of the fresh MR pair")
    p.add_argument("--cta-dir", type=Path, required=True, help="folder of the fresh CTA files")
    p.add_argument("--out", type=Path, required=True, help="manifest to write (.json)")
    args = p.parse_args(argv)
    if args.out.exists():
        p.error(f"--out {args.out}: exists; not overwriting it")
    fresh_mr.check_files(p, args.mr_dir, fresh_mr.SHA256)
    cta_sha = json.loads(fresh_cta.SHA_FILE.read_text())
    fresh_mr.check_files(p, args.cta_dir, cta_sha)
    rows = entries(args.mr_dir, args.cta_dir, fresh_mr.SHA256, cta_sha)
    write_text(args.out, json.dumps(rows, indent=1) + "\n")
    for r in rows:
        print(r["name"])
    print(f"{len(rows)} fitted classes -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
