"""The validated taxonomy bundle: tree + questions + Figure 32 table, loaded once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import networkx as nx

from taxonomy.best_practice import Practice, load_best_practice, validate_best_practice
from taxonomy.constraints import (
    Conflict,
    Constraint,
    load_constraints,
    validate_constraints,
)
from taxonomy.questions import (
    Figure32Cell,
    Question,
    load_figure32,
    load_questions,
    validate_questions,
)
from taxonomy.tree import Node, leaves_under, load_tree, tree_leaves

__all__ = ["Taxonomy", "load_taxonomy"]


@dataclass(frozen=True)
class Taxonomy:
    """Tree (networkx DiGraph, parent -> child), questions Q1-Q12, the Figure 32 cells and the
    thesis's hard constraints / named conflicts on the answers."""

    graph: nx.DiGraph
    questions: dict[str, Question]
    figure32: tuple[Figure32Cell, ...]
    constraints: tuple[Constraint, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    best_practice: tuple[Practice, ...] = ()

    @property
    def leaves(self) -> tuple[str, ...]:
        """The 13 leaf ids in thesis order."""
        return tree_leaves(self.graph)

    def node(self, node_id: str) -> Node:
        """Return one node; raises ``ValueError`` listing the known ids."""
        if node_id not in self.graph:
            raise ValueError(f"unknown taxonomy node {node_id!r}; known: {sorted(self.graph)}")
        return self.graph.nodes[node_id]["node"]

    def question(self, question_id: str) -> Question:
        """Return one question; raises ``ValueError`` listing Q1-Q12."""
        if question_id not in self.questions:
            raise ValueError(
                f"unknown question {question_id!r}; valid questions: {list(self.questions)}"
            )
        return self.questions[question_id]

    def practices_for(self, leaf_id: str) -> tuple[Practice, ...]:
        """Best practice applying to ``leaf_id`` (its own or an ancestor's), in file order."""
        path = set(self.path_to(leaf_id))
        return tuple(p for p in self.best_practice if path & set(p.applies_to))

    def leaves_under(self, node_id: str) -> tuple[str, ...]:
        """Leaf ids below ``node_id``."""
        return leaves_under(self.graph, node_id)

    def path_to(self, node_id: str) -> tuple[str, ...]:
        """Node ids from the root to ``node_id`` (walks the parents; the tree is validated)."""
        path = [node_id]
        while (parent := self.node(path[-1]).parent) is not None:
            path.append(parent)
        return tuple(reversed(path))

    def to_dict(self) -> dict:
        """JSON-ready dump of nodes, questions and the Figure 32 table."""
        nodes = [
            vars(self.graph.nodes[n]["node"]) | {"children": sorted(self.graph.successors(n))}
            for n in nx.topological_sort(self.graph)
        ]
        questions = []
        for q in self.questions.values():
            d = asdict(q)
            d["options"] = [{k: v for k, v in o.items() if v is not None} for o in d["options"]]
            d["options"].append({"id": "not-sure", "text": "Not sure (keep all branches)"})
            questions.append(d)
        return {
            "nodes": nodes,
            "leaves": list(self.leaves),
            "questions": questions,
            "figure32": [asdict(c) for c in self.figure32],
            "constraints": [asdict(c) for c in self.constraints],
            "conflicts": [asdict(c) for c in self.conflicts],
            "best_practice": [asdict(p) for p in self.best_practice],
        }


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    """Load and validate the packaged taxonomy (cached).

    Raises
    ------
    ValueError
        If any data file is malformed or the questions do not navigate the tree (see
        :func:`taxonomy.questions.validate_questions`).

    Examples
    --------
    >>> tax = load_taxonomy()
    >>> len(tax.leaves), tax.question("Q9").asked_at
    (13, ('T2.1.2.1',))
    """
    graph = load_tree()
    questions = load_questions()
    fig32 = load_figure32()
    validate_questions(graph, questions, fig32)
    constraints, conflicts = load_constraints()
    validate_constraints(constraints, conflicts, questions)
    practices = load_best_practice()
    validate_best_practice(practices, graph)
    return Taxonomy(graph, questions, fig32, constraints, conflicts, practices)
