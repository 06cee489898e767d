"""Home: what iseg-navigator is, the review at a glance, where to start."""

from __future__ import annotations

import streamlit as st

from app.components import review_numbers

st.title("iseg-navigator")
st.markdown(
    "**Which interactive segmentation method fits my medical imaging task, and how do I run it?**  \n"
    "This app turns the systematic review and taxonomy of deep interactive medical image "
    "segmentation (Marinov, PhD thesis, Ch. 6; 121 reviewed methods, 2016–2023) into a "
    "question-driven recommender, a searchable method database and runnable reference pipelines."
)

st.subheader("The review at a glance")
try:
    numbers = review_numbers()
except Exception as exc:  # noqa: BLE001 - the KB may be missing or invalid
    st.warning(f"The knowledge base could not be loaded: {exc}")
    numbers = {}
if numbers:
    cols = st.columns(len(numbers))
    for col, (label, value) in zip(cols, numbers.items(), strict=True):
        col.metric(label, value)
    st.caption(
        "Counted from the bundled knowledge base (`kb/data`). *Unknown*: the comparisons of the "
        "method were not established. Leaf assignments carry their "
        "provenance: most are reconstructions, see each method's confidence badge."
    )

st.subheader("Where to start")
c0, c1, c2, c3 = st.columns(4)
with c0:
    st.markdown(
        "**Segment interactively** — click on a CT or MR volume (bundled or your own) "
        "and an engine segments it; Dice against the label, NIfTI download."
    )
    st.page_link("views/segment.py", label="Segment by clicking", icon=":material/ads_click:")
with c1:
    st.markdown(
        "**Find my method** — answer Q1–Q12 one at a time and get a taxonomy leaf, "
        "ranked methods and a pipeline to run."
    )
    st.page_link("views/wizard.py", label="Start the wizard", icon=":material/explore:")
with c2:
    st.markdown(
        "**Method database** — filter and sort the 121 reviewed methods, read the "
        "evidence for each leaf, export CSV/BibTeX."
    )
    st.page_link("views/database.py", label="Browse methods", icon=":material/table_view:")
with c3:
    st.markdown(
        "**Run a pipeline** — simulate clicks on a synthetic, bundled or uploaded "
        "volume and watch Dice improve per interaction."
    )
    st.page_link("views/run_pipeline.py", label="Run a pipeline", icon=":material/play_circle:")
st.page_link("views/taxonomy.py", label="Taxonomy tree", icon=":material/account_tree:")
st.page_link("views/graph.py", label="Comparison graph", icon=":material/hub:")
st.page_link("views/benchmarks.py", label="Benchmarks", icon=":material/bar_chart:")
