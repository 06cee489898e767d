"""Tests of the app's non-UI helpers: upload validation, background jobs, slice figure."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest

from app.jobs import Cancelled, Job
from app.uploads import load_uploaded_image, load_uploaded_pair
from reference_impl.plotting import slice_figure


@dataclass
class _Upload:
    name: str
    data: bytes

    def getvalue(self) -> bytes:
        return self.data


def _pair(shared_data, stem="breast1"):
    d = shared_data / "pyradiomics_lesions"
    return (
        _Upload(f"{stem}_image.nrrd", (d / f"{stem}_image.nrrd").read_bytes()),
        _Upload(f"{stem}_label.nrrd", (d / f"{stem}_label.nrrd").read_bytes()),
    )


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
    inter = [
        Click(1, (5, 10, 10)),
        Click(0, (5, 2, 2)),
        Click(1, (6, 3, 3)),
        Scribble(1, np.array([[5, 1, 1], [5, 1, 2], [4, 0, 0]])),
        Box((4, 8, 8), (7, 20, 20)),
    ]
    fig, drawn = slice_figure(
        img,
        label=lab,
        prediction=lab,
        interactions=inter,
        z=5,
        guidance=np.stack([lab, ~lab]).astype(float),
    )
    assert drawn == 4  # the click on slice 6 is not drawn
    assert len(fig.axes) == 2
    fig, drawn = slice_figure(img, interactions=inter, z=9)
    assert len(fig.axes) == 1 and drawn == 0


def _rgb(fig):
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3]


def test_slice_figure_colours_have_one_meaning_and_scribbles_are_filled():
    """Issue 12: red was both the prediction and a background click, green both the label
    and the background guidance; scribbles were 3-px dots."""
    import matplotlib.colors as mcolors

    from app.orthoview import COLOURS
    from reference_impl.interactions import Click, Scribble

    img = np.zeros((32, 32))
    lab = np.zeros((32, 32), bool)
    lab[8:20, 8:20] = True
    neg = Click(0, (5, 2, 2))
    pts = np.array([[5, 25, x] for x in range(5, 28)])
    fig, _ = slice_figure(
        img,
        label=lab,
        prediction=lab[::-1],
        interactions=[neg, Scribble(0, pts)],
        z=5,
        guidance=np.stack([lab, ~lab]).astype(float),
    )
    ax, gax = fig.axes
    contour_colours = {mcolors.to_hex(c.get_edgecolor()[0]) for c in ax.collections}
    marker = [ln for ln in ax.lines if ln.get_marker() == "x"][0]
    assert mcolors.to_hex(marker.get_color()) not in contour_colours
    assert "#{:02x}{:02x}{:02x}".format(*COLOURS["negative"]) == mcolors.to_hex(marker.get_color())
    assert not [ln for ln in ax.lines if ln.get_marker() == "." and ln.get_markersize() <= 3]
    # the scribble is drawn as filled voxels: every one of its pixels is magenta
    scrib = [im for im in ax.images if im.get_array().ndim == 3]
    assert scrib and (scrib[0].get_array()[25, 5:28, 3] == 1).all()
    # guidance colours: foreground lime, background magenta, neither the label's cyan
    bg_cmap = [im for im in gax.images if im.get_array().ndim == 2][-1].get_cmap()
    assert np.allclose(np.asarray(bg_cmap(1.0)[:3]) * 255, COLOURS["negative"], atol=1)
    assert not np.allclose(np.asarray(bg_cmap(1.0)[:3]) * 255, COLOURS["label"], atol=30)


def test_slice_figure_draws_a_worst_slice_correction():
    """The T2.1.2.2.4 result (a SliceCorrection with an int index) crashed the viewer."""
    from reference_impl.plotting import interaction_slices
    from reference_impl.robot_users.corrections import SliceCorrection

    mask = np.zeros((32, 32), bool)
    mask[4:10, 4:10] = True
    c = SliceCorrection(axis=0, index=5, mask=mask, score=0.3)
    assert interaction_slices(c) == {5}
    fig, drawn = slice_figure(np.zeros((32, 32)), interactions=[c], z=5)
    assert drawn == 1 and fig.axes[0].collections
    assert slice_figure(np.zeros((32, 32)), interactions=[c], z=4)[1] == 0
