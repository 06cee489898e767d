"""Tests of the comparison graph data and ``kb.tools.comparison_coverage``."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from kb.tools.comparison_coverage import (
    THESIS_COUNTS,
    classify,
    coverage_summary,
    load_comparisons,
    main,
)

DATA = Path(__file__).resolve().parents[1] / "kb" / "data"
KINDS = {
    "sam": "non-medical-interactive",
    "geos": "classical",
    "u-net": "non-interactive",
    "tool": "other",
}


@pytest.fixture(scope="module")
def comparisons() -> dict:
    return load_comparisons(DATA / "comparisons.yaml")


def _write(tmp_path: Path, doc: dict) -> Path:
    p = tmp_path / "comparisons.yaml"
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return p


def test_classify_groups() -> None:
    assert classify([5], KINDS) == "deepigeos-only"
    assert classify([5, 5], KINDS) == "deepigeos-only"
    assert classify(["geos"], KINDS) == "classical-only"
    assert classify(["sam"], KINDS) == "non-medical-only"
    assert classify(["u-net"], KINDS) == "non-interactive-only"
    assert classify([5, "geos"], KINDS) == "other"
    assert classify([7], KINDS) == "other"  # a reviewed method other than DeepIGeoS
    assert classify(["tool"], KINDS) == "other"
    assert classify(["u-net"], KINDS, view="interactive") == "none"
    assert classify(["u-net", "geos"], KINDS, view="interactive") == "classical-only"


def test_summary_separates_unnamed_edges_and_missing_texts() -> None:
    doc = {
        "external_nodes": [
            {"id": "unnamed-sota-methods", "kind": "other"},
            {"id": "sam", "kind": "non-medical-interactive"},
        ],
        "edges": [
            {"from": 1, "to": "unnamed-sota-methods", "source": {"kind": "paper"}},
            {"from": 2, "to": "unnamed-sota-methods", "source": {"kind": "paper"}},
            {"from": 2, "to": "sam", "source": {"kind": "paper"}},
        ],
        "coverage": [
            {"ref": 1, "status": "known"},
            {"ref": 2, "status": "known"},
            {"ref": 3, "status": "unknown", "source": {"ref": "search tool, corpus pages"}},
            {"ref": 4, "status": "unknown", "source": {"ref": "https://example.org (abstract)"}},
        ],
    }
    s = coverage_summary(doc)
    assert s["only_unnamed"] == [1]  # [2] also names SAM
    assert s["unknown_no_text"] == [3]
    # an unnamed comparison is never 'none'; mixed with SAM it is 'other', not non-medical-only
    assert s["by_view"]["all"]["other"] == [1, 2]
    assert s["by_view"]["interactive"]["none"] == []


def test_classify_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="view must be one of"):
        classify([5], KINDS, view="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'nope' has no kind"):
        classify(["nope"], KINDS)


def test_real_file_covers_all_121_and_counts_add_up(comparisons: dict) -> None:
    s = coverage_summary(comparisons)
    assert sum(s["status"].values()) == 121
    for view, groups in s["by_view"].items():
        n_grouped = sum(len(v) for v in groups.values())
        assert n_grouped == s["status"]["known"] + s["status"]["none"], view
    assert set(THESIS_COUNTS) <= set(s["by_view"]["all"])
    # every edge source is one of the allowed provenance kinds and carries a reference
    kinds = {"paper", "code", "thesis-text", "research-note", "inferred", "thesis-bibliography"}
    for e in comparisons["edges"]:
        assert e["source"]["kind"] in kinds and e["source"]["ref"]
    # edges given by the research notes are present (reviewed-to-reviewed subset)
    pairs = {(e["from"], e["to"]) for e in comparisons["edges"]}
    for pair in [
        (7, 2),
        (7, 6),
        (11, 5),
        (22, 5),
        (23, 7),
        (23, 5),
        (38, 5),
        (42, 5),
        (43, 22),
        (66, 5),
    ]:
        assert pair in pairs


def test_external_ids_unique_and_not_method_slugs(comparisons: dict) -> None:
    ids = [n["id"] for n in comparisons["external_nodes"]]
    assert len(ids) == len(set(ids))
    methods = DATA / "methods"
    stems = {p.stem for p in methods.glob("*.yaml")} if methods.is_dir() else set()
    assert not set(ids) & stems


def test_code_links_are_verified_urls() -> None:
    links = yaml.safe_load((DATA / "code_links.yaml").read_text())
    for link in links:
        assert 1 <= link["ref"] <= 121
        assert link["code"].startswith("https://github.com/")
        assert link["source"]["kind"] == "code" and link["source"]["ref"]


def test_unknown_target_is_rejected(tmp_path: Path, comparisons: dict) -> None:
    doc = copy.deepcopy(comparisons)
    doc["edges"][0]["to"] = "not-a-node"
    with pytest.raises(ValueError, match=r"edges\[0\]\.to 'not-a-node'"):
        load_comparisons(_write(tmp_path, doc))


def test_status_must_match_edges(tmp_path: Path, comparisons: dict) -> None:
    doc = copy.deepcopy(comparisons)
    row = next(r for r in doc["coverage"] if r["status"] == "unknown")
    row["status"] = "known"
    with pytest.raises(ValueError, match=f"coverage ref {row['ref']} has status 'known'"):
        load_comparisons(_write(tmp_path, doc))


def test_missing_coverage_row_is_rejected(tmp_path: Path, comparisons: dict) -> None:
    doc = copy.deepcopy(comparisons)
    doc["coverage"] = [r for r in doc["coverage"] if r["ref"] != 121]
    with pytest.raises(ValueError, match=r"missing \[121\]"):
        load_comparisons(_write(tmp_path, doc))


def test_bad_ref_is_rejected(tmp_path: Path, comparisons: dict) -> None:
    doc = copy.deepcopy(comparisons)
    doc["edges"][0]["from"] = 122
    with pytest.raises(ValueError, match=r"edges\[0\]\.from: expected a reference number"):
        load_comparisons(_write(tmp_path, doc))


def test_main_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"status"' in out and '"by_view"' in out


def test_doc_numbers_match_script(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/kb_comparisons.md quotes the script's summary lines verbatim."""
    doc = (DATA.parents[1] / "docs" / "kb_comparisons.md").read_text()
    assert main([]) == 0
    lines = capsys.readouterr().out.splitlines()
    for prefix in (
        "comparison status:",
        "edges:",
        "code links:",
        "known only through unnamed grouping nodes:",
        "unknown, no public text found:",
    ):
        line = next(ln for ln in lines if ln.startswith(prefix))
        assert line in doc, f"docs/kb_comparisons.md is stale: {line!r}"


