"""One-off generator of ``kb/data/methods/<id>.yaml`` from the thesis text.

Run once (``python -m kb.tools.generate_methods``); the committed YAML files are the
curated source afterwards and are hand-checked.  Inputs:

* thesis Tables 14-16 (``| Paper | Year | ... |`` rows, thesis l.1473-1603);
* thesis bibliography entries [1]-[121] (``- [N] Authors. Title. In: *Venue* ...``);
* the research note ``taxonomy_assignments.md`` (leaf, provenance, confidence, the
  thesis lines it cites and the alternatives it names).  Evidence sentences are written
  here from :data:`_LINE_FACTS` and :data:`_REASONS`, not copied from the note.

Target category rule (documented in docs/kb.md): a target is ``pathology`` when its name
contains one of :data:`_PATHOLOGY_WORDS` (tumours, lesions, cancers, nodules, polyps and
named diseases), ``unspecified`` for "≥ 10 targets" / "not specified", ``other`` for
non-biological targets (surgical instruments) and ``anatomy`` otherwise (organs,
structures, cells; the thesis groups cells and lymph nodes with anatomy, l.1802).
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml

from kb.tools._evidence import LINE_FACTS, REASONS
from kb.vocab import (
    IMPLICIT_SIGNALS,
    LEAF_IDS,
    normalise_guidance,
    normalise_interaction,
    normalise_modality,
)

THESIS = Path("/work/shared/sources/000_3984c9955b8aca3b.txt")
NOTES = Path("/work/shared/sources/taxonomy_assignments.md")
OUT = Path(__file__).resolve().parents[1] / "data" / "methods"

_ROW = re.compile(
    r"^\|\s*(?P<paper>[^|]*?)\s*\[(?P<ref>\d+)\]\s*\|\s*(?P<year>\d{4})\s*\|"
    r"(?P<inter>[^|]*)\|(?P<guid>[^|]*)\|(?P<target>[^|]*)\|(?P<mod>[^|]*)\|"
)
_TABLE_CAPTION = re.compile(r"^Table (1[456]): \(Part")
_BIB = re.compile(r"^- \[(?P<ref>\d+)\] (?P<body>.*)$")
_PATHOLOGY_WORDS = (
    "tumor",
    "tumour",
    "lesion",
    "cancer",
    "nodule",
    "polyp",
    "osteosarcoma",
    "lymphoma",
    "melanoma",
    "neurofibromatosis",
)
_TARGET_FIXES = {  # table spelling -> normalised name(s); the original is kept
    "fetal brain+lungs": ["fetal brain", "fetal lungs"],
    "nasopharyngeal and esophageal cancer": ["nasopharyngeal cancer", "esophageal cancer"],
    "nasoprahangeal cancer": ["nasopharyngeal cancer"],
    "illium": ["ilium"],
}
# Names the bibliography entry (or thesis text) spells differently from the table.
_ALIASES = {
    5: ["DeepIGeoS"],  # bib [5] title; thesis l.1837 "DeepIGeoS [5]"
    13: ["DeepIGeoS-V2"],
    16: ["Cerrone et al."],  # bib [16] first author Lorenzo Cerrone
    44: ["WDTIseg"],
    53: ["DeepScribble"],
    58: ["PiPo-Net"],
    73: ["Pirabaharan et al."],  # bib [73] first author Ragavie Pirabaharan
    75: ["Pirabaharan et al. 2"],
    109: ["One-Prompt"],  # bib [109] title "One-Prompt to Segment All Medical Images"
}
# Leaves we improved over the research note from a public abstract (kind "paper").
_OVERRIDES = {
    47: {
        "id": "T2.1.1.2",
        "confidence": "low-medium",
        "alternatives": ["T2.1.1.1"],
        "url": "https://pure.korea.ac.kr/en/publications/interactive-medical-image-segmentation-via-a-point-based-interact",
        "reason": "Its abstract says the physician clicks once on the rough centre of the object "
        "before segmentation; a single centre click per object is a deterministic, non-iterative "
        "rule, as for [3] by the same group (object centres, l.1105). The training simulation is "
        "not described in the abstract.",
    },
    76: {
        "id": "T2.1.1.2",
        "confidence": "low",
        "alternatives": ["T2.1.1.1"],
        "url": "https://bohrium.dp.tech/paper/arxiv/62d172145aee126c0fdc5153",
        "reason": "Its abstract describes an end-to-end trainable framework that needs exactly four "
        "clicks per breast lesion, given once; four clicks per object suggest extreme-point-like "
        "points derived from the mask by a rule. The training simulation is not described.",
    },
}
_PROVENANCE = {
    "paper-text (leaf-level)": "thesis-text",
    "paper-text partial + inferred leaf": "thesis-text+inferred",
    "inferred": "inferred",
    "unknown": "unknown",
}


def slugify(name: str) -> str:
    """Lower-case ASCII slug of a table name (``"Chao et al. 2"`` -> ``"chao-et-al-2"``)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def parse_table_rows(lines: list[str]) -> list[dict]:
    """Rows of Tables 14-16 with their 1-based line numbers and table number."""
    rows, pending = [], []
    for lineno, line in enumerate(lines, start=1):
        m = _ROW.match(line)
        if m and 1400 < lineno < 1700:
            pending.append({"line": lineno, **{k: v.strip() for k, v in m.groupdict().items()}})
        cap = _TABLE_CAPTION.match(line)
        if cap:
            for row in pending:
                row["table"] = int(cap.group(1))
            rows += pending
            pending = []
    return rows


