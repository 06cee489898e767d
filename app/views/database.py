"""Method database: the reviewed methods as a filterable, sortable table with details."""

from __future__ import annotations

import streamlit as st

from app.components import (
    confidence_badge,
    df_to_csv,
    explode_counts,
    filter_methods,
    provenance_badge,
    to_bibtex,
)
from app.state import get_kb, methods_df

st.title("Method database")
kb = get_kb()
df = methods_df()
# Methods placed only at branch level (or not at all) are listed under that branch.
df["leaf"] = df["leaf"].fillna(
    df.get("leaf_branch").map(lambda b: f"{b} (branch)" if isinstance(b, str) else "unknown")
)
st.caption(
    f"{len(df)} methods reviewed in the thesis (Tables 14–16), with curated leaves, "
    "guidance signals, code links and comparisons. Click a column header to sort."
)


def _options(col: str) -> list[str]:
    return sorted(explode_counts(df, col)[col].tolist())


years = df["year"].astype(int)
with st.expander("Filters", expanded=True):
    c1, c2, c3 = st.columns(3)
    text = c1.text_input("Search name / id", key="db_text")
    yr = c1.slider(
        "Year",
        int(years.min()),
        int(years.max()),
        (int(years.min()), int(years.max())),
        key="db_years",
    )
    leaves = c2.multiselect("Leaf", _options("leaf"), key="db_leaf")
    inter = c2.multiselect("Interaction", _options("interactions"), key="db_interactions")
    mods = c3.multiselect("Modality", _options("modalities"), key="db_modalities")
    signals = c3.multiselect("Guidance signal", _options("guidance_signals"), key="db_signals")
    c4, c5, c6 = st.columns(3)
    conf = c4.multiselect("Leaf confidence", _options("leaf_confidence"), key="db_confidence")
    cats = c5.multiselect("Target category", _options("target_categories"), key="db_target_cat")
    code_only = c6.checkbox("Only methods with public code", key="db_code_only")
    sort_by = c6.selectbox("Sort by", ["ref", "year", "name", "leaf"], key="db_sort")

view = filter_methods(
    df,
    text=text,
    years=yr,
    list_filters={
        "interactions": inter,
        "modalities": mods,
        "guidance_signals": signals,
        "target_categories": cats,
    },
    equals={"leaf": leaves, "leaf_confidence": conf},
)
if code_only:
    view = view[view["code_url"].notna()]
view = view.sort_values(sort_by, kind="stable")

st.markdown(f"**{len(view)}** of {len(df)} methods match.")
cols = [
    c
    for c in (
        "ref",
        "name",
        "year",
        "leaf",
        "leaf_confidence",
        "leaf_provenance",
        "interactions",
        "guidance_signals",
        "modalities",
        "targets",
        "code_url",
    )
    if c in view.columns
]
st.dataframe(
    view[cols],
    hide_index=True,
    width="stretch",
    key="db_table",
    column_config={
        "code_url": st.column_config.LinkColumn("code"),
        "ref": st.column_config.NumberColumn("ref", format="[%d]"),
    },
)

d1, d2 = st.columns(2)
d1.download_button(
    "Download CSV",
    df_to_csv(view),
    "iseg_methods.csv",
    "text/csv",
    key="db_csv",
    disabled=view.empty,
)
bib = to_bibtex(kb.method_or_post_review(i) for i in view["id"])
d2.download_button(
    "Download BibTeX",
    bib,
    "iseg_methods.bib",
    "application/x-bibtex",
    key="db_bib",
    disabled=view.empty,
)

st.subheader("Details")
if view.empty:
    st.info("No method matches the filters.")
else:
    labels = {row.id: f"[{row.ref}] {row.name} ({row.year})" for row in view.itertuples()}
    mid = st.selectbox("Method", list(labels), format_func=labels.get, key="db_detail")
    m = kb.method(mid)
    leaf = m.leaf.id or (f"branch {m.leaf.branch}" if m.leaf.branch else "unknown")
    st.markdown(f"### [{m.ref}] {m.name} ({m.year})")
    st.markdown(
        f"*{m.citation.title}* — {m.citation.authors.rstrip('.')}. {m.citation.venue}, "
        f"{m.citation.year}."
    )
    st.markdown(
        f"**Leaf:** `{leaf}` {provenance_badge(m.leaf.provenance)} "
        f"{confidence_badge(m.leaf.confidence)}"
    )
    st.markdown(f"**Evidence:** {m.leaf.evidence}")
    if m.leaf.alternatives:
        st.markdown("**Alternative leaves:** " + ", ".join(f"`{a}`" for a in m.leaf.alternatives))
    st.markdown(
        "**Interactions:** " + ", ".join(f"{i.type} (“{i.original}”)" for i in m.interactions)
    )
    st.markdown(
        "**Guidance:** "
        + ", ".join(f"{g.signal}{'' if g.explicit else ' (implicit)'}" for g in m.guidance)
    )
    st.markdown(
        "**Targets:** "
        + ", ".join(f"{t.name} ({t.category})" for t in m.targets)
        + "  \n**Modalities:** "
        + ", ".join(str(x.modality) for x in m.modalities)
    )
    st.markdown(f"**Code:** {m.code_url}" if m.code_url else "**Code:** none verified")
    status = getattr(m, "comparison_status", "unknown")
    if m.compared_to:
        st.markdown(f"**Compared to** ({status}): " + ", ".join(f"`{c}`" for c in m.compared_to))
    else:
        st.markdown(f"**Compared to:** nothing recorded (status: {status})")

st.subheader("Since the review (not among the 121)")
st.caption(
    "Methods published after the review's literature search (31 July 2023, thesis l.1447), "
    "kept apart (`beyond_review: true`): they never enter the counts above. Leaves are our "
    "inference from each model's training-time interaction simulation; text-only models fit "
    "no leaf. Every fact with its source: `iseg method ID` (e.g. `iseg method nninteractive`)."
)
post = [m.record() for m in kb.post_review]
if post:
    st.dataframe(
        [
            {
                "name": r["name"],
                "year": r["year"],
                "prompts": ", ".join(r["interactions"]),
                "leaf": r["leaf"]
                or (
                    "outside taxonomy"
                    if r["outside_taxonomy"]
                    else f"{r['leaf_branch']} (branch)"
                    if r["leaf_branch"]
                    else "unknown"
                ),
                "confidence": r["leaf_confidence"],
                "code licence": r["code_licence"],
                "weights licence": r["weights_licence"],
                "pip": ", ".join(r["pip"]),
                "compared to": ", ".join(r["compared_to"]),
                "code": r["code_url"],
            }
            for r in post
        ],
        hide_index=True,
        width="stretch",
        key="db_post_review",
        column_config={"code": st.column_config.LinkColumn("code")},
    )

st.subheader("Distributions in the review")
tabs = st.tabs(["Modalities", "Interactions", "Guidance signals", "Year", "Leaf"])
for tab, col in zip(
    tabs, ["modalities", "interactions", "guidance_signals", "year", "leaf"], strict=True
):
    with tab:
        counts = explode_counts(view, col)
        st.bar_chart(counts, x=col, y="methods", horizontal=col not in ("year",))
