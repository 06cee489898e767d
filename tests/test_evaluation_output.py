"""The one output-folder implementation (reference_impl.evaluation.output) under both tools.

``iseg run`` (whole folder, renamed at the end) and ``iseg evaluate`` (file by file) share
the checks: the current/home/root folder refused, a path under a file refused, a folder is
reused only when the same tool's marker lists everything in it (subfolders included), and
files are replaced atomically.
"""

from __future__ import annotations

import gzip
import json

import nibabel as nib
import numpy as np
import pytest

from reference_impl.evaluation import output
from reference_impl.evaluation.output import (
    MARKER,
    RUN_MARKER,
    SEG_DESCRIP,
    check_out_dir,
    check_seg_path,
    finish,
    finish_out_dir,
    make_tmp,
    segmentation_bytes,
    write_segmentation,
    write_text,
)

TOOLS = ["iseg run", "iseg evaluate"]


@pytest.mark.parametrize("tool", TOOLS)
def test_protected_folders_refused_for_both_tools(tmp_path, monkeypatch, tool):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for target in (".", "~", str(home), "/", str(tmp_path), ""):
        with pytest.raises(ValueError, match="--out"):
            check_out_dir(target, tool=tool)
    f = tmp_path / "notes.txt"
    f.write_text("x")
    with pytest.raises(ValueError, match=f"{f} is a file, not a folder"):
        check_out_dir(f / "sub", tool=tool)
    with pytest.raises(ValueError, match="exists and is not a folder"):
        check_out_dir(f, tool=tool)
    with pytest.raises(ValueError, match="tool must be one of"):
        check_out_dir(tmp_path / "new", tool="iseg foo")


def test_evaluate_folder_reused_only_when_the_marker_lists_everything(tmp_path):
    out = check_out_dir(tmp_path / "ev")
    out.mkdir()
    write_segmentation(np.ones((2, 3, 4), np.uint8), np.eye(4), out / "seg" / "a.nii.gz")
    write_text(out / "metrics.json", "{}")
    finish_out_dir(out, ["seg/a.nii.gz", "metrics.json"])
    assert json.loads((out / MARKER).read_text()) == {
        "written_by": "iseg evaluate",
        "files": ["metrics.json", "seg/a.nii.gz"],
    }
    assert check_out_dir(out) == out  # an earlier iseg evaluate folder
    finish_out_dir(out, ["summary.md"])  # later files are added to the list
    assert "seg/a.nii.gz" in json.loads((out / MARKER).read_text())["files"]
    with pytest.raises(ValueError, match="not written by iseg run"):
        check_out_dir(out, tool="iseg run")  # another tool's folder is not reused
    (out / "seg" / "mine.nii.gz").write_text("user file")  # stricter than before: inside seg/
    with pytest.raises(ValueError, match="was not written by iseg evaluate"):
        check_out_dir(out)
    assert (out / "seg" / "mine.nii.gz").read_text() == "user file"


def test_run_folder_replaced_whole_and_marker_checked(tmp_path):
    out = check_out_dir(tmp_path / "run", tool="iseg run")
    for k in range(2):
        tmp = make_tmp(out)
        (tmp / "segmentation").mkdir()
        (tmp / "segmentation" / f"v{k}.nii.gz").write_text("x")
        finish(tmp, out)
        assert sorted(p.name for p in (out / "segmentation").iterdir()) == [f"v{k}.nii.gz"]
    assert json.loads((out / RUN_MARKER).read_text())["files"] == ["segmentation/v1.nii.gz"]
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary or old folder left
    with pytest.raises(ValueError, match="not written by iseg evaluate"):
        check_out_dir(out)


def test_atomic_writes_leave_no_temporary_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "metrics.json"
    write_text(target, "old")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(output.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_text(target, "new")
    with pytest.raises(OSError, match="disk full"):
        write_segmentation(np.zeros((2, 2, 2)), np.eye(4), tmp_path / "s.nii.gz")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.json"]


def test_segmentation_file_rules(tmp_path):
    aff = np.diag([2.0, 1.0, 0.5, 1.0])
    aff[:3, 3] = [5, 6, 7]
    mask = np.zeros((3, 4, 5), np.uint8)
    mask[1, 2, 3] = 1
    path = write_segmentation(mask, aff, tmp_path / "seg.nii.gz")
    img = nib.load(str(path))
    assert img.shape == (5, 4, 3) and np.allclose(img.affine, aff[:, [2, 1, 0, 3]])
    assert img.header["descrip"].tobytes().decode().startswith(SEG_DESCRIP)
    assert check_seg_path(path) == path  # iseg's own file may be replaced
    foreign = tmp_path / "theirs.nii.gz"
    nib.save(nib.Nifti1Image(mask, np.eye(4)), str(foreign))
    with pytest.raises(ValueError, match="was not written by iseg"):
        check_seg_path(foreign)
    with pytest.raises(ValueError, match="use a .nii.gz or .nii file name"):
        check_seg_path(tmp_path / "seg.png")


def test_segmentation_bytes_are_the_written_file(tmp_path):
    """One encoder: ``write_segmentation`` writes ``segmentation_bytes`` (the app's download),
    gzipped or not by the file name, and the same mask always gives the same bytes."""
    rng = np.random.default_rng(3)
    mask = rng.random((3, 4, 5)) > 0.5  # bool: stored as uint8
    aff = np.array([[0, 0, -0.8, 30], [0, 1.1, 0, -12], [2.5, 0, 0, 7], [0, 0, 0, 1.0]])
    gz, raw = segmentation_bytes(mask, aff), segmentation_bytes(mask, aff, compressed=False)
    assert gz == segmentation_bytes(mask.astype(np.float32), aff)  # deterministic, no time stamp
    assert gz[:2] == b"\x1f\x8b" and gzip.decompress(gz) == raw and raw[:4] != gz[:4]
    assert write_segmentation(mask, aff, tmp_path / "a.nii.gz").read_bytes() == gz
    assert write_segmentation(mask, aff, tmp_path / "b.NII").read_bytes() == raw
    for name in ("a.nii.gz", "b.NII"):
        img = nib.load(str(tmp_path / name))
        assert img.get_data_dtype() == np.uint8
        assert np.array_equal(np.asarray(img.dataobj).transpose(2, 1, 0), mask)
        assert np.allclose(img.affine, aff[:, [2, 1, 0, 3]])
        assert int(img.header["sform_code"]) == int(img.header["qform_code"]) == 1
    mask2 = mask.copy()
    mask2[0, 0, 0] = ~mask2[0, 0, 0]
    assert segmentation_bytes(mask2, aff) != gz
    with pytest.raises(ValueError, match="need a 3D mask and a 4x4 affine"):
        segmentation_bytes(mask[0], aff)
