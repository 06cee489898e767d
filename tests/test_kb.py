"""Tests of kb.vocab, kb.models and kb.loader (load_kb, cross-checks, views)."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
import yaml

import kb.loader
from kb import KBValidationError, load_kb
from kb.models import GuidanceEntry, LeafAssignment
from kb.vocab import (
    LEAF_IDS,
    normalise_guidance,
    normalise_interaction,
    normalise_modality,
)

METHODS_DIR = Path(kb.loader.__file__).parent / "data" / "methods"


@pytest.fixture()
def methods_only(tmp_path: Path) -> Path:
    """A tmp copy of the whole KB folder (every section is required since issue 14)."""
    shutil.copytree(METHODS_DIR.parent, tmp_path, dirs_exist_ok=True)
    return tmp_path


def _edit(path: Path, fn) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def test_vocab_normalises_table_spellings():
    assert normalise_interaction("BBBox") == "bounding-box"
    assert normalise_interaction("Bounding Box") == "bounding-box"
    assert [str(m) for m in normalise_modality("X-Ray")] == ["X-ray"]
    assert [str(m) for m in normalise_modality("CT/MRI")] == ["CT", "MRI"]
    assert [str(m) for m in normalise_modality("CTA")] == ["CT"]
    assert [str(s) for s in normalise_guidance("Exp. Geodesic Maps")] == ["exp-geodesic-map"]
    with pytest.raises(ValueError, match=re.escape("unknown modality 'MEG'; known spellings")):
        normalise_modality("MEG")


def test_all_121_methods_load_with_unique_ids_and_refs():
    kb = load_kb()
    assert len(kb.methods) == 121
    assert [m.ref for m in kb.methods] == list(range(1, 122))
    assert len({m.id for m in kb.methods}) == 121
    for m in kb.methods:
        assert (METHODS_DIR / f"{m.id}.yaml").exists()
        assert m.leaf.id is None or m.leaf.id in LEAF_IDS
        assert m.sources.table[0].kind == "thesis-table"
        assert m.sources.citation[0].kind == "thesis-bibliography"


def test_inferred_leaves_are_never_presented_as_published():
    kb = load_kb()
    published = {m.ref for m in kb.methods if m.leaf.provenance == "thesis-text"}
    # the research note backs exactly 15 leaves at leaf level by thesis sentences
    assert published == {2, 6, 8, 10, 19, 37, 52, 62, 64, 65, 67, 70, 82, 85, 92}
    for m in kb.methods:
        if m.leaf.provenance == "inferred":
            assert "NOT a published assignment" in m.leaf.evidence
            assert any(s.kind == "inferred" for s in m.sources.leaf)
        if m.leaf.provenance == "unknown":
            assert m.leaf.id is None and m.leaf.confidence == "none"


def test_load_time_is_below_half_a_second(methods_only: Path):
    """Issue 2: loading + validating takes < 0.5 s.  Best of 3 uncached loads of the real
    KB; the strict bound applies when the CPU is not oversubscribed by other processes
    (load average below the core count), otherwise a generous 1.5 s."""
    import os

    kb.loader._load_cached.cache_clear()
    t0 = time.perf_counter()
    load_kb(methods_only)
    elapsed = time.perf_counter() - t0
    times = []
    for _ in range(3):
        kb.loader._load_cached.cache_clear()
        t0 = time.perf_counter()
        load_kb()  # the real KB, including comparisons, code links and the catalog
        times.append(time.perf_counter() - t0)
    best = min(times)
    busy = os.getloadavg()[0] >= (os.cpu_count() or 1)
    print(f"load_kb: methods only {elapsed:.3f} s, full KB best of 3 {best:.3f} s, busy={busy}")
    assert best < (1.5 if busy else 0.5)


def test_load_kb_is_cached():
    assert load_kb() is load_kb()


def test_method_lookup_by_id_ref_and_name():
    kb = load_kb()
    assert kb.method("deepedit").ref == 67
    assert kb.method(67).id == "deepedit"
    assert kb.method("[67]").id == "deepedit"
    assert kb.method("DeepEdit").id == "deepedit"
    assert kb.method("DeepIGeoS").id == "deepgeos"  # bibliography spelling (alias)
    with pytest.raises(ValueError, match=re.escape("no method 'nope'")):
        kb.method("nope")
    with pytest.raises(ValueError, match=r"no method 'deepedt'; .*did you mean deepedit"):
        kb.method("deepedt")
    with pytest.raises(
        ValueError, match=r"ambiguous name, matches deng-et-al-2021, deng-et-al-2023"
    ):
        kb.method("Deng et al.")


def test_duplicate_table_names_get_year_suffixes():
    kb = load_kb()
    assert kb.method(46).id == "deng-et-al-2021" and kb.method(94).id == "deng-et-al-2023"
    assert kb.method(31).id == "chao-et-al-2"


def test_methods_df_columns_and_types():
    df = load_kb().methods_df()
    for col in (
        "id",
        "ref",
        "name",
        "year",
        "interactions",
        "guidance_signals",
        "guidance_explicit",
        "modalities",
        "targets",
        "target_categories",
        "leaf",
        "leaf_provenance",
        "leaf_confidence",
        "code_url",
        "compared_to",
    ):
        assert col in df.columns
    assert len(df) == 121
    row = df.set_index("id").loc["deepcut"]
    assert row.interactions == ["bounding-box"]
    assert row.guidance_explicit is False or row.guidance_explicit == False  # noqa: E712
    assert row.targets == ["fetal brain", "fetal lungs"]


def test_target_categories_follow_the_documented_rule():
    kb = load_kb()
    cats = {t.name: str(t.category) for m in kb.methods for t in m.targets}
    assert cats["brain tumors"] == "pathology"
    assert cats["thyroid nodules"] == "pathology"
    assert cats["polyps"] == "pathology"
    assert cats["lymph nodes"] == "anatomy"
    assert cats["cell nuclei"] == "anatomy"
    assert cats["≥ 10 targets"] == "unspecified"
    # the rule of docs/kb.md ("Target category rule"), applied to every target
    keywords = (
        "tumor", "tumour", "lesion", "cancer", "nodule", "polyp",
        "osteosarcoma", "lymphoma", "melanoma", "neurofibromatosis",
    )  # fmt: skip

    def rule(name: str) -> str:
        if name in ("≥ 10 targets", "not specified"):
            return "unspecified"
        if name == "surgical instruments":
            return "other"
        return "pathology" if any(k in name.lower() for k in keywords) else "anatomy"

    wrong = [
        (m.ref, t.name) for m in kb.methods for t in m.targets if rule(t.name) != str(t.category)
    ]
    assert wrong == []


def test_guidance_explicit_flag_must_match_signal():
    with pytest.raises(ValueError, match=re.escape("must have explicit=False, got True")):
        GuidanceEntry(signal="implicit", explicit=True, original="Implicit")


def test_leaf_rules():
    with pytest.raises(ValueError, match=re.escape("unknown leaf 'T9'")):
        LeafAssignment(id="T9", provenance="inferred", confidence="low", evidence="x")
    with pytest.raises(
        ValueError,
        match=r"null exactly when provenance is 'unknown'; got id=None, provenance='inferred'",
    ):
        LeafAssignment(id=None, provenance="inferred", confidence="low", evidence="x")
    with pytest.raises(
        ValueError, match=r"'none' exactly when .*; got confidence='low', provenance='unknown'"
    ):
        LeafAssignment(id=None, provenance="unknown", confidence="low", evidence="x")
    with pytest.raises(ValueError, match=r"unknown alternative leaf 'T9'; known: .*'T2\.1\.2'"):
        LeafAssignment(
            id="T1.1", provenance="inferred", confidence="low", evidence="x", alternatives=["T9"]
        )


def test_unknown_key_is_rejected(methods_only: Path):
    _edit(methods_only / "methods" / "deepedit.yaml", lambda d: d.update(yeer=2022))
    with pytest.raises(KBValidationError, match=r"deepedit\.yaml: entry 'deepedit': field 'yeer'"):
        load_kb(methods_only)


def test_unknown_enum_value_is_rejected(methods_only: Path):
    def bad(d):
        d["modalities"][0]["modality"] = "MEG"

    _edit(methods_only / "methods" / "deepedit.yaml", bad)
    # names the field, the allowed values and the received value
    with pytest.raises(
        KBValidationError, match=r"field 'modalities/0/modality': Input should be 'CT'.*; got 'MEG'"
    ):
        load_kb(methods_only)


def test_loader_filled_fields_cannot_be_set_by_hand(methods_only: Path):
    """code_url / compared_to come only from code_links.yaml / comparisons.yaml (with sources)."""
    path = methods_only / "methods" / "deepedit.yaml"
    _edit(path, lambda d: d.update(code_url="https://example.org/unverified"))
    with pytest.raises(
        KBValidationError,
        match=r"entry 'deepedit': field 'code_url': got 'https://example.org/unverified'; .*"
        r"code_links\.yaml",
    ):
        load_kb(methods_only)


def test_id_must_equal_file_stem(methods_only: Path):
    _edit(methods_only / "methods" / "deepedit.yaml", lambda d: d.update(id="deep-edit"))
    with pytest.raises(KBValidationError, match="must equal the file stem 'deepedit'"):
        load_kb(methods_only)


def test_duplicate_and_missing_refs(methods_only: Path):
    _edit(methods_only / "methods" / "deepedit.yaml", lambda d: d.update(ref=66))
    with pytest.raises(KBValidationError, match=r"ref 66 is already used|missing \[67\]"):
        load_kb(methods_only)


def test_invalid_yaml_names_the_file(methods_only: Path):
    (methods_only / "methods" / "deepedit.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(KBValidationError, match=r"deepedit\.yaml: invalid YAML"):
        load_kb(methods_only)
    kb.loader._load_cached.cache_clear()
    (methods_only / "methods" / "deepedit.yaml").write_bytes(b"id: deepedit\nname: \xff\xfe\n")
    with pytest.raises(KBValidationError, match=r"deepedit\.yaml: invalid YAML: 'utf-8' codec"):
        load_kb(methods_only)


def _comparisons(tmp: Path, **overrides) -> None:
    data = {
        "external_nodes": [
            {
                "id": "dextr",
                "name": "DEXTR",
                "kind": "non-medical-interactive",
                "description": None,
                "source": {"kind": "research-note", "ref": "x", "note": None},
            },
            {
                "id": "geos",
                "name": "GeoS",
                "kind": "classical",
                "description": None,
                "source": {"kind": "research-note", "ref": "x", "note": None},
            },
        ],
        "edges": [
            {"from": 12, "to": "dextr", "source": {"kind": "research-note", "ref": "x"}},
            {"from": 11, "to": 5, "source": {"kind": "research-note", "ref": "x"}},
            {"from": 6, "to": "geos", "source": {"kind": "research-note", "ref": "x"}},
        ],
        "coverage": [
            {"ref": 12, "status": "known", "source": {"kind": "research-note", "ref": "x"}},
            {"ref": 1, "status": "none", "source": {"kind": "research-note", "ref": "x"}},
        ],
    }
    data.update(overrides)
    # the post-review edges point at external nodes of the real file (sam, ...): keep them
    real = yaml.safe_load((METHODS_DIR.parent / "comparisons.yaml").read_text(encoding="utf-8"))
    have = {n["id"] for n in data["external_nodes"]}
    if "external_nodes" not in overrides:
        data["external_nodes"] += [n for n in real["external_nodes"] if n["id"] not in have]
    (tmp / "comparisons.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def test_comparisons_fill_compared_to_and_status(methods_only: Path):
    _comparisons(methods_only)
    kb = load_kb(methods_only)
    assert kb.method(12).compared_to == ["dextr"]
    assert kb.method(11).compared_to == ["deepgeos"]
    assert kb.method(11).comparison_status == "known"  # edges imply known
    assert kb.method(1).comparison_status == "none"
    assert kb.method(2).comparison_status == "unknown"
    from kb.stats import compute_stats

    practice = compute_stats(kb)["comparison_practice"]
    assert practice["only DeepIGeoS [5]"] == 1
    assert practice["only non-medical interactive"] == 1
    assert practice["only classical"] == 1
    assert practice["no prior work"] == 1


def test_missing_comparisons_file_is_an_error(methods_only: Path):
    (methods_only / "comparisons.yaml").unlink()
    with pytest.raises(KBValidationError, match=r"comparisons\.yaml: required file is missing"):
        load_kb(methods_only)


@pytest.mark.parametrize(
    ("override", "msg"),
    [
        (
            {
                "edges": [
                    {"from": 12, "to": "no-such-node", "source": {"kind": "paper", "ref": "x"}}
                ]
            },
            "field 'edges/0/to': 'no-such-node' is neither a ref",
        ),
        (
            {"edges": [{"from": 12, "to": 500, "source": {"kind": "paper", "ref": "x"}}]},
            "field 'edges/0/to'",
        ),
        (
            {"coverage": [{"ref": 2, "status": "known", "source": {"kind": "paper", "ref": "x"}}]},
            "field 'coverage/0/status': status 'known' but the method has no edges",
        ),
        (
            {
                "external_nodes": [
                    {
                        "id": "deepedit",
                        "name": "x",
                        "kind": "other",
                        "source": {"kind": "paper", "ref": "x"},
                    }
                ],
                "coverage": [],
            },
            "field 'external_nodes/0/id': external node id 'deepedit' is not unique",
        ),
    ],
)
def test_comparison_cross_checks(methods_only: Path, override, msg):
    _comparisons(methods_only, **override)
    with pytest.raises(KBValidationError, match=re.escape(msg)):
        load_kb(methods_only)


def test_code_links_attach_url_and_source(methods_only: Path):
    links = [
        {
            "ref": 67,
            "code": "https://github.com/Project-MONAI/MONAILabel",
            "weights": None,
            "source": {"kind": "code", "ref": "checked", "note": None},
        }
    ]
    (methods_only / "code_links.yaml").write_text(yaml.safe_dump(links), encoding="utf-8")
    m = load_kb(methods_only).method(67)
    assert m.code_url == "https://github.com/Project-MONAI/MONAILabel"
    assert m.sources.code[-1].kind == "code"
    links[0]["ref"] = 999
    (methods_only / "code_links.yaml").write_text(yaml.safe_dump(links), encoding="utf-8")
    kb.loader._load_cached.cache_clear()
    with pytest.raises(KBValidationError, match=re.escape("field '0/ref'")):
        load_kb(methods_only)
    from kb.models import CodeLink

    with pytest.raises(ValueError, match=r"weights\n.*String should match pattern"):
        CodeLink(ref=67, code="https://x.org", weights="drive/abc", source=links[0]["source"])


def _required_paths(model, prefix=()):
    """Every required field of ``model`` as a key path, nested models/lists included."""
    import typing

    from pydantic import BaseModel

    out = []
    for name, info in model.model_fields.items():
        if not info.is_required():
            continue
        key = info.alias or name
        path = (*prefix, key)
        out.append(path)
        ann = info.annotation
        if typing.get_origin(ann) is list:
            (inner,) = typing.get_args(ann)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                out += _required_paths(inner, (*path, 0))
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _required_paths(ann, path)
    return out


def _mutate(data, path, how):
    node = data
    for k in path[:-1]:
        node = node[k]
    if how == "delete":
        del node[path[-1]]
    else:
        node[path[-1]] = 0.5  # a float is the wrong type for every Method field


_MUTATED = "3dsam-adapter"


def _method_paths():
    from kb.models import Method

    return _required_paths(Method)


def test_mutation_covers_every_required_field():
    paths = {"/".join(map(str, p)) for p in _method_paths()}
    for expected in (
        "id",
        "ref",
        "name",
        "year",
        "table/paper",
        "interactions/0/type",
        "guidance/0/explicit",
        "targets/0/category",
        "modalities/0/original",
        "leaf/id",
        "leaf/provenance",
        "leaf/evidence",
        "citation/title",
        "sources/table",
        "sources/leaf/0/kind",
    ):
        assert expected in paths
    assert len(paths) >= 40


@pytest.mark.parametrize("how", ["delete", "wrong-type"])
def test_corrupting_any_required_field_names_file_entry_and_field(tmp_path: Path, how):
    """Corrupt each required field of one method file in turn (tmp copy of kb/data/methods)."""
    src = yaml.safe_load((METHODS_DIR / f"{_MUTATED}.yaml").read_text(encoding="utf-8"))
    failures = []
    for n, path in enumerate(_method_paths()):
        root = tmp_path / f"{how}-{n}"
        shutil.copytree(METHODS_DIR, root / "methods")
        data = yaml.safe_load(yaml.safe_dump(src))
        _mutate(data, path, how)
        (root / "methods" / f"{_MUTATED}.yaml").write_text(
            yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
        )
        field = "/".join(map(str, path))
        try:
            kb.loader._load_cached.__wrapped__(str(root))
        except KBValidationError as exc:
            msg = str(exc)
            ok = (
                f"{_MUTATED}.yaml" in msg
                and f"entry '{_MUTATED}'" in msg
                and f"field '{field}" in msg
                and exc.field.startswith(field)
            )
            if not ok:
                failures.append((field, msg))
        else:
            failures.append((field, "no error"))
    assert failures == []


@pytest.mark.parametrize("module", ["kb.vocab", "kb.loader"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0


def test_docs_kb_md_quotes_the_aggregate_scripts():
    """docs/kb.md's "thesis vs KB" table quotes ``kb.tools.thesis_aggregates`` and the
    comparison groups of ``kb.tools.comparison_coverage`` verbatim (leaf-based rows are a
    dated snapshot and are not pinned while leaves are being revised)."""
    from kb.tools.comparison_coverage import coverage_summary, load_comparisons
    from kb.tools.thesis_aggregates import compute_aggregates

    doc = (Path(kb.loader.__file__).parents[1] / "docs" / "kb.md").read_text(encoding="utf-8")
    stale = []
    for section, values in compute_aggregates().items():
        if section.startswith(("n=61", "leaf counts")):
            continue
        for key, value in values.items():
            if section.startswith("OmniMedSeg") and key not in {"datasets", "CT", "MRI"}:
                continue
            if key != "comparisons.yaml present" and f"{key}: {value}" not in doc:
                stale.append(f"{key}: {value}")
    groups = coverage_summary(load_comparisons())["by_view"]["interactive"]
    quoted = ", ".join(
        f"{g} {len(groups[g])}"
        for g in ("none", "deepigeos-only", "classical-only", "non-medical-only")
    )
    if f"view=interactive (non-interactive baselines ignored): {quoted}" not in doc:
        stale.append(quoted)
    assert stale == [], "docs/kb.md is stale; rerun the scripts"
