"""``iseg recommend``: ask Q1-Q12 interactively, or answer them with ``--answer``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["register", "interactive_answers"]


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg recommend``."""
    p = sub.add_parser(
        "recommend",
        help="navigate the taxonomy (Q1-Q12) to a leaf, methods and a reference pipeline",
        description="Without --answer on a terminal, asks the questions one by one (type 'back' "
        "to go back, 'not-sure' to keep both branches). With --answer Qn=<option> (repeatable) "
        "prints the recommendation.",
    )
    p.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="Qn=OPTION",
        help="answer of one question, e.g. --answer Q2=scarce (repeatable)",
    )
    p.add_argument("--modality", help="imaging modality used to rank methods, e.g. CT")
    p.add_argument("--interaction", help="interaction type, e.g. clicks, scribbles, bounding-box")
    p.add_argument("--target", help="segmentation target (free text), e.g. liver")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("--max-methods", type=int, default=10)
    p.set_defaults(func=_run)

    b = bench.add_parser(
        "recommend", help="time recommend() (cold: first call incl. KB load; warm)"
    )
    b.add_argument("--repeats", type=int, default=200)
    b.add_argument("--out", help="also write the timings as JSON to this file")
    b.set_defaults(func=_bench)


def _parse_answers(items: list[str]) -> dict[str, str]:
    """Turn repeated ``--answer Qn=OPTION`` values into a dict; conflicting repeats are errors."""
    out: dict[str, str] = {}
    for item in items:
        qid, sep, opt = item.partition("=")
        if not sep or not qid.strip() or not opt.strip():
            raise ValueError(f"--answer must look like Q2=scarce, got {item!r}")
        qid, opt = qid.strip().upper(), opt.strip()
        if out.get(qid, opt) != opt:
            raise ValueError(
                f"--answer {qid} given twice with different options: {out[qid]!r} and {opt!r}"
            )
        out[qid] = opt
    return out


def interactive_answers(ask: Callable[[str], str], say: Callable[[str], None]) -> dict[str, str]:
    """Ask the questions one at a time until the recommendation is complete.

    ``ask(prompt) -> reply`` and ``say(text)`` are injected so the dialogue is testable.  A
    reply is an option id or its number, ``not sure`` / ``not-sure`` / ``?``, or ``back``.  Changing an
    earlier answer drops the answers that no longer apply.
    """
    from recommender.engine import next_question
    from taxonomy import load_taxonomy

    tax = load_taxonomy()
    answers: dict[str, str] = {}
    history: list[str] = []
    while (qid := next_question(answers, tax)) is not None:
        q = tax.question(qid)
        say(f"\n{qid}. {q.text}\n   {q.explanation}")
        for i, opt in enumerate(q.option_ids, 1):
            label = (
                "Not sure (keep both branches)"
                if opt == "not-sure"
                else next(o.text for o in q.options if o.id == opt)
            )
            say(f"  {i}) {opt}: {label}")
        reply = ask("answer (number, id, 'not sure' or '?', 'back'): ").strip()
        if reply.lower() == "back":
            if history:
                answers.pop(history.pop(), None)
            else:
                say("  nothing to go back to: this is the first question")
            continue
        if reply.lower() in ("?", "not sure", "not-sure", "notsure"):
            reply = "not-sure"
        if reply.isdigit() and 1 <= int(reply) <= len(q.option_ids):
            reply = q.option_ids[int(reply) - 1]
        if reply not in q.option_ids:
            say(f"  '{reply}' is not an option; valid: {', '.join(q.option_ids)}")
            continue
        answers[qid] = reply
        history.append(qid)
    return answers


def _run(args: argparse.Namespace) -> int:
    """Handler of ``iseg recommend``: collect the answers, print the report."""
    from recommender.engine import recommend
    from recommender.report import to_json, to_markdown

    answers = _parse_answers(args.answer)
    if not answers and sys.stdin.isatty():
        answers = interactive_answers(input, print)
    rec = recommend(
        answers,
        modality=args.modality,
        interaction=args.interaction,
        target=args.target,
        max_methods=args.max_methods,
    )
    print(to_json(rec) if args.format == "json" else to_markdown(rec))
    return 0


def _bench(args: argparse.Namespace) -> int:
    """Handler of ``iseg bench recommend``: cold and warm timings of ``recommend``."""
    import json
    import statistics
    import time

    from recommender.engine import recommend

    if args.repeats < 1:
        raise ValueError(f"--repeats must be >= 1, got {args.repeats}")
    answers = {
        "Q1": "single-session",
        "Q2": "fully-annotated",
        "Q4": "diverse",
        "Q6": "not-sure",
        "Q7": "iterative",
        "Q8": "not-sure",
        "Q9": "uniform",
    }
    query = {"modality": "CT", "interaction": "clicks", "target": "liver"}
    t0 = time.perf_counter()
    recommend(answers, **query)
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        recommend(answers, **query)
        warm.append(time.perf_counter() - t0)
    warm.sort()
    res = {
        "answers": answers,
        "query": query,
        "repeats": args.repeats,
        "cold_ms": round(cold * 1e3, 2),
        "warm_median_ms": round(statistics.median(warm) * 1e3, 3),
        "warm_p95_ms": round(warm[int(0.95 * (len(warm) - 1))] * 1e3, 3),
        "warm_max_ms": round(warm[-1] * 1e3, 3),
    }
    print(json.dumps(res, indent=2))
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=2)
    return 0
