"""Rank the knowledge-base methods of the recommended leaves for one user's task.

Score of a method (each part explained in ``RankedMethod.explanation``):

* modality match: +3 (exact) / +2 (the method's modality contains it, e.g. PET in PET/CT);
* interaction match: +2;
* target match: +2 (every word of the query found in one target) / +1 when the method
  lists only "≥ 10 targets";
* code available: +1;
* recency: + (year - oldest) / (newest - oldest), in [0, 1];
* evidence for the leaf assignment: provenance (thesis-text +1, thesis-text+inferred +0.5,
  inferred / unknown +0) and confidence (high +1 ... low / none +0, see :data:`CONFIDENCE`).

The recommended leaves' own methods always come first (those meeting every criterion the
user gave first, then the others).  A method *matches* (``matches``) only when the user gave
at least one criterion and it meets all of them.  When the recommended leaves hold fewer than
:data:`MIN_MATCHES` methods meeting the criteria, a *fallback* adds matching methods of the
nearest leaves -- and methods assigned only to a branch -- **inside the same paradigm** (T1,
T2 or T3), labelled ``nearest-leaf`` / ``branch-only`` with the node and the tree distance;
methods of another paradigm are never added, since the answers ruled that paradigm out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import networkx as nx

from kb.vocab import InteractionType, Modality
from kb.vocab import parse_interaction as kb_parse_interaction
from kb.vocab import parse_modality as kb_parse_modality

__all__ = [
    "CONFIDENCE",
    "MIN_MATCHES",
    "PROVENANCE",
    "WEIGHTS",
    "RankedMethod",
    "rank_methods",
    "parse_modality",
    "parse_interaction",
]

MIN_MATCHES = 3
WEIGHTS = {
    "modality": 3,
    "modality_partial": 2,
    "interaction": 2,
    "target": 2,
    "target_unspecified": 1,
    "code": 1,
    "recency": 1,
}
#: Points for the leaf assignment's provenance and confidence (kb.models LeafAssignment).
PROVENANCE = {"thesis-text": 1.0, "thesis-text+inferred": 0.5, "inferred": 0.0, "unknown": 0.0}
CONFIDENCE = {
    "high": 1.0,
    "medium-high": 0.75,
    "medium": 0.5,
    "medium-low": 0.4,
    "low-medium": 0.25,
    "low": 0.0,
    "none": 0.0,
}
_STOP = {"the", "and", "of", "in", "a", "an", "or", "with"}


@dataclass(frozen=True)
class RankedMethod:
    """One ranked method with its score breakdown, leaf provenance and full citation."""

    id: str
    ref: int
    name: str
    year: int
    leaf: str | None
    leaf_provenance: str
    leaf_confidence: str
    score: float
    matches: bool  # the user gave a criterion and the method meets every one
    source: str  # "leaf" | "nearest-leaf" | "branch-only" (the last two: same-paradigm fallback)
    from_node: str
    distance: int
    explanation: tuple[str, ...]
    code_url: str | None
    citation: dict
    matched: tuple[str, ...] = ()  # the user's criteria this method meets, e.g. "modality CT"

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)


def parse_modality(value: str) -> str:
    """Normalise a user modality (``"ct"``, ``"PET/CT"``) with the knowledge base's one
    vocabulary (:func:`kb.vocab.parse_modality`); raises ``ValueError`` listing the valid ones.

    Examples
    --------
    >>> parse_modality("ct"), parse_modality("pet/ct")
    ('CT', 'PET/CT')
    """
    try:
        mods = kb_parse_modality(value)
    except ValueError:
        raise ValueError(
            f"unknown modality {value!r}; valid: {[m.value for m in Modality]}"
        ) from None
    return mods[0].value


def parse_interaction(value: str) -> str:
    """Normalise a user interaction type with :func:`kb.vocab.parse_interaction`
    (case-insensitive; singular spellings, ``box``/``bbox``); raises ``ValueError`` listing
    the valid ones.

    Examples
    --------
    >>> parse_interaction("Click"), parse_interaction("box"), parse_interaction("bbox")
    ('clicks', 'bounding-box', 'bounding-box')
    """
    try:
        return kb_parse_interaction(value).value
    except ValueError:
        valid = [i.value for i in InteractionType]
        raise ValueError(f"unknown interaction {value!r}; valid: {valid}") from None


def _words(text: str) -> set[str]:
    """Lower-case words without stop words, a trailing plural ``s`` removed."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words if w not in _STOP}


