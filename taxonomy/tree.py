"""The taxonomy tree of thesis Section 6.1.3 (Figure 31) as data and as a networkx DiGraph.

The nodes live in ``taxonomy/data/tree.yaml`` (our wording, thesis section and line per
node).  :func:`load_tree` parses the file with ``yaml.safe_load``, validates every entry
and returns a :class:`networkx.DiGraph` with edges parent -> child; :func:`validate_tree`
checks that the graph is a rooted tree whose leaves are exactly the 13 leaves of the thesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import yaml

__all__ = [
    "DATA_DIR",
    "ROOT_ID",
    "PARADIGM_IDS",
    "Node",
    "load_tree",
    "validate_tree",
    "tree_leaves",
    "leaves_under",
    "read_yaml",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
ROOT_ID = "ROOT"
#: The three paradigms T1-T3 (thesis l.1620): training only, application only, online learning.
PARADIGM_IDS: tuple[str, ...] = ("T1", "T2", "T3")
Stage = Literal["training", "application", "both"]
_STAGES = ("training", "application", "both")
_NODE_KEYS = {"id", "name", "parent", "interaction_stage", "description", "thesis"}


@dataclass(frozen=True)
class Node:
    """One taxonomy node.

    Attributes
    ----------
    id : str
        Thesis node id, e.g. ``"T2.1.2.2.1"`` (``"ROOT"`` for the root).
    name, description : str
        Short name and a description in our own words.
    parent : str or None
        Parent id; ``None`` only for the root.
    interaction_stage : {'training', 'application', 'both'}
        Where a human interacts with the model.
    section : str
        Thesis section that defines the node.
    line : int
        Line of the definition in the thesis text file.
    """

    id: str
    name: str
    parent: str | None
    interaction_stage: Stage
    description: str
    section: str
    line: int


def read_yaml(path: Path) -> Any:
    """Parse one YAML file with ``yaml.safe_load``; errors name the file."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not valid YAML: {exc}") from exc


