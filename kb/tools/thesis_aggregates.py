"""Recompute the thesis's aggregate statements from the knowledge base.

``python -m kb.tools.thesis_aggregates`` prints, for each statement quoted in
``docs/kb.md``, the thesis value and what the KB gives (several counting variants where
the thesis does not say how it counted).  Every number in docs/kb.md's comparison table
comes from this script.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from kb import load_kb
from kb.stats import comparison_practice

__all__ = ["compute_aggregates", "main"]


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} = {100 * n / d:.1f}%"


def _modality_variants(kb) -> dict[str, int]:
    originals = [{x.original for x in m.modalities} for m in kb.methods]
    mods = [{str(x.modality) for x in m.modalities} for m in kb.methods]
    return {
        "CT (KB: CT incl. CTA and CT/MRI)": sum("CT" in s for s in mods),
        "CT (table fragments 'CT' only)": sum("CT" in o for o in originals),
        "CT incl. PET/CT studies": sum(bool({"CT", "PET/CT"} & s) for s in mods),
        "MRI (KB: incl. CT/MRI and PET/CT/MRI)": sum("MRI" in s for s in mods),
        "MRI (table fragments 'MRI' only)": sum("MRI" in o for o in originals),
        "US": sum("US" in s for s in mods),
        "microscopy": sum("microscopy" in s for s in mods),
        "PET/CT": sum("PET/CT" in s for s in mods),
        "not specified": sum("not-specified" in s for s in mods),
    }


def compute_aggregates(kb=None) -> dict[str, dict[str, object]]:
    """KB values next to the thesis's aggregate statements (see docs/kb.md)."""
    kb = kb or load_kb()
    n = len(kb.methods)
    inter = [{str(i.type) for i in m.interactions} for m in kb.methods]
    explicit_only = sum(all(g.explicit for g in m.guidance) for m in kb.methods)
    implicit_only = sum(not any(g.explicit for g in m.guidance) for m in kb.methods)
    any_implicit = sum(any(not g.explicit for g in m.guidance) for m in kb.methods)
    entries = [g for m in kb.methods for g in m.guidance]
    cats = [{str(t.category) for t in m.targets} for m in kb.methods]
    leaves = Counter(m.leaf.id or f"unknown ({m.leaf.branch or 'no branch'})" for m in kb.methods)
    iterative = sum(
        (m.leaf.id or "").startswith("T2.1.2.") or m.leaf.branch in {"T2.1.2"} for m in kb.methods
    )
    path_targets = [
        [t.name.lower() for t in m.targets if t.category == "pathology"] for m in kb.methods
    ]
    practice = Counter({k: v for k, v in comparison_practice(kb).items() if v})
    out: dict[str, dict[str, object]] = {
        "clicks >50% (l.511)": {
            "any clicks": _pct(sum("clicks" in s for s in inter), n),
            "clicks only": _pct(sum(s == {"clicks"} for s in inter), n),
        },
        "scribbles 35% (l.513)": {
            "any scribbles": _pct(sum("scribbles" in s for s in inter), n),
            "scribbles only": _pct(sum(s == {"scribbles"} for s in inter), n),
        },
        "87% explicit / 13% implicit (l.564, l.598)": {
            "any explicit signal": _pct(n - implicit_only, n),
            "explicit signals only": _pct(explicit_only, n),
            "implicit only": _pct(implicit_only, n),
            "any implicit": _pct(any_implicit, n),
            "explicit signal entries": _pct(sum(g.explicit for g in entries), len(entries)),
        },
        "n=61 iterative (l.1868)": {
            "T2.1.2 leaves or T2.1.2 branch": iterative,
            "leaf unknown, no branch": sum(
                m.leaf.id is None and m.leaf.branch is None for m in kb.methods
            ),
            "leaf unknown, branch T2.1 or T2.1.1": sum(
                m.leaf.branch in {"T2.1", "T2.1.1"} for m in kb.methods
            ),
        },
        "leaf counts (reconstruction)": dict(leaves.most_common()),
        "Figure 41 modalities (l.1810: CT 65, MRI 42; l.1817: US 18, microscopy 15)": dict(
            _modality_variants(kb)
        ),
        "Figure 41 targets (l.1806: brain n=21, liver n=12 pathologies)": {
            "methods with a brain pathology": sum(
                any("brain" in t for t in p) for p in path_targets
            ),
            "methods with a liver pathology": sum(
                any("liver" in t for t in p) for p in path_targets
            ),
            "methods with '≥ 10 targets' (targets not listed)": sum(
                any(t.name == "≥ 10 targets" for t in m.targets) for m in kb.methods
            ),
        },
        "anatomy and pathology both (l.1804: 7 of 121)": {
            "methods with both categories": sum({"anatomy", "pathology"} <= c for c in cats),
        },
        "29 SAM adaptations (l.1829)": {
            "positional-encoding methods": sum(
                any(str(g.signal) == "positional-encoding" for g in m.guidance) for m in kb.methods
            ),
        },
        "comparisons (l.1837: 46 none / 6 classical / 3 DeepIGeoS / 37 non-medical)": {
            **dict(practice.most_common()),
            "comparisons.yaml present": kb.comparisons_present,
        },
    }
    cat = kb.catalog
    if cat is not None and cat.datasets:
        by_mod = Counter(str(d.modality) for d in cat.datasets)
        out["OmniMedSeg CT 52 / MRI 32 (l.2247)"] = {
            "datasets": len(cat.datasets),
            **dict(by_mod.most_common()),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the aggregates as JSON or as an indented list."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--format", choices=("json", "text"), default="text")
    args = parser.parse_args(argv)
    agg = compute_aggregates()
    if args.format == "json":
        print(json.dumps(agg, indent=2, ensure_ascii=False))
        return 0
    for statement, values in agg.items():
        print(statement)
        for k, v in values.items():
            print(f"    {k}: {v}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
