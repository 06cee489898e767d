"""Run a pipeline: a leaf's reference pipeline on synthetic, bundled or uploaded data."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.jobs import Job
from app.runner import BUDGET_INTERACTIONS, RunResult, budgets, start_run, zip_outputs
from app.state import get_taxonomy, keep_form, restore_form, safe_callback
from app.uploads import (
    MAX_UPLOAD_MB,
    StoredUpload,
    keep_upload,
    load_uploaded_pair,
    missing_upload_message,
)
from reference_impl.device import resolve_device
from reference_impl.io import SAMPLE_CASES, list_cases
from reference_impl.plotting import interaction_slices, slice_figure
from taxonomy import leaf_pipeline

tax = get_taxonomy()
ss = st.session_state
# The form survives leaving the page (widget state does not): see app.state.keep_form.
FORM = [
    "run_leaf_select",
    "run_source",
    "run_device",
    "run_seed",
    "run_budget",
    "run_inter",
    "run_case",
    "run_label_value",
]
leaves = list(tax.leaves)
budget_names = budgets()
restore_form(
    "run",
    FORM,
    defaults={
        "run_leaf_select": "T2.1.2.2.1",
        "run_source": "synthetic",
        "run_device": "auto",
        "run_seed": 0,
        "run_budget": budget_names[0],
        "run_inter": BUDGET_INTERACTIONS.get(budget_names[0], 5),
        "run_label_value": 0,
    },
)
wizard_leaf = ss.pop("run_leaf", None)  # set by the wizard's "Run …" button
if wizard_leaf in leaves:
    ss["run_leaf_select"] = wizard_leaf

st.title("Run a pipeline")
st.caption(
    "Each taxonomy leaf has one runnable reference pipeline. A robot user simulates "
    "the interactions; Dice is measured after every interaction."
)
leaf = st.selectbox(
    "Leaf", leaves, key="run_leaf_select", format_func=lambda lf: f"{lf} {tax.node(lf).name}"
)
pipe = leaf_pipeline(leaf)
st.markdown(
    f"**`{pipe['id']}`** — {pipe['description']}  \ninteraction *{pipe['interaction']}*, "
    f"guidance *{pipe['guidance_signal']}*, robot user *{pipe['robot_user']}*, "
    f"training *{pipe['training_regime']}*, model *{pipe['model']}*."
)

c1, c2, c3 = st.columns(3)
source = c1.radio(
    "Data",
    ["synthetic", "sample", "upload"],
    key="run_source",
    format_func={
        "synthetic": "Synthetic phantoms",
        "sample": "Bundled sample",
        "upload": "Upload NIfTI/NRRD pair",
    }.get,
)
devices = ["auto", "cpu"] + (["cuda"] if resolve_device("auto").type == "cuda" else [])
device = c2.selectbox(
    "Device", devices, key="run_device", help=f"auto = {resolve_device('auto')} on this machine"
)
seed = c2.number_input("Seed", 0, 2**31 - 1, key="run_seed")
budget = c3.selectbox(
    "Budget",
    budget_names,
    key="run_budget",
    help="small: a minute or two on a CPU; full: meant for a GPU",
)
n_inter = c3.slider("Interactions", 1, 20, key="run_inter")

if budget != "small" and resolve_device(device).type != "cuda":
    st.warning(
        f"The '{budget}' budget is meant for a GPU; on this CPU it can take hours. "
        "Cancel stops it at the next progress report."
    )
max_mb = float(st.get_option("server.maxUploadSize") or MAX_UPLOAD_MB)
kept: dict[str, StoredUpload | None] = ss.setdefault("run_kept", {"image": None, "label": None})


@safe_callback
def _kept_upload(role: str) -> None:
    """Keep a copy of the uploaded file (widget state is lost when leaving the page)."""
    f = ss.get(f"run_up_{role}")
    if f is not None:
        kept[role] = keep_upload(f)


@safe_callback
def _forget(role: str) -> None:
    kept[role] = None


if source == "synthetic":
    st.caption(
        "Distinct synthetic phantoms are generated for training and evaluation: "
        "labelled lesion-like blobs plus unlabelled look-alikes, so the image alone is "
        "ambiguous and the interactions matter."
    )
elif source == "sample":
    cases = list_cases()
    if cases:
        if ss.get("run_case") not in cases:
            ss["run_case"] = cases[0]
        st.selectbox(
            "Sample case",
            cases,
            key="run_case",
            format_func=lambda c: f"{c} — {SAMPLE_CASES[c][3]}",
        )
        st.caption("A single real volume is used for training and evaluation.")
    else:
        st.warning("The bundled sample data was not found (../shared/data or $ISEG_DATA).")
else:
    u1, u2, u3 = st.columns(3)
    for col, role, text in (
        (u1, "image", "Image (.nii, .nii.gz, .nrrd)"),
        (u2, "label", "Label (same grid)"),
    ):
        # no ``type=`` filter: a wrong file type reaches the server and is reported by name
        col.file_uploader(
            text,
            key=f"run_up_{role}",
            on_change=_kept_upload,
            args=(role,),
            help=f"at most {max_mb:g} MB; only parsed as NIfTI/NRRD, never executed",
        )
        k = kept.get(role)
        if ss.get(f"run_up_{role}") is None and k is not None:
            col.caption(f"Kept from before: `{k.name}` ({k.size_mb:.1f} MB)")
            col.button("Forget it", key=f"run_forget_{role}", on_click=_forget, args=(role,))
    u3.number_input("Label value (0 = the label's only class)", 0, 255, key="run_label_value")
keep_form("run", FORM)


def _data():
    """What the pipeline gets as ``data`` (raises ValueError with a message when invalid)."""
    if source == "synthetic":
        return "synthetic"
    if source == "sample":
        if not list_cases():
            raise ValueError(
                "the bundled samples are not on this machine (../shared/data or $ISEG_DATA)"
            )
        return ss["run_case"]
    image = ss.get("run_up_image") or kept.get("image")
    label = ss.get("run_up_label") or kept.get("label")
    for role, f in (("image", image), ("label", label)):
        if f is None:
            raise ValueError(missing_upload_message(role, max_mb=max_mb))
    return load_uploaded_pair(
        image, label, label_value=ss.get("run_label_value") or None, max_mb=max_mb
    )


def _settings() -> dict:
    data = {
        "synthetic": "synthetic phantoms",
        "sample": ss.get("run_case"),
        "upload": getattr(ss.get("run_up_image") or kept.get("image"), "name", "upload"),
    }
    return {
        "leaf": leaf,
        "data": data[source],
        "device": device,
        "budget": budget,
        "interactions": int(n_inter),
        "seed": int(seed),
    }


job: Job | None = ss.get("run_job")
running = job is not None and job.running


@safe_callback
def _start() -> None:
    try:
        data = _data()
    except (ValueError, FileNotFoundError) as exc:
        ss["run_error"] = str(exc)
        return
    ss["run_error"] = None
    ss["run_job"] = start_run(
        leaf,
        data,
        device=device,
        budget=budget,
        interactions=int(n_inter),
        seed=int(seed),
        settings=_settings(),
    )


@safe_callback
def _cancel() -> None:
    if ss.get("run_job") is not None:
        ss["run_job"].cancel()


b1, b2 = st.columns([1, 5])
b1.button("Run", key="run_start", type="primary", on_click=_start, disabled=running)
b2.button("Cancel", key="run_cancel", on_click=_cancel, disabled=not running)
if ss.get("run_error"):
    st.error(ss["run_error"])


@st.fragment(run_every=1.0 if running else None)
def _progress() -> None:
    j: Job | None = ss.get("run_job")
    if j is None:
        return
    st.progress(j.fraction, text=f"{j.label}: {j.message} ({j.elapsed:.1f} s)")
    if running and not j.running:
        st.rerun()


_progress()
if job is None or job.running:
    st.stop()
if job.status == "failed":
    st.error(f"The run failed: {job.error}")
    st.stop()
if job.status == "cancelled":
    st.warning("The run was cancelled.")
    st.stop()

res: RunResult = job.result
kind = "active-learning round" if res.curve_kind == "round" else "interaction"
st.subheader(f"Result: {res.pipeline_id} on {res.volume_name}")
if res.settings:
    shown = ", ".join(f"{k} {v}" for k, v in res.settings.items())
    st.caption(f"This result was run with: {shown}.")
    if res.settings != _settings():
        st.info("The form above differs from the settings of this result; press Run to apply it.")
m1, m2, m3, m4 = st.columns(4)
m1.metric("Final Dice", f"{res.final_dice:.3f}")
m2.metric("AUC (Dice vs interactions)", "–" if res.auc is None else f"{res.auc:.3f}")
m3.metric("Interactions" if res.curve_kind != "round" else "Rounds", len(res.dice) - 1)
m4.metric("Device · time", f"{res.device} · {job.elapsed:.1f} s")
st.line_chart({"mean Dice": res.dice}, x_label=f"{kind}s", y_label="Dice")
st.caption(
    f"Mean Dice over the evaluation volumes after 0..N {kind}s. "
    f"Evaluation: {res.metrics.get('evaluation', '')}"
)
if res.files:
    st.markdown("**Downloads**")
    cols = st.columns(len(res.files) + 1)
    cols[0].download_button(
        "All (.zip)",
        zip_outputs(res.files),
        f"{res.pipeline_id}.zip",
        mime="application/zip",
        key=f"run_dl_zip_{res.run_id}",
    )
    for i, (col, (name, data)) in enumerate(zip(cols[1:], res.files.items(), strict=True)):
        col.download_button(name, data, name, key=f"run_dl_{res.run_id}_{i}")
    if "segmentation.nii.gz" in res.files:
        st.caption(
            f"segmentation.nii.gz: the final prediction of {res.volume_name} on the input "
            "image's voxel grid, with its affine (the pipeline's segmentation/<volume>.nii.gz), "
            "so it overlays the image you gave in any viewer. The slice viewer below shows the "
            "pipeline's working grid, resampled where an axis exceeds the budget's size."
        )


@st.fragment
def _viewer(res: RunResult) -> None:
    """The slice viewer; moving its sliders re-renders only this fragment."""
    st.subheader("Slice viewer")
    n_steps = len(res.predictions)
    v1, v2 = st.columns(2)
    # keys carry the run id: a new result starts from its own defaults, never a stale value
    k = v1.slider(f"After {kind}", 0, n_steps - 1, n_steps - 1, key=f"run_view_k_{res.run_id}")
    shown = res.interactions[k]
    on_z = [min(interaction_slices(h)) for h in shown if interaction_slices(h)]
    default_z = on_z[-1] if on_z else int(np.argmax(res.label.sum(axis=(1, 2))))
    z = v2.slider(
        "Slice (z)", 0, res.image.shape[0] - 1, default_z, key=f"run_view_z_{res.run_id}_{k}"
    )
    guid = res.guidance[k] if res.guidance else None
    fig, n_drawn = slice_figure(
        res.image[z],
        label=res.label[z],
        prediction=res.predictions[k][z],
        interactions=shown,
        z=z,
        guidance=None if guid is None or guid.ndim != 4 else guid[:, z],
        title=f"{res.volume_name}, slice {z}, after {k} {kind}s: Dice {res.step_dice[k]:.3f}",
    )
    st.pyplot(fig, width="content")
    st.caption(
        f"Slice {z}, after {k} {kind}s. {len(shown)} simulated inputs so far (one {kind} "
        f"can add several); {n_drawn} touch this slice. Label cyan, prediction amber, "
        "positive inputs lime, negative magenta, boxes/polygons/slice corrections white."
    )


_viewer(res)
