"""``iseg run --data`` is parsed by the resolver ``iseg evaluate`` uses.

:func:`reference_impl.evaluation.data.resolve_data` turns the path and sample forms into
cases; :func:`reference_impl.pipelines._data.load_data` only decides the split.  Forms the
old ``iseg run`` parser refused (one image with its label beside it, ``_img``/``_mask``
pairs) now give the same cases as ``iseg evaluate``.
"""

from __future__ import annotations

import shutil

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from reference_impl.evaluation.data import resolve_data
from reference_impl.evaluation.split import is_trainable_ct_organ
from reference_impl.io import SAMPLE_CASES, read_label_names
from reference_impl.pipelines import get_budget
from reference_impl.pipelines._data import load_data

CT = "totalsegmentator_example"


def _save(path, arr_zyx):
    nib.save(nib.Nifti1Image(np.transpose(arr_zyx, (2, 1, 0)), np.diag([1.5, 1.0, 2.0, 1.0])), path)


def _case(folder, image_name, label_name, k=0):
    rng = np.random.default_rng(k)
    img = rng.random((10, 12, 14)).astype(np.float32)
    lab = np.zeros((10, 12, 14), np.uint8)
    lab[3:7, 3:8, 4:9] = 1
    img[lab > 0] += 1
    _save(folder / image_name, img)
    _save(folder / label_name, lab)
    return img, lab


def test_folder_forms_only_the_shared_resolver_knew(tmp_path):
    """``<case>_img`` beside ``<case>_mask``: the old parser of iseg run found no pair."""
    for k in range(5):
        _case(tmp_path, f"c{k}_img.nii.gz", f"c{k}_mask.nii.gz", k)
    d = load_data(str(tmp_path), get_budget("small"), 0)
    names = [c.name for c in resolve_data(str(tmp_path))]
    assert names == ["c0", "c1", "c2", "c3", "c4"]
    assert d.split["kind"] == "held-out cases"
    assert d.split["train"] == names[:4] and d.split["eval"] == "c4"


def test_one_image_with_its_label_beside_it(tmp_path, capsys):
    img, lab = _case(tmp_path, "liver7.nii.gz", "liver7_seg.nii.gz")
    _case(tmp_path, "other.nii.gz", "other_label.nii.gz", 1)  # another case: not picked
    d = load_data(str(tmp_path / "liver7.nii.gz"), get_budget("small"), 0)
    (spec,) = resolve_data(str(tmp_path / "liver7.nii.gz"))
    assert spec.label == tmp_path / "liver7_seg.nii.gz"
    assert d.split["kind"] == "synthetic training"  # one binary case: nothing of it trained
    assert d.eval_input[0]["name"] == "liver7_1"
    assert np.array_equal(d.eval_input[0]["label"], lab)
    # the resolver's messages reach the CLI as exit 2, before any work
    for value, msg in [
        (str(tmp_path / "liver7_seg.nii.gz"), "looks like a label file"),
        (f"{tmp_path / 'liver7.nii.gz'},{tmp_path / 'gone.nii.gz'}", "gone.nii.gz: no such"),
        (str(tmp_path / "gone.nii.gz"), "give an image and its label as IMAGE,LABEL"),
        ("no_such_thing", "is neither 'synthetic', a sample"),
    ]:
        rc = main(["run", "--leaf", "T3.1", "--data", value, "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert rc == 2 and msg in err and "Traceback" not in err, (value, err)
    (tmp_path / "liver7_seg.nii.gz").unlink()
    (tmp_path / "other_label.nii.gz").unlink()
    image, out2 = str(tmp_path / "liver7.nii.gz"), str(tmp_path / "o2")
    rc = main(["run", "--leaf", "T3.1", "--data", image, "--out", out2])
    assert rc == 2 and "no label found beside it" in capsys.readouterr().err
    assert not (tmp_path / "o").exists() and not (tmp_path / "o2").exists()


def test_totalsegmentator_image_and_the_ct_sample_give_the_same_split(tmp_path, shared_data):
    """``example_ct_sm`` beside ``example_seg`` (a TotalSegmentator case) resolves like the
    bundled ``ct_spleen`` sample; the sample's organ filter still applies to training."""
    for f in ("example_ct_sm.nii.gz", "example_seg.nii.gz", "labels.json"):
        shutil.copy(shared_data / CT / f, tmp_path / f)
    b = get_budget("small")
    by_path = load_data(str(tmp_path / "example_ct_sm.nii.gz"), b, 0, label="spleen")
    by_name = load_data("ct_spleen", b, 0)
    assert by_path.split["kind"] == by_name.split["kind"] == "leave-label-out"
    assert by_path.split["eval"] == by_name.split["eval"] == "spleen"
    assert by_name.eval_input[0]["name"] == "ct_spleen"
    assert by_path.eval_input[0]["name"] == "example_spleen"  # the case name of the resolver
    assert np.array_equal(by_path.eval_input[0]["label"], by_name.eval_input[0]["label"])
    assert "spleen" not in by_name.split["train"]
    assert all(is_trainable_ct_organ(o) for o in by_name.split["train"])
    organs = set(read_label_names(shared_data / CT / "example_seg.nii.gz").values())
    assert set(by_name.split["train"]) <= organs
    with pytest.raises(ValueError, match="the sample 'ct_spleen' fixes its target"):
        load_data("ct_spleen", b, 0, label="liver")


def test_lesion_sample_trains_on_phantoms(shared_data):
    lesion = next(n for n, (_, _, organ, _) in SAMPLE_CASES.items() if organ is None)
    d = load_data(f"sample:{lesion}", get_budget("small"), 0)
    assert d.split["kind"] == "synthetic training" and d.split["eval"] == lesion
    assert d.split["train"][0].startswith("synthetic phantoms")
