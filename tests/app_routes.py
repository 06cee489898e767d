"""Answer routes through the wizard to every taxonomy leaf (shared by the app tests)."""

from __future__ import annotations

import itertools

from recommender.engine import PARADIGM_QUESTIONS, recommend
from taxonomy import load_taxonomy
from taxonomy.questions import answer_paths

__all__ = ["leaf_routes"]


def leaf_routes() -> dict[str, list[tuple[str, str]]]:
    """Leaf -> the questions the wizard asks, in order, with the answers that reach it.

    Derived from the taxonomy and the engine (not hard-coded): for each leaf, the Q1-Q5
    answer set that rates the leaf's paradigm "good" most often among those whose asked
    branch questions can all be answered from one of the leaf's Q6-Q12 answer paths and
    that end at exactly that leaf.
    """
    tax = load_taxonomy()
    opts = [[o.id for o in tax.question(q).options] for q in PARADIGM_QUESTIONS]
    combos = [dict(zip(PARADIGM_QUESTIONS, c, strict=True)) for c in itertools.product(*opts)]
    routes: dict[str, list[tuple[str, str]]] = {}
    for leaf, paths in answer_paths(tax.graph, tax.questions).items():
        paradigm = tax.path_to(leaf)[1]
        # Prefer Q1-Q5 answers that rate the leaf's paradigm "good" (natural routes).
        ranked = sorted(
            combos,
            key=lambda c, p=paradigm: (
                -sum(tax.question(q).option(a).scores[p] == "good" for q, a in c.items())
            ),
        )
        for combo, branch in itertools.product(ranked, paths):
            answers, route, branch = dict(combo), list(combo.items()), dict(branch)
            rec = recommend(answers, kb=False)
            while rec.pending and rec.pending[0] in branch:
                q = rec.pending[0]
                answers[q] = branch[q]
                route.append((q, branch[q]))
                rec = recommend(answers, kb=False)
            if rec.complete and rec.leaves == (leaf,):
                routes[leaf] = route
                break
    return routes