@lru_cache(maxsize=4)
def _records(kb) -> tuple[tuple[dict, ...], int, int]:
    """Method rows as plain dicts (cached per knowledge base) plus the year range."""
    rows = []
    for m in kb.methods:
        c = m.citation
        rows.append(
            {
                "id": m.id,
                "ref": m.ref,
                "name": m.name,
                "year": m.year,
                "interactions": [str(e.type) for e in m.interactions],
                "modalities": [str(e.modality) for e in m.modalities],
                "targets": [t.name for t in m.targets],
                "target_categories": [str(t.category) for t in m.targets],
                "target_words": [_words(t.name) for t in m.targets],
                "leaf": m.leaf.id,
                "leaf_branch": m.leaf.branch,
                "leaf_provenance": m.leaf.provenance,
                "leaf_confidence": m.leaf.confidence,
                "code_url": m.code_url,
                "citation": {
                    "title": c.title,
                    "authors": c.authors,
                    "venue": c.venue,
                    "year": c.year,
                    "details": c.details,
                    "ref": m.ref,
                },
            }
        )
    years = [r["year"] for r in rows]
    return tuple(rows), min(years), max(years)


def _score(row: dict, modality, interaction, target_words, years) -> tuple[float, bool, list[str]]:
    """Score one method; returns (score, matches every given criterion, explanation)."""
    score, ok, why = 0.0, True, []
    if modality:
        mods = row["modalities"]
        if modality in mods:
            score += WEIGHTS["modality"]
            why.append(f"modality {modality} (+{WEIGHTS['modality']})")
        elif any(modality in m.split("/") or m in modality.split("/") for m in mods):
            score += WEIGHTS["modality_partial"]
            why.append(f"modality {modality} within {mods} (+{WEIGHTS['modality_partial']})")
        else:
            ok = False
            why.append(f"modality {modality} not in {mods} (+0)")
    if interaction:
        if interaction in row["interactions"]:
            score += WEIGHTS["interaction"]
            why.append(f"interaction {interaction} (+{WEIGHTS['interaction']})")
        else:
            ok = False
            why.append(f"interaction {interaction} not in {row['interactions']} (+0)")
    if target_words:
        hits = [
            t for t, w in zip(row["targets"], row["target_words"], strict=True) if target_words <= w
        ]
        if hits:
            score += WEIGHTS["target"]
            why.append(f"target {', '.join(hits)} (+{WEIGHTS['target']})")
        elif "unspecified" in row["target_categories"]:
            score += WEIGHTS["target_unspecified"]
            why.append(
                f"target not listed but covers {row['targets'][0]} (+{WEIGHTS['target_unspecified']})"
            )
        else:
            ok = False
            why.append(f"target not in {row['targets']} (+0)")
    if row["code_url"]:
        score += WEIGHTS["code"]
        why.append(f"code available (+{WEIGHTS['code']})")
    lo, hi = years
    rec = (row["year"] - lo) / (hi - lo) if hi > lo else 0.0
    score += WEIGHTS["recency"] * rec
    why.append(f"year {row['year']} (+{rec:.2f})")
    prov = PROVENANCE.get(row["leaf_provenance"], 0.0)
    conf = CONFIDENCE.get(row["leaf_confidence"], 0.0)
    score += prov + conf
    why.append(f"leaf evidence {row['leaf_provenance']} (+{prov:g})")
    why.append(f"leaf confidence {row['leaf_confidence']} (+{conf:g})")
    return round(score, 3), ok, why


def _matched(why: Sequence[str]) -> tuple[str, ...]:
    """The user's criteria met, read off the explanation (a criterion with points > 0)."""
    out = []
    for e in why:
        kind = e.split(" ", 1)[0]
        if kind in ("modality", "interaction", "target") and not e.endswith("(+0)"):
            out.append(e.rsplit(" (+", 1)[0])
    return tuple(out)


def _criteria_text(modality, interaction, target) -> str:
    """``"modality CT, interaction clicks"`` for the criteria the user gave."""
    parts = [
        f"{k} {v}"
        for k, v in (("modality", modality), ("interaction", interaction), ("target", target))
        if v
    ]
    return "every criterion (" + ", ".join(parts) + ")"


def _distances(graph: nx.DiGraph, leaves: Sequence[str]) -> dict[str, int]:
    """Undirected tree distance of every node to the nearest recommended leaf."""
    und = graph.to_undirected(as_view=True)
    return dict(nx.multi_source_dijkstra_path_length(und, set(leaves)))


