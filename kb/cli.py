"""``iseg`` sub-commands of the knowledge base: ``kb validate``, ``methods``, ``method``,
``stats`` and ``export``.

A thin layer: filtering is :func:`kb.query.filter_methods`, counts are
:func:`kb.stats.compute_stats`, BibTeX is :func:`kb.bibtex.to_bibtex`; nothing here imports
pandas, so ``iseg methods --format json`` costs little more than loading the KB.  Bad input
(unknown filter value, unknown method) raises ``ValueError`` and ``iseg`` turns it into
``error: ...`` with exit code 2; an invalid knowledge base is reported the same way.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

_LIST_COLS = (
    "interactions",
    "guidance_signals",
    "modalities",
    "targets",
    "target_categories",
    "compared_to",
)
_TABLE_COLS = ("ref", "id", "year", "interactions", "guidance_signals", "modalities", "leaf")


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir", type=Path, default=None, help="knowledge-base folder (default: kb/data)"
    )


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``kb``, ``methods``, ``method``, ``stats`` and ``export``."""
    kb_p = sub.add_parser("kb", help="knowledge-base maintenance")
    kb_sub = kb_p.add_subparsers(dest="kb_command", metavar="ACTION")
    kb_p.set_defaults(func=lambda _a: (kb_p.print_help(), 2)[1])
    val = kb_sub.add_parser("validate", help="load and cross-check every KB file")
    _add_data_dir(val)
    val.set_defaults(func=_cmd_validate)

    mp = sub.add_parser(
        "methods",
        help="list methods (the 121 reviewed; filters combine with AND, values any case)",
    )
    mp.add_argument(
        "--modality",
        help="e.g. CT, MRI (or MR), US, PET (also finds PET/CT), X-ray, microscopy; a table "
        "spelling such as CT/MRI matches methods with either modality",
    )
    mp.add_argument(
        "--interaction",
        help="clicks | scribbles | bounding-box | polygons | eye-gaze (also click, box, bbox, "
        "scribble, polygon; the same vocabulary as `iseg recommend`)",
    )
    mp.add_argument("--guidance", help="e.g. heatmap, disk, geodesic-map, implicit, explicit")
    mp.add_argument("--leaf", help="taxonomy leaf or branch id, e.g. T2.1.2.1.2, T3, unknown")
    mp.add_argument("--year-from", type=int, help="keep methods published in or after YEAR")
    mp.add_argument("--target", help="case-insensitive substring of a target name")
    mp.add_argument("--search", help="case-insensitive substring of id, name, alias or title")
    scope = mp.add_mutually_exclusive_group()
    scope.add_argument(
        "--since-review",
        action="store_true",
        help="list only the methods published after the review's search (31 July 2023), "
        "kept apart from the 121 (beyond_review: true)",
    )
    scope.add_argument(
        "--include-post-review",
        action="store_true",
        help="list the 121 reviewed methods and the post-review methods together",
    )
    mp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _add_data_dir(mp)
    mp.set_defaults(func=_cmd_methods)

    one = sub.add_parser("method", help="show one method in full, with provenance")
    one.add_argument(
        "id", help="id (deepedit), ref (67) or unique name; or a post-review id (nninteractive)"
    )
    one.add_argument("--format", choices=("yaml", "json"), default="yaml")
    _add_data_dir(one)
    one.set_defaults(func=_cmd_method)

    st = sub.add_parser("stats", help="counts by modality, interaction, guidance, year, leaf, ...")
    st.add_argument("--format", choices=("table", "json"), default="table")
    _add_data_dir(st)
    st.set_defaults(func=_cmd_stats)

    ex = sub.add_parser("export", help="export the reviewed studies")
    ex.add_argument("--format", choices=("bibtex", "csv", "json"), required=True)
    _add_data_dir(ex)
    ex.set_defaults(func=_cmd_export)


def _load(args: argparse.Namespace):
    from kb import load_kb

    return load_kb(args.data_dir)


