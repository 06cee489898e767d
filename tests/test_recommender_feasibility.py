"""The thesis's hard statements on Q1-Q5 as constraints, named conflicts, why-not-chosen and
the ranking rules of issue 13 (leaf's own methods first, same-paradigm fallback, evidence)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from app.cli import main
from kb import load_kb
from recommender import rank_methods, recommend
from taxonomy import load_taxonomy
from taxonomy.constraints import load_constraints, validate_constraints

_THESIS = next(
    (
        p
        for p in (
            Path(__file__).resolve().parents[1] / ".." / "shared" / "sources",
            Path("/work/shared/sources"),
        )
        if (p / "000_3984c9955b8aca3b.txt").exists()
    ),
    None,
)
TAX = load_taxonomy()


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.mark.skipif(_THESIS is None, reason="thesis text not available")
def test_every_constraint_quotes_its_thesis_line_verbatim():
    lines = (_THESIS / "000_3984c9955b8aca3b.txt").read_text(encoding="utf-8").splitlines()
    for c in (*TAX.constraints, *TAX.conflicts):
        assert c.quote in lines[c.line - 1], (c.id, c.line)


def test_constraints_cover_the_hard_statements_of_q1_q2_q3_q5():
    got = {(c.question, c.option, c.paradigm, c.action, c.line) for c in TAX.constraints}
    assert ("Q1", "multiple-sessions", "T2", "exclude", 1632) in got
    assert ("Q1", "multiple-sessions", "T3", "exclude", 1630) in got
    assert ("Q1", "single-session", "T1", "exclude", 1630) in got
    assert ("Q2", "none", "T2", "exclude", 1638) in got
    assert ("Q2", "scarce", "T2", "exclude", 1638) in got
    assert ("Q3", "complex-model", "T3", "exclude", 1644) in got
    assert ("Q5", "time-critical", "T1", "warn", 1656) in got


# Per constraint: extra answers under which the constrained paradigm would otherwise win.
_WOULD_WIN = {
    "q1-offline-excludes-application-only": {"Q2": "fully-annotated", "Q4": "diverse"},
    "q1-offline-excludes-online-learning": {"Q4": "single-patient", "Q5": "time-critical"},
    "q1-single-session-excludes-training-only": {"Q2": "scarce", "Q4": "single-dataset"},
    "q2-no-labels-excludes-application-only": {"Q3": "complex-model", "Q4": "diverse"},
    "q2-scarce-labels-excludes-application-only": {"Q4": "diverse", "Q5": "time-critical"},
    "q2-no-labels-warns-training-only": {"Q1": "multiple-sessions", "Q4": "single-dataset"},
    "q3-complex-model-excludes-online-learning": {"Q2": "none", "Q4": "single-patient"},
    "q5-time-critical-warns-training-only": {"Q1": "multiple-sessions", "Q4": "single-dataset"},
}


@pytest.mark.parametrize("cid", sorted(_WOULD_WIN))
def test_each_hard_statement_excludes_or_warns_with_its_line(cid):
    c = next(x for x in TAX.constraints if x.id == cid)
    answers = {c.question: c.option, **_WOULD_WIN[cid]}
    rec = recommend(answers, kb=False)
    if c.action == "exclude":
        assert c.paradigm not in rec.paradigms
        assert not any(lf.startswith(c.paradigm) for lf in rec.leaves)
        why = next(n for n in rec.not_chosen if n["node"] == c.paradigm)
        assert (
            f"thesis line {c.line}" in why["reason"] and f"{c.question}={c.option}" in why["reason"]
        )
        # the paradigm would have scored at least as high: the exclusion is reported as a warning
        if rec.paradigm_scores[c.paradigm] >= max(rec.paradigm_scores[p] for p in rec.paradigms):
            assert any(w.id == cid and w.thesis_line == c.line for w in rec.warnings)
    else:
        assert c.paradigm in rec.paradigms
        w = next(w for w in rec.warnings if w.id == cid)
        assert w.kind == "caution" and w.thesis_line == c.line and w.quote == c.quote


_Q15 = {q: [*TAX.question(q).option_ids] for q in ("Q1", "Q2", "Q3", "Q4", "Q5")}


def test_no_answer_set_recommends_a_ruled_out_paradigm_without_a_warning():
    """All 432 Q1-Q5 answer sets: a paradigm excluded by a triggered constraint is either not
    kept or kept with a ``kept-despite`` warning citing that constraint's line."""
    for combo in itertools.product(*_Q15.values()):
        answers = dict(zip(_Q15, combo, strict=True))
        rec = recommend(answers, kb=False)
        for c in TAX.constraints:
            if answers[c.question] != c.option or c.paradigm not in rec.paradigms:
                continue
            kind = "kept-despite" if c.action == "exclude" else "caution"
            assert any(
                w.kind == kind and c.paradigm in w.nodes and w.thesis_line == c.line
                for w in rec.warnings
            ), (answers, c.id)


