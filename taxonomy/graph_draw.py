"""PNG drawing of the comparison graph: methods labelled by name, years left to right.

Columns: external (non-reviewed) methods first, then the reviewed methods by year, then the
methods published since the review by year (marked ``*``).  Every node carries its full name
(reviewed: ``name [ref]``; long external names are wrapped, never cut).  Edges from methods
since the review are dashed; ``highlight`` pairs (e.g. missing baselines) are drawn dotted red.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import networkx as nx

from kb.vocab import LEAF_IDS

__all__ = ["draw_png", "layout", "node_label"]

_STEP = 3.4  # horizontal room of one column (fits a 28-character label at font size 6)
_WRAP = 28


def node_label(g: nx.DiGraph, n: str) -> str:
    """The label drawn next to a node: ``"DeepEdit [67]"``, a post-review or external name
    (wrapped at 28 characters, never truncated)."""
    d = g.nodes[n]
    if d["kind"] == "reviewed":
        return f"{d['name']} [{d['ref']}]"
    return textwrap.fill(d["name"], _WRAP, break_on_hyphens=False, break_long_words=False)


def layout(g: nx.DiGraph, per_column: int = 26) -> tuple[dict, list[tuple[float, str]]]:
    """Positions: one block of columns per year (left to right), externals in the first block
    and the methods since the review in the last blocks (tick ``2024*``)."""
    order = {leaf: i for i, leaf in enumerate(LEAF_IDS)}
    groups: dict[tuple, list[str]] = {}
    for n, d in g.nodes(data=True):
        if d["kind"] == "reviewed":
            key: tuple = (1, d["year"])
        elif d["kind"] == "post-review":
            key = (2, d["year"])
        else:
            key = (0, 0)
        groups.setdefault(key, []).append(n)
    pos, ticks, x = {}, [], 0.0
    for key in sorted(groups):
        nodes = sorted(
            groups[key],
            key=lambda n: (order.get(g.nodes[n].get("leaf"), 99), g.nodes[n].get("ref") or 0, n),
        )
        per = per_column if key[0] else max(per_column // 2, 1)  # externals: two-line labels
        n_cols = -(-len(nodes) // per)
        for i, n in enumerate(nodes):
            col, row = divmod(i, per)
            pos[n] = (x + col * _STEP, -row * (per_column / per))
        label = "external" if key[0] == 0 else f"{key[1]}{'*' if key[0] == 2 else ''}"
        ticks.append((x + (n_cols - 1) * _STEP / 2, label))
        x += n_cols * _STEP + 0.8
    return pos, ticks


def draw_png(
    g: nx.DiGraph,
    path: str | Path,
    *,
    dpi: int = 110,
    highlight: Iterable[tuple[str, str]] = (),
    title: str | None = None,
) -> None:
    """Draw the graph with matplotlib into ``path`` (the caller makes the write atomic)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    pos, ticks = layout(g)
    cmap = plt.get_cmap("tab20")
    colour = {leaf: cmap(i) for i, leaf in enumerate(LEAF_IDS)}
    width = max(16.0, 0.62 * (max(x for x, _ in pos.values()) + _STEP) + 3)
    fig, ax = plt.subplots(figsize=(width, 13))
    post_edges = [(a, b) for a, b, d in g.edges(data=True) if d.get("post_review")]
    thesis_edges = [(a, b) for a, b, d in g.edges(data=True) if not d.get("post_review")]
    common = {
        "ax": ax,
        "arrows": True,
        "arrowsize": 7,
        "node_size": 120,
        "connectionstyle": "arc3,rad=0.06",
    }
    nx.draw_networkx_edges(
        g, pos, edgelist=thesis_edges, edge_color="#555555", alpha=0.35, width=0.8, **common
    )
    nx.draw_networkx_edges(
        g,
        pos,
        edgelist=post_edges,
        edge_color="#7b3294",
        alpha=0.7,
        width=1.0,
        style="dashed",
        **common,
    )
    pairs = [(a, b) for a, b in highlight if a in pos and b in pos]
    if pairs:
        h = nx.DiGraph(pairs)
        nx.draw_networkx_edges(
            h,
            pos,
            edgelist=pairs,
            edge_color="#d7191c",
            alpha=0.6,
            width=0.9,
            style="dotted",
            **common,
        )
    kinds: dict[str, list[str]] = {"reviewed": [], "post-review": [], "external": []}
    for n, d in g.nodes(data=True):
        kinds[d["kind"] if d["kind"] in kinds else "external"].append(n)
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=kinds["reviewed"],
        ax=ax,
        node_size=120,
        linewidths=0.5,
        edgecolors="black",
        node_color=[colour.get(g.nodes[n]["leaf"], "#d0d0d0") for n in kinds["reviewed"]],
    )
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=kinds["post-review"],
        ax=ax,
        node_size=130,
        node_shape="D",
        linewidths=0.9,
        edgecolors="#7b3294",
        node_color=[colour.get(g.nodes[n]["leaf"], "#d0d0d0") for n in kinds["post-review"]],
    )
    nx.draw_networkx_nodes(
        g,
        pos,
        nodelist=kinds["external"],
        ax=ax,
        node_size=120,
        node_color="white",
        edgecolors="black",
        node_shape="s",
        linewidths=0.8,
    )
    for n, (x, y) in pos.items():
        ax.text(x + 0.15, y, node_label(g, n), fontsize=5.5, va="center", ha="left")
    ax.set_xticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=10)
    ax.tick_params(left=False, labelleft=False, bottom=False, labelbottom=True)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_xlim(min(x for x, _ in pos.values()) - 0.5, max(x for x, _ in pos.values()) + _STEP)

    def handle(marker, face, edge, label, ls=""):
        return Line2D(
            [],
            [],
            marker=marker,
            ls=ls,
            color=face,
            markeredgecolor=edge,
            markersize=8,
            label=label,
        )

    handles = [handle("o", colour[lf], "black", lf) for lf in LEAF_IDS]
    handles += [
        handle("o", "#d0d0d0", "black", "branch only / unknown"),
        handle("s", "white", "black", "external (not reviewed)"),
        handle("D", "#d0d0d0", "#7b3294", "since the review (* years; leaf inferred)"),
        Line2D([], [], color="#7b3294", ls="--", label="comparison since the review"),
    ]
    if pairs:
        handles.append(Line2D([], [], color="#d7191c", ls=":", label="missing baseline"))
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=8,
        title="taxonomy leaf",
        frameon=False,
    )
    n_rev, n_post = len(kinds["reviewed"]), len(kinds["post-review"])
    ax.set_title(
        title
        or f"Comparison graph: {n_rev} reviewed methods, {n_post} since the review, "
        f"{len(kinds['external'])} external nodes; {len(thesis_edges)} + {len(post_edges)} "
        "edges 'X compared against Y' (arrow X → Y)",
        fontsize=12,
    )
    fig.tight_layout()
    fig.savefig(str(path), dpi=dpi, format=Path(path).suffix.lstrip(".") or "png")
    plt.close(fig)