def rank_methods(
    leaves: Sequence[str],
    *,
    modality: str | None = None,
    interaction: str | None = None,
    target: str | None = None,
    kb=None,
    taxonomy=None,
    limit: int = 10,
) -> tuple[list[RankedMethod], list[str]]:
    """Rank the methods of ``leaves`` (plus nearest leaves when fewer than 3 match).

    Parameters
    ----------
    leaves : sequence of str
        Recommended leaf ids.
    modality, interaction, target : str, optional
        The user's task; see the module docstring for the weights.
    kb : KnowledgeBase, optional
        Defaults to :func:`kb.load_kb`.
    taxonomy : Taxonomy, optional
        Defaults to :func:`taxonomy.load_taxonomy`.
    limit : int
        Maximum number of methods returned (>= 0).

    Returns
    -------
    methods : list of RankedMethod
        Matching leaf methods (by score, then year, then ref), then nearest-leaf
        matches when needed, then non-matching leaf methods.
    caveats : list of str
        Notes such as how many returned leaf assignments are reconstructions.

    Raises
    ------
    ValueError
        For a leaf id that is not a taxonomy leaf, an unknown modality or interaction (the
        message lists the valid values) or a negative ``limit``.
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"limit must be an int >= 0, got {limit!r}")
    if kb is None:
        from kb import load_kb

        kb = load_kb()
    if taxonomy is None:
        from taxonomy import load_taxonomy

        taxonomy = load_taxonomy()
    bad = [lf for lf in leaves if lf not in taxonomy.leaves]
    if bad:
        raise ValueError(f"unknown leaf ids {bad}; known leaves: {list(taxonomy.leaves)}")
    modality = parse_modality(modality) if modality else None
    interaction = parse_interaction(interaction) if interaction else None
    words = _words(target) if target else set()
    rows, lo, hi = _records(kb)
    dist = _distances(taxonomy.graph, leaves) if leaves else {}
    paradigms = {taxonomy.path_to(lf)[1] for lf in leaves}
    # paradigm (T1/T2/T3) of every node; ROOT has none
    paradigm_of = {n: p[1] if len(p := taxonomy.path_to(n)) > 1 else None for n in dist}
    given = bool(modality or interaction or words)
    scored = []
    for row in rows:
        node = row["leaf"] or row["leaf_branch"]
        if node is None or node not in dist:
            continue
        if row["leaf"] not in leaves and paradigm_of.get(node) not in paradigms:
            continue  # never fall back to a paradigm the answers did not keep
        s, ok, why = _score(row, modality, interaction, words, (lo, hi))
        src = (
            "leaf"
            if row["leaf"] in leaves
            else ("branch-only" if row["leaf"] is None else "nearest-leaf")
        )
        scored.append((src, dist[node], s, ok, why, node, row))
    in_leaf = [x for x in scored if x[0] == "leaf"]
    chosen = sorted(in_leaf, key=lambda x: (not x[3], -x[2], -x[6]["year"], x[6]["ref"]))
    n_match = sum(x[3] for x in in_leaf)
    caveats: list[str] = []
    taken: list[tuple] = []
    if n_match < MIN_MATCHES:
        near = sorted(
            (x for x in scored if x[0] != "leaf" and x[3]),
            key=lambda x: (x[1], -x[2], -x[6]["year"], x[6]["ref"]),
        )
        for x in near:
            if n_match + len(taken) >= MIN_MATCHES and x[1] > taken[-1][1]:
                break
            taken.append(x)
        chosen = chosen + taken
    out = [
        RankedMethod(
            id=r["id"],
            ref=int(r["ref"]),
            name=r["name"],
            year=int(r["year"]),
            leaf=r["leaf"],
            leaf_provenance=r["leaf_provenance"],
            leaf_confidence=r["leaf_confidence"],
            score=s,
            matches=bool(ok and given),
            source=src,
            from_node=node,
            distance=int(d),
            explanation=tuple(why),
            code_url=r["code_url"],
            citation=r["citation"],
            matched=_matched(why),
        )
        for src, d, s, ok, why, node, r in chosen[:limit]
    ]
    if n_match < MIN_MATCHES and leaves:
        where = ", ".join(leaves)
        crit = _criteria_text(modality, interaction, target if words else None)
        count = "None" if n_match == 0 else f"Only {n_match}"
        own = (
            f"{count} of the {len(in_leaf)} methods in {where} meet(s) {crit}"
            if given
            else f"{where} hold(s) only {len(in_leaf)} method(s)"
        )
        if not in_leaf:
            own = f"{where} hold(s) no reviewed method"
        shown = sum(m.source != "leaf" for m in out)
        cut = (
            f" ({len(taken) - shown} more cut by the limit of {limit})"
            if shown < len(taken)
            else ""
        )
        para = ", ".join(sorted(paradigms))
        if taken:
            caveats.append(
                f"{own}; the leaf's own methods are listed first, then {shown} fallback "
                f"method(s){' meeting ' + crit if given else ''} from the nearest leaves/branches "
                f"of the same paradigm ({para}), labelled as fallback{cut}."
            )
        else:
            caveats.append(f"{own}; no other method of the same paradigm ({para}) does either.")
    if target and not words:
        caveats.append(f"target {target!r} has no word to match; it was not used for ranking.")
    recon = sum(m.leaf_provenance != "thesis-text" for m in out)
    if recon:
        caveats.append(
            f"{recon} of {len(out)} listed methods have a reconstructed leaf "
            "assignment (provenance other than thesis-text); see each method's "
            "leaf_provenance/leaf_confidence."
        )
    return out, caveats
