"""The comparison graph of the reviewed methods (thesis Figure 42): "X compared against Y".

Nodes are the reviewed methods (``kind="reviewed"``), the external, non-reviewed methods
they compared against (``kind`` = the external node's kind: classical,
non-medical-interactive, non-interactive, other) and the methods published since the review
(``kind="post-review"``, ``beyond_review=True``).  Edges point from the paper that made the
comparison to the method it compared against and carry their source; edges made by methods
since the review carry ``post_review=True``.  Every analytic (no comparison, only external,
missing baselines, most compared against) is computed on :func:`thesis_view`, so the methods
since the review never change the thesis's counts; :func:`since_review_summary` reports them
apart.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import networkx as nx

from kb.vocab import LEAF_IDS

__all__ = [
    "build_comparison_graph",
    "thesis_view",
    "since_review_summary",
    "no_comparison",
    "only_external",
    "missing_baselines",
    "most_compared_against",
    "graph_summary",
    "to_json",
    "write_graphml",
    "draw_png",
]

from taxonomy.graph_draw import draw_png  # noqa: E402 - re-exported drawing

_EXTERNAL_CLASSICAL_OR_NON_MEDICAL = {"classical", "non-medical-interactive"}


def build_comparison_graph(kb=None, *, post_review: bool = True) -> nx.DiGraph:
    """Build the comparison DiGraph from the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase, optional
        Defaults to :func:`kb.load_kb`.
    post_review : bool
        Also add the methods since the review (``kb.post_review``) and their comparisons.

    Returns
    -------
    networkx.DiGraph
        Reviewed nodes carry ``kind="reviewed", ref, name, year, leaf`` (leaf id, branch id or
        ``"unknown"``), ``leaf_provenance`` and ``comparison_status``; external nodes carry
        ``kind, name, description``.  Edges carry ``source_kind, source_ref, source_note``.

    Raises
    ------
    ValueError
        If an edge names a method or external node that does not exist.
    """
    if kb is None:
        from kb import load_kb

        kb = load_kb()
    g = nx.DiGraph()
    by_ref = {}
    for m in kb.methods:
        by_ref[m.ref] = m.id
        g.add_node(
            m.id,
            kind="reviewed",
            ref=m.ref,
            name=m.name,
            year=m.year,
            leaf=m.leaf.id or m.leaf.branch or "unknown",
            leaf_provenance=m.leaf.provenance,
            comparison_status=m.comparison_status,
        )
    for ext in kb.external_nodes:
        g.add_node(ext.id, kind=ext.kind, name=ext.name, description=ext.description or "")
    for e in kb.comparisons:
        src = by_ref.get(e.from_)
        dst = by_ref.get(e.to) if isinstance(e.to, int) else e.to
        if src is None or dst not in g:
            raise ValueError(f"comparison edge {e.from_} -> {e.to!r} names an unknown node")
        g.add_edge(
            src,
            dst,
            source_kind=e.source.kind,
            source_ref=e.source.ref,
            source_note=e.source.note or "",
        )
    if post_review:
        _add_post_review(g, kb)
    for m in kb.methods:  # compared_to is filled from the same file; add anything missing
        for dst in m.compared_to:
            if dst not in g:
                raise ValueError(
                    f"{m.id}: compared_to {dst!r} is neither a method nor an external node"
                )
            if not g.has_edge(m.id, dst):
                g.add_edge(
                    m.id, dst, source_kind="kb", source_ref="Method.compared_to", source_note=""
                )
    return g


def _add_post_review(g: nx.DiGraph, kb) -> None:
    """Nodes ``kind="post-review"`` and their comparison edges (``post_review=True``)."""
    post = list(getattr(kb, "post_review", None) or ())
    for m in post:
        g.add_node(
            m.id,
            kind="post-review",
            ref=None,
            name=m.name,
            year=m.year,
            leaf=m.leaf.id or m.leaf.branch or "unknown",
            leaf_provenance=m.leaf.provenance,
            beyond_review=True,
        )
    edges = getattr(kb, "post_review_edges", None)
    by_ref = {m.ref: m.id for m in kb.methods}
    if edges is not None:
        pairs = [
            (e.from_, by_ref.get(e.to) if isinstance(e.to, int) else e.to, e.source) for e in edges
        ]
    else:  # only the targets are known: cite the file they come from
        pairs = [(m.id, dst, None) for m in post for dst in m.compared_to]
    for src, dst, source in pairs:
        if src not in g or dst not in g:
            raise ValueError(f"post-review comparison {src} -> {dst!r} names an unknown node")
        g.add_edge(
            src,
            dst,
            post_review=True,
            source_kind=source.kind if source else "kb",
            source_ref=source.ref if source else "kb/data/post_review_comparisons.yaml",
            source_note=(source.note or "") if source else "",
        )


def thesis_view(g: nx.DiGraph) -> nx.DiGraph:
    """The graph without the methods since the review (and so without their edges)."""
    return g.subgraph(n for n, d in g.nodes(data=True) if d["kind"] != "post-review")


def since_review_summary(g: nx.DiGraph) -> dict:
    """Counts of the methods since the review, apart from the thesis's analytics."""
    post = [n for n, d in g.nodes(data=True) if d["kind"] == "post-review"]
    edges = [(a, b) for a, b, d in g.edges(data=True) if d.get("post_review")]
    indeg: dict[str, int] = {}
    for _, b in edges:
        indeg[b] = indeg.get(b, 0) + 1
    top = sorted(indeg, key=lambda x: (-indeg[x], g.nodes[x]["name"]))[:10]
    return {
        "n_methods": len(post),
        "n_edges": len(edges),
        "most_compared_against": [
            {"id": x, "name": g.nodes[x]["name"], "kind": g.nodes[x]["kind"], "in_degree": indeg[x]}
            for x in top
        ],
    }


