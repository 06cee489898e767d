"""Segment interactively: click on three orthogonal views, the engine answers."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from app import segment as seg
from app.orthoview import COLOURS, VIEWS, WINDOWS, percentile_window, window
from app.state import init_state, safe_callback
from app.uploads import MAX_UPLOAD_MB, MAX_VOXELS, keep_upload, load_uploaded_image
from reference_impl.evaluation.output import segmentation_bytes
from reference_impl.io import SAMPLE_CASES, list_cases, load_sample

ss = st.session_state
init_state({"seg_ws": None, "seg_source_kept": "sample", "seg_error": None})
st.title("Segment interactively")
st.caption(
    "Click on any of the three views: each click goes to the engine, whose mask is "
    "overlaid in all views. Views are radiological (the patient's right on the image's "
    "left; sagittal: anterior on the left), one screen block per voxel, never resampled."
)
max_mb = float(st.get_option("server.maxUploadSize") or MAX_UPLOAD_MB)
engine_names = seg.engines()
if not engine_names:
    st.warning("No segmentation engine is installed (reference_impl.engines lists none).")
    st.stop()


def _open(volume) -> None:
    engine = ss.get("seg_engine") or seg.DEFAULT_ENGINE
    ss["seg_ws"] = seg.open_workspace(volume, engine=engine)
    ss["seg_window"] = "CT soft tissue" if ss["seg_ws"].modality == "CT" else "Percentile (MR)"
    for view, pos in ss["seg_ws"].pos.items():
        ss[f"seg_pos_{view}"] = pos
    ss["seg_error"] = None


@safe_callback
def _open_sample() -> None:
    _open(load_sample(ss["seg_case"]))


@safe_callback
def _open_upload() -> None:
    try:
        vol = load_uploaded_image(
            keep_upload(ss.get("seg_up_image")),
            keep_upload(ss.get("seg_up_label")),
            label_value=(ss.get("seg_label_value") or "").strip() or None,
            max_mb=max_mb,
            max_voxels=MAX_VOXELS,
        )
    except ValueError as exc:
        ss["seg_error"] = str(exc)
        return
    _open(vol)


@safe_callback
def _click(view: str) -> None:
    ws = ss.get("seg_ws")
    if ws is not None:
        seg.click(ws, view, ss.get(f"seg_click_{view}"), positive=ss.get("seg_mode") != "negative")
        for v, pos in ws.pos.items():
            ss[f"seg_pos_{v}"] = pos


@safe_callback
def _move(view: str) -> None:
    if ss.get("seg_ws") is not None:
        ss["seg_ws"].pos[view] = int(ss[f"seg_pos_{view}"])


@safe_callback
def _engine() -> None:
    if ss.get("seg_ws") is not None:
        seg.switch_engine(ss["seg_ws"], ss["seg_engine"])


@safe_callback
def _undo() -> None:
    if ss.get("seg_ws") is not None:
        seg.undo(ss["seg_ws"])


@safe_callback
def _reset() -> None:
    if ss.get("seg_ws") is not None:
        seg.reset(ss["seg_ws"])


# ---------------------------------------------------------------- data
c1, c2 = st.columns([1, 2])
source = c1.radio(
    "Image",
    ["sample", "upload"],
    key="seg_source",
    horizontal=True,
    index=["sample", "upload"].index(ss["seg_source_kept"]),
    format_func={"sample": "Bundled sample", "upload": "Upload"}.get,
)
ss["seg_source_kept"] = source
if source == "sample":
    cases = list_cases()
    if not cases:
        c2.warning("The bundled sample data was not found (../shared/data or $ISEG_DATA).")
    else:
        c2.selectbox(
            "Sample",
            cases,
            key="seg_case",
            on_change=_open_sample,
            format_func=lambda c: f"{c} — {SAMPLE_CASES[c][3]}",
        )
        if ss["seg_ws"] is None:
            try:
                _open(load_sample(ss["seg_case"]))
            except ValueError as exc:
                ss["seg_error"] = str(exc)
else:
    u1, u2, u3 = c2.columns([2, 2, 1])
    u1.file_uploader(
        "Image (.nii, .nii.gz, .nrrd)",
        key="seg_up_image",
        help=f"at most {max_mb:g} MB and {MAX_VOXELS} voxels; only parsed as "
        "NIfTI/NRRD, never executed",
    )
    u2.file_uploader("Label for live Dice (optional, same grid)", key="seg_up_label")
    u3.text_input(
        "Label value",
        key="seg_label_value",
        help="the class of a multi-class label map (a value or a labels.json name)",
    )
    c2.button("Open the upload", key="seg_open_upload", on_click=_open_upload)
if ss.get("seg_error"):
    st.error(ss.pop("seg_error"))

ws: seg.Workspace | None = ss.get("seg_ws")
if ws is None:
    st.stop()

# ---------------------------------------------------------------- controls
k1, k2, k6, k3, k4, k5 = st.columns([2, 3, 2, 2, 1, 1])
if ss.get("seg_engine") not in engine_names:
    ss["seg_engine"] = ws.engine if ws.engine in engine_names else engine_names[0]
k1.selectbox(
    "Engine",
    engine_names,
    key="seg_engine",
    on_change=_engine,
    help="changing the engine replays your clicks through it",
)
k2.segmented_control(
    "Each input adds",
    ["positive", "negative"],
    key="seg_mode",
    default="positive",
    format_func={
        "positive": ":material/add_circle: object",
        "negative": ":material/do_not_disturb_on: background",
    }.get,
)
k6.segmented_control(
    "Input",
    ["click", "scribble"],
    key="seg_input",
    default="click",
    help="scribble: draw on a view with the mouse (engines that take scribbles only)",
)
presets = list(WINDOWS)
if ss.get("seg_window") not in presets:
    ss["seg_window"] = presets[0] if ws.modality == "CT" else presets[-1]
k3.selectbox("Window", presets, key="seg_window")
k4.button("Undo", key="seg_undo", on_click=_undo, disabled=not ws.order)
k5.button("Reset", key="seg_reset", on_click=_reset, disabled=not ws.order)
if WINDOWS[ss["seg_window"]] is None:
    lo, hi = st.slider("Percentile window", 0.0, 100.0, (1.0, 99.0), 0.5, key="seg_pct")
    level, width = (
        percentile_window(ws.image, lo, hi) if (lo, hi) != (1.0, 99.0) else ws.auto_window
    )
else:
    level, width = WINDOWS[ss["seg_window"]]


# ---------------------------------------------------------------- views
def _scribble_canvas(view: str, rgb) -> None:
    """A drawing canvas over the view; a finished stroke becomes a scribble (then rerun)."""
    try:
        from streamlit_drawable_canvas import st_canvas
    except ImportError:
        st.warning("Scribbles need the package streamlit-drawable-canvas.")
        return
    from PIL import Image

    positive = ss.get("seg_mode") != "negative"
    fr, fc = ws.ortho.scale(view)
    colour = COLOURS["positive" if positive else "negative"]
    result = st_canvas(
        stroke_width=max(2, min(fr, fc)),
        stroke_color="#{:02x}{:02x}{:02x}".format(*colour),
        background_image=Image.fromarray(rgb),
        height=rgb.shape[0],
        width=rgb.shape[1],
        drawing_mode="freedraw",
        key=f"seg_canvas_{view}_{len(ws.order)}_{ws.pos[view]}",
    )
    paths = [o["path"] for o in (result.json_data or {}).get("objects", []) if o.get("path")]
    if not paths:
        return
    points = np.concatenate([seg.path_points(p) for p in paths])
    try:
        seg.add_scribble(ws, seg.scribble_indices(ws, view, points), positive=positive)
    except ValueError as exc:
        ss["seg_error"] = str(exc)
    st.rerun()


grey = window(ws.canon_image, level, width)
mask = ws.ortho.to_canonical(ws.mask) if ws.mask is not None else None
label = ws.ortho.to_canonical(ws.label) if ws.label is not None else None
cols = st.columns(3)
hints = {
    "axial": "top: anterior · left: patient's right",
    "coronal": "top: superior · left: patient's right",
    "sagittal": "top: superior · left: anterior",
}
for col, (view, a) in zip(cols, VIEWS.items(), strict=True):
    with col:
        n = ws.ortho.canon_shape[a]
        if f"seg_pos_{view}" not in ss:
            ss[f"seg_pos_{view}"] = ws.pos[view]
        st.slider(
            f"{view.capitalize()} slice",
            0,
            n - 1,
            key=f"seg_pos_{view}",
            on_change=_move,
            args=(view,),
        )
        rgb = ws.ortho.render(
            grey,
            view,
            ws.pos[view],
            mask=mask,
            label=label,
            clicks=ws.clicks,
            scribbles=ws.scribbles,
        )
        with st.container(key=f"seg_view_{view}"):
            if ss.get("seg_input") == "scribble":
                _scribble_canvas(view, rgb)
            else:
                streamlit_image_coordinates(
                    rgb,
                    key=f"seg_click_{view}",
                    width="content",
                    on_click=partial(_click, view),
                    cursor="crosshair",
                )
        st.caption(f"{hints[view]} · slice {ws.pos[view]}")

# ---------------------------------------------------------------- result
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Clicks",
    len(ws.clicks),
    help=f"{sum(p for _, p in ws.clicks)} positive, {sum(not p for _, p in ws.clicks)} negative; "
    f"{len(ws.scribbles)} scribbles",
)
m2.metric(
    "Last click latency",
    f"{ws.seconds[-1]:.2f} s" if ws.seconds else "–",
    help=f"engine {ws.engine}; median {ws.median_seconds:.2f} s" if ws.seconds else None,
)
d = seg.dice(ws)
m3.metric(
    "Dice vs label",
    "–" if d is None else f"{d:.3f}",
    help=None if ws.label is not None else "open an image with a label to see Dice",
)
m4.metric("Mask voxels", 0 if ws.mask is None else int(ws.mask.sum()))
last = "–" if not ws.clicks else f"voxel {ws.clicks[-1][0]}"
st.caption(
    f"Engine: {ws.engine} · {ws.name} · {len(ws.scribbles)} scribbles · last click {last} "
    "(z, y, x) · amber: the engine's mask · cyan outline: the label · lime +: positive "
    "click · magenta ×: negative click."
)
if ws.mask is not None:
    st.download_button(
        "Download the segmentation (NIfTI)",
        data=segmentation_bytes(ws.mask, ws.affine),  # what `iseg segment` writes
        file_name=f"{ws.name}_{ws.engine}_seg.nii.gz",
        mime="application/gzip",
        key="seg_download",
        help="on the input's voxel grid with the input's affine",
    )
