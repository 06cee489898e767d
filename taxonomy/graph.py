"""The comparison graph of the reviewed methods (thesis Figure 42): "X compared against Y".

Nodes are the reviewed methods (``kind="reviewed"``) and the external, non-reviewed methods
they compared against (``kind`` = the external node's kind: classical,
non-medical-interactive, non-interactive, other).  Edges point from the paper that made the
comparison to the method it compared against and carry their source.  The graph works with
however many edges the knowledge base holds.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import networkx as nx

from kb.vocab import LEAF_IDS

__all__ = [
    "build_comparison_graph",
    "no_comparison",
    "only_external",
    "missing_baselines",
    "most_compared_against",
    "graph_summary",
    "to_json",
    "write_graphml",
    "draw_png",
]

_EXTERNAL_CLASSICAL_OR_NON_MEDICAL = {"classical", "non-medical-interactive"}


def build_comparison_graph(kb=None) -> nx.DiGraph:
    """Build the comparison DiGraph from the knowledge base.

    Parameters
    ----------
    kb : KnowledgeBase, optional
        Defaults to :func:`kb.load_kb`.

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
    return {
        "n_reviewed": len(_reviewed(g)),
        "n_external": g.number_of_nodes() - len(_reviewed(g)),
        "n_edges": g.number_of_edges(),
        "no_comparison": no_comparison(g),
        "only_external": only_external(g),
        "missing_baselines": missing_baselines(g),
        "most_compared_against": most_compared_against(g),
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


def _layout(g: nx.DiGraph, per_column: int = 18) -> tuple[dict, list[tuple[float, str]]]:
    """Positions: one block of columns per year (left to right), externals in the first block."""
    order = {leaf: i for i, leaf in enumerate(LEAF_IDS)}
    groups: dict[object, list[str]] = {}
    for n, d in g.nodes(data=True):
        key = d["year"] if d["kind"] == "reviewed" else "external"
        groups.setdefault(key, []).append(n)
    keys = ["external"] if "external" in groups else []
    keys += sorted(k for k in groups if k != "external")
    pos, ticks, x = {}, [], 0.0
    for key in keys:
        nodes = sorted(
            groups[key],
            key=lambda n: (order.get(g.nodes[n].get("leaf"), 99), g.nodes[n].get("ref", 0), n),
        )
        n_cols = -(-len(nodes) // per_column)
        step = 2.6 if key == "external" else 0.9  # room for the external nodes' names
        for i, n in enumerate(nodes):
            col, row = divmod(i, per_column)
            pos[n] = (x + col * step, -row)
        ticks.append((x + (n_cols - 1) * step / 2, str(key)))
        x += n_cols * step + (1.6 if key == "external" else 1.2)
    return pos, ticks


def draw_png(g: nx.DiGraph, path: str | Path, *, dpi: int = 110) -> None:
    """Draw the graph with matplotlib: nodes by year left to right, coloured by leaf.

    Reviewed methods are labelled with their reference number, external nodes with their
    name (shortened); edges point from the comparing paper to the compared method.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    pos, ticks = _layout(g)
    cmap = plt.get_cmap("tab20")
    colour = {leaf: cmap(i) for i, leaf in enumerate(LEAF_IDS)}
    width = max(16.0, 1.05 * max(x for x, _ in pos.values()) + 3)
    fig, ax = plt.subplots(figsize=(width, 11))
    nx.draw_networkx_edges(
        g,
        pos,
        ax=ax,
        edge_color="#555555",
        alpha=0.35,
        width=0.8,
        arrows=True,
        arrowsize=7,
        connectionstyle="arc3,rad=0.15",
        node_size=330,
    )
    rev = [n for n in g if g.nodes[n]["kind"] == "reviewed"]
    ext = [n for n in g if g.nodes[n]["kind"] != "reviewed"]
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=rev,
        ax=ax,
        node_size=330,
        linewidths=0.5,
        edgecolors="black",
        node_color=[colour.get(g.nodes[n]["leaf"], "#d0d0d0") for n in rev],
    )
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=ext,
        ax=ax,
        node_size=330,
        node_color="white",
        edgecolors="black",
        node_shape="s",
        linewidths=0.8,
    )
    nx.draw_networkx_labels(g, pos, {n: str(g.nodes[n]["ref"]) for n in rev}, ax=ax, font_size=7)
    for n in ext:
        name = g.nodes[n]["name"]
        ax.text(
            pos[n][0] + 0.22,
            pos[n][1],
            name if len(name) <= 18 else name[:16] + "…",
            fontsize=6.5,
            va="center",
            ha="left",
        )
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=11)
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=True)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=colour[lf],
            markeredgecolor="black",
            markersize=9,
            label=lf,
        )
        for lf in LEAF_IDS
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color="#d0d0d0",
            markeredgecolor="black",
            markersize=9,
            label="branch only / unknown",
        ),
        Line2D(
            [],
            [],
            marker="s",
            ls="",
            color="white",
            markeredgecolor="black",
            markersize=9,
            label="external (not reviewed)",
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=9,
        title="taxonomy leaf",
        frameon=False,
    )
    ax.set_title(
        f"Comparison graph: {len(rev)} reviewed methods (labelled by reference number), "
        f"{len(ext)} external nodes, {g.number_of_edges()} edges 'X compared against Y' "
        "(arrow X → Y)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(str(path), dpi=dpi)
    plt.close(fig)
