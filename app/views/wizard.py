"""Find my method: Q1-Q12 one at a time, then leaf(s), rationale, ranked methods, pipeline."""

from __future__ import annotations

import streamlit as st

from app.components import confidence_badge, provenance_badge
from app.state import (
    WIZ_ANSWERS,
    WIZ_EDIT,
    WIZ_FILTERS,
    WIZ_ORDER,
    WIZ_PREV,
    get_kb,
    get_taxonomy,
    init_wizard,
    wizard_answer,
    wizard_back,
    wizard_edit,
    wizard_filter,
    wizard_radio_key,
    wizard_reset,
)
from kb.vocab import InteractionType, Modality
from recommender.engine import PARADIGM_QUESTIONS, recommend
from recommender.feasibility import readable
from recommender.report import to_json, to_markdown
from taxonomy import NOT_SURE

WARNING_TITLE = {
    "excluded": "Ruled out",
    "kept-despite": "Kept despite a hard constraint",
    "caution": "Caution",
    "conflict": "Conflicting answers",
}
RATING_ICON = {
    "good": ":green-badge[good]",
    "neutral": ":orange-badge[neutral]",
    "poor": ":red-badge[poor]",
}

init_wizard()
tax = get_taxonomy()
ss = st.session_state
answers: dict[str, str] = ss[WIZ_ANSWERS]

st.title("Find my method")
st.caption(
    "Answer the thesis's decision questions (Section 6.1.3.1) one at a time. "
    "“Not sure” keeps every branch. Change any earlier answer from the path below."
)

filters = ss[WIZ_FILTERS]
rec = recommend(
    answers,
    modality=filters["modality"],
    interaction=filters["interaction"],
    target=(filters["target"] or None),
    taxonomy=tax,
    kb=get_kb(),
)
unanswered = [q for q in PARADIGM_QUESTIONS if q not in answers]
current = ss[WIZ_EDIT] or (
    unanswered[0] if unanswered else (rec.pending[0] if rec.pending else None)
)


def _filters() -> None:
    """The optional modality / interaction / target used to rank the methods."""
    with st.expander("Rank methods for my task (optional)", expanded=False):
        f = ss[WIZ_FILTERS]
        c1, c2, c3 = st.columns(3)
        mods = [None] + [m.value for m in Modality]
        inters = [None] + [i.value for i in InteractionType]
        c1.selectbox(
            "Modality",
            mods,
            index=mods.index(f["modality"]),
            key="wiz_f_modality",
            format_func=lambda v: "any" if v is None else v,
            on_change=wizard_filter,
            args=("modality",),
        )
        c2.selectbox(
            "Interaction",
            inters,
            index=inters.index(f["interaction"]),
            key="wiz_f_interaction",
            format_func=lambda v: "any" if v is None else v,
            on_change=wizard_filter,
            args=("interaction",),
        )
        c3.text_input(
            "Target (e.g. liver, tumour)",
            value=f["target"] or "",
            key="wiz_f_target",
            on_change=wizard_filter,
            args=("target",),
        )


def _path_so_far() -> None:
    """Answers given (each with a Change button), implied answers, leaves still possible."""
    st.markdown("#### Your path so far")
    if not ss[WIZ_ORDER]:
        st.markdown("_No answers yet._")
    for qid in [q for q in tax.questions if q in answers]:
        q = tax.question(qid)
        ans = answers[qid]
        text = "Not sure" if ans == NOT_SURE else q.option(ans).text
        c1, c2 = st.columns([6, 1])
        c1.markdown(f"**{qid}** {q.text} → _{text}_")
        c2.button("Change", key=f"wiz_edit_{qid}", on_click=wizard_edit, args=(qid,))
    for qid, ans in rec.implied.items():
        q = tax.question(qid)
        st.markdown(
            f"**{qid}** {q.text} → _{q.option(ans).text}_ (implied by an earlier answer "
            "or the interaction filter)"
        )
    st.markdown(
        "**Leaves still possible:** "
        + ", ".join(f"`{lf}` {tax.node(lf).name}" for lf in rec.leaves)
    )


