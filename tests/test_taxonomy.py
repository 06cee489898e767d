"""Tests of the taxonomy tree, questions Q1-Q12, Figure 32 table and leaf pipeline registry."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest
import yaml

from kb.vocab import LEAF_IDS, LEAF_NAMES, GuidanceSignal
from taxonomy import leaf_pipeline, load_leaf_pipelines, load_taxonomy, pipeline_ids
from taxonomy.questions import (
    answer_paths,
    load_figure32,
    load_questions,
    validate_questions,
)
from taxonomy.tree import DATA_DIR, load_tree

THESIS = "/work/shared/sources/000_3984c9955b8aca3b.txt"


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def _tree_data():
    return yaml.safe_load((DATA_DIR / "tree.yaml").read_text())


def _questions_data():
    return yaml.safe_load((DATA_DIR / "questions.yaml").read_text())


def test_leaves_equal_kb_vocab(tax):
    assert tax.leaves == LEAF_IDS
    for leaf in LEAF_IDS:
        assert tax.node(leaf).name == LEAF_NAMES[leaf]


def test_tree_shape(tax):
    g = tax.graph
    assert nx.is_arborescence(g)
    assert sorted(g.successors("ROOT")) == ["T1", "T2", "T3"]
    assert g.number_of_nodes() == 23  # root + 9 inner + 13 leaves
    assert tax.leaves_under("T2.1.2") == (
        "T2.1.2.1.1",
        "T2.1.2.1.2",
        "T2.1.2.2.1",
        "T2.1.2.2.2",
        "T2.1.2.2.3",
        "T2.1.2.2.4",
    )
    assert tax.path_to("T2.1.2.2.1") == ("ROOT", "T2", "T2.1", "T2.1.2", "T2.1.2.2", "T2.1.2.2.1")


def test_interaction_stage_by_paradigm(tax):
    for leaf in tax.leaves:
        stage = tax.node(leaf).interaction_stage
        expected = {"T1": "training", "T2": "application", "T3": "both"}[leaf[:2]]
        assert stage == expected, leaf


def test_every_leaf_has_exactly_one_answer_path(tax):
    paths = answer_paths(tax.graph, tax.questions)
    assert set(paths) == set(LEAF_IDS)
    assert all(len(p) == 1 for p in paths.values())
    assert paths["T1.1"] == [()]
    assert paths["T2.1.2.1.2"] == [
        (
            ("Q6", "simulated"),
            ("Q7", "iterative"),
            ("Q8", "sampling-based"),
            ("Q9", "distance-transform"),
        )
    ]


def test_thesis_lines_point_at_the_definitions(tax):
    lines = open(THESIS, encoding="utf-8").read().splitlines()
    for q in tax.questions.values():
        assert lines[q.line - 1].startswith(f"{q.id}. "), q.id
    for node in tax.graph:
        if node == "ROOT":
            continue
        text = lines[tax.node(node).line - 1]
        assert node + "." in text, (node, text[:80])
    # the root cites the paragraph that introduces the three paradigms (l.1619-1620)
    assert "three paradigms" in " ".join(lines[1618:1620])


def test_figure32_has_15_cells_with_provenance(tax):
    cells = tax.figure32
    assert len(cells) == 15
    assert {(c.question, c.paradigm) for c in cells} == {
        (f"Q{i}", p) for i in range(1, 6) for p in ("T1", "T2", "T3")
    }
    for c in cells:
        assert c.provenance.startswith(("thesis l.", "inferred: ")), c
    # the one rating the thesis states in words (l.1642)
    t3 = next(c for c in cells if c.question == "Q3" and c.paradigm == "T3")
    assert t3.rating == "neutral" and "l.1642" in t3.provenance


def test_paradigm_options_have_basis(tax):
    for qid in ("Q1", "Q2", "Q3", "Q4", "Q5"):
        q = tax.question(qid)
        assert q.kind == "paradigm" and q.criterion
        for opt in q.options:
            assert set(opt.scores) == {"T1", "T2", "T3"}
            assert opt.basis.startswith(("thesis l.", "inferred: ")), (qid, opt.id)


def test_unknown_question_and_option_messages(tax):
    with pytest.raises(
        ValueError, match=re.escape("unknown question 'Q13'; valid questions: ['Q1'")
    ):
        tax.question("Q13")
    with pytest.raises(
        ValueError,
        match=re.escape("valid options: ['none', 'scarce', 'fully-annotated', 'not-sure']"),
    ):
        tax.question("Q2").option("lots")
    with pytest.raises(ValueError, match=re.escape("unknown taxonomy node 'T4'")):
        tax.node("T4")


def test_to_dict_is_json(tax):
    d = json.loads(json.dumps(tax.to_dict(), default=list))
    assert d["leaves"] == list(LEAF_IDS)
    assert [q["id"] for q in d["questions"]] == [f"Q{i}" for i in range(1, 13)]
    assert all(q["options"][-1]["id"] == "not-sure" for q in d["questions"])


# --- one broken fixture per validation rule ------------------------------------------------


def _write(tmp_path, name, data):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def test_tree_rejects_unknown_key(tmp_path):
    data = _tree_data()
    data["nodes"][1]["colour"] = "yellow"
    with pytest.raises(ValueError, match=re.escape("node 'T1': unknown keys ['colour']")):
        load_tree(_write(tmp_path, "tree.yaml", data))


def test_tree_rejects_bad_stage(tmp_path):
    data = _tree_data()
    data["nodes"][1]["interaction_stage"] = "never"
    with pytest.raises(ValueError, match=re.escape("field 'interaction_stage' is 'never'")):
        load_tree(_write(tmp_path, "tree.yaml", data))


def test_tree_rejects_unknown_parent(tmp_path):
    data = _tree_data()
    data["nodes"][2]["parent"] = "T9"
    with pytest.raises(ValueError, match=re.escape("node 'T1.1' field 'parent' is 'T9'")):
        load_tree(_write(tmp_path, "tree.yaml", data))


def test_tree_rejects_missing_leaf(tmp_path):
    data = _tree_data()
    data["nodes"] = [n for n in data["nodes"] if n["id"] != "T3.2"]
    with pytest.raises(
        ValueError, match=re.escape("expected 13 leaves (thesis Figure 31), got 12")
    ):
        load_tree(_write(tmp_path, "tree.yaml", data))


def test_questions_reject_option_to_non_child(tmp_path):
    data = _questions_data()
    q9 = next(q for q in data["questions"] if q["id"] == "Q9")
    q9["options"][0]["leads_to"] = {"T2.1.2.1": "T2.1.2.2.1"}
    p = _write(tmp_path, "questions.yaml", data)
    with pytest.raises(
        ValueError,
        match=re.escape("Q9: option 'distance-transform' at T2.1.2.1 leads to 'T2.1.2.2.1'"),
    ):
        validate_questions(load_tree(), load_questions(p), load_figure32(p))


def test_questions_reject_unreached_child(tmp_path):
    data = _questions_data()
    q10 = next(q for q in data["questions"] if q["id"] == "Q10")
    q10["options"] = q10["options"][:3]
    q10.pop("implied_by")
    p = _write(tmp_path, "questions.yaml", data)
    with pytest.raises(ValueError, match=re.escape("Q10: options at T2.1.2.2 must map one-to-one")):
        validate_questions(load_tree(), load_questions(p), load_figure32(p))


def test_questions_reject_missing_question(tmp_path):
    data = _questions_data()
    data["questions"] = [q for q in data["questions"] if q["id"] != "Q11"]
    p = _write(tmp_path, "questions.yaml", data)
    with pytest.raises(ValueError, match=re.escape("questions must be ['Q1'")):
        validate_questions(load_tree(), load_questions(p), load_figure32(p))


def test_questions_reject_bad_rating_and_listed_not_sure(tmp_path):
    data = _questions_data()
    data["questions"][0]["options"][0]["scores"]["T1"] = "great"
    with pytest.raises(
        ValueError, match=re.escape("ratings {'T1': 'great'}; allowed: ['good', 'neutral', 'poor']")
    ):
        load_questions(_write(tmp_path, "q.yaml", data))
    data = _questions_data()
    data["questions"][5]["options"][0]["id"] = "not-sure"
    with pytest.raises(ValueError, match=re.escape("option id 'not-sure' is implicit")):
        load_questions(_write(tmp_path, "q2.yaml", data))


def test_figure32_rejects_missing_provenance(tmp_path):
    data = _questions_data()
    del data["figure32"]["criteria"][0]["cells"]["T2"]["provenance"]
    with pytest.raises(ValueError, match=re.escape("figure32 user-availability/T2")):
        load_figure32(_write(tmp_path, "q.yaml", data))


# --- leaf pipeline registry ----------------------------------------------------------------


def test_every_leaf_has_a_pipeline():
    reg = load_leaf_pipelines()
    assert tuple(reg) == LEAF_IDS
    assert len(set(pipeline_ids())) == 13
    signals = {s.value for s in GuidanceSignal} | {"none"}
    for leaf, p in reg.items():
        assert p["leaf"] == leaf and p["id"].startswith(leaf.lower() + "-")
        assert p["guidance_signal"] in signals
    assert leaf_pipeline("T2.1.2.2.1")["id"] == "t2.1.2.2.1-center-largest-error"


def test_pipeline_robot_users_exist_in_kb_catalog():
    from kb import load_kb

    known = {r.id for r in load_kb().catalog.robot_users}
    for p in load_leaf_pipelines().values():
        assert set(p["builds_on"]) <= known, p["id"]
        if p["robot_user"] not in {
            "al-oracle-correction",
            "error-skeleton-scribble",
            "box-then-center-click",
            "worst-slice",
            "presaved-weak-labels",
        }:
            assert p["robot_user"] in known, p["id"]


def test_leaf_pipeline_unknown_leaf():
    with pytest.raises(ValueError, match=re.escape("unknown leaf 'T2.1'; known leaves: ['T1.1'")):
        leaf_pipeline("T2.1")


def test_pipeline_registry_rejects_bad_signal(tmp_path):
    data = yaml.safe_load((DATA_DIR / "leaf_pipelines.yaml").read_text())
    data["pipelines"][1]["guidance_signal"] = "laser"
    with pytest.raises(ValueError, match=re.escape("field 'guidance_signal' is 'laser'")):
        load_leaf_pipelines(_write(tmp_path, "lp.yaml", data))


@pytest.mark.parametrize(
    ("qid", "option"),
    [("Q2", "scarce"), ("Q3", "complex-model"), ("Q4", "diverse"), ("Q5", "time-critical")],
)
def test_demanding_options_follow_figure32_order(tax, qid, option):
    """The option that makes a criterion matter never ranks paradigms against Figure 32."""
    value = {"good": 1, "neutral": 0, "poor": -1}
    cells = {c.paradigm: value[c.rating] for c in tax.figure32 if c.question == qid}
    scores = {p: value[r] for p, r in tax.question(qid).option(option).scores.items()}
    for a in cells:
        for b in cells:
            if cells[a] > cells[b]:
                assert scores[a] >= scores[b], (qid, a, b)


def test_implied_by_must_map_to_options(tmp_path):
    data = _questions_data()
    q12 = next(q for q in data["questions"] if q["id"] == "Q12")
    q12["implied_by"]["map"]["none"] = "everything"
    with pytest.raises(
        ValueError, match=re.escape("implied_by maps to unknown options ['everything']")
    ):
        load_questions(_write(tmp_path, "q.yaml", data))


def test_cli_taxonomy(capsys):
    from app.cli import main

    assert main(["taxonomy"]) == 0
    out = capsys.readouterr().out
    assert (
        all(f"  {leaf} " in out for leaf in LEAF_IDS)
        and "? Q9 How are interactions sampled?" in out
    )
    assert main(["taxonomy", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["leaves"] == list(LEAF_IDS) and set(data["pipelines"]) == set(LEAF_IDS)


def test_loaders_reject_missing_top_level_sections(tmp_path):
    data = _questions_data()
    del data["figure32"]
    with pytest.raises(
        ValueError, match=re.escape("q.yaml: expected a top-level 'figure32' mapping")
    ):
        load_figure32(_write(tmp_path, "q.yaml", data))
    with pytest.raises(ValueError, match=re.escape("lp.yaml: expected a top-level 'pipelines'")):
        load_leaf_pipelines(_write(tmp_path, "lp.yaml", {"pipes": []}))


def test_questions_reject_bad_thesis_field(tmp_path):
    data = _questions_data()
    data["questions"][2]["thesis"] = {"section": "6.1.3.1", "line": "l.1640"}
    with pytest.raises(
        ValueError, match=re.escape("question 'Q3': field 'thesis/line' must be a positive int")
    ):
        load_questions(_write(tmp_path, "q.yaml", data))
