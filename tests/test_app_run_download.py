"""The Run page's segmentation download is on the *input* grid with the input's affine.

The pipeline works on a grid resampled along axes longer than the budget's ``max_size``
and writes ``segmentation/<volume>.nii.gz`` mapped back onto the input grid; the page must
offer that file, not the working-grid prediction of the trajectory.
"""

from __future__ import annotations

import gzip
from dataclasses import replace

import nibabel as nib
import numpy as np
from streamlit.testing.v1 import AppTest

from app.jobs import Job
from app.runner import RunResult, execute, to_result
from app.state import REPO_ROOT
from reference_impl.io import Volume
from reference_impl.pipelines import RunOutput, run_pipeline

ENTRY = str(REPO_ROOT / "app" / "streamlit_app.py")
SHAPE = (20, 40, 36)  # (z, y, x); y and x exceed the tiny budget's max_size
MAX_SIZE = 24


def _tiny_budget(monkeypatch) -> None:
    from reference_impl.pipelines import _base

    small = _base.BUDGETS["small"]
    monkeypatch.setitem(
        _base.BUDGETS,
        "small",
        replace(
            small,
            shape=(24, 24, 24),
            roi=(24, 24, 24),
            max_size=MAX_SIZE,
            n_train=2,
            n_eval=1,
            steps=2,
            train_rounds=1,
            online_steps=1,
        ),
    )


def _volume() -> Volume:
    """A blob in an anisotropic, flipped, shifted grid (not the canonical orientation)."""
    z, y, x = np.mgrid[: SHAPE[0], : SHAPE[1], : SHAPE[2]]
    label = ((z - 10) ** 2 / 25 + (y - 20) ** 2 / 64 + (x - 17) ** 2 / 49 <= 1).astype(np.uint8)
    rng = np.random.default_rng(0)
    image = (label * 2.0 + rng.normal(0, 0.3, SHAPE)).astype(np.float32)
    affine = np.array(
        [
            [0.0, 0.0, -0.8, 30.0],  # world x <- -x (flipped)
            [0.0, 1.1, 0.0, -12.0],
            [2.5, 0.0, 0.0, 7.0],
            [0.0, 0.0, 0.0, 1.0],
        ]
    )
    return Volume(image, label, (2.5, 1.1, 0.8), affine, "blob")


def _nifti(data: bytes):
    return nib.Nifti1Image.from_bytes(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)


def test_download_is_the_input_grid_file_of_a_real_run(monkeypatch):
    _tiny_budget(monkeypatch)
    vol = _volume()
    res = execute(
        "T2.1.2.2.1",
        vol,
        device="cpu",
        budget="small",
        interactions=1,
        seed=0,
        progress=lambda f, m: None,
        cancel=__import__("threading").Event(),
    )
    assert max(res.image.shape) <= MAX_SIZE < max(SHAPE)  # the working grid is resampled
    img = _nifti(res.files["segmentation.nii.gz"])
    seg = np.asarray(img.dataobj).transpose(2, 1, 0)  # file (x, y, z) -> (z, y, x)
    assert seg.shape == SHAPE
    assert np.allclose(img.affine, vol.affine[:, [2, 1, 0, 3]])
    # it is the prediction the pipeline scored on the input grid
    from reference_impl.metrics import dice

    leaf_dice = res.metrics["final_dice_input_grid"]["leaf"][0]
    assert float(dice(seg, vol.label)) == leaf_dice


def test_to_result_reads_the_written_file_not_the_trajectory(tmp_path, monkeypatch):
    """A unit check of the choice itself: the bytes offered are those of
    ``segmentation/<volume>.nii.gz``."""
    _tiny_budget(monkeypatch)
    out = run_pipeline(
        "T2.1.2.2.1",
        data=_volume(),
        out=tmp_path / "run",
        device="cpu",
        n_interactions=1,
        show_progress=False,
    )
    assert out.segmentations == [tmp_path.resolve() / "run" / "segmentation" / "blob.nii.gz"]
    assert out.segmentation_file(0) == out.segmentations[0]
    assert out.segmentation_file(1) is None
    res = to_result(out)
    assert res.files["segmentation.nii.gz"] == out.segmentations[0].read_bytes()
    working = np.asarray(out.result.trajectories[0].steps[-1].pred).shape
    assert _nifti(res.files["segmentation.nii.gz"]).shape == SHAPE[::-1] != working[::-1]
    # written by the shared writer: marked as iseg's, so ``iseg segment`` may replace it
    from reference_impl.evaluation.output import SEG_DESCRIP, check_seg_path

    assert check_seg_path(out.segmentations[0]) == out.segmentations[0]
    descrip = nib.load(str(out.segmentations[0])).header["descrip"].tobytes().decode()
    assert descrip.startswith(SEG_DESCRIP)
    nothing = to_result(RunOutput(out.metrics, out.result, None))
    assert "segmentation.nii.gz" not in nothing.files  # no working-grid stand-in


def test_run_page_says_the_download_is_on_the_input_grid():
    lab = np.zeros((12, 16, 16), np.uint8)
    lab[3:9, 4:12, 4:12] = 1
    res = RunResult(
        "fake-pipeline",
        "T2.1.1.2",
        "vol",
        "cpu",
        [0.0, 0.7],
        0.5,
        0.7,
        np.zeros(lab.shape, np.float32),
        lab,
        [lab * 0, lab],
        [[], []],
        step_dice=[0.0, 0.7],
        run_id=301,
        files={"metrics.json": b"{}", "segmentation.nii.gz": b"x"},
    )
    job = Job(lambda progress, cancel: res, label="fake").start()
    assert job.wait(5)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("views/run_pipeline.py").run()
    at.session_state["run_job"] = job
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    text = " ".join(c.value for c in at.caption)
    assert "segmentation.nii.gz: the final prediction of vol on the input image's voxel grid" in (
        text
    )
    assert "pipeline's voxel grid" not in text
    assert "segmentation.nii.gz" in {b.label for b in at.get("download_button")}


def test_segmentation_file_names_stay_distinct():
    from reference_impl.pipelines._runner import _segmentation_names

    assert _segmentation_names(["a b", "a_b", "c"]) == [
        "segmentation/a_b.nii.gz",
        "segmentation/a_b_1.nii.gz",
        "segmentation/c.nii.gz",
    ]