def _warnings() -> None:
    """The thesis's hard constraints and conflicting answers, each with its thesis line."""
    for w in rec.warnings:
        st.warning(
            f"**{WARNING_TITLE.get(w.kind, w.kind)}** · {w.text()}", icon=":material/warning:"
        )


# ------------------------------------------------------------------ current question (first,
# so that it and the Next button stay above the fold however long the path grows)
if current is not None:
    q = tax.question(current)
    st.subheader(f"{q.id}. {q.text}")
    st.caption(q.explanation)
    ids = list(q.option_ids)
    texts = {o.id: o.text for o in q.options} | {NOT_SURE: "Not sure (keep every branch)"}
    default = answers.get(q.id) or ss[WIZ_PREV].get(q.id)
    st.radio(
        "Your answer",
        ids,
        index=ids.index(default) if default in ids else None,
        format_func=texts.get,
        key=wizard_radio_key(q.id),
        help="Figure 32 ratings per paradigm" if q.kind == "paradigm" else None,
    )
    c1, c2, c3 = st.columns([1, 1, 4])
    c1.button(
        "Next",
        key="wiz_next",
        type="primary",
        on_click=wizard_answer,
        args=(q.id,),
        disabled=ss.get(wizard_radio_key(q.id)) is None,
    )
    c2.button("Back", key="wiz_back", on_click=wizard_back, disabled=not ss[WIZ_ORDER])
    c3.button("Start over", key="wiz_reset", on_click=wizard_reset)
    with st.expander("What the thesis recommends", expanded=False):
        st.markdown(
            f"**Thesis recommendation** (Section {q.section}, thesis line {q.line}): "
            f"{q.recommendation}"
        )
        if q.kind == "paradigm":
            cells = [c for c in tax.figure32 if c.question == q.id]
            if cells:
                st.markdown(
                    f"**Trade-offs ({cells[0].criterion_name}, Figure 32, reconstructed):**"
                )
                cols = st.columns(len(cells))
                for col, c in zip(cols, cells, strict=True):
                    col.markdown(
                        f"**{c.paradigm}** {tax.node(c.paradigm).name}  \n"
                        f"{RATING_ICON[c.rating]} — {c.text}",
                        help=readable(c.provenance),
                    )
            hard = [c for c in tax.constraints if c.question == q.id]
            if hard:
                st.markdown(
                    "**Hard constraints:**  \n"
                    + "  \n".join(
                        f"{c.option}: {'excludes' if c.action == 'exclude' else 'warns about'} "
                        f"{c.paradigm} {tax.node(c.paradigm).name} (thesis line {c.line})"
                        for c in hard
                    )
                )
    _warnings()
    _path_so_far()
    _filters()
    st.stop()

# ------------------------------------------------------------------ result card
many = len(rec.leaves) > 1
st.success(
    f"**Recommended {'leaves' if many else 'leaf'}:** "
    + ", ".join(f"{lf} {tax.node(lf).name}" for lf in rec.leaves)
)
_warnings()
_path_so_far()
for lf in rec.leaves:
    st.markdown(
        f"**{lf} {tax.node(lf).name}** — {tax.node(lf).description}  \n"
        f"Path: {' → '.join(rec.paths[lf])}"
    )
with st.expander("Why: the rationale of every step", expanded=True):
    for step in rec.rationale:
        st.markdown(f"- {'**' + step.question + '** ' if step.question else ''}{step.rationale}")
with st.expander("Why not the other paradigms and leaves", expanded=False):
    for n in rec.not_chosen:
        st.markdown(f"- **{n['node']}** {n['name']}: {n['reason']}")
for c in rec.caveats:
    st.caption(f":material/info: {c}")
_filters()

st.subheader("Ranked methods (reviewed in the thesis)")
if not rec.methods:
    st.info("No reviewed method is assigned to these leaves.")
