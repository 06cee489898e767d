"""Decision questions Q1-Q12 and the Figure 32 trade-off table (thesis Section 6.1.3.1).

The questions live in ``taxonomy/data/questions.yaml``.  Q1-Q5 are *paradigm* questions:
each option rates the paradigms T1/T2/T3 ``good``/``neutral``/``poor``.  Q6-Q12 are
*branch* questions asked at inner nodes; each option leads to one child.  The answer
``"not-sure"`` is accepted by every question.  :func:`validate_questions` checks the
questions against the tree: every option leads somewhere, every inner node with more than
one child has exactly one question, and every leaf is reached by exactly one answer path.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import networkx as nx

from taxonomy.tree import DATA_DIR, PARADIGM_IDS, read_yaml, tree_leaves

__all__ = [
    "NOT_SURE",
    "RATING_SCORES",
    "Option",
    "Question",
    "Figure32Cell",
    "Implication",
    "load_questions",
    "load_figure32",
    "validate_questions",
    "answer_paths",
    "options_text",
]

NOT_SURE = "not-sure"
Rating = Literal["good", "neutral", "poor"]
#: Numeric value of a rating when Q1-Q5 are summed per paradigm.
RATING_SCORES: dict[str, int] = {"good": 1, "neutral": 0, "poor": -1}
_Q_KEYS = {"id", "kind", "text", "thesis", "explanation", "recommendation", "options"}
_Q_OPTIONAL = {"criterion", "asked_at", "implied_by"}


@dataclass(frozen=True)
class Option:
    """One answer option; ``scores`` for paradigm questions, ``leads_to`` for branch questions."""

    id: str
    text: str
    scores: dict[str, Rating] | None = None
    basis: str | None = None
    leads_to: dict[str, str] | None = None

    def rating(self, paradigm: str) -> Rating:
        """The Figure 32 rating of ``paradigm`` (paradigm questions only)."""
        if self.scores is None:
            raise ValueError(f"option {self.id!r} belongs to a branch question: no ratings")
        return self.scores[paradigm]

    def child(self, node: str) -> str:
        """The child of ``node`` this option leads to (branch questions only)."""
        if self.leads_to is None or node not in self.leads_to:
            raise ValueError(f"option {self.id!r} does not lead anywhere from {node!r}")
        return self.leads_to[node]


@dataclass(frozen=True)
class Implication:
    """Answer implied by an earlier answer (``source`` = question id) or the interaction type."""

    source: str
    mapping: dict[str, str]
    basis: str


@dataclass(frozen=True)
class Question:
    """One decision question of the thesis (our wording; thesis line in ``line``)."""

    id: str
    kind: Literal["paradigm", "branch"]
    text: str
    section: str
    line: int
    explanation: str
    recommendation: str
    options: tuple[Option, ...]
    criterion: str | None = None
    asked_at: tuple[str, ...] = ()
    implied_by: Implication | None = None

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Valid answers, ``"not-sure"`` included."""
        return tuple(o.id for o in self.options) + (NOT_SURE,)

    def option(self, option_id: str) -> Option:
        """Return the option ``option_id``; raises ``ValueError`` listing the valid ones."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        raise ValueError(
            f"unknown option {option_id!r} for {self.id} ({self.text}); "
            f"valid options: {list(self.option_ids)}"
        )


@dataclass(frozen=True)
class Figure32Cell:
    """One reconstructed cell of Figure 32: paradigm rating on one criterion, with provenance."""

    criterion: str
    criterion_name: str
    question: str
    paradigm: str
    text: str
    rating: Rating
    provenance: str


def _clean(text: Any) -> str:
    """Collapse whitespace (YAML folded text) into single spaces."""
    return " ".join(str(text).split())


def _option(entry: dict, where: str, kind: str) -> Option:
    """Validate and build one option."""
    allowed = (
        {"id", "text", "scores", "basis"} if kind == "paradigm" else {"id", "text", "leads_to"}
    )
    if set(entry) - allowed or not {"id", "text"} <= set(entry):
        raise ValueError(
            f"{where}: option keys {sorted(entry)}; allowed for {kind}: {sorted(allowed)}"
        )
    if entry["id"] == NOT_SURE:
        raise ValueError(f"{where}: option id {NOT_SURE!r} is implicit and must not be listed")
    if kind == "paradigm":
        scores = entry.get("scores")
        if not isinstance(scores, dict) or tuple(sorted(scores)) != PARADIGM_IDS:
            raise ValueError(
                f"{where}: option {entry['id']!r} needs scores for {list(PARADIGM_IDS)}"
            )
        bad = {k: v for k, v in scores.items() if v not in RATING_SCORES}
        if bad:
            raise ValueError(
                f"{where}: option {entry['id']!r} ratings {bad}; allowed: {list(RATING_SCORES)}"
            )
        if not entry.get("basis"):
            raise ValueError(
                f"{where}: option {entry['id']!r} needs a 'basis' (thesis line or inferred)"
            )
        return Option(entry["id"], _clean(entry["text"]), dict(scores), _clean(entry["basis"]))
    if not isinstance(entry.get("leads_to"), dict) or not entry["leads_to"]:
        raise ValueError(f"{where}: option {entry['id']!r} needs a non-empty 'leads_to' mapping")
    return Option(entry["id"], _clean(entry["text"]), leads_to=dict(entry["leads_to"]))


def _question(entry: Any, index: int, file: str) -> Question:
    """Validate and build one question."""
    if not isinstance(entry, dict):
        raise ValueError(f"{file}: questions[{index}] must be a mapping")
    where = f"{file}: question {entry.get('id', f'#{index}')!r}"
    unknown, missing = set(entry) - _Q_KEYS - _Q_OPTIONAL, _Q_KEYS - set(entry)
    if unknown or missing:
        raise ValueError(
            f"{where}: unknown keys {sorted(unknown)} / missing keys {sorted(missing)}"
        )
    if entry["kind"] not in ("paradigm", "branch"):
        raise ValueError(
            f"{where}: field 'kind' is {entry['kind']!r}; allowed: ['paradigm', 'branch']"
        )
    thesis = entry["thesis"]
    if not isinstance(thesis, dict) or set(thesis) != {"section", "line"}:
        raise ValueError(f"{where}: field 'thesis' must be {{section, line}}, got {thesis!r}")
    if not isinstance(thesis["line"], int) or thesis["line"] < 1:
        raise ValueError(f"{where}: field 'thesis/line' must be a positive int, got {thesis!r}")
    if not isinstance(entry["options"], list):
        raise ValueError(f"{where}: field 'options' must be a list, got {entry['options']!r}")
    if entry["kind"] == "branch" and not entry.get("asked_at"):
        raise ValueError(f"{where}: branch questions need 'asked_at'")
    options = tuple(_option(o, where, entry["kind"]) for o in entry["options"])
    dupes = [k for k, n in Counter(o.id for o in options).items() if n > 1]
    if dupes or len(options) < 2:
        raise ValueError(f"{where}: needs >= 2 options with unique ids, duplicates: {dupes}")
    return Question(
        id=entry["id"],
        kind=entry["kind"],
        text=_clean(entry["text"]),
        section=str(entry["thesis"]["section"]),
        line=int(entry["thesis"]["line"]),
        explanation=_clean(entry["explanation"]),
        recommendation=_clean(entry["recommendation"]),
        options=options,
        criterion=entry.get("criterion"),
        asked_at=tuple(entry.get("asked_at") or ()),
        implied_by=_implication(entry.get("implied_by"), where, {o.id for o in options}),
    )


def _implication(entry: Any, where: str, option_ids: set[str]) -> Implication | None:
    """Validate an ``implied_by`` block: every mapped answer must be an option."""
    if entry is None:
        return None
    if not isinstance(entry, dict) or set(entry) != {"source", "basis", "map"}:
        raise ValueError(f"{where}: field 'implied_by' needs exactly source, basis, map")
    bad = sorted(set(entry["map"].values()) - option_ids)
    if bad:
        raise ValueError(
            f"{where}: implied_by maps to unknown options {bad}; options: {sorted(option_ids)}"
        )
    return Implication(entry["source"], dict(entry["map"]), _clean(entry["basis"]))


def load_questions(path: str | Path | None = None) -> dict[str, Question]:
    """Load Q1-Q12 from YAML, keyed by id in file order.

    Parameters
    ----------
    path : str or Path, optional
        Defaults to ``taxonomy/data/questions.yaml``.

    Returns
    -------
    dict of str to Question

    Raises
    ------
    ValueError
        If an entry is malformed; the message names the file, question and field.

    Examples
    --------
    >>> qs = load_questions()
    >>> qs["Q12"].option_ids
    ('no-labeled-data', 'small-labeled-dataset', 'not-sure')
    """
    path = Path(path) if path is not None else DATA_DIR / "questions.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise ValueError(f"{path.name}: expected a top-level 'questions' list")
    out: dict[str, Question] = {}
    for i, entry in enumerate(data["questions"]):
        q = _question(entry, i, path.name)
        if q.id in out:
            raise ValueError(f"{path.name}: duplicate question id {q.id!r}")
        out[q.id] = q
    return out


def load_figure32(path: str | Path | None = None) -> tuple[Figure32Cell, ...]:
    """Load the reconstructed Figure 32 table (15 cells: 5 criteria x 3 paradigms).

    Raises
    ------
    ValueError
        If a cell is missing, has an unknown rating or has no provenance.
    """
    path = Path(path) if path is not None else DATA_DIR / "questions.yaml"
    data = read_yaml(path)
    fig = data.get("figure32") if isinstance(data, dict) else None
    if not isinstance(fig, dict) or not isinstance(fig.get("criteria"), list):
        raise ValueError(
            f"{path.name}: expected a top-level 'figure32' mapping with a 'criteria' list"
        )
    cells = []
    for crit in fig["criteria"]:
        keys = {"id", "question", "name", "cells"}
        if (
            not isinstance(crit, dict)
            or not keys <= set(crit)
            or not isinstance(crit["cells"], dict)
        ):
            got = sorted(crit) if isinstance(crit, dict) else crit
            raise ValueError(
                f"{path.name}: figure32 criterion needs keys {sorted(keys)} with 'cells' a mapping, "
                f"got {got!r}"
            )
        if tuple(sorted(crit["cells"])) != PARADIGM_IDS:
            raise ValueError(
                f"{path.name}: figure32 criterion {crit['id']!r} needs cells {list(PARADIGM_IDS)}"
            )
        for paradigm, cell in crit["cells"].items():
            if cell.get("rating") not in RATING_SCORES or not cell.get("provenance"):
                raise ValueError(
                    f"{path.name}: figure32 {crit['id']}/{paradigm}: rating {cell.get('rating')!r} "
                    f"(allowed {list(RATING_SCORES)}) and a provenance are required"
                )
            cells.append(
                Figure32Cell(
                    crit["id"],
                    crit["name"],
                    crit["question"],
                    paradigm,
                    _clean(cell["text"]),
                    cell["rating"],
                    _clean(cell["provenance"]),
                )
            )
    return tuple(cells)


def answer_paths(graph: nx.DiGraph, questions: dict[str, Question]) -> dict[str, list[tuple]]:
    """Enumerate every Q6-Q12 answer path from the paradigms to the leaves.

    Returns
    -------
    dict of str to list of tuple
        Leaf id -> list of answer paths; an answer path is a tuple of ``(question, option)``
        pairs.  A node with a single child is descended without a question.

    Raises
    ------
    ValueError
        If an inner node with several children has no question or more than one.
    """
    at: dict[str, list[Question]] = {}
    for q in questions.values():
        for node in q.asked_at:
            at.setdefault(node, []).append(q)
    paths: dict[str, list[tuple]] = {leaf: [] for leaf in tree_leaves(graph)}
    stack: list[tuple[str, tuple]] = [(p, ()) for p in PARADIGM_IDS]
    while stack:
        node, path = stack.pop()
        children = sorted(graph.successors(node))
        if not children:
            paths[node].append(path)
        elif len(children) == 1:
            stack.append((children[0], path))
        elif len(at.get(node, [])) != 1:
            raise ValueError(
                f"taxonomy node {node!r} has {len(children)} children and needs exactly one "
                f"question, got {[q.id for q in at.get(node, [])]}"
            )
        else:
            q = at[node][0]
            for opt in q.options:
                stack.append((opt.child(node), path + ((q.id, opt.id),)))
    return paths


def validate_questions(
    graph: nx.DiGraph, questions: dict[str, Question], figure32: tuple[Figure32Cell, ...]
) -> None:
    """Check the questions against the tree and the Figure 32 table.

    Raises
    ------
    ValueError
        If Q1-Q12 are not all present, a paradigm question's criterion is not in Figure 32, a
        branch question is asked at a non-node, an option leads to a node that is not a child
        of the node it is asked at, a child is reachable by no option, or a leaf is reached by
        other than exactly one answer path.
    """
    expected = [f"Q{i}" for i in range(1, 13)]
    if list(questions) != expected:
        raise ValueError(f"questions must be {expected} in order, got {list(questions)}")
    criteria = {c.criterion for c in figure32}
    for q in questions.values():
        imp = q.implied_by
        if imp is not None and imp.source != "interaction":
            src = questions.get(imp.source)
            if src is None or int(src.id[1:]) >= int(q.id[1:]):
                raise ValueError(
                    f"{q.id}: implied_by source {imp.source!r} must be an earlier question"
                )
            bad = sorted(set(imp.mapping) - set(src.option_ids))
            if bad:
                raise ValueError(f"{q.id}: implied_by keys {bad} are not options of {src.id}")
        if q.kind == "paradigm" and q.criterion not in criteria:
            raise ValueError(
                f"{q.id}: criterion {q.criterion!r} not in Figure 32 {sorted(criteria)}"
            )
        for node in q.asked_at:
            if node not in graph:
                raise ValueError(f"{q.id}: asked_at node {node!r} is not in the tree")
            children = set(graph.successors(node))
            targets = []
            for opt in q.options:
                child = (opt.leads_to or {}).get(node)
                if child not in children:
                    raise ValueError(
                        f"{q.id}: option {opt.id!r} at {node} leads to {child!r}; "
                        f"children of {node}: {sorted(children)}"
                    )
                targets.append(child)
            if set(targets) != children or len(targets) != len(children):
                raise ValueError(
                    f"{q.id}: options at {node} must map one-to-one onto {sorted(children)}"
                )
    for leaf, paths in answer_paths(graph, questions).items():
        if len(paths) != 1:
            raise ValueError(
                f"leaf {leaf} is reached by {len(paths)} answer paths, expected exactly 1"
            )


def options_text(questions: dict[str, Question]) -> str:
    """Every question with its answer options, one question per line (for ``--help``).

    Examples
    --------
    >>> print(options_text(load_questions()).splitlines()[0])
      Q1  multiple-sessions | single-session | not-sure
    """
    return "\n".join(f"  {q.id:<3} {' | '.join(q.option_ids)}" for q in questions.values())
