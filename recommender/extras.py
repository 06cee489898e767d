"""Parts of a recommendation beside the thesis's ranking: best practice per leaf and the
methods published since the review.

* :func:`best_practice` -- the advice of thesis chapters 3-5 and 7 that applies to the
  recommended leaves (``taxonomy/data/best_practice.yaml``), each with its thesis line and
  quote, and the evaluation protocol's facts from the knowledge base with their sources.
* :func:`since_review` -- the knowledge base's post-review methods (``kb.post_review``,
  ``beyond_review: true``) placed in or next to the recommended leaves.  They are listed
  apart, never scored against or counted with the 121 reviewed methods: their leaf is our
  inference from the training code, not the thesis's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taxonomy import Taxonomy

__all__ = ["best_practice", "since_review", "PROTOCOL_FACTS"]

#: Protocol facts shown with the evaluation-standard advice.
PROTOCOL_FACTS = ("steps", "box", "click_rule", "metrics", "time_limit_s_per_class")
_CONF = ("high", "medium-high", "medium", "medium-low", "low-medium", "low", "none")


def _source(src: Any) -> str:
    return f"{src.kind}: {src.ref}"


def _protocol(kb: Any, pid: str) -> dict | None:
    """The protocol's name, source and selected facts, or ``None`` when the KB lacks it."""
    try:
        p = kb.protocol(pid)
    except (AttributeError, ValueError):
        return None
    facts = []
    for key in PROTOCOL_FACTS:
        try:
            f = p.fact(key)
        except ValueError:
            continue
        facts.append({"key": key, "text": f.text, "source": _source(f.source)})
    return {"id": p.id, "name": p.name, "source": _source(p.source), "facts": facts}


def best_practice(leaves: Sequence[str], tax: Taxonomy, kb: Any = None) -> tuple[dict, ...]:
    """Best practice for ``leaves``: one dict per practice with the leaves it applies to.

    Keys: ``id, topic, advice, thesis_line, quote, also_lines, leaves`` and ``protocol``
    (the knowledge base's facts of the evaluation protocol, or ``None``).
    """
    out = []
    for p in tax.best_practice:
        applies = [lf for lf in leaves if p in tax.practices_for(lf)]
        if not applies:
            continue
        proto = _protocol(kb, p.kb_protocol) if (p.kb_protocol and kb) else None
        out.append(
            {
                "id": p.id,
                "topic": p.topic,
                "advice": p.advice,
                "thesis_line": p.line,
                "quote": p.quote,
                "also_lines": list(p.also),
                "leaves": applies,
                "protocol": proto,
            }
        )
    return tuple(out)


def since_review(
    leaves: Sequence[str],
    tax: Taxonomy,
    kb: Any,
    *,
    modality: str | None = None,
    interaction: str | None = None,
) -> tuple[dict, ...]:
    """Post-review methods placed in ``leaves`` (or with one of them as an alternative, or on a
    branch above them), apart from the reviewed ranking.

    Order: placed in a recommended leaf first, then alternative leaf, then branch; within
    each, higher leaf confidence, then more of the user's criteria met, then newer.
    """
    rows = []
    ancestors = {n for lf in leaves for n in tax.path_to(lf)}
    for m in getattr(kb, "post_review", None) or ():
        leaf = m.leaf
        if leaf.id in leaves:
            relation = "leaf"
        elif set(leaf.alternatives) & set(leaves):
            relation = "alternative leaf"
        elif leaf.id is None and leaf.branch in ancestors:
            relation = "branch"
        else:
            continue
        types = [str(t) for t in m.prompts.types]
        mods = [str(x) for x in m.modalities.values]
        matched = []
        if modality and any(modality == x or modality in x.split("/") for x in mods):
            matched.append(f"modality {modality}")
        if interaction and interaction in types:
            matched.append(f"interaction {interaction}")
        c = m.citation
        rows.append(
            {
                "id": m.id,
                "name": m.name,
                "year": m.year,
                "relation": relation,
                "leaf": leaf.id,
                "branch": leaf.branch,
                "leaf_provenance": leaf.provenance,
                "leaf_confidence": leaf.confidence,
                "training_simulation": leaf.training_simulation,
                "evidence": leaf.evidence,
                "evidence_source": _source(leaf.source),
                "prompts": types,
                "modalities": mods or [m.modalities.stated],
                "matched": matched,
                "venue": c.venue,
                "code_url": m.code.url,
                "code_licence": m.code.licence,
                "weights_licence": m.weights.licence,
                "pip": list(m.pip.packages),
                "beyond_review": True,
            }
        )
    order = {"leaf": 0, "alternative leaf": 1, "branch": 2}
    rows.sort(
        key=lambda r: (
            order[r["relation"]],
            _CONF.index(r["leaf_confidence"]) if r["leaf_confidence"] in _CONF else 99,
            -len(r["matched"]),
            -r["year"],
            r["id"],
        )
    )
    return tuple(rows)
