"""``iseg taxonomy`` (the tree with its questions) and ``iseg graph`` (comparison graph)."""

from __future__ import annotations

import argparse
import json
import sys

__all__ = ["register", "render_tree"]


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg taxonomy`` and ``iseg graph``."""
    p = sub.add_parser("taxonomy", help="print the taxonomy tree with questions Q1-Q12")
    p.add_argument("--format", choices=("tree", "json"), default="tree")
    p.set_defaults(func=_run_taxonomy)

    g = sub.add_parser(
        "graph",
        help="comparison graph of the reviewed methods (Figure 42) and those since the review",
    )
    g.add_argument(
        "--format",
        choices=("json", "graphml", "png", "text"),
        default=None,
        help="json (default), graphml or png; with --missing-baselines: text (default), "
        "json or png",
    )
    g.add_argument("--out", help="output file (required for png/graphml; else standard output)")
    g.add_argument("--force", action="store_true", help="let --out replace an existing file")
    g.add_argument(
        "--missing-baselines",
        action="store_true",
        help="same-leaf pairs that never compare (the newer could have compared)",
    )
    g.add_argument(
        "--thesis-only",
        action="store_true",
        help="leave out the methods published since the review",
    )
    g.set_defaults(func=_run_graph)


def render_tree(taxonomy=None) -> str:
    """Plain-text tree with the question asked at each branching node."""
    from taxonomy import load_taxonomy

    tax = taxonomy or load_taxonomy()
    at = {node: q for q in tax.questions.values() for node in q.asked_at}
    lines = ["Q1-Q5 choose the paradigm (each option rates T1/T2/T3, Figure 32 reconstructed):"]
    for q in tax.questions.values():
        if q.kind != "paradigm":
            continue
        lines.append(f"  {q.id} {q.text}")
        for o in q.options:
            rates = ", ".join(f"{p} {r}" for p, r in (o.scores or {}).items())
            lines.append(f"    {o.id}: {o.text} [{rates}]")
        lines.append("    not-sure: no paradigm favoured")
    lines.append("Q6-Q12 branch the tree ('?' lines; not-sure keeps every child):")

    def walk(node: str, depth: int) -> None:
        n = tax.node(node)
        lines.append(
            f"{'  ' * depth}{n.id} {n.name} [{n.interaction_stage}] (thesis §{n.section}, l.{n.line})"
        )
        if node in at:
            q = at[node]
            opts = ", ".join(f"{o.id} -> {o.child(node)}" for o in q.options)
            lines.append(f"{'  ' * depth}  ? {q.id} {q.text} [{opts}, not-sure -> all]")
        for child in sorted(tax.graph.successors(node)):
            walk(child, depth + 1)

    walk("ROOT", 0)
    lines.append("Hard constraints of the thesis (an excluded paradigm is not recommended):")
    lines += [
        f"  {c.question}={c.option} {'excludes' if c.action == 'exclude' else 'warns about'} "
        f"{c.paradigm} (thesis line {c.line})"
        for c in tax.constraints
    ]
    lines.append("Named conflicts between answers:")
    lines += [
        f"  {x.id}: "
        + " + ".join(f"{q}={'/'.join(o)}" for q, o in x.when.items())
        + f" (thesis line {x.line})"
        for x in tax.conflicts
    ]
    return "\n".join(lines)


def _run_taxonomy(args: argparse.Namespace) -> int:
    """Handler of ``iseg taxonomy``: print the tree (text) or the full taxonomy (JSON)."""
    from taxonomy import load_leaf_pipelines, load_taxonomy

    tax = load_taxonomy()
    if args.format == "json":
        data = tax.to_dict()
        data["pipelines"] = load_leaf_pipelines()
        print(json.dumps(data, indent=2, ensure_ascii=False, default=list))
    else:
        print(render_tree(tax))
    return 0


def _missing_text(rows: list[dict]) -> str:
    lines = [
        f"{r['leaf']}: {r['newer']} [{r['newer_ref']}] never compared against "
        f"{r['older']} [{r['older_ref']}]"
        for r in rows
    ]
    lines.append(
        f"{len(rows)} missing-baseline pairs (newer methods with unknown comparison "
        "status are skipped)"
    )
    return "\n".join(lines)


def _run_graph(args: argparse.Namespace) -> int:
    """Handler of ``iseg graph``: export the comparison graph or list missing baselines."""
    from taxonomy.files import check_new_file, write_atomic

    fmt = args.format or ("text" if args.missing_baselines else "json")
    allowed = ("text", "json", "png") if args.missing_baselines else ("json", "graphml", "png")
    if fmt not in allowed:
        what = "with --missing-baselines" if args.missing_baselines else "for the graph"
        raise ValueError(f"--format {fmt} is not available {what}; choose one of {list(allowed)}")
    if fmt in ("png", "graphml") and not args.out:
        raise ValueError(f"--format {fmt} needs --out FILE")
    if args.out:
        check_new_file(args.out, force=args.force)
    from taxonomy import graph

    g = graph.build_comparison_graph(post_review=not args.thesis_only)
    text: str | None = None
    if args.missing_baselines:
        rows = graph.missing_baselines(g)
        if fmt == "png":
            pairs = [(r["newer"], r["older"]) for r in rows]
            write_atomic(
                args.out,
                lambda p: graph.draw_png(
                    g,
                    p,
                    highlight=pairs,
                    title=f"{len(rows)} missing-baseline pairs (dotted red: the newer method "
                    "never compared against the older one of its leaf)",
                ),
                force=args.force,
            )
        else:
            text = json.dumps(rows, indent=2) if fmt == "json" else _missing_text(rows)
    elif fmt == "png":
        write_atomic(args.out, lambda p: graph.draw_png(g, p), force=args.force)
    elif fmt == "graphml":
        write_atomic(args.out, lambda p: graph.write_graphml(g, p), force=args.force)
    else:
        text = graph.to_json(g)
    if text is not None and args.out:
        write_atomic(args.out, text + "\n", force=args.force)
    elif text is not None:
        print(text)
    if args.out:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0
