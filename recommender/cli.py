"""``iseg recommend``: ask Q1-Q12 interactively, or answer them with ``--answer``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

__all__ = ["register", "interactive_answers"]


#: ``iseg recommend --help`` epilog: every answer option of Q1-Q12.  Kept as text so that
#: building the parser reads no YAML; a test checks it against ``taxonomy.questions``.
OPTIONS_HELP = """\
answer options (case-insensitive; 'not-sure' keeps every branch):
  Q1  multiple-sessions | single-session | not-sure
  Q2  none | scarce | fully-annotated | not-sure
  Q3  complex-model | small-model-ok | not-sure
  Q4  diverse | single-dataset | single-patient | not-sure
  Q5  time-critical | not-time-critical | not-sure
  Q6  simulated | non-interactive | not-sure
  Q7  iterative | non-iterative | not-sure
  Q8  sampling-based | rule-based | not-sure
  Q9  distance-transform | uniform | not-sure
  Q10 clicks | scribbles | multiple-types | polygons-or-slices | not-sure
  Q11 weak-labels | no-weak-labels | not-sure
  Q12 no-labeled-data | small-labeled-dataset | not-sure
questions: iseg taxonomy.  Interactive mode: answers come from the terminal (questions on
standard error) or from a pipe, one answer per line, e.g.
  printf 'single-session\\nnone\\nsmall-model-ok\\nsingle-patient\\n' | iseg recommend --format json
"""


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg recommend``."""
    p = sub.add_parser(
        "recommend",
        help="navigate the taxonomy (Q1-Q12) to a leaf, methods and a reference pipeline",
        description="Without --answer, asks the questions one by one: on a terminal (questions "
        "and prompts on standard error, so '> file' gets only the report; type 'back' to go "
        "back, 'not-sure' to keep both branches) or from a pipe, one answer per line, until "
        "the input ends. With --answer Qn=OPTION (repeatable) prints the recommendation.",
        epilog=OPTIONS_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--answer",
        action="append",
        default=[],
        metavar="Qn=OPTION",
        help="answer of one question, e.g. --answer Q2=scarce (repeatable; options below)",
    )
    p.add_argument("--modality", help="imaging modality used to rank methods, e.g. CT, MRI, PET")
    p.add_argument(
        "--interaction",
        help="interaction type: clicks, scribbles, bounding-box (box), polygons, eye-gaze",
    )
    p.add_argument("--target", help="segmentation target (free text), e.g. liver")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("--max-methods", type=int, default=10)
    p.add_argument("--out", help="write the report to this new file instead of standard output")
    p.add_argument("--force", action="store_true", help="let --out replace an existing file")
    p.set_defaults(func=_run)

    b = bench.add_parser(
        "recommend", help="time recommend() (cold: first call incl. KB load; warm)"
    )
    b.add_argument("--repeats", type=int, default=200)
    b.add_argument("--out", help="also write the timings as JSON to this file")
    b.set_defaults(func=_bench)


def _parse_answers(items: list[str]) -> dict[str, str]:
    """Turn repeated ``--answer Qn=OPTION`` values into a dict; conflicting repeats are errors.

    Question ids and options are case-insensitive (``q2=Scarce`` is ``Q2=scarce``).
    """
    out: dict[str, str] = {}
    for item in items:
        qid, sep, opt = item.partition("=")
        if not sep or not qid.strip() or not opt.strip():
            raise ValueError(f"--answer must look like Q2=scarce, got {item!r}")
        qid, opt = qid.strip().upper(), opt.strip().lower()
        if out.get(qid, opt) != opt:
            raise ValueError(
                f"--answer {qid} given twice with different options: {out[qid]!r} and {opt!r}"
            )
        out[qid] = opt
    return out


def interactive_answers(
    ask: Callable[[str], str], say: Callable[[str], None], *, strict: bool = False
) -> dict[str, str]:
    """Ask the questions one at a time until the recommendation is complete or input ends.

    ``ask(prompt) -> reply`` and ``say(text)`` are injected so the dialogue is testable; ``ask``
    raises ``EOFError`` at the end of the input, which ends the questions (the answers so far
    are returned).  A reply is an option id or its number (case-insensitive), ``not sure`` /
    ``not-sure`` / ``?``, or ``back``.  Changing an earlier answer drops the answers that no
    longer apply.  With ``strict`` (answers from a pipe) an invalid reply raises
    ``ValueError`` naming the input line instead of asking again.
    """
    from recommender.engine import next_question
    from taxonomy import load_taxonomy

    tax = load_taxonomy()
    answers: dict[str, str] = {}
    history: list[str] = []
    line = 0
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
        try:
            reply = ask("answer (number, id, 'not sure' or '?', 'back'): ").strip().lower()
        except EOFError:
            break
        line += 1
        if reply == "back":
            if history:
                answers.pop(history.pop(), None)
            else:
                say("  nothing to go back to: this is the first question")
            continue
        if reply in ("?", "not sure", "not-sure", "notsure"):
            reply = "not-sure"
        if reply.isdigit() and 1 <= int(reply) <= len(q.option_ids):
            reply = q.option_ids[int(reply) - 1]
        if reply not in q.option_ids:
            msg = f"'{reply}' is not an option of {qid}; valid: {', '.join(q.option_ids)}"
            if strict:
                raise ValueError(f"standard input line {line}: {msg}")
            say(f"  {msg}")
            continue
        answers[qid] = reply
        history.append(qid)
    return answers


def _stderr_ask(prompt: str) -> str:
    """Read one line of standard input, after writing ``prompt`` to standard error when
    the input is a terminal.

    Raises
    ------
    EOFError
        At the end of the input (Ctrl-D on a terminal, the end of a pipe).
    """
    try:
        if sys.stdin.isatty():  # a pipe gets no prompts
            sys.stderr.write(prompt)
            sys.stderr.flush()
        reply = sys.stdin.readline()
    except (OSError, ValueError, AttributeError):  # closed/unreadable stdin: no more answers
        raise EOFError from None
    if not reply:
        if sys.stdin.isatty():
            sys.stderr.write("\n")
        raise EOFError
    return reply.rstrip("\r\n")


def _say_stderr(text: str) -> None:
    print(text, file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    """Handler of ``iseg recommend``: collect the answers, print or write the report."""
    from recommender.engine import recommend
    from recommender.report import to_json, to_markdown
    from taxonomy.files import check_new_file, write_atomic

    answers = _parse_answers(args.answer)
    if args.out:
        check_new_file(args.out, force=args.force)
    if args.max_methods < 0:
        raise ValueError(f"--max-methods must be >= 0, got {args.max_methods}")
    if not args.answer:
        tty = sys.stdin is not None and sys.stdin.isatty()
        answers = interactive_answers(
            _stderr_ask, _say_stderr if tty else (lambda _t: None), strict=not tty
        )
        if not answers:
            raise ValueError(
                "no answers: standard input ended before the first answer; pass "
                "--answer Qn=OPTION or pipe one answer per line (see --help)"
            )
    rec = recommend(
        answers,
        modality=args.modality,
        interaction=args.interaction,
        target=args.target,
        max_methods=args.max_methods,
    )
    text = to_json(rec) if args.format == "json" else to_markdown(rec)
    if args.out:
        write_atomic(args.out, text + "\n", force=args.force)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        print(text)
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

    def run() -> None:
        recommend(answers, modality="CT", interaction="clicks", target="liver")

    t0 = time.perf_counter()
    run()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run()
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