def _reviewed(g: nx.DiGraph) -> list[str]:
    """Reviewed-method node ids ordered by thesis reference number."""
    return sorted(
        (n for n, d in g.nodes(data=True) if d["kind"] == "reviewed"),
        key=lambda n: g.nodes[n]["ref"],
    )


def no_comparison(g: nx.DiGraph) -> list[dict]:
    """Reviewed methods with no outgoing comparison, with their coverage status.

    ``status`` is ``"none"`` (verified: compares against nothing) or ``"unknown"`` (not
    established; absence of an edge is then not evidence).
    """
    return [
        {
            "id": n,
            "ref": g.nodes[n]["ref"],
            "name": g.nodes[n]["name"],
            "status": g.nodes[n]["comparison_status"],
        }
        for n in _reviewed(g)
        if g.out_degree(n) == 0
    ]


def only_external(g: nx.DiGraph) -> list[dict]:
    """Reviewed methods whose every comparison is against classical or non-medical methods."""
    out = []
    for n in _reviewed(g):
        targets = list(g.successors(n))
        kinds = [g.nodes[t]["kind"] for t in targets]
        if targets and all(k in _EXTERNAL_CLASSICAL_OR_NON_MEDICAL for k in kinds):
            out.append(
                {
                    "id": n,
                    "ref": g.nodes[n]["ref"],
                    "name": g.nodes[n]["name"],
                    "compared_to": sorted(targets),
                    "kinds": sorted(set(kinds)),
                }
            )
    return out


