"""Bad volume files (issue 14): refused before decoding, one VolumeError naming the file,
exit 2 without a traceback at the command line; label selection rules; ISEG_DATA."""

from __future__ import annotations

import gzip
import json
import re
import time

import nibabel as nib
import numpy as np
import pytest

from app.cli import main
from reference_impl.io import (
    VolumeError,
    inspect_volume,
    load_case,
    read_volume,
    select_label,
    shared_data_dir,
)


def _nii(path, data=None, affine=None):
    data = np.zeros((4, 5, 6), np.int16) if data is None else data
    nib.save(nib.Nifti1Image(data, np.eye(4) if affine is None else affine), str(path))
    return path


def _header_bytes(shape, dtype=np.int16):
    hdr = nib.Nifti1Header()
    hdr.set_data_shape(shape)
    hdr.set_data_dtype(dtype)
    hdr["vox_offset"] = 352
    return hdr.binaryblock + b"\0" * 4


def _nrrd(path, header: str, data: bytes = b"\0" * 8):
    path.write_bytes(header.encode() + b"\n" + data)
    return path


BASE = "NRRD0004\ntype: short\ndimension: 3\nsizes: 2 2 1\nencoding: raw\nendian: little\n"


def _bad_files(tmp):
    """name -> path of every bad-file case."""
    f = {}
    good = _nii(tmp / "good.nii.gz", np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6))
    raw = good.read_bytes()
    (tmp / "trunc.nii.gz").write_bytes(raw[: len(raw) // 2])
    f["truncated .nii.gz"] = tmp / "trunc.nii.gz"
    big = _nii(
        tmp / "big.nii.gz", np.random.default_rng(0).integers(0, 999, (20, 20, 20)).astype(np.int16)
    )
    (tmp / "tail.nii.gz").write_bytes(big.read_bytes()[:-30])
    f["truncated .nii.gz tail"] = tmp / "tail.nii.gz"
    (tmp / "plain.nii.gz").write_bytes(gzip.decompress(raw))
    f["non-gzip .nii.gz"] = tmp / "plain.nii.gz"
    (tmp / "short.nii").write_bytes(_header_bytes((40, 50, 60)) + b"\0" * 100)
    f["header larger than data"] = tmp / "short.nii"
    (tmp / "huge.nii.gz").write_bytes(gzip.compress(_header_bytes((2000, 2000, 2000))))
    f["2000^3 header"] = tmp / "huge.nii.gz"
    hb = bytearray(_header_bytes((4, 5, 6)))
    hb[42:44] = np.int16(-4).tobytes()  # dim[1] = -4
    (tmp / "neg.nii").write_bytes(bytes(hb) + b"\0" * 240)
    f["negative dimension"] = tmp / "neg.nii"
    rgb = np.zeros((4, 5, 6), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    f["RGB NIfTI"] = _nii(tmp / "rgb.nii.gz", rgb)
    f["4D NIfTI"] = _nii(tmp / "vec.nii.gz", np.zeros((4, 5, 6, 3), np.float32))
    (tmp / "dir.nii.gz").mkdir()
    f["directory named .nii.gz"] = tmp / "dir.nii.gz"
    (tmp / "img.png").write_bytes(b"\x89PNG")
    f["unknown suffix"] = tmp / "img.png"
    f["missing file"] = tmp / "nope.nii.gz"
    f["NRRD without sizes"] = _nrrd(tmp / "nosizes.nrrd", BASE.replace("sizes: 2 2 1\n", ""))
    f["NRRD bad type"] = _nrrd(tmp / "type.nrrd", BASE.replace("short", "quaternion"))
    f["NRRD bad encoding"] = _nrrd(tmp / "enc.nrrd", BASE.replace("raw", "zip"))
    f["NRRD dimension mismatch"] = _nrrd(
        tmp / "dim.nrrd", BASE.replace("sizes: 2 2 1", "sizes: 2 2")
    )
    f["NRRD quaternion kinds"] = _nrrd(
        tmp / "kinds.nrrd",
        BASE.replace("dimension: 3\nsizes: 2 2 1", "dimension: 4\nsizes: 4 2 2 1")
        + "kinds: quaternion domain domain domain\n",
    )
    f["NRRD garbage"] = _nrrd(tmp / "garbage.nrrd", "hello world")
    f["NRRD short data"] = _nrrd(tmp / "short.nrrd", BASE.replace("2 2 1", "20 20 10"))
    f["NRRD data file outside"] = _nrrd(
        tmp / "out.nhdr", BASE + "data file: ../elsewhere.raw\n", b""
    )
    f["NRRD bad directions"] = _nrrd(
        tmp / "dirs.nrrd",
        BASE + "space: left-posterior-superior\nspace directions: (1,0) (0,1) (0,0)\n",
    )
    f["NRRD non-gzip gzip"] = _nrrd(tmp / "gz.nrrd", BASE.replace("raw", "gzip"))
    return f


def test_every_bad_file_is_one_volume_error_naming_it(tmp_path):
    for case, path in _bad_files(tmp_path).items():
        t0 = time.perf_counter()
        with pytest.raises(VolumeError, match=re.escape(str(path))) as info:
            read_volume(path, max_voxels=10**7)
        assert time.perf_counter() - t0 < 5, case  # refused before decoding
        assert isinstance(info.value, ValueError), case


def test_good_files_still_read(tmp_path):
    data = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    arr, spacing, aff = read_volume(_nii(tmp_path / "g.nii.gz", data))
    assert arr.shape == (6, 5, 4) and np.array_equal(arr, data.transpose(2, 1, 0))
    info = inspect_volume(tmp_path / "g.nii.gz")
    assert info.shape == (6, 5, 4) and info.dtype == np.int16 and info.n_voxels == 120
    p = _nrrd(tmp_path / "ok.nrrd", BASE, np.arange(4, dtype="<i2").tobytes())
    arr, _, _ = read_volume(p)
    assert arr.shape == (1, 2, 2) and arr[0, 1, 0] == 2 and arr[0, 0, 1] == 1  # x fastest


def test_voxel_limit_is_checked_before_decoding(tmp_path):
    zeros = _nii(tmp_path / "z.nii.gz", np.zeros((64, 64, 64), np.uint8))
    with pytest.raises(VolumeError, match=r"262144 voxels .* exceed the limit of 1000"):
        read_volume(zeros, max_voxels=1000)


@pytest.mark.parametrize(
    "case",
    [
        "truncated .nii.gz",
        "2000^3 header",
        "RGB NIfTI",
        "directory named .nii.gz",
        "NRRD quaternion kinds",
        "negative dimension",
    ],
)
def test_cli_exits_2_naming_the_file(tmp_path, capsys, case):
    bad = _bad_files(tmp_path)[case]
    rc = main(
        [
            "segment",
            str(bad),
            "--click",
            "0,0,0",
            "--engine",
            "ball-floor",
            "--out",
            str(tmp_path / "o.nii.gz"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and str(bad) in err and "Traceback" not in err
    good = _nii(tmp_path / "img.nii.gz")
    rc = main(
        [
            "evaluate",
            "--data",
            f"{good},{bad}",
            "--engine",
            "ball-floor",
            "--out",
            str(tmp_path / "ev"),
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and str(bad) in err and "Traceback" not in err
    assert not (tmp_path / "ev").exists() and not (tmp_path / "o.nii.gz").exists()


def test_label_rules(tmp_path):
    lab = np.zeros((4, 5, 6), np.int16)
    lab[0, 0, :2], lab[1, 1, :3] = 2, 255
    with pytest.raises(VolumeError, match=re.escape("multi-class label map with classes 2, 255")):
        select_label(lab, path="x.nii.gz")
    assert select_label(lab, target=255).sum() == 3
    assert select_label(lab, target="2").sum() == 2
    assert select_label(np.where(lab == 255, 255, 0)).sum() == 3  # one class: that class
    with pytest.raises(VolumeError, match="not an integer label map"):
        select_label(np.linspace(0, 1, 120).reshape(4, 5, 6), path="p.nii.gz")
    with pytest.raises(VolumeError, match="the label is empty for class 7"):
        select_label(lab, target=7)
    with pytest.raises(
        VolumeError, match=re.escape("unknown label name 'liver'; known names: none")
    ):
        select_label(lab, target="liver")
    img = _nii(tmp_path / "i.nii.gz", np.ones((4, 5, 6), np.int16))
    seg = _nii(tmp_path / "i_seg.nii.gz", lab)
    (tmp_path / "labels.json").write_text(json.dumps({"labels": {"2": "cyst", "255": "tumour"}}))
    with pytest.raises(VolumeError, match=re.escape("2 (cyst), 255 (tumour)")):
        load_case(img, seg)
    assert int(load_case(img, seg, label_value="tumour").label.sum()) == 3


def test_iseg_data_must_exist(monkeypatch, tmp_path):
    monkeypatch.setenv("ISEG_DATA", str(tmp_path / "nonexistent"))
    with pytest.raises(VolumeError, match=re.escape(f"ISEG_DATA={tmp_path / 'nonexistent'}")):
        shared_data_dir()
    monkeypatch.setenv("ISEG_DATA", str(tmp_path))
    assert shared_data_dir() == tmp_path


def test_check_sha256_reads_each_file_once_and_names_the_bad_one(tmp_path, monkeypatch):
    import hashlib

    from reference_impl.io import check_sha256

    a, b = tmp_path / "a.nii.gz", tmp_path / "b.nii.gz"
    a.write_bytes(b"image")
    b.write_bytes(b"label")
    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (a, b)}
    calls = []
    real = hashlib.sha256
    monkeypatch.setattr(hashlib, "sha256", lambda *x: calls.append(1) or real(*x))
    # the same file named twice (two spellings of one path) is read once
    check_sha256({a: sha[a], str(tmp_path / "." / "a.nii.gz"): sha[a], b: sha[b]})
    assert len(calls) == 2
    with pytest.raises(ValueError, match="b.nii.gz: SHA-256"):
        check_sha256({a: sha[a], b: sha[a]})
    with pytest.raises(ValueError, match="two different SHA-256"):
        check_sha256({a: sha[a], str(a): sha[b]})
    with pytest.raises(FileNotFoundError, match="missing.nii.gz: no such file"):
        check_sha256({tmp_path / "missing.nii.gz": sha[a]})
