"""Tests of the Q1-Q12 decision engine, method ranking, reports and ``iseg recommend``."""

from __future__ import annotations

import json
import re
import statistics
import time

import pytest

from app.cli import main
from kb import load_kb
from kb.vocab import LEAF_IDS
from recommender import next_question, rank_methods, recommend, to_json, to_markdown
from recommender.cli import interactive_answers
from taxonomy import load_taxonomy
from taxonomy.questions import answer_paths


@pytest.fixture(scope="module")
def kb():
    return load_kb()


# Answer sets the thesis text implies (line = the recommendation that implies the leaf).
THESIS_CASES = [
    # issue example: no labels + single patient + small model -> T3.1 (l.1636, l.1650, l.1780)
    ({"Q2": "none", "Q3": "small-model-ok", "Q4": "single-patient"}, ("T3.1",)),
    # issue example: labels scarce + multiple offline sessions -> active learning (l.1632, l.1638)
    ({"Q1": "multiple-sessions", "Q2": "scarce"}, ("T1.1",)),
    # issue example: iterative refinement + interactions in central regions (l.1708, l.1740)
    (
        {
            "Q1": "single-session",
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "sampling-based",
            "Q9": "distance-transform",
        },
        ("T2.1.2.1.2",),
    ),
    # interactions anywhere in the label -> uniform sampling (l.1740)
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "sampling-based",
            "Q9": "uniform",
        },
        ("T2.1.2.1.1",),
    ),
    # partially annotated dataset aiming for full annotation, offline sessions (l.1632, l.1650)
    ({"Q1": "multiple-sessions", "Q4": "single-dataset"}, ("T1.1",)),
    # short transition + scarce labels -> online learning; small labelled set -> fine-tuning
    # (l.1638, l.1656, l.1780)
    ({"Q2": "scarce", "Q5": "time-critical"}, ("T3.2",)),
    # user interacts once, consistent annotators -> non-iterative rule-based (l.1708, l.1721)
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "non-iterative",
            "Q8": "rule-based",
        },
        ("T2.1.1.2",),
    ),
    # annotation styles vary -> sampling-based (l.1721)
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "non-iterative",
            "Q8": "sampling-based",
        },
        ("T2.1.1.1",),
    ),
    # short training, weak labels exist -> pre-saved weak labels (l.1700, l.1756)
    (
        {
            "Q2": "fully-annotated",
            "Q3": "complex-model",
            "Q4": "diverse",
            "Q6": "non-interactive",
            "Q11": "weak-labels",
        },
        ("T2.2.1",),
    ),
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "non-interactive",
            "Q11": "no-weak-labels",
        },
        ("T2.2.2",),
    ),
    # rules chosen by interaction type (l.1746-1748)
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "rule-based",
            "Q10": "scribbles",
        },
        ("T2.1.2.2.2",),
    ),
    (
        {
            "Q2": "fully-annotated",
            "Q4": "diverse",
            "Q6": "simulated",
            "Q7": "iterative",
            "Q8": "rule-based",
            "Q10": "polygons-or-slices",
        },
        ("T2.1.2.2.4",),
    ),
]


@pytest.mark.parametrize(("answers", "leaves"), THESIS_CASES)
def test_thesis_implied_answer_sets(answers, leaves):
    rec = recommend(answers, kb=False)
    assert rec.leaves == leaves
    assert rec.complete and rec.pending == ()
    assert [p["leaf"] for p in rec.pipeline] == list(leaves)


def test_every_leaf_reachable_by_its_answer_path():
    tax = load_taxonomy()
    paradigm = {
        "T1": {"Q1": "multiple-sessions", "Q2": "scarce"},
        "T2": {"Q2": "fully-annotated", "Q4": "diverse"},
        "T3": {"Q2": "none", "Q4": "single-patient"},
    }
    for leaf, [path] in answer_paths(tax.graph, tax.questions).items():
        answers = paradigm[leaf[:2]] | dict(path)
        assert recommend(answers, kb=False).leaves == (leaf,), leaf


def test_paradigm_tie_keeps_both():
    rec = recommend({"Q3": "complex-model"}, kb=False)
    assert rec.paradigm_scores == {"T1": 1, "T2": 1, "T3": -1}
    assert rec.paradigms == ("T1", "T2")
    assert rec.leaves[0] == "T1.1" and "T2.2.2" in rec.leaves and "T3.1" not in rec.leaves
    assert rec.pending == ("Q6",) and not rec.complete


def test_no_answers_keeps_all_leaves():
    rec = recommend({}, kb=False)
    assert rec.paradigms == ("T1", "T2", "T3") and rec.leaves == LEAF_IDS