def missing_baselines(g: nx.DiGraph) -> list[dict]:
    """Same-leaf pairs that never compare although the newer one could have.

    A pair (newer, older) is listed when both methods sit in the same leaf, the newer one is
    from a later year, there is no edge between them in either direction, and the newer
    method's comparisons are established (status ``known`` or ``none``); pairs whose newer
    method has status ``unknown`` are skipped because a missing edge proves nothing there.

    Parameters
    ----------
    g : networkx.DiGraph
        A graph from :func:`build_comparison_graph` (node attributes ``kind, ref, year, leaf,
        comparison_status``).

    Returns
    -------
    list of dict
        One ``{leaf, newer, newer_ref, older, older_ref}`` per pair, leaves in thesis order.

    Examples
    --------
    >>> g = nx.DiGraph()
    >>> for ref, year, status in [(1, 2019, "known"), (2, 2020, "known"), (3, 2021, "unknown")]:
    ...     g.add_node(f"m{ref}", kind="reviewed", ref=ref, year=year, leaf="T3.1",
    ...                comparison_status=status)
    >>> g.add_node("x", kind="classical")
    >>> g.add_edge("m2", "x")
    >>> [(r["newer"], r["older"]) for r in missing_baselines(g)]
    [('m2', 'm1')]
    """
    by_leaf: dict[str, list[str]] = {}
    for n in _reviewed(g):
        if g.nodes[n]["leaf"] in LEAF_IDS:
            by_leaf.setdefault(g.nodes[n]["leaf"], []).append(n)
    out = []
    for leaf in LEAF_IDS:
        for a, b in combinations(by_leaf.get(leaf, []), 2):
            newer, older = (a, b) if g.nodes[a]["year"] >= g.nodes[b]["year"] else (b, a)
            if g.nodes[newer]["year"] == g.nodes[older]["year"]:
                continue
            if g.has_edge(a, b) or g.has_edge(b, a):
                continue
            if g.nodes[newer]["comparison_status"] not in ("known", "none"):
                continue
            out.append(
                {
                    "leaf": leaf,
                    "newer": newer,
                    "newer_ref": g.nodes[newer]["ref"],
                    "older": older,
                    "older_ref": g.nodes[older]["ref"],
                }
            )
    return out


def most_compared_against(g: nx.DiGraph, n: int = 10) -> list[dict]:
    """Nodes with the most incoming comparisons (ties by name).

    Examples
    --------
    >>> g = nx.DiGraph([("a", "sam"), ("b", "sam"), ("b", "a")])
    >>> nx.set_node_attributes(g, {"a": "A", "b": "B", "sam": "SAM"}, "name")
    >>> nx.set_node_attributes(g, "reviewed", "kind")
    >>> [(r["id"], r["in_degree"]) for r in most_compared_against(g, n=2)]
    [('sam', 2), ('a', 1)]
    """
    g = (
        g
        if not any(d.get("kind") == "post-review" for _, d in g.nodes(data=True))
        else (thesis_view(g))
    )
    ranked = sorted(
        (x for x in g if g.in_degree(x) > 0), key=lambda x: (-g.in_degree(x), g.nodes[x]["name"])
    )
    return [
        {
            "id": x,
            "name": g.nodes[x]["name"],
            "kind": g.nodes[x]["kind"],
            "in_degree": g.in_degree(x),
        }
        for x in ranked[:n]
    ]


def graph_summary(g: nx.DiGraph) -> dict:
    """All analytics in one JSON-ready dict."""
    t = thesis_view(g)
    return {
        "n_reviewed": len(_reviewed(g)),
        "n_external": t.number_of_nodes() - len(_reviewed(g)),
        "n_edges": t.number_of_edges(),
        "no_comparison": no_comparison(g),
        "only_external": only_external(g),
        "missing_baselines": missing_baselines(g),
        "most_compared_against": most_compared_against(g),
        "since_review": since_review_summary(g),
    }


def to_json(g: nx.DiGraph) -> str:
    """Node-link JSON of the graph plus the analytics under ``"analytics"``."""
    data = nx.node_link_data(g, edges="edges")
    data["analytics"] = graph_summary(g)
    return json.dumps(data, indent=2, ensure_ascii=False)


def write_graphml(g: nx.DiGraph, path: str | Path) -> None:
    """Write GraphML (attributes that GraphML cannot hold are stringified; None -> "")."""
    h = nx.DiGraph()
    for n, d in g.nodes(data=True):
        h.add_node(n, **{k: ("" if v is None else v) for k, v in d.items()})
    for a, b, d in g.edges(data=True):
        h.add_edge(a, b, **{k: ("" if v is None else str(v)) for k, v in d.items()})
    nx.write_graphml(h, str(path))