for i, m in enumerate(rec.methods, 1):
    where = (
        ""
        if m.source == "leaf"
        else f" · :gray-badge[fallback, same paradigm] from {m.source} `{m.from_node}`"
    )
    match = " :green-badge[matches your task]" if m.matches else ""
    partial = (
        "" if m.matches or not m.matched else " " + " ".join(f":blue-badge[{x}]" for x in m.matched)
    )
    st.markdown(
        f"{i}. **[{m.ref}] {m.name}** ({m.year}) · leaf `{m.leaf or '–'}` "
        f"{provenance_badge(m.leaf_provenance)} {confidence_badge(m.leaf_confidence)}"
        f"{match}{partial}{where}  \n"
        f"score {m.score:g}: {'; '.join(m.explanation) or '—'}"
        f"{f' · [code]({m.code_url})' if m.code_url else ''}"
    )

st.subheader("Since the review (August 2023 onwards)")
st.caption(
    "Methods published after the review's search date (31 July 2023). Their leaf is "
    "our reading of the training code (provenance: inferred), not the thesis's; they "
    "are kept apart and never change the ranking or counts above."
)
if not rec.since_review:
    st.info("No post-review method is placed in these leaves.")
for m in rec.since_review:
    placed = m["leaf"] or f"branch {m['branch']}"
    badges = " ".join(f":blue-badge[{x}]" for x in m["matched"])
    code = f" · [code]({m['code_url']})" if m["code_url"] else ""
    st.markdown(
        f"- **{m['name']}** ({m['venue']}, {m['year']}) · {m['relation']} `{placed}` "
        f"{provenance_badge(m['leaf_provenance'])} {confidence_badge(m['leaf_confidence'])} "
        f"{badges}  \nprompts: {', '.join(m['prompts'])} · code licence {m['code_licence']}, "
        f"weights licence {m['weights_licence']}"
        f"{' · pip: ' + ', '.join(m['pip']) if m['pip'] else ''}{code}",
        help=f"Training-time simulation: {m['training_simulation']} — {m['evidence']} "
        f"(source: {m['evidence_source']})",
    )

st.subheader("Best practice (thesis chapters 3-5 and 7)")
for b in rec.best_practice:
    where = "" if set(b["leaves"]) == set(rec.leaves) else f" ({', '.join(b['leaves'])})"
    st.markdown(
        f"- **{b['topic']}**{where}: {b['advice']} — thesis line {b['thesis_line']}: “{b['quote']}”"
    )
    if b["protocol"]:
        p = b["protocol"]
        with st.expander(f"{p['name']}: the protocol's facts", expanded=False):
            st.caption(f"source: {p['source']}")
            for f in p["facts"]:
                st.markdown(f"- **{f['key']}**: {f['text']}  \n_{f['source']}_")

st.subheader("Pipeline to run")
for p in rec.pipeline:
    st.markdown(
        f"**`{p['id']}`** (leaf {p['leaf']}): {p['description']}  \n"
        f"interaction *{p['interaction']}*, guidance *{p['guidance_signal']}*, "
        f"robot user *{p['robot_user']}*, training *{p['training_regime']}*, "
        f"model *{p['model']}*."
    )
    if st.button(f"Run {p['id']}", key=f"wiz_run_{p['leaf'].replace('.', '_')}"):
        ss["run_leaf"] = p["leaf"]
        st.switch_page("views/run_pipeline.py")

c1, c2, c3 = st.columns(3)
c1.download_button(
    "Report (Markdown)",
    to_markdown(rec, taxonomy=tax),
    "iseg_report.md",
    "text/markdown",
    key="wiz_dl_md",
)
c2.download_button(
    "Report (JSON)", to_json(rec), "iseg_report.json", "application/json", key="wiz_dl_json"
)
c3.button("Back", key="wiz_back", on_click=wizard_back)
st.button("Start over", key="wiz_reset", on_click=wizard_reset)
