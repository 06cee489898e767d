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
from recommender.report import to_json, to_markdown
from taxonomy import NOT_SURE

RATING_ICON = {"good": ":green-badge[good]", "neutral": ":orange-badge[neutral]", "poor": ":red-badge[poor]"}

init_wizard()
tax = get_taxonomy()
ss = st.session_state
answers: dict[str, str] = ss[WIZ_ANSWERS]

st.title("Find my method")
st.caption("Answer the thesis's decision questions (Section 6.1.3.1) one at a time. "
           "“Not sure” keeps every branch. Change any earlier answer from the path below.")

with st.expander("Rank methods for my task (optional)", expanded=False):
    f = ss[WIZ_FILTERS]
    c1, c2, c3 = st.columns(3)
    mods = [None] + [m.value for m in Modality]
    inters = [None] + [i.value for i in InteractionType]
    c1.selectbox("Modality", mods, index=mods.index(f["modality"]), key="wiz_f_modality",
                 format_func=lambda v: "any" if v is None else v,
                 on_change=wizard_filter, args=("modality",))
    c2.selectbox("Interaction", inters, index=inters.index(f["interaction"]),
                 key="wiz_f_interaction", format_func=lambda v: "any" if v is None else v,
                 on_change=wizard_filter, args=("interaction",))
    c3.text_input("Target (e.g. liver, tumour)", value=f["target"] or "", key="wiz_f_target",
                  on_change=wizard_filter, args=("target",))

filters = ss[WIZ_FILTERS]
rec = recommend(answers, modality=filters["modality"], interaction=filters["interaction"],
                target=(filters["target"] or None), taxonomy=tax, kb=get_kb())
unanswered = [q for q in PARADIGM_QUESTIONS if q not in answers]
current = ss[WIZ_EDIT] or (unanswered[0] if unanswered else
                           (rec.pending[0] if rec.pending else None))

# ------------------------------------------------------------------ path so far
st.subheader("Your path so far")
if not ss[WIZ_ORDER]:
    st.markdown("_No answers yet._")
for qid in [q for q in tax.questions if q in answers]:
    q = tax.question(qid)
    ans = answers[qid]
    text = "Not sure" if ans == NOT_SURE else q.option(ans).text
    c1, c2 = st.columns([6, 1])
    c1.markdown(f"**{qid}** {q.text} → _{text}_")
    c2.button("Change", key=f"wiz_edit_{qid}", on_click=wizard_edit, args=(qid,))
for qid, ans in (getattr(rec, "implied", None) or {}).items():
    q = tax.question(qid)
    st.markdown(f"**{qid}** {q.text} → _{q.option(ans).text}_ (implied by an earlier answer "
                "or the interaction filter)")
st.markdown("**Leaves still possible:** " + ", ".join(
    f"`{lf}` {tax.node(lf).name}" for lf in rec.leaves))

# ------------------------------------------------------------------ current question
if current is not None:
    q = tax.question(current)
    st.subheader(f"{q.id}. {q.text}")
    st.markdown(q.explanation)
    st.info(f"**Thesis recommendation** (Section {q.section}, l.{q.line}): {q.recommendation}")
    if q.kind == "paradigm":
        cells = [c for c in tax.figure32 if c.question == q.id]
        if cells:
            st.markdown(f"**Trade-offs ({cells[0].criterion_name}, Figure 32, reconstructed):**")
            cols = st.columns(len(cells))
            for col, c in zip(cols, cells, strict=True):
                col.markdown(f"**{c.paradigm}** {tax.node(c.paradigm).name}  \n"
                             f"{RATING_ICON[c.rating]} — {c.text}", help=c.provenance)
    ids = list(q.option_ids)
    texts = {o.id: o.text for o in q.options} | {NOT_SURE: "Not sure (keep every branch)"}
    default = answers.get(q.id) or ss[WIZ_PREV].get(q.id)
    st.radio("Your answer", ids, index=ids.index(default) if default in ids else None,
             format_func=texts.get, key=wizard_radio_key(q.id),
             help="Figure 32 ratings per paradigm" if q.kind == "paradigm" else None)
    c1, c2, c3 = st.columns([1, 1, 4])
    c1.button("Next", key="wiz_next", type="primary", on_click=wizard_answer, args=(q.id,),
              disabled=ss.get(wizard_radio_key(q.id)) is None)
    c2.button("Back", key="wiz_back", on_click=wizard_back, disabled=not ss[WIZ_ORDER])
    c3.button("Start over", key="wiz_reset", on_click=wizard_reset)
    st.stop()

# ------------------------------------------------------------------ result card
st.success(f"**Recommended leaf{'s' if len(rec.leaves) > 1 else ''}:** " + ", ".join(
    f"{lf} {tax.node(lf).name}" for lf in rec.leaves))
for lf in rec.leaves:
    st.markdown(f"**{lf} {tax.node(lf).name}** — {tax.node(lf).description}  \n"
                f"Path: {' → '.join(rec.paths[lf])}")
with st.expander("Why: the rationale of every step", expanded=True):
    for step in rec.rationale:
        st.markdown(f"- {'**' + step.question + '** ' if step.question else ''}{step.rationale}")
for c in rec.caveats:
    st.caption(f":material/warning: {c}")

st.subheader("Ranked methods")
if not rec.methods:
    st.info("No reviewed method is assigned to these leaves.")
for i, m in enumerate(rec.methods, 1):
    where = "" if m.source == "leaf" else f" · from {m.source} `{m.from_node}`"
    st.markdown(
        f"{i}. **[{m.ref}] {m.name}** ({m.year}) · leaf `{m.leaf or '–'}` "
        f"{provenance_badge(m.leaf_provenance)} {confidence_badge(m.leaf_confidence)}"
        f"{' :green-badge[matches your task]' if m.matches else ''}{where}  \n"
        f"score {m.score:g}: {'; '.join(m.explanation) or '—'}"
        f"{f' · [code]({m.code_url})' if m.code_url else ''}")

st.subheader("Pipeline to run")
for p in rec.pipeline:
    st.markdown(f"**`{p['id']}`** (leaf {p['leaf']}): {p['description']}  \n"
                f"interaction *{p['interaction']}*, guidance *{p['guidance_signal']}*, "
                f"robot user *{p['robot_user']}*, training *{p['training_regime']}*, "
                f"model *{p['model']}*.")
    if st.button(f"Run {p['id']}", key=f"wiz_run_{p['leaf'].replace('.', '_')}"):
        ss["run_leaf"] = p["leaf"]
        st.switch_page("views/run_pipeline.py")

c1, c2, c3 = st.columns(3)
c1.download_button("Report (Markdown)", to_markdown(rec, taxonomy=tax), "iseg_report.md",
                   "text/markdown", key="wiz_dl_md")
c2.download_button("Report (JSON)", to_json(rec),
                   "iseg_report.json", "application/json", key="wiz_dl_json")
c3.button("Back", key="wiz_back", on_click=wizard_back)
st.button("Start over", key="wiz_reset", on_click=wizard_reset)
