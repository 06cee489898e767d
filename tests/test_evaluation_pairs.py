"""The one folder-pairing rule (``reference_impl.evaluation.data.find_pairs``).

``iseg evaluate``, ``iseg run`` and SW-FastEdit's ``load_dataset`` share it; it accepts the
union of the forms its former twin in ``reference_impl.swfastedit.data`` accepted and its own.
"""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pytest

from reference_impl.evaluation.data import find_pairs, resolve_data
from reference_impl.swfastedit.data import load_dataset


def _touch(folder, *names):
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_bytes(b"")


def _names(pairs):
    return [(i.name, lab.name) for i, lab in pairs]


def test_forms_of_the_former_swfastedit_rule(tmp_path):
    # <case> / <case>_image beside <case>_label|_seg|_mask, .nii.gz, .nii and .nrrd
    _touch(tmp_path, "a.nii.gz", "a_label.nii.gz", "b_image.nii", "b_seg.nii")
    _touch(tmp_path, "c.nrrd", "c_mask.nrrd", "notes.txt", "d.nii.gz")
    assert _names(find_pairs(tmp_path)) == [
        ("a.nii.gz", "a_label.nii.gz"),
        ("b_image.nii", "b_seg.nii"),
        ("c.nrrd", "c_mask.nrrd"),
    ]
    # an image whose own name carries a tag: taken when it is the exact <case>
    _touch(tmp_path / "tagged", "x_mask.nii.gz", "x_mask_label.nii.gz")
    assert _names(find_pairs(tmp_path / "tagged")) == [("x_mask.nii.gz", "x_mask_label.nii.gz")]


def test_forms_of_the_evaluation_rule(tmp_path):
    _touch(tmp_path, "a.nii.gz", "a_labels.nii.gz", "b_img.nhdr", "b_gt.nhdr")
    _touch(tmp_path, "c_ct_sm.nii.gz", "c_SEG.NII.GZ")
    _touch(tmp_path, "d_t1.nii", "d_t2.nii", "d_seg.nii")  # two candidates: ambiguous, left out
    assert _names(find_pairs(tmp_path)) == [
        ("a.nii.gz", "a_labels.nii.gz"),
        ("b_img.nhdr", "b_gt.nhdr"),
        ("c_ct_sm.nii.gz", "c_SEG.NII.GZ"),
    ]


def test_decathlon_layout_empty_and_missing_folders(tmp_path):
    msd = tmp_path / "msd"
    _touch(msd / "imagesTr", "s2.nii.gz", "s1.nii.gz", "s3.nii.gz", "dataset.json")
    _touch(msd / "labelsTr", "s1.nii.gz", "s2.nii.gz", "dataset.json")
    assert [(i.parent.name, i.name, lab.parent.name) for i, lab in find_pairs(msd)] == [
        ("imagesTr", "s1.nii.gz", "labelsTr"),
        ("imagesTr", "s2.nii.gz", "labelsTr"),
    ]
    (tmp_path / "empty").mkdir()
    assert find_pairs(tmp_path / "empty") == []
    with pytest.raises(FileNotFoundError, match="no such data folder"):
        find_pairs(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no such data folder"):
        find_pairs(msd / "imagesTr" / "s1.nii.gz")
    with pytest.raises(ValueError, match="no image/label pairs found"):
        resolve_data(str(tmp_path / "empty"))


def test_training_data_and_evaluation_pair_a_folder_alike(tmp_path):
    rng = np.random.default_rng(0)
    for name, tag in (("p1", "_seg"), ("p2", "_gt"), ("P3_image", "_label")):
        img = rng.normal(size=(4, 5, 6)).astype(np.float32)
        lab = (img > 0).astype(np.uint8)
        nib.save(nib.Nifti1Image(img, np.eye(4)), tmp_path / f"{name}.nii.gz")
        base = name.removesuffix("_image")
        nib.save(nib.Nifti1Image(lab, np.eye(4)), tmp_path / f"{base}{tag}.nii.gz")
    cases = resolve_data(str(tmp_path))
    vols = load_dataset(tmp_path)
    assert [c.image.name for c in cases] == ["P3_image.nii.gz", "p1.nii.gz", "p2.nii.gz"]
    assert len(vols) == 3
    for case, vol in zip(cases, vols, strict=True):
        want = np.asarray(nib.load(case.label).dataobj)
        assert vol.label.sum() == want.sum() > 0
