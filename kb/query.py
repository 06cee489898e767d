"""Filter and tabulate knowledge-base methods: the one filter behind the CLI and the app.

:func:`filter_methods` works on the method models themselves (no pandas), so
``iseg methods`` stays fast, and the app's method table calls the same function.  Each
filter takes one value or a collection of values (a multi-select: any of them matches);
different filters combine with AND.  Values are normalised with the vocabularies of
:mod:`kb.vocab` (case-insensitive, ``box`` = ``bounding-box``) and an unknown value raises
``ValueError`` naming the allowed set.  Post-review methods (:mod:`kb.post_review`) are
filtered by the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kb.vocab import (
    BRANCH_IDS,
    LEAF_IDS,
    Modality,
    parse_guidance,
    parse_interaction,
    parse_modality,
)

__all__ = ["filter_methods", "method_record", "compared_by", "similar_methods", "RECORD_KEYS"]

Selection = str | Iterable[str] | None

#: Keys of :func:`method_record` (the ``iseg methods --format json`` contract).
RECORD_KEYS: tuple[str, ...] = (
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
    "leaf_branch",
    "leaf_provenance",
    "leaf_confidence",
    "code_url",
    "compared_to",
    "comparison_status",
    "beyond_review",
)


def _is_post_review(m: Any) -> bool:
    return bool(getattr(m, "beyond_review", False))


def method_record(m: Any) -> dict[str, Any]:
    """One method as a flat JSON-ready dict (lists stay lists; ``ref`` is None post-review).

    Extra keys ``venue`` and ``title`` follow :data:`RECORD_KEYS`.
    """
    if _is_post_review(m):
        return m.record()
    return {
        "id": m.id,
        "ref": m.ref,
        "name": m.name,
        "year": m.year,
        "interactions": list(dict.fromkeys(str(i.type) for i in m.interactions)),
        "guidance_signals": list(dict.fromkeys(str(g.signal) for g in m.guidance)),
        "guidance_explicit": m.guidance_explicit,
        "guidance_implicit": any(not g.explicit for g in m.guidance),
        "modalities": [str(x.modality) for x in m.modalities],
        "targets": [t.name for t in m.targets],
        "target_categories": list(dict.fromkeys(str(t.category) for t in m.targets)),
        "leaf": m.leaf.id,
        "leaf_branch": m.leaf.branch,
        "leaf_provenance": m.leaf.provenance,
        "leaf_confidence": m.leaf.confidence,
        "code_url": m.code_url,
        "compared_to": list(m.compared_to),
        "comparison_status": m.comparison_status,
        "beyond_review": False,
        "venue": m.citation.venue,
        "title": m.citation.title,
    }


def _values(sel: Selection) -> list[str]:
    if sel is None:
        return []
    if isinstance(sel, str):
        return [sel] if sel.strip() else []
    return [str(s) for s in sel if str(s).strip()]


def _modalities(values: list[str]) -> set[str]:
    want: set[str] = set()
    for v in values:
        mods = {str(m) for m in parse_modality(v)}
        if str(Modality.PET) in mods:  # every reviewed PET study is PET/CT (Tables 14-16)
            mods.add(str(Modality.PET_CT))
        want |= mods
    return want


def _leaf_test(values: list[str]):
    for v in values:
        if v != "unknown" and v not in LEAF_IDS and v not in BRANCH_IDS:
            raise ValueError(
                f"unknown leaf {v!r}; allowed: {list(LEAF_IDS) + list(BRANCH_IDS)} or 'unknown'"
            )

    def test(leaf: str | None, branch: str | None) -> bool:
        for v in values:
            if v == "unknown":
                if leaf is None:
                    return True
                continue
            for place in (leaf, branch):
                if place and (place == v or place.startswith(v + ".")):
                    return True
        return False

    return test


def _guidance_test(values: list[str]):
    kinds = {v.strip().lower() for v in values} & {"explicit", "implicit"}
    signals: set[str] = set()
    for v in values:
        if v.strip().lower() not in {"explicit", "implicit"}:
            signals |= {str(g) for g in parse_guidance(v)}

    def test(rec: dict[str, Any]) -> bool:
        if "explicit" in kinds and rec["guidance_explicit"]:
            return True
        if "implicit" in kinds and rec.get("guidance_implicit"):
            return True
        return bool(signals & set(rec["guidance_signals"]))

    return test


def _haystack(m: Any) -> str:
    parts = [m.id, m.name, *getattr(m, "aliases", [])]
    cit = getattr(m, "citation", None)
    if cit is not None:
        parts.append(cit.title)
    return " ".join(parts).lower()


def filter_methods(
    methods: Sequence[Any],
    *,
    modality: Selection = None,
    interaction: Selection = None,
    guidance: Selection = None,
    leaf: Selection = None,
    year_from: int | None = None,
    year_to: int | None = None,
    target: str | None = None,
    target_category: Selection = None,
    confidence: Selection = None,
    text: str | None = None,
    code_only: bool = False,
) -> list[Any]:
    """The methods matching every given filter (AND across filters, OR within one).

    Parameters
    ----------
    methods : sequence of Method or PostReviewMethod
        E.g. ``load_kb().methods`` or ``load_kb().post_review``; the order is kept.
    modality : str or collection of str, optional
        Any :class:`kb.vocab.Modality` spelling, case-insensitive; ``PET`` also finds
        PET/CT methods, ``CT/MRI`` finds either.
    interaction : str or collection of str, optional
        ``clicks``, ``scribbles``, ``bounding-box`` (also ``box``, ``bbox``), ``polygons``,
        ``eye-gaze``, any case.
    guidance : str or collection of str, optional
        A guidance signal (``heatmap``, ``Exp. Geodesic Maps``), ``explicit`` or ``implicit``.
    leaf : str or collection of str, optional
        A leaf or branch id (the whole subtree matches, including methods placed only at
        a branch inside it) or ``unknown``.
    year_from, year_to : int, optional
        Inclusive publication-year range.
    target : str, optional
        Case-insensitive substring of a target name.
    target_category : str or collection of str, optional
        ``anatomy``, ``pathology``, ``unspecified``, ``other``.
    confidence : str or collection of str, optional
        Leaf-assignment confidence values (``high``, ``medium``, ...).
    text : str, optional
        Case-insensitive substring of id, name, aliases or citation title.
    code_only : bool
        Keep only methods with a verified code link.

    Returns
    -------
    list
        The matching method models, in input order.

    Raises
    ------
    ValueError
        For a value outside the controlled vocabularies, naming the allowed set.

    Examples
    --------
    >>> from kb import load_kb
    >>> kb = load_kb()
    >>> [m.ref for m in filter_methods(kb.methods, modality="pet")][:3]
    [18, 31, 82]
    """
    mods = _modalities(_values(modality))
    inters = {str(parse_interaction(v)) for v in _values(interaction)}
    guid = _guidance_test(_values(guidance)) if _values(guidance) else None
    leaf_ok = _leaf_test(_values(leaf)) if _values(leaf) else None
    cats = {v.strip().lower() for v in _values(target_category)}
    confs = {v.strip().lower() for v in _values(confidence)}
    needle_t = (target or "").strip().lower()
    needle = (text or "").strip().lower()
    out = []
    for m in methods:
        rec = method_record(m)
        if mods and not mods & set(rec["modalities"]):
            continue
        if inters and not inters & set(rec["interactions"]):
            continue
        if guid is not None and not guid(rec):
            continue
        if leaf_ok is not None and not leaf_ok(rec["leaf"], rec["leaf_branch"]):
            continue
        if year_from is not None and rec["year"] < year_from:
            continue
        if year_to is not None and rec["year"] > year_to:
            continue
        if needle_t and not any(needle_t in t.lower() for t in rec["targets"]):
            continue
        if cats and not cats & set(rec["target_categories"]):
            continue
        if confs and rec["leaf_confidence"] not in confs:
            continue
        if needle and needle not in _haystack(m):
            continue
        if code_only and not rec["code_url"]:
            continue
        out.append(m)
    return out


def _resolve(kb: Any, key: str | int) -> str:
    """The id behind a reviewed id/ref/name, a post-review id or an external node id."""
    text = str(key).strip().lower()
    if text in {n.id for n in kb.external_nodes}:
        return text
    return str(kb.method_or_post_review(key).id)


def compared_by(kb: Any, key: str | int) -> list[str]:
    """Ids of the methods that compared themselves against ``key`` (the reverse edges).

    Parameters
    ----------
    kb : KnowledgeBase
        A loaded knowledge base.
    key : str or int
        A reviewed method (id, ref or name), a post-review id or an external node id.

    Returns
    -------
    list of str
        Reviewed methods first (by ref), then post-review methods (flagged by their id
        only; ``kb.post_review_method(id)`` gives the entry).

    Examples
    --------
    >>> from kb import load_kb
    >>> "ensam" in compared_by(load_kb(), "sam-med3d")
    True
    """
    target = _resolve(kb, key)
    reviewed = [m.id for m in kb.methods if target in m.compared_to]
    return reviewed + [m.id for m in kb.post_review if target in m.compared_to]


def similar_methods(
    kb: Any, key: str | int, *, limit: int = 5, include_post_review: bool = False
) -> list[Any]:
    """Methods in the same leaf that share an interaction and a modality with ``key``.

    A method placed only at a branch is compared with the others of that branch.  Ranked
    by the number of shared interactions and modalities, then by closeness in year.

    Raises
    ------
    ValueError
        For an unknown method, or ``limit < 1``.

    Examples
    --------
    >>> from kb import load_kb
    >>> [m.leaf.id for m in similar_methods(load_kb(), "deepedit", limit=2)]
    ['T2.1.2.1.2', 'T2.1.2.1.2']
    """
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    m = kb.method_or_post_review(key)
    rec = method_record(m)
    place = rec["leaf"] or rec["leaf_branch"]
    if place is None:
        return []
    pool = list(kb.methods) + (list(kb.post_review) if include_post_review else [])
    scored = []
    for other in pool:
        if other.id == m.id:
            continue
        o = method_record(other)
        if (o["leaf"] or o["leaf_branch"]) != place:
            continue
        inter = len(set(rec["interactions"]) & set(o["interactions"]))
        mods = len(set(rec["modalities"]) & set(o["modalities"]))
        if inter and mods:
            scored.append((-(inter + mods), abs(o["year"] - rec["year"]), o["id"], other))
    return [t[-1] for t in sorted(scored, key=lambda t: t[:3])[:limit]]
