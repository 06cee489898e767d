"""Tests of the app's non-UI helpers: upload validation, background jobs, slice figure."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from app.components import slice_figure
from app.jobs import Cancelled, Job
from app.uploads import load_uploaded_image, load_uploaded_pair


@dataclass
class _Upload:
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


def _pair(shared_data, stem="breast1"):
    d = shared_data / "pyradiomics_lesions"
    return (_Upload(f"{stem}_image.nrrd", (d / f"{stem}_image.nrrd").read_bytes()),
            _Upload(f"{stem}_label.nrrd", (d / f"{stem}_label.nrrd").read_bytes()))


def test_upload_valid_nrrd_pair(shared_data):
    img, lab = _pair(shared_data)
    vol = load_uploaded_pair(img, lab)
    assert vol.image.shape == vol.label.shape and vol.label.sum() == 143
    assert vol.image.dtype == np.float32


def test_upload_valid_nifti_pair_with_label_value(shared_data):
    d = shared_data / "totalsegmentator_example"
    img = _Upload("ct.nii.gz", (d / "example_ct_sm.nii.gz").read_bytes())
    lab = _Upload("seg.nii.gz", (d / "example_seg.nii.gz").read_bytes())
    vol = load_uploaded_pair(img, lab, label_value=1)  # spleen in the TotalSegmentator map
    assert int(vol.label.sum()) == 9452


def test_upload_rejects_bad_input(shared_data):
    img, lab = _pair(shared_data)
    with pytest.raises(ValueError, match=re.escape("unsupported file type; allowed: .nii")):
        load_uploaded_pair(_Upload("evil.py", b"import os"), lab)
    with pytest.raises(ValueError, match="the limit is 0.0001 MB"):
        load_uploaded_pair(img, lab, max_mb=0.0001)
    with pytest.raises(ValueError, match="no label file was uploaded is needed.*at most 64 MB"):
        load_uploaded_pair(img, None)
    with pytest.raises(ValueError, match="'x.nrrd'"):
        load_uploaded_pair(_Upload("x.nrrd", b"not an nrrd"), lab)
    with pytest.raises(ValueError, match="exceed the limit of 10"):
        load_uploaded_pair(img, lab, max_voxels=10)
    other, _ = _pair(shared_data, "brain2")
    with pytest.raises(ValueError, match="shape mismatch") as err:
        load_uploaded_pair(other, lab)
    assert "breast1_label.nrrd" in str(err.value)


def _nifti_header_only(shape, dtype="int16", *, zeros: int = 0) -> bytes:
    """A gzipped NIfTI whose header declares ``shape`` followed by ``zeros`` data bytes."""
    import gzip

    import nibabel as nib

    hdr = nib.Nifti1Header()
    hdr.set_data_shape(shape)
    hdr.set_data_dtype(dtype)
    hdr["vox_offset"] = 352
    raw = hdr.binaryblock + b"\0" * 4
    out = gzip.compress(raw, compresslevel=9)
    if zeros:
        out = gzip.compress(raw + bytes(zeros), compresslevel=9)
    return out


def test_upload_size_is_refused_from_the_header_before_decoding():
    """Issue 14: a 56-byte-class .nii.gz declaring 2000^3 int16, and a gzip bomb of
    320^3 zeros, are refused at once from their headers (nothing decoded), naming the upload."""
    tiny = _nifti_header_only((2000, 2000, 2000))
    assert len(tiny) < 200
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="'huge.nii.gz'.*exceed the limit") as err:
        load_uploaded_image(_Upload("huge.nii.gz", tiny))
    assert time.perf_counter() - t0 < 2.0
    assert "/tmp" not in str(err.value) and "iseg-upload" not in str(err.value)
    bomb = _nifti_header_only((320, 320, 320), "uint8", zeros=320**3)  # 33 MB of zeros
    assert len(bomb) < 0.1 * 2**20
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="'bomb.nii.gz'.*exceed the limit"):
        load_uploaded_image(_Upload("bomb.nii.gz", bomb))
    assert time.perf_counter() - t0 < 2.0


def test_upload_messages_never_show_server_paths(shared_data):
    img, lab = _pair(shared_data)
    for bad in (_Upload("x.nrrd", b"not an nrrd"), _Upload("y.nii.gz", b"\x1f\x8b broken")):
        with pytest.raises(ValueError) as err:
            load_uploaded_pair(bad, lab)
        msg = str(err.value)
        assert bad.name in msg and "/tmp" not in msg and "iseg-upload" not in msg, msg


def test_upload_image_without_label(shared_data):
    img, _ = _pair(shared_data)
    vol = load_uploaded_image(img)
    assert vol.label is None and vol.image.ndim == 3


def test_job_result_progress_and_failure():
    def work(progress, cancel):
        progress(0.5, "half")
        return 42

    job = Job(work, label="t").start()
    assert job.wait(5) and job.status == "done" and job.result == 42 and job.fraction == 1.0

    def bad(progress, cancel):
        raise ValueError("broken input")

    job = Job(bad).start()
    assert job.wait(5) and job.status == "failed" and job.error == "ValueError: broken input"
    with pytest.raises(RuntimeError, match="already called"):
        job.start()


def test_job_cancel_stops_the_worker():
    started = threading.Event()

    def slow(progress, cancel):
        started.set()
        for i in range(1000):
            progress(i / 1000, f"step {i}")
            time.sleep(0.01)
        return "finished"

    job = Job(slow).start()
    assert started.wait(5)
    job.cancel()
    assert job.wait(5) and job.status == "cancelled" and job.result is None
    with pytest.raises(Cancelled):
        job.progress(0.1)


def test_slice_figure_draws_interactions_on_the_slice():
    from reference_impl.interactions import Box, Click, Scribble

    img = np.random.default_rng(0).normal(size=(32, 32))
    lab = np.zeros((32, 32), bool)
    lab[8:20, 8:20] = True
    inter = [Click(1, (5, 10, 10)), Click(0, (5, 2, 2)), Click(1, (6, 3, 3)),
             Scribble(1, np.array([[5, 1, 1], [5, 1, 2], [4, 0, 0]])),
             Box((4, 8, 8), (7, 20, 20))]
    fig, drawn = slice_figure(img, label=lab, prediction=lab, interactions=inter, z=5,
                              guidance=np.stack([lab, ~lab]).astype(float))
    assert drawn == 4  # the click on slice 6 is not drawn
    assert len(fig.axes) == 2
    fig, drawn = slice_figure(img, interactions=inter, z=9)
    assert len(fig.axes) == 1 and drawn == 0
