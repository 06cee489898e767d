"""Run a pipeline: a leaf's reference pipeline on synthetic, bundled or uploaded data."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app.components import slice_figure
from app.jobs import Job
from app.runner import BUDGET_INTERACTIONS, RunResult, budgets, start_run
from app.state import get_taxonomy, safe_callback
from app.uploads import MAX_UPLOAD_MB, load_uploaded_pair
from reference_impl.device import resolve_device
from reference_impl.io import SAMPLE_CASES, list_cases
from taxonomy import leaf_pipeline

tax = get_taxonomy()
ss = st.session_state
st.title("Run a pipeline")
st.caption("Each taxonomy leaf has one runnable reference pipeline. A robot user simulates "
           "the interactions; Dice is measured after every interaction.")

leaves = list(tax.leaves)
default_leaf = ss.get("run_leaf") if ss.get("run_leaf") in leaves else "T2.1.2.2.1"
leaf = st.selectbox("Leaf", leaves, index=leaves.index(default_leaf), key="run_leaf_select",
                    format_func=lambda lf: f"{lf} {tax.node(lf).name}")
pipe = leaf_pipeline(leaf)
st.markdown(f"**`{pipe['id']}`** — {pipe['description']}  \ninteraction *{pipe['interaction']}*, "
            f"guidance *{pipe['guidance_signal']}*, robot user *{pipe['robot_user']}*, "
            f"training *{pipe['training_regime']}*, model *{pipe['model']}*.")

c1, c2, c3 = st.columns(3)
source = c1.radio("Data", ["synthetic", "sample", "upload"], key="run_source",
                  format_func={"synthetic": "Synthetic phantoms", "sample": "Bundled sample",
                               "upload": "Upload NIfTI/NRRD pair"}.get)
devices = ["auto", "cpu"] + (["cuda"] if resolve_device("auto").type == "cuda" else [])
device = c2.selectbox("Device", devices, key="run_device",
                      help=f"auto = {resolve_device('auto')} on this machine")
seed = c2.number_input("Seed", 0, 2**31 - 1, 0, key="run_seed")
budget_names = budgets()
budget = c3.selectbox("Budget", budget_names, key="run_budget",
                      help="small: a minute or two on a CPU; full: meant for a GPU")
n_inter = c3.slider("Interactions", 1, 20, BUDGET_INTERACTIONS.get(budget, 5), key="run_inter")

if budget != "small" and resolve_device(device).type != "cuda":
    st.warning(f"The '{budget}' budget is meant for a GPU; on this CPU it can take hours. "
               "Cancel stops it at the next progress report.")
max_mb = float(st.get_option("server.maxUploadSize") or MAX_UPLOAD_MB)
if source == "synthetic":
    st.caption("Distinct synthetic phantoms are generated for training and evaluation: "
               "labelled lesion-like blobs plus unlabelled look-alikes, so the image alone is "
               "ambiguous and the interactions matter.")
elif source == "sample":
    cases = list_cases()
    if cases:
        st.selectbox("Sample case", cases, key="run_case",
                     format_func=lambda c: f"{c} — {SAMPLE_CASES[c][3]}")
        st.caption("A single real volume is used for training and evaluation.")
    else:
        st.warning("The bundled sample data was not found (../shared/data or $ISEG_DATA).")
else:
    u1, u2, u3 = st.columns(3)
    u1.file_uploader("Image (.nii, .nii.gz, .nrrd)", type=["nii", "gz", "nrrd"],
                     key="run_up_image",
                     help=f"at most {max_mb:g} MB; only parsed as NIfTI/NRRD, never executed")
    u2.file_uploader("Label (same grid)", type=["nii", "gz", "nrrd"], key="run_up_label")
    u3.number_input("Label value (0 = any label > 0)", 0, 255, 0, key="run_label_value")


def _data():
    """What the pipeline gets as ``data`` (raises ValueError with a message when invalid)."""
    if source == "synthetic":
        return "synthetic"
    if source == "sample":
        if not list_cases():
            raise ValueError("the bundled samples are not on this machine (../shared/data "
                             "or $ISEG_DATA)")
        return ss["run_case"]
    return load_uploaded_pair(ss.get("run_up_image"), ss.get("run_up_label"),
                              label_value=ss.get("run_label_value") or None, max_mb=max_mb)


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
    ss["run_job"] = start_run(leaf, data, device=device, budget=budget,
                              interactions=int(n_inter), seed=int(seed))


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
m1, m2, m3, m4 = st.columns(4)
m1.metric("Final Dice", f"{res.final_dice:.3f}")
m2.metric("AUC (Dice vs interactions)", "–" if res.auc is None else f"{res.auc:.3f}")
m3.metric("Interactions" if res.curve_kind != "round" else "Rounds", len(res.dice) - 1)
m4.metric("Device · time", f"{res.device} · {job.elapsed:.1f} s")
st.line_chart({"mean Dice": res.dice}, x_label=f"{kind}s", y_label="Dice")
st.caption(f"Mean Dice over the evaluation volumes after 0..N {kind}s. "
           f"Evaluation: {res.metrics.get('evaluation', '')}")
if res.files:
    st.caption("Written: " + ", ".join(f"`{f}`" for f in res.files))

st.subheader("Slice viewer")
n_steps = len(res.predictions)
v1, v2 = st.columns(2)
k = v1.slider(f"After {kind}", 0, n_steps - 1, n_steps - 1, key="run_view_k")
shown = res.interactions[k]
clicks_z = [int(h.index[0]) for h in shown if hasattr(h, "index") and len(h.index) == 3]
default_z = clicks_z[-1] if clicks_z else int(np.argmax(res.label.sum(axis=(1, 2))))
z = v2.slider("Slice (z)", 0, res.image.shape[0] - 1, default_z, key=f"run_view_z_{k}")
guid = res.guidance[k] if res.guidance else None
fig, n_drawn = slice_figure(
    res.image[z], label=res.label[z], prediction=res.predictions[k][z], interactions=shown, z=z,
    guidance=None if guid is None or guid.ndim != 4 else guid[:, z],
    title=f"{res.volume_name}, slice {z}, after {k} {kind}s: Dice {res.step_dice[k]:.3f}")
st.pyplot(fig, width="content")
st.caption(f"{len(shown)} simulated inputs so far (one {kind} can add several); {n_drawn} "
           "touch this slice (foreground green, background red, boxes/polygons yellow).")
