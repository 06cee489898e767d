"""Feasibility: the thesis's hard statements on Q1-Q5 as constraints, named conflicts, and
why every other paradigm and leaf was not chosen.

A constraint (``taxonomy/data/constraints.yaml``) either *excludes* a paradigm or keeps it
with a *warning*; both cite the thesis line and a verbatim quote.  When the answers exclude
every paradigm, the best-scoring ones are kept with a ``no-feasible-paradigm`` warning, so a
ruled-out paradigm is never recommended silently.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

from taxonomy import Taxonomy
from taxonomy.tree import PARADIGM_IDS

__all__ = [
    "Notice",
    "readable",
    "select_paradigms",
    "conflict_notices",
    "why_not_chosen",
]

_LINE = re.compile(r"\b(?:thesis )?l\.\s?(\d+)(?:\s?-\s?(\d+))?")


def readable(text: str) -> str:
    """Spell thesis line references out: ``"thesis l.1632"`` -> ``"thesis line 1632"``.

    Examples
    --------
    >>> readable("basis: thesis l.1632: x; inferred: l.1654-1656")
    'basis: thesis line 1632: x; inferred: thesis lines 1654-1656'
    """

    def sub(m: re.Match) -> str:
        return f"thesis lines {m[1]}-{m[2]}" if m[2] else f"thesis line {m[1]}"

    return _LINE.sub(sub, text)


@dataclass(frozen=True)
class Notice:
    """One warning of a recommendation.

    ``kind`` is ``excluded`` (a constraint removed a paradigm that scored best),
    ``kept-despite`` (every paradigm was excluded; this one is kept anyway), ``caution`` (a
    ``warn`` constraint on a kept paradigm) or ``conflict`` (answers contradict each other).
    """

    id: str
    kind: str
    message: str
    questions: tuple[str, ...]
    nodes: tuple[str, ...]
    thesis_line: int | None = None
    quote: str | None = None

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return asdict(self)

    def text(self) -> str:
        """One readable line: message, then the thesis line and quote."""
        quote = f': "{self.quote}"' if self.quote else ""
        cite = f" (thesis line {self.thesis_line}{quote})" if self.thesis_line else ""
        return f"[{self.id}] {self.message}{cite}"


def select_paradigms(
    answers: Mapping[str, str], scores: Mapping[str, int], tax: Taxonomy
) -> tuple[tuple[str, ...], dict[str, list], list[Notice], str]:
    """Keep the best-scoring paradigms among those no constraint excludes.

    Returns
    -------
    kept : tuple of str
        Paradigm ids kept.
    excluded : dict of str to list of Constraint
        Paradigm -> the ``exclude`` constraints the answers trigger on it.
    notices : list of Notice
        ``excluded`` notices for ruled-out paradigms that scored at least as high as the kept
        ones, ``kept-despite`` and ``caution`` notices for kept paradigms.
    rationale : str
        One readable sentence for the decision step.
    """
    hits = [c for c in tax.constraints if answers.get(c.question) == c.option]
    excluded: dict[str, list] = {}
    warned: dict[str, list] = {}
    for c in hits:
        (excluded if c.action == "exclude" else warned).setdefault(c.paradigm, []).append(c)
    feasible = [p for p in PARADIGM_IDS if p not in excluded]
    pool = feasible or list(PARADIGM_IDS)
    best = max(scores[p] for p in pool)
    kept = tuple(p for p in pool if scores[p] == best)
    notices: list[Notice] = []
    for p, cons in excluded.items():
        if p in kept:
            for c in cons:
                notices.append(
                    Notice(
                        "no-feasible-paradigm",
                        "kept-despite",
                        f"Your answers rule out every paradigm; {p} {tax.node(p).name} is kept "
                        f"because it scores highest, although {c.question}={c.option} rules it "
                        f"out: {readable(c.reason)}",
                        (c.question,),
                        (p,),
                        c.line,
                        c.quote,
                    )
                )
        elif scores[p] >= best:
            for c in cons:
                notices.append(
                    Notice(
                        c.id,
                        "excluded",
                        f"{p} {tax.node(p).name} scores {scores[p]} (as high as or higher than "
                        f"the kept paradigms) but {c.question}={c.option} rules it out: {readable(c.reason)}",
                        (c.question,),
                        (p,),
                        c.line,
                        c.quote,
                    )
                )
    for p in kept:
        for c in warned.get(p, []):
            notices.append(
                Notice(
                    c.id,
                    "caution",
                    f"{p} {tax.node(p).name} is kept, but {c.question}={c.option}: {readable(c.reason)}",
                    (c.question,),
                    (p,),
                    c.line,
                    c.quote,
                )
            )
    score_text = ", ".join(f"{p} {tax.node(p).name} {scores[p]:+d}" for p in PARADIGM_IDS)
    parts = [f"Paradigm scores: {score_text}."]
    for p, cons in excluded.items():
        lines = ", ".join(str(c.line) for c in cons)
        word = "lines" if len(cons) > 1 else "line"
        parts.append(
            f"{p} is ruled out by {', '.join(f'{c.question}={c.option}' for c in cons)} "
            f"(thesis {word} {lines})."
        )
    if not feasible:
        parts.append("No paradigm is feasible; the best-scoring one is kept with a warning.")
    tie = " (tie: all kept)" if len(kept) > 1 else ""
    parts.append(f"Keep {', '.join(f'{p} {tax.node(p).name}' for p in kept)}{tie}.")
    return kept, excluded, notices, " ".join(parts)


def conflict_notices(
    answers: Mapping[str, str],
    applied: Mapping[str, str],
    interaction: str | None,
    tax: Taxonomy,
) -> list[Notice]:
    """Named conflicts between answers, and between an answer and ``--interaction``.

    Only answers that take effect (``applied``: on the path, or Q1-Q5) are compared.
    """
    out = []
    for x in tax.conflicts:
        if all(q in applied for q in x.when) and x.applies(dict(answers)):
            out.append(
                Notice(x.id, "conflict", readable(x.message), tuple(x.when), (), x.line, x.quote)
            )
    for q in tax.questions.values():
        imp = q.implied_by
        if imp is None or imp.source != "interaction" or q.id not in applied or not interaction:
            continue
        expected = imp.mapping.get(interaction)
        if expected is not None and expected != applied[q.id] and applied[q.id] != "not-sure":
            line = re.search(r"l\.(\d+)", imp.basis)
            out.append(
                Notice(
                    f"{q.id.lower()}-differs-from-interaction",
                    "conflict",
                    f"{q.id}={applied[q.id]} chooses the rule for {applied[q.id]}, but you "
                    f"interact with {interaction} (which implies {q.id}={expected}). The "
                    f"leaf follows your {q.id} answer; methods are still ranked for "
                    f"{interaction}.",
                    (q.id,),
                    tuple(q.asked_at),
                    int(line[1]) if line else None,
                    None,
                )
            )
    return out


def why_not_chosen(
    tax: Taxonomy,
    kept: Sequence[str],
    excluded: Mapping[str, list],
    scores: Mapping[str, int],
    leaves: Sequence[str],
    steps: Sequence,
) -> list[dict]:
    """One entry ``{node, name, reason}`` for every paradigm and leaf not recommended."""
    out = []
    best = max(scores[p] for p in kept) if kept else 0
    for p in PARADIGM_IDS:
        if p in kept:
            continue
        if p in excluded:
            reason = "; ".join(
                f"ruled out by {c.question}={c.option}: {readable(c.reason)} (thesis line {c.line})"
                for c in excluded[p]
            )
        else:
            reason = f"scores {scores[p]:+d}, lower than the kept paradigm(s) ({best:+d})"
        out.append({"node": p, "name": tax.node(p).name, "reason": reason})
    chosen_at = {s.node: s for s in steps if s.question is not None and s.node != "ROOT"}
    for lf in tax.leaves:
        if lf in leaves:
            continue
        path = tax.path_to(lf)
        reason = f"its paradigm {path[1]} was not chosen"
        for parent, child in zip(path[1:-1], path[2:], strict=False):
            step = chosen_at.get(parent)
            if step is not None and child not in step.selected:
                q = tax.question(step.question)
                opt = step.answer
                text = q.option(opt).text if opt and opt != "not-sure" else opt
                reason = (
                    f"{q.id} ({q.text}) answered '{text}' leads to "
                    f"{', '.join(step.selected)}, not {child}"
                )
                break
        out.append({"node": lf, "name": tax.node(lf).name, "reason": reason})
    return out