def test_multiple_sessions_never_yields_t2_or_t3_without_a_warning():
    for combo in itertools.product(*list(_Q15.values())[1:]):
        answers = {"Q1": "multiple-sessions", **dict(zip(list(_Q15)[1:], combo, strict=True))}
        rec = recommend(answers, kb=False)
        for lf in rec.leaves:
            if lf[:2] in ("T2", "T3"):
                assert any(
                    lf[:2] in w.nodes and w.thesis_line in (1630, 1632) for w in rec.warnings
                )


def test_issue_examples_are_no_longer_outvoted():
    # offline annotators, fully annotated diverse data, complex model: T2 scores 2 but l.1632
    rec = recommend(
        {
            "Q1": "multiple-sessions",
            "Q2": "fully-annotated",
            "Q3": "complex-model",
            "Q4": "diverse",
        },
        kb=False,
    )
    assert rec.paradigm_scores == {"T1": 1, "T2": 2, "T3": -3}
    assert rec.paradigms == ("T1",)
    assert any(w.id == "q1-offline-excludes-application-only" for w in rec.warnings)
    # no labels + complex model + diverse data: not T2 (l.1638)
    rec = recommend({"Q2": "none", "Q3": "complex-model", "Q4": "diverse"}, kb=False)
    assert "T2" not in rec.paradigms
    # offline sessions + no labels + time-critical: not T3.1 (l.1630/1632)
    rec = recommend({"Q1": "multiple-sessions", "Q2": "none", "Q5": "time-critical"}, kb=False)
    assert rec.leaves == ("T1.1",)
    assert {"q2-no-labels-warns-training-only", "q5-time-critical-warns-training-only"} <= {
        w.id for w in rec.warnings
    }


def test_every_paradigm_ruled_out_keeps_the_best_with_warnings():
    rec = recommend({"Q1": "single-session", "Q2": "none", "Q3": "complex-model"}, kb=False)
    assert rec.paradigms == ("T2", "T3")
    assert {w.id for w in rec.warnings} == {"no-feasible-paradigm"}
    assert {w.nodes for w in rec.warnings} == {("T2",), ("T3",)}


def test_named_conflicts():
    rec = recommend({"Q2": "none", "Q12": "small-labeled-dataset"}, kb=False)
    assert rec.leaves == ("T3.2",)
    w = next(w for w in rec.warnings if w.id == "no-labels-but-fine-tuning")
    assert w.kind == "conflict" and w.thesis_line == 1778
    rec = recommend({"Q2": "scarce", "Q12": "no-labeled-data"}, kb=False)
    assert any(w.id == "labels-but-training-from-scratch" for w in rec.warnings)
    # Q12 ignored (T3 not kept): no conflict about it
    rec = recommend(
        {"Q1": "multiple-sessions", "Q2": "none", "Q12": "small-labeled-dataset"}, kb=False
    )
    assert not any(w.kind == "conflict" for w in rec.warnings)
    # consistent answers: no conflict
    rec = recommend({"Q2": "none", "Q12": "no-labeled-data"}, kb=False)
    assert not any(w.kind == "conflict" for w in rec.warnings)


def test_q10_against_interaction_flag_is_not_dropped_silently(kb):
    answers = {
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "simulated",
        "Q7": "iterative",
        "Q8": "rule-based",
        "Q10": "clicks",
    }
    rec = recommend(answers, interaction="scribbles", kb=kb)
    assert rec.leaves == ("T2.1.2.2.1",)
    assert rec.query["interaction"] == "scribbles"
    w = next(w for w in rec.warnings if w.id == "q10-differs-from-interaction")
    assert "scribbles" in w.message and w.thesis_line == 1748
    assert all(any(e.startswith("interaction") for e in m.explanation) for m in rec.methods)
    assert not recommend(answers, interaction="clicks", kb=False).warnings


def test_not_chosen_covers_every_other_paradigm_and_leaf():
    rec = recommend({"Q2": "none", "Q3": "small-model-ok", "Q4": "single-patient"}, kb=False)
    nodes = [n["node"] for n in rec.not_chosen]
    assert set(nodes) == ({"T1", "T2", "T3"} - set(rec.paradigms)) | (
        set(TAX.leaves) - set(rec.leaves)
    )
    why = {n["node"]: n["reason"] for n in rec.not_chosen}
    assert "ruled out by Q2=none" in why["T2"] and "thesis line 1638" in why["T2"]
    assert "lower than" in why["T1"]
    assert "Q12" in why["T3.2"] and "not T3.2" in why["T3.2"]
    assert why["T2.2.1"] == "its paradigm T2 was not chosen"


