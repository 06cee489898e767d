"""Fidelity of the curated KB to the thesis text.

Parses thesis Tables 14-16 and the bibliography [1]-[121] directly from the thesis text
(skipped when ``../shared/sources`` is absent) with a parser independent of
``kb/tools/generate_methods.py`` and compares all 121 rows against the KB originals.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from kb import load_kb
from kb.provenance import Source
from kb.vocab import normalise_guidance, normalise_interaction, normalise_modality

_CANDIDATES = [
    Path(__file__).resolve().parents[1] / ".." / "shared" / "sources",
    Path("/work/shared/sources"),
]
_SOURCES = next((p for p in _CANDIDATES if (p / "000_3984c9955b8aca3b.txt").exists()), None)
pytestmark = pytest.mark.skipif(_SOURCES is None, reason="thesis text not available")


def _thesis_lines() -> list[str]:
    return (_SOURCES / "000_3984c9955b8aca3b.txt").read_text(encoding="utf-8").splitlines()


def _table_rows() -> dict[int, tuple[int, list[str]]]:
    """ref -> (line number, [paper, year, interaction, guidance, target, modality])."""
    rows = {}
    for i, line in enumerate(_thesis_lines(), start=1):
        if not line.startswith("|") or "Link |" not in line:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        m = re.fullmatch(r"(.*?)\s*\[(\d+)\]", cells[0])
        if m and len(cells) == 7 and cells[1].isdigit():
            rows[int(m.group(2))] = (i, [m.group(1), *cells[1:6]])
    return rows


def test_thesis_has_121_table_rows():
    assert sorted(_table_rows()) == list(range(1, 122))


def test_every_kb_row_matches_its_table_row():
    kb = load_kb()
    rows = _table_rows()
    mismatches = []
    for m in kb.methods:
        line, (paper, year, inter, guid, target, mod) = rows[m.ref]
        t = m.table
        got = (m.name, str(m.year), t.interaction, t.guidance_signal, t.target, t.modality)
        want = (paper, year, inter, guid, target, mod)
        if got != want or t.line != line:
            mismatches.append((m.ref, got, want, t.line, line))
    assert mismatches == []


def test_normalised_entries_cover_every_cell_fragment():
    """Each '+'/','-separated fragment of a cell appears as an ``original`` and maps to
    the stored enum values (nothing dropped, nothing added)."""
    kb = load_kb()
    for m in kb.methods:
        frags = [f.strip() for f in m.table.interaction.split("+") if f.strip()]
        assert [i.original for i in m.interactions] == frags, m.id
        assert [str(i.type) for i in m.interactions] == [
            str(normalise_interaction(f)) for f in frags
        ]
        gfrags = [f.strip() for f in m.table.guidance_signal.split("+") if f.strip()]
        want_g = [(str(s), f) for f in gfrags for s in normalise_guidance(f)]
        assert [(str(g.signal), g.original) for g in m.guidance] == want_g, m.id
        mfrags = [f.strip() for f in m.table.modality.split(",") if f.strip()]
        want_m = list(dict.fromkeys(str(x) for f in mfrags for x in normalise_modality(f)))
        assert [str(x.modality) for x in m.modalities] == want_m, m.id
        tfrags = [f.strip() for f in m.table.target.split(",") if f.strip()]
        assert list(dict.fromkeys(t.original for t in m.targets)) == tfrags, m.id


def test_bibliography_fields_match_the_thesis():
    kb = load_kb()
    lines = _thesis_lines()
    for m in kb.methods:
        line = lines[m.citation.line - 1]
        assert line.startswith(f"- [{m.ref}] "), (m.id, line[:40])
        assert m.citation.title in line and m.citation.venue in line
        assert line.split("] ", 1)[1].startswith(m.citation.authors.rstrip(".")), m.id
        assert f"({m.citation.year}" in line


_NOTE_PROVENANCE = {
    "paper-text (leaf-level)": "thesis-text",
    "paper-text partial + inferred leaf": "thesis-text+inferred",
    "inferred": "inferred",
    "unknown": "unknown",
}
_NOTE_ROW = re.compile(r"^\| \[(\d+)\] \|[^|]*\|[^|]*\|[^|]*\| ([^|]+?) \| ([^|]+?) \|")


def _note_rows() -> dict[int, tuple[str, str]]:
    """ref -> (leaf cell, provenance cell) of ``taxonomy_assignments.md``."""
    note = (_SOURCES / "taxonomy_assignments.md").read_text(encoding="utf-8")
    return {int(m[1]): (m[2], m[3]) for m in map(_NOTE_ROW.match, note.splitlines()) if m}


def _leaf_problem(method, leaf_cell: str, prov_cell: str) -> str | None:
    """Why ``method.leaf`` is not acceptable against its research-note row, or None.

    A leaf equal to the note's (id, branch, mapped provenance) is accepted.  A different
    one only with the evidence of the change: a ``paper`` or ``code`` source in
    ``sources.leaf``, the note's row still cited, the note's leaf named in the evidence,
    and never the published provenance ``thesis-text``.
    """
    if re.fullmatch(r"T[0-9.]+", leaf_cell):
        prov = next((v for k, v in _NOTE_PROVENANCE.items() if prov_cell.startswith(k)), None)
        if prov is None:
            return f"unmapped provenance cell {prov_cell!r}"
        expected = (leaf_cell, None, prov)
    else:  # "unknown" or "T2.1.2 (leaf unknown)"
        branch = leaf_cell.split()[0] if "(leaf unknown)" in leaf_cell else None
        expected = (None, branch, "unknown")
    leaf = method.leaf
    got = (leaf.id, leaf.branch if leaf.id is None else None, leaf.provenance)
    if got == expected:
        return None
    kinds = {s.kind for s in method.sources.leaf}
    # evidence of a change: the paper or code, a thesis line, or the KB's own placement of
    # the method it follows (an inferred source naming that method's file)
    # (a thesis line counts only with a note saying what it shows)
    follows = any(s.kind == "inferred" and "kb/data/methods/" in s.ref for s in method.sources.leaf)
    thesis = any(s.kind.startswith("thesis-t") and s.note for s in method.sources.leaf)
    if not kinds & {"paper", "code"} and not (thesis or follows):
        return f"leaf {got} differs from the research note {expected} without a paper/code source"
    if "research-note" not in kinds:
        return "leaf changed from the research note but the note's row is no longer cited"
    if leaf.provenance == "thesis-text":
        return "a leaf changed from paper/code evidence is presented as published (thesis-text)"
    if f"the research note had leaf '{leaf_cell}'" not in leaf.evidence:
        return f"evidence does not say the research note had leaf '{leaf_cell}'"
    return None


def test_leaves_match_the_research_note_mapping():
    """Leaves follow ``taxonomy_assignments.md`` with the documented provenance mapping,
    except where a paper/code source documents an improvement (see ``_leaf_problem``)."""
    kb = load_kb()
    rows = _note_rows()
    assert sorted(rows) == list(range(1, 122))
    mapped = Counter(
        next((v for k, v in _NOTE_PROVENANCE.items() if prov.startswith(k)), None)
        if re.fullmatch(r"T[0-9.]+", leaf)
        else "unknown"
        for leaf, prov in rows.values()
    )  # the mapping table of docs/kb.md
    assert mapped == {"thesis-text": 15, "thesis-text+inferred": 20, "inferred": 65, "unknown": 21}
    problems = {ref: _leaf_problem(kb.method(ref), *cells) for ref, cells in rows.items()}
    assert {ref: p for ref, p in problems.items() if p} == {}


def test_leaf_check_rejects_undocumented_changes():
    """The check above fails for a changed leaf without paper/code evidence, and for a
    paper-backed change presented as published."""
    kb = load_kb()
    leaf_cell, prov_cell = _note_rows()[67]  # DeepEdit: T2.1.2.1.2, thesis-text in the note
    deepedit = kb.method(67)
    assert _leaf_problem(deepedit, leaf_cell, prov_cell) is None
    moved = deepedit.model_copy(
        update={"leaf": deepedit.leaf.model_copy(update={"id": "T2.1.2.1.1"})}
    )
    assert "without a paper/code source" in _leaf_problem(moved, leaf_cell, prov_cell)
    paper = Source(kind="paper", ref="https://example.org/abstract", note=None)
    with_paper = moved.model_copy(
        update={"sources": moved.sources.model_copy(update={"leaf": [*moved.sources.leaf, paper]})}
    )
    assert "presented as published" in _leaf_problem(with_paper, leaf_cell, prov_cell)
    as_inferred = with_paper.model_copy(
        update={"leaf": with_paper.leaf.model_copy(update={"provenance": "inferred"})}
    )
    assert "does not say the research note had" in _leaf_problem(as_inferred, leaf_cell, prov_cell)


def test_leaf_convention_follows_the_bold_definitions():
    """T2.1.1.1 = sampling-based, T2.1.1.2 = rule-based (l.1723); l.1715 says the opposite."""
    from kb.vocab import LEAF_NAMES

    lines = _thesis_lines()
    assert "**T2.1.1.1. Non-iterative sampling-based**" in lines[1723 - 1]
    assert "**T2.1.1.2. Non-iterative rule-based**" in lines[1723 - 1]
    assert "*rule-based* (**T2.1.1.1.**)" in lines[1715 - 1]  # the documented contradiction
    assert LEAF_NAMES["T2.1.1.1"] == "Non-iterative sampling-based"


def test_thesis_aggregates_script_runs():
    from kb.tools.thesis_aggregates import compute_aggregates

    agg = compute_aggregates()
    assert agg["29 SAM adaptations (l.1829)"]["positional-encoding methods"] == 29
    assert agg["scribbles 35% (l.513)"]["scribbles only"] == "43/121 = 35.5%"


def test_leaf_names_are_the_thesis_definitions():
    """Each of the 13 leaf names is printed as ``<id>. <name>`` in the thesis (Section 6.1.3)."""
    from kb.vocab import LEAF_NAMES

    text = "\n".join(_thesis_lines()).replace("*", "").lower()
    missing = {k: v for k, v in LEAF_NAMES.items() if f"{k}. {v}".lower() not in text}
    assert missing == {}