def test_not_sure_keeps_both_branches():
    base = {"Q2": "fully-annotated", "Q4": "diverse"}
    rec = recommend(base | {"Q6": "not-sure"}, kb=False)
    assert set(rec.pending) == {"Q7", "Q11"}
    rec = recommend(
        base
        | {
            "Q6": "not-sure",
            "Q7": "iterative",
            "Q8": "rule-based",
            "Q10": "clicks",
            "Q11": "no-weak-labels",
        },
        kb=False,
    )
    assert rec.leaves == ("T2.1.2.2.1", "T2.2.2") and rec.complete
    assert "T2.1" in rec.path and "T2.2" in rec.path
    rec = recommend({"Q1": "not-sure", "Q2": "not-sure"}, kb=False)
    assert rec.paradigms == ("T1", "T2", "T3")


def test_changed_answer_invalidates_later_ones():
    before = {
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "non-interactive",
        "Q11": "weak-labels",
    }
    assert recommend(before, kb=False).leaves == ("T2.2.1",)
    after = recommend(before | {"Q6": "simulated"}, kb=False)
    assert "Q11" in after.ignored and "Q11" not in after.answers
    assert after.pending == ("Q7",)
    # a paradigm switch drops Q6-Q11 answers and brings Q12 into play
    switched = recommend(before | {"Q2": "none", "Q4": "single-patient"}, kb=False)
    assert switched.paradigms == ("T3",)
    assert set(switched.ignored) == {"Q6", "Q11"} and switched.leaves == ("T3.1",)


def test_implied_answers_can_be_overridden():
    rec = recommend({"Q2": "none", "Q4": "single-patient"}, kb=False)
    assert rec.implied == {"Q12": "no-labeled-data"}
    rec = recommend(
        {"Q2": "none", "Q4": "single-patient", "Q12": "small-labeled-dataset"}, kb=False
    )
    assert rec.implied == {} and rec.leaves == ("T3.2",)
    base = {
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "simulated",
        "Q7": "iterative",
        "Q8": "rule-based",
    }
    assert recommend(base, interaction="clicks", kb=False).leaves == ("T2.1.2.2.1",)
    assert recommend(base, interaction="bounding-box", kb=False).pending == ("Q10",)


def test_pure_function():
    answers = {"Q2": "none", "Q4": "single-patient"}
    copy = dict(answers)
    assert recommend(answers, kb=False) == recommend(answers, kb=False)
    assert answers == copy


def test_invalid_answers_list_choices():
    with pytest.raises(
        ValueError, match=re.escape("unknown question 'Q0'; valid questions: ['Q1', 'Q2'")
    ):
        recommend({"Q0": "x"}, kb=False)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "unknown option 'maybe' for Q6 (Are interactions simulated during training?); "
            "valid options: ['simulated', 'non-interactive', 'not-sure']"
        ),
    ):
        recommend({"Q6": "maybe"}, kb=False)
    with pytest.raises(ValueError, match=re.escape("unknown modality 'CTX'; valid: ['CT'")):
        recommend({}, modality="CTX")
    with pytest.raises(ValueError, match=re.escape("unknown interaction 'taps'; valid: ['clicks'")):
        recommend({}, interaction="taps", kb=False)


def test_next_question_sequence():
    assert next_question({}) == "Q1"
    answers = {
        "Q1": "single-session",
        "Q2": "fully-annotated",
        "Q3": "complex-model",
        "Q4": "diverse",
        "Q5": "not-sure",
    }
    assert next_question(answers) == "Q6"
    assert next_question(answers | {"Q6": "simulated"}) == "Q7"


def test_recommend_under_50_ms(kb):
    answers = {
        "Q1": "single-session",
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "not-sure",
        "Q7": "iterative",
        "Q8": "not-sure",
        "Q9": "uniform",
    }
    recommend(answers, modality="CT", interaction="clicks", target="liver", kb=kb)  # warm caches
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        recommend(answers, modality="CT", interaction="clicks", target="liver", kb=kb)
        times.append(time.perf_counter() - t0)
    assert statistics.median(times) < 0.050


# --- ranking ---------------------------------------------------------------------------------


def test_ranking_prefers_matches_and_explains(kb):
    ranked, _ = rank_methods(
        ("T2.1.2.1.2",), modality="CT", interaction="clicks", target="liver", kb=kb
    )
    assert ranked and all(m.leaf_provenance and m.leaf_confidence for m in ranked)
    matching = [m for m in ranked if m.matches]
    assert len(matching) >= 3
    first_non = next((i for i, m in enumerate(ranked) if not m.matches), len(ranked))
    assert all(m.matches for m in ranked[:first_non])
    for m in matching:
        row = kb.method(m.id)
        assert any(x.modality == "CT" for x in row.modalities)
        assert any(x.type == "clicks" for x in row.interactions)
        assert any("modality CT" in e for e in m.explanation)
    scores = [m.score for m in matching if m.source == "leaf"]
    assert scores == sorted(scores, reverse=True)


