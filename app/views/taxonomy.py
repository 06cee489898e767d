"""Taxonomy: the tree T1-T3 drawn, each node with its description, question and methods."""

from __future__ import annotations

import networkx as nx
import streamlit as st

from app.components import confidence_badge, provenance_badge, taxonomy_dot
from app.state import WIZ_ANSWERS, get_kb, get_taxonomy, methods_df

tax = get_taxonomy()
df = methods_df()

st.title("Taxonomy")
st.caption(
    "The taxonomy tree of the thesis (Section 6.1.3, Figure 31; the figure itself is "
    "not in the text, so the tree is rebuilt from the node definitions). Methods are "
    "counted by their curated leaf; methods placed only at a branch count there."
)

# Methods directly at a node: leaf assignment, or branch-only assignment.
at_node = df["leaf"].fillna(df.get("leaf_branch"))
direct = at_node.value_counts().to_dict()
counts = {
    n: sum(direct.get(x, 0) for x in [n, *nx.descendants(tax.graph, n)]) for n in tax.graph.nodes
}

unplaced = int(at_node.isna().sum())
if unplaced:
    st.caption(
        f"{unplaced} of {len(df)} methods have neither a leaf nor a branch in the "
        "knowledge base and are not counted in the tree."
    )

order = list(tax.graph.nodes)
sel = st.selectbox(
    "Node",
    order,
    index=0,
    key="tax_node",
    format_func=lambda n: f"{n} {tax.node(n).name}" if n != "ROOT" else "ROOT",
)
wizard_path: list[str] = []
answers = st.session_state.get(WIZ_ANSWERS) or {}
if answers:
    from recommender.engine import recommend

    rec = recommend(answers, taxonomy=tax, kb=False)
    wizard_path = [n for lf in rec.leaves for n in rec.paths[lf]]
    st.caption("Filled nodes: the leaves still possible given your wizard answers.")
st.graphviz_chart(
    taxonomy_dot(tax, counts=counts, highlight=wizard_path, selected=sel), width="stretch"
)

node = tax.node(sel)
st.subheader(f"{sel} {node.name}" if sel != "ROOT" else node.name)
st.markdown(node.description)
st.markdown(
    f"**Humans interact during:** {node.interaction_stage} · **Thesis:** Section "
    f"{node.section}, thesis line {node.line}"
)
questions = [q for q in tax.questions.values() if sel in q.asked_at]
for q in questions:
    st.markdown(
        f"**Question asked here — {q.id}:** {q.text}  \n"
        + "  \n".join(f"- {o.text} → `{o.child(sel)}`" for o in q.options)
    )
hard = [c for c in tax.constraints if c.paradigm == sel]
if hard:
    st.markdown(
        "**Ruled out or warned by the thesis's hard statements (Q1-Q5):**  \n"
        + "  \n".join(
            f"- {c.question} = `{c.option}`: {'excluded' if c.action == 'exclude' else 'warning'} — "
            f"{c.reason} (thesis line {c.line})"
            for c in hard
        )
    )
path = set(tax.path_to(sel))
practice = [p for p in tax.best_practice if path & set(p.applies_to)]
if practice:
    with st.expander(f"Best practice here ({len(practice)}, thesis chapters 3-5 and 7)"):
        for p in practice:
            st.markdown(f"- **{p.topic}**: {p.advice} (thesis line {p.line})")
children = sorted(tax.graph.successors(sel))
if children:
    st.markdown("**Children:** " + ", ".join(f"`{c}` {tax.node(c).name}" for c in children))

below = {sel, *nx.descendants(tax.graph, sel)}
members = df[at_node.isin(below)].sort_values("ref")
st.markdown(f"**{len(members)} methods** at or below this node.")
recent = [m for m in get_kb().post_review if (m.leaf.id or m.leaf.branch) in below]
if recent:
    st.caption(
        "Since the review (kept apart, leaf inferred, not counted above): "
        + ", ".join(f"{m.name} ({m.year})" for m in recent)
    )
for row in members.itertuples():
    where = row.leaf if isinstance(row.leaf, str) else f"{row.leaf_branch} (branch only)"
    st.markdown(
        f"- [{row.ref}] **{row.name}** ({row.year}) · `{where}` "
        f"{provenance_badge(row.leaf_provenance)} {confidence_badge(row.leaf_confidence)}"
    )