def test_doc_group_table_matches_script(comparisons: dict) -> None:
    """The group table of docs/kb_comparisons.md (both views) equals ``coverage_summary``."""
    doc = (DATA.parents[1] / "docs" / "kb_comparisons.md").read_text()
    by_view = coverage_summary(comparisons)["by_view"]
    labels = {
        "none": "none",
        "deepigeos-only": "DeepIGeoS-only",
        "classical-only": "classical-only",
        "non-medical-only": "non-medical-only",
        "non-interactive-only": "non-interactive-only",
        "other": "other (reviewed medical method, mixtures, unnamed)",
    }
    for group, label in labels.items():
        row = next(ln for ln in doc.splitlines() if ln.startswith(f"| {label} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        n_all, n_inter = len(by_view["all"][group]), len(by_view["interactive"][group])
        assert cells[1].split()[0] == str(n_all), f"stale view=all count in {row!r}"
        if group != "non-interactive-only":
            assert cells[2].split()[0] == str(n_inter), f"stale view=interactive count in {row!r}"
    unknown = next(ln for ln in doc.splitlines() if ln.startswith("| unknown |"))
    n_unknown = coverage_summary(comparisons)["status"]["unknown"]
    assert unknown.split("|")[2].strip() == str(n_unknown), f"stale unknown count in {unknown!r}"
