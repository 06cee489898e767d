"""Counts over the reviewed methods: the numbers behind ``iseg stats`` and the thesis checks.

Computed from the method models directly (no pandas).  A method counts once in every
category it belongs to (a CT+MRI method counts for both), so category counts can sum to
more than 121.  Leaves are listed in taxonomy order with every leaf present, an empty
leaf (T2.1.2.2.2) as 0.  Post-review methods never enter these counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from kb.vocab import LEAF_IDS

__all__ = ["compute_stats", "comparison_practice", "PRACTICE_GROUPS"]

#: The comparison-practice groups of thesis §6.2 (l.1825 ff.), in display order.
PRACTICE_GROUPS: tuple[str, ...] = (
    "no prior work",
    "only DeepIGeoS [5]",
    "only classical",
    "only non-medical interactive",
    "only non-interactive",
    "other / mixed",
    "unknown",
)


def comparison_practice(kb: Any) -> dict[str, int]:
    """How many reviewed methods compared only against DeepIGeoS, only classical, ...

    Parameters
    ----------
    kb : KnowledgeBase
        A loaded knowledge base.

    Returns
    -------
    dict
        Group name -> number of methods, every group of :data:`PRACTICE_GROUPS` present
        (0 when empty); the values sum to the number of reviewed methods.
    """
    kinds = {n.id: n.kind for n in kb.external_nodes}
    deepigeos = kb.method(5).id
    out: Counter[str] = Counter({g: 0 for g in PRACTICE_GROUPS})
    for m in kb.methods:
        if m.comparison_status != "known":
            out[{"none": "no prior work", "unknown": "unknown"}[m.comparison_status]] += 1
            continue
        to = set(m.compared_to)
        if to == {deepigeos}:
            out["only DeepIGeoS [5]"] += 1
        elif to and all(kinds.get(t) == "classical" for t in to):
            out["only classical"] += 1
        elif to and all(kinds.get(t) == "non-medical-interactive" for t in to):
            out["only non-medical interactive"] += 1
        elif to and all(kinds.get(t) == "non-interactive" for t in to):
            out["only non-interactive"] += 1
        else:
            out["other / mixed"] += 1
    return {g: out[g] for g in PRACTICE_GROUPS}


def _count(values: Iterable[Any]) -> dict[str, int]:
    return {str(k): v for k, v in Counter(values).most_common()}


def _each(methods: list[Any], get) -> dict[str, int]:
    """Count every distinct value of ``get(m)`` once per method."""
    return _count(v for m in methods for v in dict.fromkeys(get(m)))


def compute_stats(kb: Any) -> dict[str, dict[str, int]]:
    """Counts of the reviewed methods by modality, interaction, guidance, year, leaf, ...

    Parameters
    ----------
    kb : KnowledgeBase
        A loaded knowledge base (only ``kb.methods``, the 121 reviewed, are counted).

    Returns
    -------
    dict
        Section -> {category: count}; ``leaf`` lists all 13 leaves in taxonomy order
        plus ``unknown``, empty leaves as 0.

    Examples
    --------
    >>> from kb import load_kb
    >>> s = compute_stats(load_kb())
    >>> s["total"]["methods"], s["leaf"]["T2.1.2.2.2"]
    (121, 0)
    """
    ms = list(kb.methods)
    n = len(ms)
    has_explicit = [any(g.explicit for g in m.guidance) for m in ms]
    has_implicit = [any(not g.explicit for g in m.guidance) for m in ms]
    explicit_only = sum(e and not i for e, i in zip(has_explicit, has_implicit, strict=True))
    implicit_only = sum(i and not e for e, i in zip(has_explicit, has_implicit, strict=True))
    leaves = Counter(m.leaf.id or "unknown" for m in ms)
    return {
        "total": {"methods": n},
        "modality": _each(ms, lambda m: [str(x.modality) for x in m.modalities]),
        "interaction": _each(ms, lambda m: [str(i.type) for i in m.interactions]),
        "guidance_signal": _each(ms, lambda m: [str(g.signal) for g in m.guidance]),
        "explicit_implicit": {
            "any explicit": sum(has_explicit),
            "explicit only": explicit_only,
            "implicit only": implicit_only,
            "both": n - explicit_only - implicit_only,
        },
        "year": {str(y): c for y, c in sorted(Counter(m.year for m in ms).items())},
        "leaf": {leaf: leaves.get(leaf, 0) for leaf in (*LEAF_IDS, "unknown")},
        "leaf_branch_when_leaf_unknown": _count(m.leaf.branch for m in ms if m.leaf.branch),
        "leaf_provenance": _count(m.leaf.provenance for m in ms),
        "target_category": _each(ms, lambda m: [str(t.category) for t in m.targets]),
        "comparison_status": _count(m.comparison_status for m in ms),
        "comparison_practice": comparison_practice(kb),
    }