def test_rationale_is_readable_text():
    rec = recommend({"Q1": "single-session", "Q2": "fully-annotated", "Q4": "diverse"}, kb=False)
    text = " ".join(s.rationale for s in rec.rationale)
    assert "{" not in text and "'T1':" not in text
    assert " l.1" not in text and "thesis line 1632" in text


def test_json_report_has_warnings_list(capsys):
    argv = [
        "recommend",
        "--answer",
        "Q1=multiple-sessions",
        "--answer",
        "Q2=none",
        "--answer",
        "Q5=time-critical",
        "--format",
        "json",
        "--max-methods",
        "0",
    ]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert isinstance(d["warnings"], list) and d["warnings"]
    assert {"id", "kind", "message", "thesis_line", "quote"} <= set(d["warnings"][0])
    assert {n["node"] for n in d["not_chosen"]} >= {"T2", "T3"}


# ---------------------------------------------------------------- ranking (issue 13 item 2)
_T31 = {"Q1": "single-session", "Q2": "none", "Q3": "small-model-ok", "Q4": "single-patient"}


def test_t31_own_methods_first_then_same_paradigm_fallback(kb, capsys):
    argv = [
        "recommend",
        *[f"--answer={q}={a}" for q, a in _T31.items()],
        "--modality",
        "CT",
        "--interaction",
        "clicks",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["leaves"] == ["T3.1"]
    own = [m for m in kb.methods if m.leaf.id == "T3.1"]
    sources = [m["source"] for m in d["methods"]]
    assert [m["leaf"] for m in d["methods"][: len(own)]] == ["T3.1"] * len(own)
    assert sources[: len(own)] == ["leaf"] * len(own)
    assert all(m["leaf"].startswith("T3") for m in d["methods"] if m["leaf"])
    assert all(m["from_node"].startswith("T3") for m in d["methods"])
    caveats = " ".join(d["caveats"])
    assert "Only 0" not in caveats and "None of the 4 methods in T3.1" in caveats
    assert "same paradigm (T3)" in caveats


def test_thesis_text_high_outranks_low_inferred_without_filters(kb):
    ranked, _ = rank_methods(tuple(TAX.leaves_under("T2")), kb=kb, limit=200)
    deepedit = next(m for m in ranked if m.name == "DeepEdit")
    assert deepedit.leaf_provenance == "thesis-text" and deepedit.leaf_confidence == "high"
    low = [
        m
        for m in ranked
        if m.leaf_provenance == "inferred"
        and m.leaf_confidence == "low"
        and m.year == 2023
        and bool(m.code_url) == bool(deepedit.code_url)
    ]
    assert low and all(ranked.index(deepedit) < ranked.index(m) for m in low)
    assert "leaf evidence thesis-text (+1)" in deepedit.explanation


def test_matches_only_when_a_filter_was_given(kb):
    ranked, _ = rank_methods(("T2.1.2.1.1",), kb=kb, limit=50)
    assert ranked and not any(m.matches for m in ranked) and not any(m.matched for m in ranked)
    ranked, _ = rank_methods(("T2.1.2.1.1",), modality="CT", kb=kb, limit=50)
    assert any(m.matches for m in ranked)
    for m in ranked:
        assert m.matches == ("modality CT" in m.matched or any("within" in x for x in m.matched))


def test_fallback_never_crosses_paradigms(kb):
    for leaf in TAX.leaves:
        ranked, _ = rank_methods((leaf,), modality="US", interaction="eye-gaze", kb=kb, limit=50)
        for m in ranked:
            assert TAX.path_to(m.from_node)[1] == leaf[:2], (leaf, m.id)


def test_broken_constraints_yaml_is_rejected(tmp_path):
    good = (Path(__file__).resolve().parents[1] / "taxonomy/data/constraints.yaml").read_text()
    p = tmp_path / "constraints.yaml"
    p.write_text(good.replace("option: multiple-sessions", "option: sometimes", 1))
    cons, confl = load_constraints(p)
    with pytest.raises(ValueError, match="'sometimes' is not an option of Q1"):
        validate_constraints(cons, confl, TAX.questions)
    p.write_text(good.replace("action: exclude", "action: forbid", 1))
    with pytest.raises(ValueError, match="action 'forbid'"):
        load_constraints(p)
    p.write_text(good.replace("    line: 1632\n", "", 1))
    with pytest.raises(ValueError, match="needs exactly the keys"):
        load_constraints(p)
    p.write_text(
        good.replace("when: {Q2: none, Q12: small-labeled-dataset}", "when: {Q2: none, Q12: maybe}")
    )
    cons, confl = load_constraints(p)
    with pytest.raises(ValueError, match=r"\['maybe'\] are not options of Q12"):
        validate_constraints(cons, confl, TAX.questions)