def test_ranking_adds_nearest_leaves_when_few_match(kb):
    ranked, caveats = rank_methods(("T2.1.2.2.1",), kb=kb)  # only 2 methods in this leaf
    in_leaf = [m for m in ranked if m.source == "leaf"]
    near = [m for m in ranked if m.source != "leaf"]
    assert len(in_leaf) == sum(m.leaf == "T2.1.2.2.1" for m in kb.methods_df().itertuples())
    assert len(in_leaf) < 3 and near
    assert all(m.from_node != "T2.1.2.2.1" and m.distance > 0 for m in near)
    assert any("nearest" in c for c in caveats)


def test_report_cites_every_method(kb):
    rec = recommend({"Q1": "multiple-sessions", "Q2": "scarce"}, modality="CT", kb=kb)
    md = to_markdown(rec)
    for m in rec.methods:
        assert m.citation["title"].rstrip(".") in md
        assert f"[{m.ref}]" in md
    assert "t1.1-active-learning-uncertainty" in md and "## Caveats" in md
    data = json.loads(to_json(rec))
    assert {"leaves", "path", "rationale", "methods", "pipeline"} <= set(data)
    assert data["methods"][0]["citation"]["authors"]


# --- CLI -------------------------------------------------------------------------------------


def test_cli_json(capsys):
    rc = main(
        [
            "recommend",
            "--answer",
            "Q2=none",
            "--answer",
            "Q4=single-patient",
            "--modality",
            "CT",
            "--format",
            "json",
        ]
    )
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert data["leaves"] == ["T3.1"] and data["pipeline"][0]["id"] == "t3.1-online-from-scratch"


@pytest.mark.parametrize(
    ("argv", "msg"),
    [
        (["--answer", "Q99=x"], "unknown question 'Q99'; valid questions: ['Q1'"),
        (["--answer", "Q7=often"], "valid options: ['iterative', 'non-iterative', 'not-sure']"),
        (["--answer", "Q7"], "--answer must look like Q2=scarce, got 'Q7'"),
    ],
)
def test_cli_bad_answers_exit_2(capsys, argv, msg):
    assert main(["recommend", *argv]) == 2
    assert msg in capsys.readouterr().err


def test_interactive_back_and_not_sure():
    replies = iter(["1", "back", "2", "3", "?", "lots", "1", "not-sure", "2", "1"])
    said = []
    answers = interactive_answers(lambda _p: next(replies), said.append)
    # Q1=single-session (after back), Q2=fully-annotated, Q3=not-sure, Q4 ('lots' rejected)
    # =diverse, Q5=not-sure, Q6=non-interactive, Q11=weak-labels
    assert answers == {
        "Q1": "single-session",
        "Q2": "fully-annotated",
        "Q3": "not-sure",
        "Q4": "diverse",
        "Q5": "not-sure",
        "Q6": "non-interactive",
        "Q11": "weak-labels",
    }
    assert any("'lots' is not an option" in s for s in said)
    assert recommend(answers, kb=False).leaves == ("T2.2.1",)


# --- review fixes ----------------------------------------------------------------------------


def test_negative_max_methods_rejected(kb):
    with pytest.raises(ValueError, match=re.escape("max_methods must be an int >= 0, got -1")):
        recommend({}, max_methods=-1, kb=kb)
    with pytest.raises(ValueError, match=re.escape("limit must be an int >= 0, got -2")):
        rank_methods(("T1.1",), limit=-2, kb=kb)
    assert recommend({"Q2": "none", "Q4": "single-patient"}, max_methods=0, kb=kb).methods == ()


def test_nearest_caveat_counts_listed_methods(kb):
    # T2.1.2.2.2 has no method of its own, so every listed method comes from a neighbour
    ranked, caveats = rank_methods(("T2.1.2.2.2",), modality="MRI", kb=kb, limit=2)
    assert len(ranked) == 2 and all(m.source != "leaf" for m in ranked)
    full, _ = rank_methods(("T2.1.2.2.2",), modality="MRI", kb=kb, limit=100)
    n_near = sum(m.source != "leaf" for m in full)
    assert n_near > 2
    msg = next(c for c in caveats if "nearest" in c)
    assert msg.startswith("T2.1.2.2.2 hold(s) no reviewed method")
    assert "then 2 fallback method(s)" in msg and "same paradigm (T2)" in msg
    assert f"({n_near - 2} more cut by the limit of 2)" in msg


def test_stopword_target_is_reported(kb):
    _, caveats = rank_methods(("T3.1",), target="the", kb=kb)
    assert "target 'the' has no word to match; it was not used for ranking." in caveats


