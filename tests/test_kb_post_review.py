"""Methods published after the review (kb/post_review.py, kb/data/post_review/): kept apart."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import kb.loader
from app.cli import main
from kb import KBValidationError, load_kb
from kb.stats import compute_stats

DATA = Path(kb.loader.__file__).parent / "data"
NOTE = Path(__file__).resolve().parents[1] / ".." / "shared" / "sources" / "post_review_methods.md"


@pytest.fixture(scope="module")
def kbase():
    return load_kb()


def _run(capsys, *argv):
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_at_least_25_post_review_methods_load_apart_from_the_121(kbase):
    assert len(kbase.methods) == 121
    assert len(kbase.post_review) >= 25
    assert all(m.beyond_review for m in kbase.post_review)
    reviewed = {m.id for m in kbase.methods}
    assert not reviewed & {m.id for m in kbase.post_review}
    assert compute_stats(kbase)["total"]["methods"] == 121  # the thesis's counts are unchanged


def test_every_fact_group_has_a_source(kbase):
    for m in kbase.post_review:
        for group in (m.citation, m.prompts, m.modalities, m.code, m.weights, m.pip, m.leaf):
            assert group.source.ref.strip(), m.id
        assert m.leaf.training_simulation and m.leaf.evidence
        assert m.code.licence and m.weights.licence  # 'unknown' is stated, never left out


def test_leaves_are_inferred_and_text_only_models_are_flagged(kbase):
    for m in kbase.post_review:
        assert m.leaf.provenance in {"inferred", "unknown"}
        if m.prompts.types == ["text"]:
            assert m.leaf.outside_taxonomy and m.leaf.id is None, m.id
    outside = {m.id for m in kbase.post_review if m.leaf.outside_taxonomy}
    assert {"sat", "biomedparse", "voxtell", "medsam3", "limis"} <= outside
    assert kbase.post_review_method("vista3d").leaf.id == "T2.1.2.1.1"
    assert kbase.post_review_method("imedstam").leaf.id == "T2.1.2.2.1"


def test_post_review_ids_and_arxiv_ids_come_from_the_research_note(kbase):
    """Every arXiv id in the KB appears in the research note: nothing invented."""
    text = NOTE.read_text(encoding="utf-8") if NOTE.exists() else None
    if text is None:
        pytest.skip("research note not available")
    for m in kbase.post_review:
        if m.citation.arxiv:
            assert m.citation.arxiv in text, m.id


def test_licences_and_pip_of_nninteractive(kbase):
    m = kbase.post_review_method("nninteractive")
    assert m.code.licence == "Apache-2.0" and m.weights.licence == "CC BY-NC-SA 4.0"
    assert "nninteractive" in m.pip.packages
    assert m.verified and "056cdb5" in m.verified[0].ref


def test_comparison_edges_are_post_review_with_sources(kbase):
    by_id = {m.id: m for m in kbase.post_review}
    assert set(by_id["ensam"].compared_to) == {"vista3d", "sam-med3d", "segvol"}
    assert "deepedit" in by_id["sw-fastedit"].compared_to
    assert len(kbase.comparisons) == 121  # the reviewed edges are untouched
    raw = yaml.safe_load((DATA / "post_review_comparisons.yaml").read_text(encoding="utf-8"))
    assert all(e["post_review"] is True and e["source"]["ref"] for e in raw["edges"])


def test_methods_cli_filters_post_review(capsys):
    rc, out, _ = _run(capsys, "methods", "--format", "json")
    assert rc == 0 and len(json.loads(out)) == 121
    rc, out, _ = _run(capsys, "methods", "--since-review", "--format", "json")
    rows = json.loads(out)
    assert rc == 0 and len(rows) >= 25 and all(r["beyond_review"] for r in rows)
    rc, out, _ = _run(
        capsys, "methods", "--include-post-review", "--interaction", "box", "--format", "json"
    )
    rows = json.loads(out)
    assert {r["beyond_review"] for r in rows} == {True, False}
    assert all("bounding-box" in r["interactions"] for r in rows)
    rc, out, _ = _run(
        capsys, "methods", "--since-review", "--leaf", "T2.1.2.1.1", "--format", "json"
    )
    assert {"vista3d", "sam-med3d", "prism"} <= {r["id"] for r in json.loads(out)}


def test_validate_reports_post_review_separately(capsys):
    rc, out, _ = _run(capsys, "kb", "validate")
    assert rc == 0 and "methods: 121" in out
    assert re.search(r"post-review methods \(beyond_review, not counted above\): \d\d", out)


def test_protocol_facts_for_the_recommender(kbase):
    p = kbase.protocol("cvpr2025-interactive-3d")
    assert p.fact("steps").value == 6 and p.fact("auc_range").value == [0, 4]
    assert p.fact("time_limit_s_per_class").value == 90
    assert p.fact("click_rule_taxonomy").source.ref.startswith("thesis l.1997")
    assert all(f.source.ref for f in p.facts)


def test_text_only_model_without_the_flag_is_rejected(tmp_path: Path):
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "post_review" / "sat.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["leaf"]["outside_taxonomy"] = False
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KBValidationError, match=r"sat\.yaml: entry 'sat': .*outside_taxonomy"):
        load_kb(tmp_path)


def test_a_method_released_before_the_search_date_is_rejected(tmp_path: Path):
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "post_review" / "vista3d.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["first_release"] = "2023-05"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KBValidationError, match=r"before the review's search"):
        load_kb(tmp_path)


def test_method_shows_a_post_review_method_with_its_sources(capsys):
    rc, out, _ = _run(capsys, "method", "nninteractive", "--format", "json")
    data = json.loads(out)
    assert (
        rc == 0
        and data["beyond_review"] is True
        and data["weights"]["licence"] == "CC BY-NC-SA 4.0"
    )
    assert data["leaf"]["source"]["kind"] == "inferred"


def test_the_database_page_shows_post_review_methods_apart(kbase):
    from streamlit.testing.v1 import AppTest

    entry = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
    at = AppTest.from_file(str(entry), default_timeout=60)
    at.run()
    at.switch_page("views/database.py").run()
    assert not at.exception
    assert any("Since the review" in s.value for s in at.subheader)
    sizes = sorted(len(d.value) for d in at.dataframe)
    assert len(kbase.post_review) in sizes and len(kbase.post_review) >= 25
