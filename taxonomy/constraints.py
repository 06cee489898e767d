"""Hard constraints of the thesis on Q1-Q5 and named conflicts between answers.

The data live in ``taxonomy/data/constraints.yaml``: each constraint says that an answer
*excludes* a paradigm or keeps it with a *warning*, with the thesis line and a verbatim quote
(a test checks the quote against the thesis text).  Conflicts name answer combinations that
contradict each other (e.g. Q2 = no labels with Q12 = fine-tuning).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from taxonomy.questions import Question
from taxonomy.tree import DATA_DIR, PARADIGM_IDS, read_yaml

__all__ = ["Constraint", "Conflict", "load_constraints", "validate_constraints"]

Action = Literal["exclude", "warn"]
_C_KEYS = {"id", "question", "option", "paradigm", "action", "line", "quote", "reason"}
_X_KEYS = {"id", "when", "line", "quote", "message"}


@dataclass(frozen=True)
class Constraint:
    """Answer ``question`` = ``option`` excludes ``paradigm`` (or warns about it)."""

    id: str
    question: str
    option: str
    paradigm: str
    action: Action
    line: int
    quote: str
    reason: str


@dataclass(frozen=True)
class Conflict:
    """Answers that contradict each other: ``when`` maps question id -> triggering options."""

    id: str
    when: dict[str, tuple[str, ...]]
    line: int
    quote: str
    message: str

    def applies(self, answers: dict[str, str]) -> bool:
        """True when every question in ``when`` is answered with one of its options."""
        return all(answers.get(q) in opts for q, opts in self.when.items())


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def _check_keys(entry: Any, keys: set[str], where: str) -> dict:
    if not isinstance(entry, dict) or set(entry) != keys:
        got = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise ValueError(f"{where}: needs exactly the keys {sorted(keys)}, got {got}")
    if not isinstance(entry["line"], int) or entry["line"] < 1:
        raise ValueError(f"{where}: 'line' must be a positive thesis line number")
    if not str(entry["quote"]).strip():
        raise ValueError(f"{where}: 'quote' must quote the thesis line")
    return entry


def load_constraints(
    path: str | Path | None = None,
) -> tuple[tuple[Constraint, ...], tuple[Conflict, ...]]:
    """Load the constraints and conflicts (not yet checked against the questions).

    Raises
    ------
    ValueError
        If an entry has missing or extra keys, an unknown paradigm or action, or no line/quote.
    """
    path = Path(path) if path is not None else DATA_DIR / "constraints.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not {"constraints", "conflicts"} <= set(data):
        raise ValueError(f"{path.name}: expected top-level 'constraints' and 'conflicts' lists")
    cons, seen = [], set()
    for i, entry in enumerate(data["constraints"] or []):
        where = f"{path.name}: constraints[{i}]"
        e = _check_keys(entry, _C_KEYS, where)
        if e["paradigm"] not in PARADIGM_IDS or e["action"] not in ("exclude", "warn"):
            raise ValueError(
                f"{where}: paradigm {e['paradigm']!r} (valid {list(PARADIGM_IDS)}) and action "
                f"{e['action']!r} (valid ['exclude', 'warn'])"
            )
        if e["id"] in seen:
            raise ValueError(f"{where}: duplicate id {e['id']!r}")
        seen.add(e["id"])
        cons.append(
            Constraint(
                e["id"],
                e["question"],
                e["option"],
                e["paradigm"],
                e["action"],
                e["line"],
                _clean(e["quote"]),
                _clean(e["reason"]),
            )
        )
    confl = []
    for i, entry in enumerate(data["conflicts"] or []):
        where = f"{path.name}: conflicts[{i}]"
        e = _check_keys(entry, _X_KEYS, where)
        if not isinstance(e["when"], dict) or len(e["when"]) < 2:
            raise ValueError(f"{where}: 'when' must map at least two questions to options")
        when = {q: tuple(v) if isinstance(v, list) else (v,) for q, v in e["when"].items()}
        if e["id"] in seen:
            raise ValueError(f"{where}: duplicate id {e['id']!r}")
        seen.add(e["id"])
        confl.append(Conflict(e["id"], when, e["line"], _clean(e["quote"]), _clean(e["message"])))
    return tuple(cons), tuple(confl)


def validate_constraints(
    constraints: tuple[Constraint, ...],
    conflicts: tuple[Conflict, ...],
    questions: dict[str, Question],
) -> None:
    """Check that every constraint/conflict names a real question and option.

    Raises
    ------
    ValueError
        For a constraint on a non-paradigm question, or an unknown question or option.
    """
    for c in constraints:
        q = questions.get(c.question)
        if q is None or q.kind != "paradigm":
            raise ValueError(f"constraint {c.id}: {c.question!r} is not a paradigm question Q1-Q5")
        if c.option not in {o.id for o in q.options}:
            raise ValueError(
                f"constraint {c.id}: {c.option!r} is not an option of {q.id} "
                f"({[o.id for o in q.options]})"
            )
    for x in conflicts:
        for qid, opts in x.when.items():
            q = questions.get(qid)
            if q is None:
                raise ValueError(f"conflict {x.id}: unknown question {qid!r}")
            bad = sorted(set(opts) - {o.id for o in q.options})
            if bad:
                raise ValueError(f"conflict {x.id}: {bad} are not options of {qid}")
