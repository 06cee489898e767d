"""Comparison graph: who compared against whom (thesis Figure 42), with missing baselines."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.components import comparison_dot, leaf_legend_html
from app.state import get_kb
from kb.vocab import LEAF_IDS
from taxonomy.graph import (
    build_comparison_graph,
    missing_baselines,
    most_compared_against,
    no_comparison,
    only_external,
    since_review_summary,
    thesis_view,
)


@st.cache_resource(show_spinner=False)
def _graph():
    return build_comparison_graph(get_kb())


full = _graph()
g = thesis_view(full)  # the reviewed methods; those since the review are shown apart below
st.title("Comparison graph")
st.caption(
    "An edge X → Y means the paper of X reports a comparison against Y. Reviewed "
    "methods are circles labelled with their reference number and coloured by leaf; "
    "grey boxes are methods outside the review. Coverage is incomplete: a method whose "
    "comparisons are *unknown* may compare against more than is drawn."
)

reviewed = [n for n, d in g.nodes(data=True) if d["kind"] == "reviewed"]
years = sorted({g.nodes[n]["year"] for n in reviewed})
c1, c2 = st.columns(2)
leaves = c1.multiselect("Leaf", list(LEAF_IDS), key="graph_leaf")
yr = c2.slider("Year", years[0], years[-1], (years[0], years[-1]), key="graph_years")
only_edges = c1.checkbox("Hide methods without any comparison", value=True, key="graph_connected")

keep = {
    n
    for n in reviewed
    if (not leaves or g.nodes[n]["leaf"] in leaves) and yr[0] <= g.nodes[n]["year"] <= yr[1]
}
if only_edges:
    keep = {n for n in keep if g.degree(n) > 0}
edges = [(a, b) for a, b in g.edges if a in keep or b in keep]
sub = g.edge_subgraph(edges).copy()
sub.add_nodes_from((n, g.nodes[n]) for n in keep)

m1, m2, m3 = st.columns(3)
m1.metric("Reviewed methods shown", len([n for n in sub if g.nodes[n]["kind"] == "reviewed"]))
m2.metric("External methods shown", len([n for n in sub if g.nodes[n]["kind"] != "reviewed"]))
m3.metric("Comparisons shown", sub.number_of_edges())
if sub.number_of_nodes():
    st.markdown(leaf_legend_html(LEAF_IDS), unsafe_allow_html=True)
    st.graphviz_chart(comparison_dot(sub, LEAF_IDS), width="stretch")
else:
    st.info("No method matches these filters.")

st.subheader("Missing-baseline analysis")


def in_leaf(rows: list[dict]) -> list[dict]:
    """Rows whose ``leaf`` is among the selected leaves (all rows when none is selected)."""
    return [r for r in rows if not leaves or r.get("leaf") in leaves]


tabs = st.tabs(["Missing baselines", "No comparison", "Only external", "Most compared against"])
with tabs[0]:
    rows = [
        r for r in in_leaf(missing_baselines(g)) if yr[0] <= g.nodes[r["newer"]]["year"] <= yr[1]
    ]
    st.markdown(
        f"**{len(rows)}** same-leaf pairs where the newer method (with established "
        "comparisons) never compares against the older one."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
with tabs[1]:
    rows = [
        dict(r, leaf=g.nodes[r["id"]]["leaf"], year=g.nodes[r["id"]]["year"])
        for r in no_comparison(g)
    ]
    rows = [r for r in in_leaf(rows) if yr[0] <= r["year"] <= yr[1]]
    none = sum(r["status"] == "none" for r in rows)
    st.markdown(
        f"**{len(rows)}** methods without any recorded comparison: {none} verified "
        f"(*none*), {len(rows) - none} not established (*unknown*)."
    )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
with tabs[2]:
    rows = [dict(r, leaf=g.nodes[r["id"]]["leaf"]) for r in only_external(g)]
    st.dataframe(pd.DataFrame(in_leaf(rows)), hide_index=True, width="stretch")
with tabs[3]:
    st.dataframe(pd.DataFrame(most_compared_against(g, n=15)), hide_index=True, width="stretch")

st.subheader("Since the review (August 2023 onwards)")
post = since_review_summary(full)
st.caption(
    "Comparisons reported by methods published after the review's search date "
    "(31 July 2023). They are kept apart: none of the counts above includes them."
)
p_edges = [(a, b, d) for a, b, d in full.edges(data=True) if d.get("post_review")]
c1, c2 = st.columns(2)
c1.metric("Methods since the review", post["n_methods"])
c2.metric("Their comparisons", post["n_edges"])
if p_edges:
    psub = full.edge_subgraph([(a, b) for a, b, _ in p_edges]).copy()
    st.graphviz_chart(comparison_dot(psub, LEAF_IDS), width="stretch")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "method": full.nodes[a]["name"],
                    "compared against": full.nodes[b]["name"],
                    "against (kind)": full.nodes[b]["kind"],
                    "source": f"{d['source_kind']}: {d['source_ref']}",
                }
                for a, b, d in p_edges
            ]
        ),
        hide_index=True,
        width="stretch",
    )
