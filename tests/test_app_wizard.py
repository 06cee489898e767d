"""AppTest checks of the wizard defects of issue 12 and the feasibility output of issue 13:
question and Next first, readable rationale, "leaves", warnings, post-review apart."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app.state import REPO_ROOT

ENTRY = str(REPO_ROOT / "app" / "streamlit_app.py")
_TO_Q8 = {
    "Q1": "single-session",
    "Q2": "fully-annotated",
    "Q3": "complex-model",
    "Q4": "diverse",
    "Q5": "time-critical",
    "Q6": "simulated",
    "Q7": "iterative",
}


def _wizard(answers: dict[str, str]) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["wiz_answers"] = dict(answers)
    at.session_state["wiz_order"] = list(answers)
    at.run()
    at.switch_page("views/wizard.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _flat(node):
    """Leaf elements of the page in document order."""
    children = getattr(node, "children", None)
    if children:
        for k in sorted(children):
            yield from _flat(children[k])
    else:
        yield node


def _order(at: AppTest) -> list[str]:
    out = []
    for n in _flat(at.main):
        key = getattr(n, "key", None)
        out.append(f"{n.type}:{key}" if key else f"{n.type}:{str(getattr(n, 'value', ''))[:40]}")
    return out


def test_question_and_next_come_before_the_growing_path():
    at = _wizard(_TO_Q8)
    order = _order(at)
    q = next(i for i, x in enumerate(order) if x.startswith("subheader:Q8."))
    nxt = order.index("button:wiz_next")
    path = next(i for i, x in enumerate(order) if "Your path so far" in x)
    first_change = order.index("button:wiz_edit_Q1")
    # title, caption, question, its explanation, the radio, then Next: nothing long in between
    assert q == 2 and nxt <= q + 3 < path < first_change
    helptext = next(i for i, x in enumerate(order) if "Thesis recommendation" in x)
    assert nxt < helptext  # the long help comes after the buttons


def test_result_rationale_is_readable_and_says_leaves():
    at = _wizard(
        {
            "Q1": "single-session",
            "Q2": "fully-annotated",
            "Q3": "not-sure",
            "Q4": "diverse",
            "Q5": "not-sure",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "sampling-based",
            "Q9": "not-sure",
        }
    )
    text = "\n".join(m.value for m in at.markdown) + "\n".join(s.value for s in at.success)
    assert "Recommended leaves:" in text and "leafs" not in text
    assert "{'T1'" not in text and "'T2':" not in text
    assert "Paradigm scores: T1 Training only -2, T2 Application only +3" in text
    assert " l.1632" not in text and "thesis line 1632" in text
    assert "matches your task" not in text  # no filter given


def test_warnings_and_why_not_are_shown_with_thesis_lines():
    at = _wizard(
        {
            "Q1": "multiple-sessions",
            "Q2": "fully-annotated",
            "Q3": "complex-model",
            "Q4": "diverse",
            "Q5": "not-time-critical",
        }
    )
    assert at.success and "T1.1" in at.success[0].value
    warns = [w.value for w in at.warning]
    assert any("Ruled out" in w and "thesis line 1632" in w and "T2" in w for w in warns)
    text = "\n".join(m.value for m in at.markdown)
    assert "**T2** Application only: ruled out by Q1=multiple-sessions" in text


def test_post_review_methods_and_best_practice_are_separate_parts():
    from kb import load_kb

    at = _wizard(
        {
            "Q1": "single-session",
            "Q2": "fully-annotated",
            "Q3": "not-sure",
            "Q4": "diverse",
            "Q5": "not-sure",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "sampling-based",
            "Q9": "uniform",
        }
    )
    heads = [s.value for s in at.subheader]
    reviewed = heads.index("Ranked methods (reviewed in the thesis)")
    since = heads.index("Since the review (August 2023 onwards)")
    practice = heads.index("Best practice (thesis chapters 3-5 and 7)")
    assert reviewed < since < practice
    kb = load_kb()
    placed = {m.name for m in kb.post_review if m.leaf.id == "T2.1.2.1.1"}
    assert placed, "the knowledge base places post-review methods in T2.1.2.1.1"
    text = "\n".join(m.value for m in at.markdown)
    ranked_rows = [m.value for m in at.markdown if m.value[:1].isdigit() and ". **[" in m.value]
    assert ranked_rows
    for name in placed:
        assert f"- **{name}** (" in text  # in the since-the-review part
        assert not any(f"] {name}**" in row for row in ranked_rows)  # never in the ranking
    assert "thesis line 744" in text and "thesis line 2154" in text  # guidance, F1-F4


def test_taxonomy_page_shows_constraints_practice_and_post_review_apart():
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    at.switch_page("views/taxonomy.py").run()
    at.selectbox(key="tax_node").select("T2").run()
    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(m.value for m in at.markdown)
    assert "multiple-sessions" in text and "thesis line 1632" in text
    assert "thesis line 2154" in text  # best practice for the T2 branch (F1, F3, F4)
    assert any("Since the review" in c.value for c in at.caption)
