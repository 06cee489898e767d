"""Best practice per leaf (issue 13 item 4) and the post-review methods kept apart (item 3)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from kb import load_kb
from recommender import recommend, to_json, to_markdown
from taxonomy import load_taxonomy
from taxonomy.best_practice import load_best_practice, validate_best_practice

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
_T2111 = {
    "Q1": "single-session",
    "Q2": "fully-annotated",
    "Q4": "diverse",
    "Q6": "simulated",
    "Q7": "iterative",
    "Q8": "sampling-based",
    "Q9": "uniform",
}


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.mark.skipif(_THESIS is None, reason="thesis text not available")
def test_every_practice_quotes_its_thesis_line_verbatim():
    lines = (_THESIS / "000_3984c9955b8aca3b.txt").read_text(encoding="utf-8").splitlines()
    for p in TAX.best_practice:
        assert p.quote in lines[p.line - 1], (p.id, p.line)


def test_practices_per_leaf():
    ids = {lf: {p.id for p in TAX.practices_for(lf)} for lf in TAX.leaves}
    for lf, got in ids.items():
        assert {"realistic-robot-users", "evaluation-standard"} <= got, lf
    for lf in TAX.leaves_under("T2.1"):
        assert {
            "guidance-concatenation",
            "guidance-disks-heatmaps",
            "f1-iterative-training",
            "f2-small-heatmaps-or-pe",
            "f3-non-interactive-pretraining",
            "f4-local-inference",
        } <= ids[lf], lf
    assert not {"guidance-concatenation", "f4-local-inference"} & ids["T3.1"]
    lines = {p.id: p.line for p in TAX.best_practice}
    assert lines["guidance-concatenation"] == 744 and lines["guidance-disks-heatmaps"] == 768
    assert {v for k, v in lines.items() if k.startswith("f")} == {2154}


def test_report_carries_best_practice_with_lines_and_protocol_facts(kb):
    rec = recommend(_T2111, kb=kb)
    got = {b["id"]: b for b in rec.best_practice}
    assert got["guidance-concatenation"]["thesis_line"] == 744
    proto = got["evaluation-standard"]["protocol"]
    assert proto and proto["id"] == "cvpr2025-interactive-3d"
    keys = {f["key"] for f in proto["facts"]}
    assert {"steps", "click_rule", "metrics"} <= keys
    assert all(f["source"] for f in proto["facts"])
    md = to_markdown(rec)
    assert "## Best practice" in md and 'thesis line 744: "Concatenation provides' in md
    d = json.loads(to_json(rec))
    assert d["best_practice"] and d["since_review"]


def test_since_review_is_apart_and_never_changes_the_thesis_ranking(kb):
    rec = recommend(_T2111, modality="CT", interaction="clicks", kb=kb, max_methods=50)
    post_ids = {m.id for m in kb.post_review}
    assert rec.since_review and all(r["beyond_review"] for r in rec.since_review)
    assert {r["id"] for r in rec.since_review} <= post_ids
    assert not {m.id for m in rec.methods} & post_ids  # never mixed into the ranking
    in_leaf = {m.id for m in kb.post_review if m.leaf.id == "T2.1.2.1.1"}
    assert in_leaf and in_leaf <= {r["id"] for r in rec.since_review if r["relation"] == "leaf"}
    relations = [r["relation"] for r in rec.since_review]
    assert relations == sorted(relations, key=["leaf", "alternative leaf", "branch"].index)
    # the same recommendation without any post-review method ranks the same methods
    bare = copy.copy(kb)
    bare.post_review = []
    rec0 = recommend(_T2111, modality="CT", interaction="clicks", kb=bare, max_methods=50)
    assert [m.id for m in rec0.methods] == [m.id for m in rec.methods]
    assert rec0.caveats == rec.caveats and rec0.since_review == ()


def test_no_labels_note_points_to_ready_trained_models(kb):
    rec = recommend({"Q2": "none", "Q4": "single-patient"}, kb=False)
    assert any("iseg methods --since-review" in c for c in rec.caveats)
    rec = recommend({"Q2": "fully-annotated"}, kb=False)
    assert not any("--since-review" in c for c in rec.caveats)


def test_broken_best_practice_yaml_is_rejected(tmp_path):
    good = (Path(__file__).resolve().parents[1] / "taxonomy/data/best_practice.yaml").read_text()
    p = tmp_path / "bp.yaml"
    p.write_text(good.replace("applies_to: [T2.1, T2.2.1]", "applies_to: [T9]", 1))
    with pytest.raises(ValueError, match=r"applies_to \['T9'\] are not tree nodes"):
        validate_best_practice(load_best_practice(p), TAX.graph)
    p.write_text(good.replace("    line: 744\n", "", 1))
    with pytest.raises(ValueError, match="needs the keys"):
        load_best_practice(p)
