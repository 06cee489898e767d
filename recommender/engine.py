"""The Q1-Q12 decision engine: answers -> taxonomy leaf(s), path, rationale, methods, pipeline.

:func:`recommend` is a pure function of the answers.  Q1-Q5 are combined with the
(reconstructed) Figure 32 ratings into a score per paradigm (good=+1, neutral=0, poor=-1,
unanswered or ``not-sure`` = 0); every paradigm with the top score is kept.  Q6-Q12 then
branch down the tree; ``not-sure`` keeps every child.  Answers to questions that the path no
longer reaches (e.g. after an earlier answer changed) are reported in ``ignored`` and have
no effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace

from recommender.extras import best_practice, since_review
from recommender.feasibility import (
    Notice,
    conflict_notices,
    readable,
    select_paradigms,
    why_not_chosen,
)
from taxonomy import NOT_SURE, Taxonomy, leaf_pipeline, load_taxonomy
from taxonomy.questions import RATING_SCORES
from taxonomy.tree import PARADIGM_IDS, ROOT_ID

__all__ = [
    "PARADIGM_QUESTIONS",
    "Step",
    "Recommendation",
    "validate_answers",
    "paradigm_scores",
    "recommend",
    "next_question",
]

#: The multi-criteria questions combined with Figure 32 (thesis l.1626).
PARADIGM_QUESTIONS: tuple[str, ...] = ("Q1", "Q2", "Q3", "Q4", "Q5")


@dataclass(frozen=True)
class Step:
    """One decision step: the question asked at ``node``, the answer and what it selected."""

    question: str | None
    node: str
    answer: str | None
    selected: tuple[str, ...]
    rationale: str


@dataclass(frozen=True)
class Recommendation:
    """Result of :func:`recommend` (see :meth:`to_dict` for the JSON layout)."""

    answers: dict[str, str]
    implied: dict[str, str]
    ignored: dict[str, str]
    paradigm_scores: dict[str, int]
    paradigms: tuple[str, ...]
    leaves: tuple[str, ...]
    complete: bool
    pending: tuple[str, ...]
    path: tuple[str, ...]
    paths: dict[str, tuple[str, ...]]
    rationale: tuple[Step, ...]
    pipeline: tuple[dict, ...]
    methods: tuple = ()
    caveats: tuple[str, ...] = ()
    query: dict = field(default_factory=dict)
    warnings: tuple[Notice, ...] = ()
    not_chosen: tuple[dict, ...] = ()
    best_practice: tuple[dict, ...] = ()
    since_review: tuple[dict, ...] = ()

    def to_dict(self) -> dict:
        """JSON-ready dict with keys ``leaves, path, rationale, methods, pipeline, warnings,
        not_chosen`` and more."""
        out = asdict(self)
        out["methods"] = [m.to_dict() if hasattr(m, "to_dict") else m for m in self.methods]
        out["warnings"] = [w.to_dict() for w in self.warnings]
        return out


def validate_answers(
    answers: Mapping[str, str], taxonomy: Taxonomy | None = None
) -> dict[str, str]:
    """Check question ids and options (case-insensitive); return a normalised plain dict.

    Raises
    ------
    ValueError
        For an unknown question id (the message lists Q1-Q12) or an option that the question
        does not have (the message lists its options, ``not-sure`` included).
    """
    tax = taxonomy or load_taxonomy()
    out = {}
    for qid, opt in answers.items():
        qid, opt = str(qid).strip().upper(), str(opt).strip().lower()
        if opt in ("?", "not sure", "notsure"):
            opt = NOT_SURE
        q = tax.question(qid)
        if opt not in q.option_ids:
            raise ValueError(
                f"unknown option {opt!r} for {qid} ({q.text}); valid options: {list(q.option_ids)}"
            )
        out[qid] = opt
    return out


def paradigm_scores(
    answers: Mapping[str, str], taxonomy: Taxonomy | None = None
) -> tuple[dict[str, int], tuple[Step, ...]]:
    """Sum the Figure 32 ratings of the Q1-Q5 answers per paradigm.

    Returns
    -------
    scores : dict of str to int
        ``{"T1": s1, "T2": s2, "T3": s3}`` with good=+1, neutral=0, poor=-1 per answer.
    steps : tuple of Step
        One step per Q1-Q5 with the ratings and their basis.
    """
    tax = taxonomy or load_taxonomy()
    scores = dict.fromkeys(PARADIGM_IDS, 0)
    steps = []
    for qid in PARADIGM_QUESTIONS:
        q = tax.question(qid)
        ans = answers.get(qid)
        if ans is None or ans == NOT_SURE:
            why = "not answered" if ans is None else "not sure"
            steps.append(
                Step(qid, ROOT_ID, ans, PARADIGM_IDS, f"{q.text} -> {why}: no paradigm favoured.")
            )
            continue
        opt = q.option(ans)
        for p in PARADIGM_IDS:
            scores[p] += RATING_SCORES[opt.rating(p)]
        ratings = ", ".join(f"{p} {opt.rating(p)}" for p in PARADIGM_IDS)
        good = tuple(p for p in PARADIGM_IDS if opt.rating(p) == "good")
        steps.append(
            Step(
                qid,
                ROOT_ID,
                ans,
                good,
                f"{q.text} -> '{opt.text}': {ratings} (basis: {opt.basis}).",
            )
        )
    return scores, tuple(steps)


def _names(tax: Taxonomy, ids) -> str:
    """``"T3 Online learning, ..."`` for a sequence of node ids."""
    return ", ".join(f"{i} {tax.node(i).name}" for i in ids)


def _descend(
    tax: Taxonomy,
    answers: Mapping[str, str],
    start: tuple[str, ...],
    context: Mapping[str, str | None],
    implied: dict[str, str],
):
    """Walk from the kept paradigms down the tree with Q6-Q12; returns leaves, pending, steps.

    ``context`` holds the answers plus ``interaction`` for implied answers; every implied
    answer used is written into ``implied``.
    """
    at = {node: q for q in tax.questions.values() for node in q.asked_at}
    reached, pending_nodes, steps, used = [], [], [], set()
    stack = list(reversed(start))
    visited = [ROOT_ID]
    while stack:
        node = stack.pop()
        visited.append(node)
        children = sorted(tax.graph.successors(node))
        if not children:
            reached.append(node)
            continue
        if len(children) == 1:
            steps.append(
                Step(
                    None,
                    node,
                    None,
                    tuple(children),
                    f"{_names(tax, [node])} has a single child: {_names(tax, children)}.",
                )
            )
            stack.extend(children)
            continue
        q = at[node]
        used.add(q.id)
        ans, implied_note = answers.get(q.id), ""
        if ans is None and q.implied_by is not None:
            source_value = context.get(q.implied_by.source)
            ans = q.implied_by.mapping.get(source_value) if source_value else None
            if ans is not None:
                implied[q.id] = ans
                implied_note = (
                    f" (implied by {q.implied_by.source}="
                    f"{context[q.implied_by.source]}; {q.implied_by.basis})"
                )
        if ans is None:
            pending_nodes.append(node)
            continue
        if ans == NOT_SURE:
            chosen = tuple(children)
            why = f"{q.text} -> not sure: keep all of {_names(tax, chosen)}."
        else:
            opt = q.option(ans)
            chosen = (opt.child(node),)
            why = (
                f"{q.text} -> '{opt.text}'{implied_note} leads to {_names(tax, chosen)}. "
                f"Thesis: {q.recommendation}"
            )
        steps.append(Step(q.id, node, ans, chosen, why))
        stack.extend(reversed(chosen))
    return reached, pending_nodes, steps, used, visited


def recommend(
    answers: Mapping[str, str],
    *,
    modality: str | None = None,
    interaction: str | None = None,
    target: str | None = None,
    taxonomy: Taxonomy | None = None,
    kb=None,
    max_methods: int = 10,
) -> Recommendation:
    """Recommend taxonomy leaf(s), reference pipeline(s) and methods from Q1-Q12 answers.

    Parameters
    ----------
    answers : mapping of str to str
        Question id (``"Q1"`` ... ``"Q12"``) -> option id or ``"not-sure"``.  Missing Q1-Q5
        count as ``not-sure``; a missing Q6-Q12 on the path stops that branch (``pending``)
        unless its answer is implied (Q12 by Q2, Q10 by ``interaction``; see ``implied``).
    modality, interaction, target : str, optional
        Used to rank the methods of the reached leaves (modality e.g. ``"CT"``, interaction a
        :class:`kb.vocab.InteractionType` value, target free text such as ``"liver"``).
    taxonomy : Taxonomy, optional
        Defaults to :func:`taxonomy.load_taxonomy`.
    kb : KnowledgeBase, optional
        Defaults to :func:`kb.load_kb`; pass ``False`` to skip method ranking.
    max_methods : int
        Maximum number of ranked methods returned (>= 0; 0 returns none).

    Returns
    -------
    Recommendation
        ``leaves`` are all leaves compatible with the answers (the reached ones when
        ``complete``; otherwise also every leaf below a pending question).

    Raises
    ------
    ValueError
        For an unknown question id or option (the message lists the valid ones), a bad
        ``modality``/``interaction`` value, or a negative ``max_methods``.

    Notes
    -----
    Implements the navigation of thesis Section 6.1.3.1: Q1-Q5 with the Figure 32 table
    (l.1626-1666), Q6-Q12 at the branching nodes (l.1696-1780).

    Examples
    --------
    >>> rec = recommend({"Q2": "none", "Q3": "small-model-ok", "Q4": "single-patient",
    ...                  "Q12": "no-labeled-data"}, kb=False)
    >>> rec.paradigms, rec.leaves, rec.pipeline[0]["id"]
    (('T3',), ('T3.1',), 't3.1-online-from-scratch')
    """
    if isinstance(max_methods, bool) or not isinstance(max_methods, int) or max_methods < 0:
        raise ValueError(f"max_methods must be an int >= 0, got {max_methods!r}")
    tax = taxonomy or load_taxonomy()
    answers = validate_answers(answers, tax)
    scores, steps = paradigm_scores(answers, tax)
    kept, excluded, notices, why = select_paradigms(answers, scores, tax)
    steps += (Step(None, ROOT_ID, None, kept, why),)
    if interaction:
        from recommender.ranking import parse_interaction

        interaction = parse_interaction(interaction)
    if modality:
        from recommender.ranking import parse_modality

        modality = parse_modality(modality)
    implied: dict[str, str] = {}
    reached, pending_nodes, branch_steps, used, visited = _descend(
        tax, answers, kept, {**answers, "interaction": interaction}, implied
    )
    steps += tuple(branch_steps)
    ignored = {
        q: _why_ignored(tax, tax.question(q), pending_nodes)
        for q in answers
        if q not in PARADIGM_QUESTIONS and q not in used
    }
    applied = {q: a for q, a in answers.items() if q not in ignored}
    leaf_set = set(reached) | {lf for n in pending_nodes for lf in tax.leaves_under(n)}
    leaves = tuple(lf for lf in tax.leaves if lf in leaf_set)
    pending = tuple(
        dict.fromkeys(
            next(q.id for q in tax.questions.values() if n in q.asked_at) for n in pending_nodes
        )
    )
    path = tuple(dict.fromkeys(visited))
    paths = {lf: tax.path_to(lf) for lf in leaves}
    caveats = _caveats(answers, kept, pending)
    notices += conflict_notices(
        answers,
        {**applied, **{q: a for q, a in implied.items() if q not in applied}},
        interaction,
        tax,
    )
    steps = tuple(replace(s, rationale=readable(s.rationale)) for s in steps)
    not_chosen = why_not_chosen(tax, kept, excluded, scores, leaves, steps)
    methods: tuple = ()
    if kb is None:
        from kb import load_kb

        kb = load_kb()
    practice = best_practice(leaves, tax, kb or None)
    recent = (
        since_review(leaves, tax, kb, modality=modality, interaction=interaction)
        if kb is not False
        else ()
    )
    if any(c.question == "Q2" for c in excluded.get("T2", [])):
        caveats += (
            "Q2 is about labels to train your own model: an application-only (T2) model that "
            "others already trained needs none of yours. Ready-trained models published since "
            "the review are listed by `iseg methods --since-review` (their licences vary).",
        )
    if kb is not False:
        from recommender.ranking import rank_methods

        ranked, extra = rank_methods(
            leaves,
            modality=modality,
            interaction=interaction,
            target=target,
            kb=kb,
            taxonomy=tax,
            limit=max_methods,
        )
        methods, caveats = tuple(ranked), caveats + tuple(extra)
    return Recommendation(
        answers=applied,
        implied=implied,
        ignored=ignored,
        paradigm_scores=scores,
        paradigms=kept,
        leaves=leaves,
        complete=not pending,
        pending=pending,
        path=path,
        paths=paths,
        rationale=steps,
        pipeline=tuple(leaf_pipeline(lf) for lf in leaves),
        methods=methods,
        caveats=caveats,
        query={"modality": modality, "interaction": interaction, "target": target},
        warnings=tuple(notices),
        not_chosen=tuple(not_chosen),
        best_practice=practice,
        since_review=recent,
    )


def _why_ignored(tax: Taxonomy, q, pending_nodes: list[str]) -> str:
    """Why an answer has no effect: not reached yet (below a pending question) or off the path."""
    at = {node: qq.id for qq in tax.questions.values() for node in qq.asked_at}
    blockers = [at[p] for p in pending_nodes if any(p in tax.path_to(n)[:-1] for n in q.asked_at)]
    if blockers:
        first = ", ".join(dict.fromkeys(blockers))
        return f"not reached yet: answer {first} first (then {q.id} may apply)"
    return f"does not apply: the path does not reach {', '.join(q.asked_at)}"


def _caveats(
    answers: Mapping[str, str], kept: tuple[str, ...], pending: tuple[str, ...]
) -> tuple[str, ...]:
    """Caveats that follow from the answers alone (Figure 32 reconstruction, ties, pending)."""
    out = [
        "Figure 32 is missing from the thesis text; its good/neutral/poor ratings are "
        "reconstructed (taxonomy/data/questions.yaml gives the provenance of each cell)."
    ]
    if len(kept) > 1:
        out.append(f"Q1-Q5 do not separate {', '.join(kept)}; all of them are followed.")
    if pending:
        out.append(f"Unanswered questions {', '.join(pending)}: every leaf below them is listed.")
    if any(a == NOT_SURE for a in answers.values()):
        out.append("'not sure' answers keep every branch they apply to.")
    return tuple(out)


def next_question(answers: Mapping[str, str], taxonomy: Taxonomy | None = None) -> str | None:
    """The next question to ask: the first unanswered Q1-Q5, then the first pending Q6-Q12.

    Returns ``None`` when the recommendation is complete.

    Examples
    --------
    >>> next_question({})
    'Q1'
    >>> next_question({"Q1": "multiple-sessions", "Q2": "scarce", "Q3": "not-sure",
    ...                "Q4": "not-sure", "Q5": "not-sure"}) is None
    True
    """
    for qid in PARADIGM_QUESTIONS:
        if qid not in answers:
            return qid
    rec = recommend(answers, taxonomy=taxonomy, kb=False)
    return rec.pending[0] if rec.pending else None
