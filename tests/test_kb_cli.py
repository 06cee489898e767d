"""Tests of the knowledge-base sub-commands of ``iseg`` (kb/cli.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import kb.loader
from app.cli import main

METHODS_DIR = Path(kb.loader.__file__).parent / "data" / "methods"


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def _json(capsys, *argv: str) -> list[dict]:
    rc, out, err = _run(capsys, *argv)
    assert rc == 0, err
    return json.loads(out)


def test_validate_ok(capsys):
    rc, out, _ = _run(capsys, "kb", "validate")
    assert rc == 0
    assert "kb validate: OK" in out
    assert "methods: 121" in out


def test_validate_bad_file_exits_2_naming_file_entry_field(capsys, tmp_path: Path):
    shutil.copytree(METHODS_DIR.parent, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "methods" / "deepedit.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["leaf"]["confidence"] = "very high"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    rc, out, err = _run(capsys, "kb", "validate", "--data-dir", str(tmp_path))
    assert rc == 2
    assert "deepedit.yaml" in err
    assert "entry 'deepedit'" in err
    assert "field 'leaf/confidence'" in err
    assert "Traceback" not in out + err


def test_methods_json_has_the_contract_keys(capsys):
    rows = _json(capsys, "methods", "--format", "json")
    assert len(rows) == 121
    for key in (
        "id",
        "ref",
        "name",
        "year",
        "interactions",
        "guidance_signals",
        "modalities",
        "targets",
        "leaf",
        "leaf_provenance",
        "compared_to",
    ):
        assert key in rows[0]
    assert rows[0]["id"] == "deepcut" and rows[0]["interactions"] == ["bounding-box"]


def test_methods_filters_combine_with_and(capsys):
    rows = _json(
        capsys,
        "methods",
        "--modality",
        "ct",
        "--interaction",
        "clicks",
        "--year-from",
        "2022",
        "--format",
        "json",
    )
    assert rows
    for r in rows:
        assert "CT" in r["modalities"] and "clicks" in r["interactions"] and r["year"] >= 2022
    only_ct = _json(capsys, "methods", "--modality", "CT", "--format", "json")
    assert len(rows) < len(only_ct)


def test_methods_filter_by_guidance_leaf_and_target(capsys):
    rows = _json(capsys, "methods", "--guidance", "Exp. Geodesic Maps", "--format", "json")
    assert sorted(r["ref"] for r in rows) == [38, 90]
    rows = _json(capsys, "methods", "--leaf", "T3", "--format", "json")
    assert rows and all(r["leaf"].startswith("T3.") for r in rows)
    rows = _json(capsys, "methods", "--leaf", "T2.1.2", "--format", "json")
    assert any(r["leaf"] is None and r["leaf_branch"] == "T2.1.2" for r in rows)
    rows = _json(capsys, "methods", "--target", "PROSTATE", "--modality", "US", "--format", "json")
    assert [r["ref"] for r in rows] == [15, 34, 38]
    rows = _json(capsys, "methods", "--guidance", "implicit", "--format", "json")
    assert all("implicit" in r["guidance_signals"] for r in rows)


def test_unknown_filter_value_exits_2_with_allowed_values(capsys):
    rc, _, err = _run(capsys, "methods", "--modality", "MEG")
    assert rc == 2
    assert re.search(r"unknown Modality 'MEG'; allowed: \[.*'CT'", err)
    rc, _, err = _run(capsys, "methods", "--leaf", "T9")
    assert rc == 2 and re.search(r"unknown leaf 'T9'; allowed: \[.*'T3\.2'.*'unknown'", err)
    rc, _, err = _run(capsys, "methods", "--interaction", "taps")
    assert rc == 2 and re.search(r"unknown InteractionType 'taps'; allowed: \[.*'eye-gaze'", err)
    # 'explicit' is accepted by --guidance, so the allowed set must list it
    rc, _, err = _run(capsys, "methods", "--guidance", "foo")
    assert rc == 2
    assert re.search(r"unknown GuidanceSignal 'foo'; allowed: \[.*'implicit', 'explicit'\]", err)


def test_methods_table_and_csv(capsys):
    rc, out, _ = _run(capsys, "methods", "--leaf", "T1.1")
    assert rc == 0 and "anatomysketch" in out and re.search(r"\d+ of 121 methods", out)
    rc, out, _ = _run(capsys, "methods", "--format", "csv", "--interaction", "polygons")
    lines = out.strip().splitlines()
    assert lines[0].startswith("id,ref,name,year")
    assert len(lines) == 1 + 7  # 7 rows list polygons in Tables 14-16


def test_method_shows_provenance(capsys):
    rc, out, _ = _run(capsys, "method", "67", "--format", "json")
    assert rc == 0
    data = json.loads(out)
    assert data["id"] == "deepedit" and data["sources"]["table"][0]["kind"] == "thesis-table"
    rc, out, _ = _run(capsys, "method", "sakinis-et-al")
    assert rc == 0 and "provenance: thesis-text" in out
    rc, _, err = _run(capsys, "method", "no-such-method")
    assert rc == 2 and "no method 'no-such-method'" in err


def test_stats_json_counts(capsys):
    rc, out, _ = _run(capsys, "stats", "--format", "json")
    assert rc == 0
    stats = json.loads(out)
    assert stats["total"]["methods"] == 121
    assert sum(stats["year"].values()) == 121
    assert sum(stats["leaf"].values()) == 121
    assert sum(stats["comparison_practice"].values()) == 121
    assert stats["interaction"]["clicks"] > stats["interaction"]["scribbles"]
    ei = stats["explicit_implicit"]
    assert ei["explicit only"] + ei["implicit only"] + ei["both"] == 121
    rc, out, _ = _run(capsys, "stats")
    assert rc == 0 and "modality:" in out


def test_export_bibtex_csv_json(capsys):
    rc, out, _ = _run(capsys, "export", "--format", "bibtex")
    assert rc == 0
    assert len(re.findall(r"^@(article|inproceedings|misc)\{", out, flags=re.M)) == 121
    assert "@article{deepcut," in out and "author = {Martin Rajchl and others}" in out
    # SPIE Medical Imaging is a conference (proceedings), not a journal
    spie = [e for e in out.split("\n\n") if "SPIE Medical Imaging" in e]
    assert len(spie) == 2 and all(e.startswith("@inproceedings{") for e in spie)
    assert all("booktitle = {SPIE Medical Imaging" in e for e in spie)
    rc, out, _ = _run(capsys, "export", "--format", "csv")
    assert rc == 0 and len(out.strip().splitlines()) == 122
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {"title", "venue", "authors", "citation_year"} <= set(rows[0])  # bibliography fields
    assert rows[0]["authors"] == "Martin Rajchl et al." and rows[0]["citation_year"] == "2016"
    data = _json(capsys, "export", "--format", "json")
    assert len(data) == 121 and data[0]["citation"]["year"] == 2016


@pytest.mark.parametrize("argv", [["methods", "--help"], ["stats", "--help"]])
def test_help_exits_zero(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0


def _brute_force(
    kb, *, modality=None, interaction=None, guidance=None, leaf=None, year=None, target=None
) -> list[int]:
    """Refs matching every filter, computed from the method models (independent of pandas)."""
    out = []
    for m in kb.methods:
        mods = {str(x.modality) for x in m.modalities}
        inter = {str(i.type) for i in m.interactions}
        place = m.leaf.id or m.leaf.branch or ""
        ok = (
            (modality is None or bool(modality & mods))
            and (interaction is None or interaction in inter)
            and (guidance is None or guidance(m))
            and (leaf is None or place == leaf or place.startswith(leaf + "."))
            and (year is None or m.year >= year)
            and (target is None or any(target in t.name.lower() for t in m.targets))
        )
        if ok:
            out.append(m.ref)
    return out


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"modality": "ct", "interaction": "clicks", "year_from": 2022},
            {"modality": {"CT"}, "interaction": "clicks", "year": 2022},
        ),
        (
            {"modality": "X-Ray", "interaction": "BBBox"},
            {"modality": {"X-ray"}, "interaction": "bounding-box"},
        ),
        (
            {"modality": "CT/MRI", "guidance": "explicit"},
            {"modality": {"CT", "MRI"}, "guidance": lambda m: m.guidance_explicit},
        ),
        (
            {"guidance": "implicit", "leaf": "T2"},
            {"guidance": lambda m: any(not g.explicit for g in m.guidance), "leaf": "T2"},
        ),
        ({"leaf": "T2.1.2", "target": "LIVER"}, {"leaf": "T2.1.2", "target": "liver"}),
    ],
)
def test_filters_equal_a_brute_force_selection(options, expected):
    """Every matching method is returned and nothing else (not only 'rows satisfy filters')."""
    from kb import load_kb
    from kb.query import filter_methods

    kb = load_kb()
    got = [m.ref for m in filter_methods(kb.methods, **options)]
    want = _brute_force(kb, **expected)
    assert want and got == want


def test_stats_agree_with_independent_counts(capsys):
    from kb import load_kb

    kb = load_kb()
    stats = json.loads(_run(capsys, "stats", "--format", "json")[1])
    for mod in ("CT", "MRI", "US", "PET/CT"):
        assert stats["modality"][mod] == sum(
            any(str(x.modality) == mod for x in m.modalities) for m in kb.methods
        )
    for kind in ("clicks", "scribbles", "bounding-box", "polygons", "eye-gaze"):
        assert stats["interaction"][kind] == sum(
            any(str(i.type) == kind for i in m.interactions) for m in kb.methods
        )
    assert stats["explicit_implicit"]["implicit only"] == sum(
        all(not g.explicit for g in m.guidance) for m in kb.methods
    )
    assert stats["comparison_status"]["known"] == sum(bool(m.compared_to) for m in kb.methods)


def test_stats_comparison_practice_equals_the_coverage_script():
    """`iseg stats` and kb.tools.comparison_coverage (view=all) group methods the same way."""
    from kb import load_kb
    from kb.stats import compute_stats
    from kb.tools.comparison_coverage import coverage_summary, load_comparisons

    practice = compute_stats(load_kb())["comparison_practice"]
    s = coverage_summary(load_comparisons())
    groups = {g: len(refs) for g, refs in s["by_view"]["all"].items()}
    names = {
        "no prior work": "none",
        "only DeepIGeoS [5]": "deepigeos-only",
        "only classical": "classical-only",
        "only non-medical interactive": "non-medical-only",
        "only non-interactive": "non-interactive-only",
        "other / mixed": "other",
    }
    assert {k: practice.get(k, 0) for k in names} == {k: groups[v] for k, v in names.items()}
    assert practice["unknown"] == s["status"]["unknown"]


def test_modality_pet_also_finds_pet_ct_methods():
    from kb import load_kb
    from kb.query import filter_methods

    kb = load_kb()
    pet_ct = sorted(
        m.ref for m in kb.methods if any(str(x.modality) == "PET/CT" for x in m.modalities)
    )
    assert pet_ct, "the review has PET/CT methods"
    assert sorted(m.ref for m in filter_methods(kb.methods, modality="PET")) == pet_ct
    # CT alone keeps its own meaning: a PET/CT-only method is not a CT method
    ct = {m.ref for m in filter_methods(kb.methods, modality="CT")}
    assert 18 in pet_ct and 18 not in ct


# ---------------------------------------------------------------- one filter, one vocabulary
@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("box", "bounding-box"),
        ("BBOX", "bounding-box"),
        ("Click", "clicks"),
        ("scribble", "scribbles"),
    ],
)
def test_methods_accepts_the_recommenders_interaction_spellings(capsys, spelling, canonical):
    rows = _json(capsys, "methods", "--interaction", spelling, "--format", "json")
    want = _json(capsys, "methods", "--interaction", canonical, "--format", "json")
    assert rows and rows == want


def test_interaction_and_modality_vocabulary_is_shared_with_the_recommender():
    from kb.vocab import parse_interaction, parse_modality
    from recommender.ranking import parse_interaction as rec_interaction

    for value in ("box", "Bounding-Box", "clicks", "CLICK", "Scribbles", "bbox"):
        assert str(parse_interaction(value)) == rec_interaction(value)
    assert [str(m) for m in parse_modality("mr")] == ["MRI"]
    assert [str(m) for m in parse_modality("Pet/Ct")] == ["PET/CT"]


def test_app_and_cli_filters_agree_on_pet():
    """The app's method table used its own filter: PET gave 0 there and 7 in the CLI."""
    from app.components import filter_methods as app_filter
    from kb import load_kb
    from kb.query import filter_methods

    kb = load_kb()
    cli = [m.id for m in filter_methods(kb.methods, modality="PET")]
    app = app_filter(kb.methods_df(), list_filters={"modalities": ["PET"]})["id"].tolist()
    assert len(cli) == 7 and app == cli