def parse_bibliography(lines: list[str]) -> dict[int, dict]:
    """Bibliography entries [1]-[121]: authors, title, venue, year, details, line."""
    out: dict[int, dict] = {}
    for lineno, line in enumerate(lines, start=1):
        m = _BIB.match(line)
        if not m or lineno < 2600 or int(m.group("ref")) > 121:
            continue
        body = m.group("body")
        head, _, tail = body.partition(" In: ")
        authors, _, title = head.partition(". ")
        vm = re.match(r"\*(?P<venue>[^*]+)\*\s*(?P<details>.*)$", tail)
        year = re.search(r"\((\d{4})", vm.group("details")) if vm else None
        if vm is None or year is None:
            raise ValueError(f"bibliography line {lineno}: no '*venue* (year)' in {tail!r}")
        details = vm.group("details").strip().rstrip(".") or None
        out[int(m.group("ref"))] = {
            "title": title.strip().rstrip("."),
            "authors": authors.strip().rstrip(".")
            + ("." if authors.strip().endswith("et al") else ""),
            "venue": vm.group("venue").strip(),
            "year": int(year.group(1)),
            "details": details,
            "line": lineno,
        }
    return out


def parse_notes(text: str) -> dict[int, dict]:
    """Leaf rows of the research note, keyed by reference number."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\| \[(\d+)\] \|(.*)$", line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(2).split("|")]
        if len(cells) < 7:
            continue
        _method, _year, _inter, leaf, prov, conf, evidence = cells[:7]
        out[int(m.group(1))] = {"leaf": leaf, "prov": prov, "conf": conf, "evidence": evidence}
    return out


def _split(cell: str, seps: str) -> list[str]:
    return [p.strip() for p in re.split(seps, cell) if p.strip()]


def _category(name: str) -> str:
    low = name.lower()
    if low in {"≥ 10 targets", "not specified"}:
        return "unspecified"
    if low == "surgical instruments":
        return "other"
    return "pathology" if any(w in low for w in _PATHOLOGY_WORDS) else "anatomy"


def _targets(cell: str) -> list[dict]:
    out = []
    for frag in _split(cell, r","):
        for name in _TARGET_FIXES.get(frag, [frag]):
            out.append({"name": name, "category": _category(name), "original": frag})
    return out


def _override_leaf(ref: int, note: dict) -> tuple[dict, list[dict]]:
    o: dict[str, Any] = dict(_OVERRIDES[ref])
    evidence = (
        "Inferred by us from the paper's public abstract; NOT a published assignment "
        f"(the research note had leaf '{note['leaf']}'). {o['reason']}"
    )
    lines = sorted({int(x) for x in re.findall(r"l\.(\d{3,4})", o["reason"])})
    sources = [
        {
            "kind": "research-note",
            "ref": f"taxonomy_assignments.md, row [{ref}]",
            "note": f"note's leaf: {note['leaf']} ({note['prov']})",
        },
        {"kind": "paper", "ref": o["url"], "note": "abstract (stored public web copy)"},
        *({"kind": "thesis-text", "ref": f"thesis l.{n}", "note": None} for n in lines),
        {"kind": "inferred", "ref": "kb/tools/generate_methods.py _OVERRIDES", "note": o["reason"]},
    ]
    leaf = {
        "id": o["id"],
        "branch": None,
        "provenance": "inferred",
        "confidence": o["confidence"],
        "evidence": evidence,
        "alternatives": o["alternatives"],
    }
    return leaf, sources


def _leaf(ref: int, note: dict) -> tuple[dict, list[dict]]:
    if ref in _OVERRIDES:
        return _override_leaf(ref, note)
    prov_key = next(k for k in _PROVENANCE if note["prov"].startswith(k))
    leaf_cell = note["leaf"]
    leaf_id = leaf_cell if leaf_cell in LEAF_IDS else None
    branch = None
    m = re.match(r"^(T[0-9.]+) \(leaf unknown\)$", leaf_cell)
    if m:
        branch = m.group(1)
    provenance = _PROVENANCE[prov_key] if leaf_id else "unknown"
    conf = note["conf"] if leaf_id else "none"
    lines_cited = sorted({int(x) for x in re.findall(r"l\.(\d{3,4})", note["evidence"])})
    facts = [f"Thesis l.{n}: {LINE_FACTS[n]}" for n in lines_cited if n in LINE_FACTS]
    reason = REASONS[ref]
    # lines our own reason cites also become sources
    lines_cited = sorted({*lines_cited, *(int(x) for x in re.findall(r"l\.(\d{3,4})", reason))})
    label = {
        "thesis-text": "Published (thesis text, leaf level).",
        "thesis-text+inferred": "Branch from the thesis text; leaf inferred by us.",
        "inferred": "Inferred by us; NOT a published assignment.",
        "unknown": "Leaf not established.",
    }[provenance]
    if branch:
        label += (
            f" Branch {branch} only (branch confidence: {note['conf'].removeprefix('branch: ')})."
        )
    evidence = " ".join([label, *facts, reason]).strip()
    alts = [
        a
        for a in dict.fromkeys(re.findall(r"\bT[123](?:\.\d){0,4}\b", note["evidence"]))
        if a != leaf_id and a != branch and a in LEAF_IDS
    ]
    sources = [
        {
            "kind": "research-note",
            "ref": f"taxonomy_assignments.md, row [{ref}]",
            "note": f"note's provenance: {note['prov']}",
        }
    ]
    sources += [
        {"kind": "thesis-text", "ref": f"thesis l.{n}", "note": None}  # type: ignore[dict-item]
        for n in lines_cited
        if n in LINE_FACTS
    ]
    if provenance in {"inferred", "thesis-text+inferred"}:
        sources.append({"kind": "inferred", "ref": "kb/tools/_evidence.py REASONS", "note": reason})
    leaf = {
        "id": leaf_id,
        "branch": branch,
        "provenance": provenance,
        "confidence": conf,
        "evidence": evidence,
        "alternatives": alts,
    }
    return leaf, sources


def build_method(row: dict, bib: dict, note: dict, slug: str) -> dict:
    """The YAML mapping of one method."""
    ref = int(row["ref"])
    inter = [
        {"type": str(normalise_interaction(f)), "original": f} for f in _split(row["inter"], r"\+")
    ]
    guid = [
        {"signal": str(s), "explicit": s not in IMPLICIT_SIGNALS, "original": f}
        for f in _split(row["guid"], r"\+")
        for s in normalise_guidance(f)
    ]
    mods, seen = [], set()
    for f in _split(row["mod"], r","):
        for m in normalise_modality(f):
            if m not in seen:
                seen.add(m)
                mods.append({"modality": str(m), "original": f})
    leaf, leaf_sources = _leaf(ref, note)
    table_src = {
        "kind": "thesis-table",
        "ref": f"thesis Table {row['table']}, l.{row['line']}",
        "note": None,
    }
    return {
        "id": slug,
        "ref": ref,
        "name": row["paper"],
        "aliases": _ALIASES.get(ref, []),
        "year": int(row["year"]),
        "table": {
            "table": row["table"],
            "line": row["line"],
            "paper": row["paper"],
            "year": int(row["year"]),
            "interaction": row["inter"],
            "guidance_signal": row["guid"],
            "target": row["target"],
            "modality": row["mod"],
        },
        "interactions": inter,
        "guidance": guid,
        "targets": _targets(row["target"]),
        "modalities": mods,
        "leaf": leaf,
        "citation": {k: bib[k] for k in ("title", "authors", "venue", "year", "details", "line")},
        "code_url": None,
        "sources": {
            "table": [table_src],
            "citation": [
                {
                    "kind": "thesis-bibliography",
                    "ref": f"thesis bib [{ref}], l.{bib['line']}",
                    "note": None,
                }
            ],
            "leaf": leaf_sources,
            "code": [],
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Write one YAML file per method into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    lines = THESIS.read_text(encoding="utf-8").splitlines()
    rows = parse_table_rows(lines)
    bib = parse_bibliography(lines)
    notes = parse_notes(NOTES.read_text(encoding="utf-8"))
    if [int(r["ref"]) for r in rows] != list(range(1, 122)):
        raise ValueError(f"expected table rows [1]..[121], got {len(rows)} rows")
    base = [slugify(r["paper"]) for r in rows]
    # the same table name twice (e.g. "Deng et al." [46] and [94]) -> append the year
    slugs = [
        f"{b}-{r['year']}" if base.count(b) > 1 else b for b, r in zip(base, rows, strict=True)
    ]
    if len(set(slugs)) != len(slugs):
        raise ValueError("slug collision after year disambiguation")
    args.out.mkdir(parents=True, exist_ok=True)
    for row, slug in zip(rows, slugs, strict=True):
        ref = int(row["ref"])
        data = build_method(row, bib[ref], notes[ref], slug)
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        (args.out / f"{slug}.yaml").write_text(text, encoding="utf-8")
    print(f"wrote {len(rows)} files to {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