def _cmd_validate(args: argparse.Namespace) -> int:
    from kb.errors import KBValidationError

    try:
        kb = _load(args)
    except KBValidationError as exc:
        print(f"kb validate: INVALID\n{exc}", file=sys.stderr)
        return 2
    cat = kb.catalog
    n_known = sum(m.comparison_status == "known" for m in kb.methods)
    print(f"kb validate: OK ({kb.data_dir})")
    print(
        f"  methods: {len(kb.methods)} (leaves set: {sum(m.leaf.id is not None for m in kb.methods)})"
    )
    print(
        f"  comparisons: {len(kb.comparisons)} edges, {len(kb.external_nodes)} external nodes, "
        f"{n_known} methods with known comparisons"
        + ("" if kb.comparisons_present else " (comparisons.yaml absent)")
    )
    print(f"  code links: {len(kb.code_links)}")
    post = kb.post_review
    print(
        f"  post-review methods (beyond_review, not counted above): {len(post)} "
        f"({sum(m.leaf.outside_taxonomy for m in post)} outside the taxonomy, "
        f"{sum(len(m.compared_to) for m in post)} comparison edges)"
    )
    print(f"  protocols: {', '.join(p.id for p in kb.protocols)}")
    if cat is not None:
        print(
            f"  catalog: {len(cat.guidance_signals)} guidance signals, {len(cat.robot_users)} "
            f"robot users, {len(cat.challenges)} challenges, {len(cat.datasets)} datasets"
        )
    return 0


def _joined(rec: dict[str, Any]) -> dict[str, Any]:
    return {
        k: "; ".join(v) if k in _LIST_COLS else ("" if v is None else v) for k, v in rec.items()
    }


def _csv(records: list[dict[str, Any]], keys: tuple[str, ...] | list[str]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(keys), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(_joined(r) for r in records)
    return buf.getvalue()


def _table(records: list[dict[str, Any]], keys: tuple[str, ...], *, width: int = 40) -> str:
    def cell(v: Any) -> str:
        text = "; ".join(v) if isinstance(v, list) else ("-" if v is None else str(v))
        return text if len(text) <= width else text[: width - 3] + "..."

    rows = [[cell(r.get(k)) for k in keys] for r in records]
    widths = [max(len(k), *(len(row[i]) for row in rows)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.rjust(w) for k, w in zip(keys, widths, strict=True))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _selection(args: argparse.Namespace, kb: Any) -> tuple[list[Any], int]:
    """The methods ``iseg methods`` lists and the size of the pool they come from."""
    from kb.query import filter_methods

    pool = list(kb.methods)
    if getattr(args, "since_review", False):
        pool = list(kb.post_review)
    elif getattr(args, "include_post_review", False):
        pool = pool + list(kb.post_review)
    chosen = filter_methods(
        pool,
        modality=args.modality,
        interaction=args.interaction,
        guidance=args.guidance,
        leaf=args.leaf,
        year_from=args.year_from,
        target=args.target,
        text=getattr(args, "search", None),
    )
    return chosen, len(pool)


def _cmd_methods(args: argparse.Namespace) -> int:
    from kb.query import RECORD_KEYS, method_record

    kb = _load(args)
    chosen, pool = _selection(args, kb)
    records = [method_record(m) for m in chosen]
    if args.format == "json":
        print(
            json.dumps(
                [{k: r[k] for k in RECORD_KEYS} for r in records], indent=2, ensure_ascii=False
            )
        )
    elif args.format == "csv":
        sys.stdout.write(_csv(records, RECORD_KEYS))
    elif not records:
        print("no methods match")
    else:
        print(_table(records, _TABLE_COLS))
        print(f"{len(records)} of {pool} methods")
    return 0


def _cmd_method(args: argparse.Namespace) -> int:
    import yaml

    kb = _load(args)
    m = kb.method_or_post_review(args.id)
    data = m.model_dump(mode="json", by_alias=True)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from kb.stats import compute_stats

    stats = compute_stats(_load(args))
    if args.format == "json":
        print(json.dumps(stats, indent=2))
        return 0
    for section, counts in stats.items():
        print(f"{section}:")
        width = max((len(k) for k in counts), default=0)
        for k, v in counts.items():
            print(f"  {k:<{width}}  {v}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from kb.bibtex import to_bibtex
    from kb.query import method_record

    kb = _load(args)
    methods = list(kb.methods)
    if args.format == "bibtex":
        sys.stdout.write(to_bibtex(methods))
    elif args.format == "csv":
        records = []
        for m in methods:
            rec = method_record(m)
            rec["authors"] = m.citation.authors
            rec["citation_year"] = m.citation.year
            rec["citation_details"] = m.citation.details or ""
            records.append(rec)
        sys.stdout.write(_csv(records, list(records[0])))
    else:
        data = [m.model_dump(mode="json", by_alias=True) for m in methods]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0
