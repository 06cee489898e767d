"""Benchmarks: the committed ``bench/results/*.json`` as tables and plots."""

from __future__ import annotations

import streamlit as st

from app.components import bench_tables
from app.state import BENCH_DIR, load_bench_results

st.title("Benchmarks")
st.markdown(
    "Results committed under `bench/results/` by `iseg bench …`. Speed-ups are ratios against a "
    "naive reference measured in the same run; absolute times are only meaningful on the "
    "machine (and device) named in each file."
)

results = load_bench_results(str(BENCH_DIR))
if not results:
    st.info(
        "No benchmark results are committed yet (`bench/results/*.json`). "
        "Run `iseg bench --help` to see what can be measured."
    )
    st.stop()

names = [r["name"] for r in results]
choice = st.selectbox("Result file", names, key="bench_file")
res = next(r for r in results if r["name"] == choice)
st.caption(f"`{res['path']}`")
if res["error"]:
    st.error(f"Could not read this file: {res['error']}")
    st.stop()

tables = bench_tables(res["data"])
if not tables:
    st.json(res["data"], expanded=False)
for title, df in tables:
    st.markdown(f"**{title}**")
    st.dataframe(df, hide_index=True, width="stretch")
    numeric = df.select_dtypes("number")
    label_cols = [c for c in df.columns if c not in numeric.columns]
    if len(df) > 1 and not numeric.empty:
        y = st.selectbox("Plot column", list(numeric.columns), key=f"bench_plot_{choice}_{title}")
        plot_df = df.set_index(label_cols[0]) if label_cols else df
        st.bar_chart(plot_df[[y]])
with st.expander("Raw JSON"):
    st.json(res["data"], expanded=False)