def _node_from_entry(entry: Any, index: int, file: str) -> Node:
    """Validate one ``nodes`` entry and build its :class:`Node`."""
    if not isinstance(entry, dict):
        raise ValueError(f"{file}: nodes[{index}] must be a mapping, got {type(entry).__name__}")
    where = f"{file}: node {entry.get('id', f'#{index}')!r}"
    unknown = set(entry) - _NODE_KEYS
    missing = _NODE_KEYS - set(entry)
    if unknown or missing:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)} / missing keys {sorted(missing)}; "
            f"allowed keys: {sorted(_NODE_KEYS)}"
        )
    if entry["interaction_stage"] not in _STAGES:
        raise ValueError(
            f"{where}: field 'interaction_stage' is {entry['interaction_stage']!r}; "
            f"allowed: {list(_STAGES)}"
        )
    thesis = entry["thesis"]
    if not isinstance(thesis, dict) or set(thesis) != {"section", "line"}:
        raise ValueError(f"{where}: field 'thesis' must be {{section, line}}, got {thesis!r}")
    if not isinstance(thesis["line"], int) or thesis["line"] < 1:
        raise ValueError(f"{where}: field 'thesis/line' must be a positive int, got {thesis!r}")
    for key in ("id", "name", "description"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise ValueError(f"{where}: field {key!r} must be a non-empty string")
    return Node(
        id=entry["id"],
        name=entry["name"],
        parent=entry["parent"],
        interaction_stage=entry["interaction_stage"],
        description=" ".join(entry["description"].split()),
        section=str(thesis["section"]),
        line=thesis["line"],
    )


def load_tree(path: str | Path | None = None) -> nx.DiGraph:
    """Load the taxonomy tree into a directed graph (edges parent -> child).

    Parameters
    ----------
    path : str or Path, optional
        YAML file with a top-level ``nodes`` list; defaults to ``taxonomy/data/tree.yaml``.

    Returns
    -------
    networkx.DiGraph
        One graph node per taxonomy node, attribute ``node`` holding the :class:`Node`
        (plus ``name`` and ``interaction_stage`` for exports).

    Raises
    ------
    ValueError
        If an entry is malformed (the message names the file, node and field) or the graph is
        not a valid tree (see :func:`validate_tree`).

    Examples
    --------
    >>> g = load_tree()
    >>> sorted(g.successors("T3"))
    ['T3.1', 'T3.2']
    """
    path = Path(path) if path is not None else DATA_DIR / "tree.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("nodes"), list):
        raise ValueError(f"{path.name}: expected a top-level 'nodes' list")
    graph = nx.DiGraph()
    for i, entry in enumerate(data["nodes"]):
        node = _node_from_entry(entry, i, path.name)
        if node.id in graph:
            raise ValueError(f"{path.name}: duplicate node id {node.id!r}")
        graph.add_node(node.id, node=node, name=node.name, interaction_stage=node.interaction_stage)
    for node_id, attrs in graph.nodes(data=True):
        parent = attrs["node"].parent
        if parent is None:
            continue
        if parent not in graph:
            raise ValueError(
                f"{path.name}: node {node_id!r} field 'parent' is {parent!r}, "
                f"which is not a node; known: {sorted(graph)}"
            )
    for node_id, attrs in list(graph.nodes(data=True)):
        if attrs["node"].parent is not None:
            graph.add_edge(attrs["node"].parent, node_id)
    validate_tree(graph)
    return graph


def validate_tree(graph: nx.DiGraph) -> None:
    """Check that ``graph`` is a rooted tree with root ``ROOT`` and the 13 thesis leaves.

    Raises
    ------
    ValueError
        If the graph is not an arborescence rooted at ``ROOT``, the root's children are not
        ``T1``, ``T2``, ``T3``, a child id does not extend its parent's id, or the number of
        leaves is not 13.
    """
    if not nx.is_arborescence(graph):
        raise ValueError("taxonomy tree: the nodes do not form a single rooted tree")
    roots = [n for n in graph if graph.in_degree(n) == 0]
    if roots != [ROOT_ID]:
        raise ValueError(f"taxonomy tree: root must be {ROOT_ID!r}, got {roots}")
    if tuple(sorted(graph.successors(ROOT_ID))) != PARADIGM_IDS:
        raise ValueError(
            f"taxonomy tree: the root's children must be {list(PARADIGM_IDS)}, "
            f"got {sorted(graph.successors(ROOT_ID))}"
        )
    for parent, child in graph.edges:
        if parent != ROOT_ID and not child.startswith(parent + "."):
            raise ValueError(f"taxonomy tree: child {child!r} does not extend parent id {parent!r}")
    n_leaves = len(tree_leaves(graph))
    if n_leaves != 13:
        raise ValueError(f"taxonomy tree: expected 13 leaves (thesis Figure 31), got {n_leaves}")


def _tree_order(node_id: str) -> tuple[int, ...]:
    """Sort key that orders ids like T2.1.10 after T2.1.9."""
    return tuple(int(p) for p in node_id.lstrip("T").split(".")) if node_id != ROOT_ID else ()


def tree_leaves(graph: nx.DiGraph) -> tuple[str, ...]:
    """Leaf ids of the tree in thesis order (``T1.1`` ... ``T3.2``)."""
    return tuple(sorted((n for n in graph if graph.out_degree(n) == 0), key=_tree_order))


def leaves_under(graph: nx.DiGraph, node_id: str) -> tuple[str, ...]:
    """Leaf ids in the subtree of ``node_id`` (the node itself if it is a leaf).

    Raises
    ------
    ValueError
        If ``node_id`` is not a node of the tree.
    """
    if node_id not in graph:
        raise ValueError(
            f"unknown taxonomy node {node_id!r}; known: {sorted(graph, key=_tree_order)}"
        )
    sub = nx.descendants(graph, node_id) | {node_id}
    return tuple(sorted((n for n in sub if graph.out_degree(n) == 0), key=_tree_order))