def test_ignored_says_not_reached_yet_below_a_pending_question():
    rec = recommend(
        {"Q2": "fully-annotated", "Q4": "diverse", "Q9": "uniform", "Q12": "no-labeled-data"},
        kb=False,
    )
    assert rec.pending == ("Q6",)
    assert rec.ignored == {
        "Q9": "not reached yet: answer Q6 first (then Q9 may apply)",
        "Q12": "does not apply: the path does not reach T3",
    }


def test_cli_conflicting_repeated_answer_exit_2(capsys):
    assert main(["recommend", "--answer", "Q2=none", "--answer", "q2=scarce"]) == 2
    err = capsys.readouterr().err
    assert "--answer Q2 given twice with different options: 'none' and 'scarce'" in err
    argv = ["recommend", "--answer", "Q12=no-labeled-data", "--answer", "Q12=no-labeled-data"]
    assert main([*argv, "--format", "json", "--max-methods", "0"]) == 0  # same answer twice: ok
    assert json.loads(capsys.readouterr().out)["answers"] == {"Q12": "no-labeled-data"}


def test_explanation_sums_to_score(kb):
    """Every point of a method's score is named in its explanation (and nothing else)."""
    ranked, _ = rank_methods(
        LEAF_IDS, modality="CT", interaction="clicks", target="liver", kb=kb, limit=200
    )
    assert len(ranked) > 50
    for m in ranked:
        parts = [float(x) for e in m.explanation for x in re.findall(r"\(\+([0-9.]+)\)", e)]
        assert len(parts) == len(m.explanation)
        assert sum(parts) == pytest.approx(m.score, abs=0.01), m.id
        row = kb.method(m.id)
        assert m.matches == (
            any("CT" in str(x.modality).split("/") for x in row.modalities)
            and any(x.type == "clicks" for x in row.interactions)
            and any("(+0)" not in e for e in m.explanation if e.startswith("target"))
        ), m.id
        assert ("code available (+1)" in m.explanation) == bool(row.code_url), m.id


def test_singular_interaction_spellings():
    base = {
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "simulated",
        "Q7": "iterative",
        "Q8": "rule-based",
    }
    assert recommend(base, interaction="Scribble", kb=False).leaves == ("T2.1.2.2.2",)
    assert recommend(base, interaction="polygon", kb=False).leaves == ("T2.1.2.2.4",)
    assert recommend(base, interaction="box", kb=False).query["interaction"] == "bounding-box"


def test_interactive_not_sure_spellings_and_back_at_start():
    replies = iter(["back", "Not sure", "?", "not-sure", "1", "NOT SURE", "2", "1"])
    said = []
    answers = interactive_answers(lambda _p: next(replies), said.append)
    assert any("nothing to go back to" in s for s in said)
    assert answers == {
        "Q1": "not-sure",
        "Q2": "not-sure",
        "Q3": "not-sure",
        "Q4": "diverse",
        "Q5": "not-sure",
        "Q6": "non-interactive",
        "Q11": "weak-labels",
    }


def test_cli_interactive_on_a_terminal(monkeypatch, capsys):
    import io
    import sys

    class _Tty(io.StringIO):
        def isatty(self):
            return True

    # Q1 single-session, Q2 none, Q3 small-model-ok, Q4 single-patient, Q5 time-critical; Q12
    # implied by Q2; the spare lines are never read
    monkeypatch.setattr(sys, "stdin", _Tty("2\n1\n2\n3\n1\n2\n2\n"))
    assert main(["recommend", "--format", "json", "--max-methods", "0"]) == 0
    cap = capsys.readouterr()
    data = json.loads(cap.out)  # the questions went to standard error, the report alone to out
    assert data["answers"]["Q4"] == "single-patient" and data["leaves"] == ["T3.1"]
    assert "Q1. At which stage is an interactive user available?" in cap.err
    assert "answer (number" in cap.err


def test_rank_methods_rejects_non_leaf_ids(kb):
    with pytest.raises(
        ValueError, match=re.escape("unknown leaf ids ['T2.1', 'T9']; known leaves: ['T1.1'")
    ):
        rank_methods(("T3.1", "T2.1", "T9"), kb=kb)


def test_q12_implied_by_labelled_data_in_a_t2_t3_tie():
    """l.1780: fine-tuning when labelled data is already present, so Q2=fully-annotated -> T3.2."""
    rec = recommend(
        {"Q1": "single-session", "Q2": "fully-annotated", "Q4": "single-patient"}, kb=False
    )
    assert rec.paradigms == ("T2", "T3")
    assert rec.implied == {"Q12": "small-labeled-dataset"}
    assert "T3.2" in rec.leaves and "T3.1" not in rec.leaves


def test_modality_checked_without_kb():
    with pytest.raises(ValueError, match=re.escape("unknown modality 'CTX'; valid: ['CT'")):
        recommend({}, modality="CTX", kb=False)
    assert recommend({}, modality="ct", kb=False).query["modality"] == "CT"
