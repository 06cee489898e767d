"""The "Segment interactively" page's helpers: orthogonal views, click mapping, session glue."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.orthoview import COLOURS, VIEWS, Ortho, percentile_window, window


def _affine(perm, signs, spacing=(2.0, 1.0, 0.5)):
    """(z, y, x) -> RAS affine whose input axis i runs along world axis perm[i] * signs[i]."""
    aff = np.eye(4)
    aff[:3, :3] = 0
    for i, (w, s) in enumerate(zip(perm, signs, strict=True)):
        aff[w, i] = s * spacing[i]
    aff[:3, 3] = (10.0, -20.0, 30.0)
    return aff


def _world(aff, idx):
    return (aff @ np.r_[np.asarray(idx, float), 1.0])[:3]


AFFINES = [
    (p, s) for p in itertools.permutations(range(3)) for s in itertools.product((1, -1), repeat=3)
]


@pytest.mark.parametrize(("perm", "signs"), AFFINES)
def test_every_view_pixel_maps_to_the_voxel_drawn_there(perm, signs):
    """For all 48 axis permutations/flips: the voxel under a pixel is the one rendered there,
    and the views are radiological (patient's right on the image's left, anterior/superior up,
    sagittal anterior on the left)."""
    shape = (7, 9, 11)
    aff = _affine(perm, signs)
    vol = np.arange(np.prod(shape)).reshape(shape)
    o = Ortho.from_affine(aff, shape, max_px=60)
    canon = o.to_canonical(vol)
    rng = np.random.default_rng(0)
    for view, a in VIEWS.items():
        fr, fc = o.scale(view)
        for _ in range(20):
            pos = int(rng.integers(canon.shape[a]))
            sl = o.view_slice(canon, view, pos)
            r, c = int(rng.integers(sl.shape[0])), int(rng.integers(sl.shape[1]))
            px, py = c * fc + rng.integers(fc), r * fr + rng.integers(fr)  # anywhere in the block
            idx = o.pixel_to_index(view, pos, px, py)
            assert vol[idx] == sl[r, c]
            assert o.index_to_canon(idx)[a] == pos
            cx, cy = o.index_to_pixel(view, idx)
            assert o.pixel_to_index(view, pos, cx, cy) == idx
        # orientation: one block right / down moves the world point as radiologists expect
        pos = canon.shape[a] // 2
        w0 = _world(aff, o.pixel_to_index(view, pos, 0, 0))
        right = _world(aff, o.pixel_to_index(view, pos, fc, 0)) - w0
        down = _world(aff, o.pixel_to_index(view, pos, 0, fr)) - w0
        if view == "axial":
            assert right[0] < 0 and down[1] < 0  # towards patient's left; towards posterior
        elif view == "coronal":
            assert right[0] < 0 and down[2] < 0  # towards patient's left; towards inferior
        else:
            assert right[1] < 0 and down[2] < 0  # towards posterior; towards inferior
        assert np.count_nonzero(right) == 1 and np.count_nonzero(down) == 1


def test_bundled_ct_axial_view_is_radiological(shared_data):
    """The spleen (patient's left) appears on the image's right half of the axial view."""
    from reference_impl.io import load_sample

    vol = load_sample("ct_spleen")
    o = Ortho.from_affine(vol.affine, vol.shape)
    lab = o.to_canonical(vol.label)
    cols = np.nonzero(lab.any(axis=(0, 1)))[0]
    assert cols.mean() > lab.shape[2] / 2
    rows = np.nonzero(lab.any(axis=(0, 2)))[0]  # the spleen is posterior: lower half
    assert rows.mean() > lab.shape[1] / 2
    fr, fc = o.scale("axial")
    assert fr == fc and fr >= 2  # 3 mm isotropic voxels drawn as square blocks


def test_anisotropic_voxels_keep_their_aspect():
    aff = _affine((2, 1, 0), (1, 1, 1), spacing=(6.5, 0.78, 0.78))  # z along S, 6.5 mm
    o = Ortho.from_affine(aff, (25, 256, 256))
    fr, fc = o.scale("coronal")  # rows along z (6.5 mm), columns along x (0.78 mm)
    assert fr / fc == pytest.approx(6.5 / 0.78, rel=0.1)
    assert o.scale("axial") == (1, 1)  # native resolution: never shrunk


def test_render_draws_mask_label_and_clicks():
    shape = (5, 20, 20)
    o = Ortho.from_affine(_affine((2, 1, 0), (1, 1, 1), (1.0, 1.0, 1.0)), shape, max_px=20)
    grey = np.full(o.canon_shape, 100, np.uint8)
    mask = np.zeros(shape, np.uint8)
    mask[2, 5:15, 5:15] = 1
    label = np.zeros(shape, np.uint8)
    label[2, 2:18, 2:18] = 1
    pos_click, neg_click = (2, 10, 10), (2, 3, 16)
    canon_pos = o.index_to_canon(pos_click)[0]
    rgb = o.render(
        grey,
        "axial",
        canon_pos,
        mask=o.to_canonical(mask),
        label=o.to_canonical(label),
        clicks=[(pos_click, True), (neg_click, False)],
    )
    colours = {tuple(int(v) for v in p) for p in rgb.reshape(-1, 3)}
    for name in ("prediction", "label", "positive", "negative"):
        assert COLOURS[name] in colours, name
    px, py = o.index_to_pixel("axial", pos_click)
    assert tuple(rgb[int(py), int(px)]) == COLOURS["positive"]
    other = o.render(grey, "axial", canon_pos + 1, clicks=[(pos_click, True)])
    assert COLOURS["positive"] not in {tuple(int(v) for v in p) for p in other.reshape(-1, 3)}


def test_colours_have_one_meaning_each():
    assert len(set(COLOURS.values())) == len(COLOURS)


def test_windows():
    img = np.array([-1000.0, 40.0, 240.0, 3000.0])
    assert window(img, 40, 400).tolist() == [0, 128, 255, 255]
    level, width = percentile_window(np.arange(101.0), 1, 99)
    assert (level, width) == pytest.approx((50.0, 98.0))
    with pytest.raises(ValueError, match="3D"):
        Ortho.from_affine(np.eye(4), (4, 4))


# ---------------------------------------------------------------- session glue and the page
class _FakeResult:
    def __init__(self, mask):
        self.mask, self.probs, self.seconds = mask, mask.astype("float32"), 0.01


class FakeSession:
    """Records what the page asks of an ``InteractiveSession``; the mask is the clicked voxels
    (the real engines are exercised by the browser test and by reference_impl's tests)."""

    log: list = []

    def __init__(self, engine="random-walker", *, device=None):
        self.engine, self.clicks = engine, []
        FakeSession.log.append(("new", engine))

    def set_image(self, image, *, affine=None, spacing=None):
        self.shape = image.shape

    def add_click(self, index, *, positive=True, run_prediction=True):
        self.clicks.append((tuple(index), positive))

    def add_scribble(self, indices, *, positive=True, run_prediction=True):
        if self.engine == "clicks-only":
            raise ValueError("engine 'clicks-only' does not take scribbles")
        self.clicks.extend((tuple(p), positive) for p in indices)
        self.n_scribble = len(indices)

    def undo(self, *, run_prediction=True):
        self.clicks.pop()

    def reset(self):
        self.clicks = []

    def predict(self):
        m = np.zeros(self.shape, np.uint8)
        for idx, pos in self.clicks:
            m[idx] = 1 if pos else 0
        FakeSession.log.append(("predict", self.engine, len(self.clicks)))
        return _FakeResult(m)


@pytest.fixture
def fake_session(monkeypatch):
    import app.segment

    FakeSession.log = []
    monkeypatch.setattr(
        app.segment,
        "_new_session",
        lambda engine, image, affine, spacing, device: _fake(engine, image),
    )
    monkeypatch.setattr(app.segment, "engines", lambda: ["random-walker", "geodesic"])
    return FakeSession


def _fake(engine, image):
    s = FakeSession(engine)
    s.set_image(image)
    return s


def test_workspace_click_undo_reset_engine_switch(shared_data, fake_session):
    from app import segment as seg
    from reference_impl.io import load_sample

    vol = load_sample("ct_spleen")
    ws = seg.open_workspace(vol)
    centre = tuple(int(v) for v in np.round(np.argwhere(vol.label).mean(axis=0)))
    assert vol.label[centre]  # the spleen centre is inside the spleen
    canon = ws.ortho.index_to_canon(centre)
    ws.pos["axial"] = canon[0]
    px, py = ws.ortho.index_to_pixel("axial", centre)
    rows, cols = ws.ortho.view_slice(ws.canon_image, "axial", canon[0]).shape
    fr, fc = ws.ortho.scale("axial")
    # the browser displays the image at half size: coordinates are scaled back
    event = {
        "x": px / 2,
        "y": py / 2,
        "width": cols * fc / 2,
        "height": rows * fr / 2,
        "unix_time": 1,
    }
    assert seg.click(ws, "axial", event, positive=True)
    assert ws.clicks == [(centre, True)] and ws.mask[centre] == 1
    assert not seg.click(ws, "axial", event, positive=True)  # the same event on a rerun
    assert ws.pos["coronal"] == canon[1] and ws.pos["sagittal"] == canon[2]
    assert 0 < seg.dice(ws) < 0.01 and len(ws.seconds) == 1
    seg.add_click(ws, (centre[0], centre[1] + 1, centre[2]), positive=False)
    seg.switch_engine(ws, "geodesic")
    assert ws.session.engine == "geodesic" and len(ws.session.clicks) == 2  # replayed
    seg.undo(ws)
    assert len(ws.clicks) == 1 and ws.mask[centre] == 1 and len(ws.session.clicks) == 1
    seg.reset(ws)
    assert ws.clicks == [] and ws.mask is None and ws.session.clicks == []
    assert seg.dice(ws) == 0.0


def test_segmentation_download_is_the_file_iseg_segment_writes(
    tmp_path, shared_data, fake_session, monkeypatch
):
    """The page's download holds exactly the bytes that ``write_segmentation`` (``iseg
    segment --out``) writes for the same mask and affine: input grid, input affine, uint8,
    iseg's header tag."""
    import nibabel as nib
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
    from streamlit.testing.v1 import AppTest

    from app import segment as seg
    from app.state import REPO_ROOT
    from reference_impl.evaluation.output import SEG_DESCRIP, check_seg_path, write_segmentation
    from reference_impl.io import read_volume

    served: dict = {}  # what the page hands to Streamlit's media storage, by file name
    load = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        served[filename] = path_or_data
        return load(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/segment.py").run()
    ws = at.session_state["seg_ws"]
    inside = np.argwhere(ws.label)
    seg.add_click(ws, tuple(int(v) for v in inside[0]), positive=True)
    seg.add_click(ws, tuple(int(v) for v in inside[-1]), positive=True)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.get("download_button")
    download = served[f"{ws.name}_{ws.engine}_seg.nii.gz"]
    written = write_segmentation(ws.mask, ws.affine, tmp_path / "iseg_segment.nii.gz")
    assert isinstance(download, bytes) and download == written.read_bytes()
    path = tmp_path / "downloaded.nii.gz"
    path.write_bytes(download)
    arr, _, affine = read_volume(path)
    assert arr.sum() == 2 and np.array_equal(arr, ws.mask) and np.allclose(affine, ws.affine)
    img = nib.load(str(path))
    assert img.get_data_dtype() == np.uint8 and img.shape == ws.image.shape[::-1]
    assert img.header["descrip"].tobytes().decode().startswith(SEG_DESCRIP)
    assert check_seg_path(path) == path  # ``iseg segment --out`` may replace a download


def test_modality_guess(shared_data):
    from app.segment import guess_modality
    from reference_impl.io import load_sample

    assert guess_modality(load_sample("ct_spleen").image) == "CT"
    assert guess_modality(load_sample("mr_brain1").image) == "MR"


def test_segment_page_renders_the_bundled_ct(shared_data, fake_session):
    from streamlit.testing.v1 import AppTest

    from app.state import REPO_ROOT

    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/segment.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Segment interactively"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clicks"] == "0" and metrics["Dice vs label"] == "0.000"
    assert at.selectbox(key="seg_window").value == "CT soft tissue"
    ws = at.session_state["seg_ws"]
    from app import segment as seg

    seg.add_click(ws, tuple(int(v) for v in np.argwhere(ws.label)[0]), positive=True)
    at.run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Clicks"] == "1" and metrics["Mask voxels"] == "1"
    assert at.get("download_button")
    at.selectbox(key="seg_case").select("mr_brain1").run()
    assert not at.exception and at.selectbox(key="seg_window").value == "Percentile (MR)"
    assert at.session_state["seg_ws"].name == "mr_brain1"
    at.button(key="seg_undo")  # exists
    at.button_group(key="seg_input").set_value("scribble").run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_segment_page_opens_an_upload_and_refuses_a_huge_header(shared_data, fake_session):
    import gzip

    import nibabel as nib
    from streamlit.testing.v1 import AppTest

    from app.state import REPO_ROOT

    at = AppTest.from_file(str(REPO_ROOT / "app" / "streamlit_app.py"), default_timeout=60)
    at.run()
    at.switch_page("views/segment.py").run()
    at.radio(key="seg_source").set_value("upload").run()
    hdr = nib.Nifti1Header()
    hdr.set_data_shape((2000, 2000, 2000))
    hdr.set_data_dtype("int16")
    hdr["vox_offset"] = 352
    at.file_uploader(key="seg_up_image").upload(
        "huge.nii.gz", gzip.compress(hdr.binaryblock + b"\0" * 4)
    )
    at.button(key="seg_open_upload").click().run()
    assert not at.exception
    msg = at.error[0].value
    assert "'huge.nii.gz'" in msg and "exceed the limit" in msg and "/tmp" not in msg
    d = shared_data / "pyradiomics_lesions"
    at.file_uploader(key="seg_up_image").clear().upload(
        "breast.nrrd", (d / "breast1_image.nrrd").read_bytes()
    )
    at.file_uploader(key="seg_up_label").upload(
        "breast_label.nrrd", (d / "breast1_label.nrrd").read_bytes()
    )
    at.button(key="seg_open_upload").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ws = at.session_state["seg_ws"]
    assert ws.name == "breast" and ws.label is not None and ws.modality == "MR"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Dice vs label"] == "0.000"
    assert at.selectbox(key="seg_window").value == "Percentile (MR)"


def test_fabric_path_points_are_dense_and_exact():
    from app.segment import path_points

    path = [["M", 10.0, 10.0], ["Q", 10, 10, 14, 10], ["L", 14.0, 13.0]]
    pts = path_points(path)
    assert tuple(pts[0]) == (10.0, 10.0) and tuple(pts[-1]) == (14.0, 13.0)
    steps = np.hypot(*np.diff(pts, axis=0).T)
    assert steps.max() <= 0.5 + 1e-9
    assert path_points([]).shape == (0, 2)


def test_scribble_on_a_view_becomes_the_voxels_under_it(shared_data, fake_session):
    from app import segment as seg
    from reference_impl.io import load_sample

    vol = load_sample("ct_spleen")
    ws = seg.open_workspace(vol)
    centre = tuple(int(v) for v in np.round(np.argwhere(vol.label).mean(axis=0)))
    ws.pos["axial"] = ws.ortho.index_to_canon(centre)[0]
    a = ws.ortho.index_to_pixel("axial", centre)
    b = ws.ortho.index_to_pixel("axial", (centre[0], centre[1], centre[2] - 3))
    idx = seg.scribble_indices(ws, "axial", seg.path_points([["M", *a], ["L", *b]]))
    # a straight stroke along x in the image: the same z and y, 4 voxels along x
    assert idx.shape == (4, 3) and set(idx[:, 0]) == {centre[0]} and set(idx[:, 1]) == {centre[1]}
    assert sorted(idx[:, 2]) == list(range(centre[2] - 3, centre[2] + 1))
    seg.add_scribble(ws, idx, positive=True)
    assert ws.order == ["scribble"] and all(ws.mask[tuple(p)] == 1 for p in idx)
    seg.add_click(ws, centre, positive=False)
    seg.switch_engine(ws, "geodesic")  # replays the scribble then the click, in order
    assert ws.session.clicks[-1] == (centre, False) and len(ws.session.clicks) == 5
    seg.undo(ws)
    assert ws.order == ["scribble"] and ws.clicks == [] and len(ws.scribbles) == 1
    rgb = ws.ortho.render(
        np.zeros(ws.ortho.canon_shape, np.uint8), "axial", ws.pos["axial"], scribbles=ws.scribbles
    )
    fr, fc = ws.ortho.scale("axial")
    px, py = ws.ortho.index_to_pixel("axial", tuple(idx[1]))
    assert tuple(rgb[int(py), int(px)]) == (40, 255, 40)
    ws.session.engine = "clicks-only"
    with pytest.raises(ValueError, match="does not take scribbles"):
        seg.add_scribble(ws, idx, positive=True)
    assert ws.order == ["scribble"]  # nothing recorded for a refused scribble