def test_search_matches_titles(capsys):
    rows = _json(capsys, "methods", "--search", "geodesic", "--format", "json")
    assert 5 in [r["ref"] for r in rows]  # DeepIGeoS: "... deep interactive geodesic ..."


def test_stats_lists_empty_leaves_as_zero(capsys):
    from kb.vocab import LEAF_IDS

    stats = json.loads(_run(capsys, "stats", "--format", "json")[1])
    assert list(stats["leaf"])[: len(LEAF_IDS)] == list(LEAF_IDS)
    assert stats["leaf"]["T2.1.2.2.2"] == 0
    rc, out, _ = _run(capsys, "stats")
    assert rc == 0 and re.search(r"^\s+T2\.1\.2\.2\.2\s+0$", out, flags=re.M)


def test_no_private_cli_import_in_the_aggregates_tool():
    text = (Path(kb.loader.__file__).parent / "tools" / "thesis_aggregates.py").read_text()
    assert "kb.cli" not in text


def test_methods_json_imports_no_pandas():
    import subprocess
    import sys

    code = (
        "import sys, contextlib, io\n"
        "from app.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['methods', '--format', 'json'])\n"
        "print(sorted(m for m in ('pandas', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_compared_by_is_the_reverse_of_compared_to():
    from kb import compared_by, load_kb

    kb = load_kb()
    for m in kb.methods:
        for target in m.compared_to:
            if target in {x.id for x in kb.methods}:
                assert m.id in compared_by(kb, target)
    assert compared_by(kb, 5)  # DeepIGeoS is a common baseline
    assert "sw-fastedit" in compared_by(kb, "deepedit")  # a post-review edge
    assert {"ensam"} <= set(compared_by(kb, "vista3d"))


def test_similar_methods_share_leaf_interaction_and_modality():
    from kb import load_kb, similar_methods

    kb = load_kb()
    m = kb.method("deepedit")
    sims = similar_methods(kb, "deepedit", limit=5)
    assert 0 < len(sims) <= 5 and m not in sims
    mods = {str(x.modality) for x in m.modalities}
    inter = {str(i.type) for i in m.interactions}
    for s in sims:
        assert s.leaf.id == m.leaf.id
        assert mods & {str(x.modality) for x in s.modalities}
        assert inter & {str(i.type) for i in s.interactions}
    with pytest.raises(ValueError, match="limit must be >= 1"):
        similar_methods(kb, "deepedit", limit=0)
