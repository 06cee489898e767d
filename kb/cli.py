"""``iseg`` sub-commands of the knowledge base: ``kb validate``, ``methods``, ``method``,
``stats`` and ``export``.

All views are built from :meth:`kb.KnowledgeBase.methods_df` with pandas.  Bad input
(unknown filter value, unknown method) raises ``ValueError`` and ``iseg`` turns it into
``error: ...`` with exit code 2; an invalid knowledge base is reported the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

__all__ = ["register", "filter_methods", "compute_stats", "to_bibtex"]

_LIST_COLS = (
    "interactions",
    "guidance_signals",
    "modalities",
    "targets",
    "target_categories",
    "compared_to",
)
_JSON_COLS = (
    "id",
    "ref",
    "name",
    "year",
    "interactions",
    "guidance_signals",
    "guidance_explicit",
    "modalities",
    "targets",
    "target_categories",
    "leaf",
    "leaf_branch",
    "leaf_provenance",
    "leaf_confidence",
    "code_url",
    "compared_to",
    "comparison_status",
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

    mp = sub.add_parser("methods", help="list reviewed methods (filters combine with AND)")
    mp.add_argument(
        "--modality",
        help="e.g. CT, MRI, US, PET/CT, X-ray, microscopy; a table spelling such as CT/MRI "
        "matches methods with either modality",
    )
    mp.add_argument("--interaction", help="clicks | scribbles | bounding-box | polygons | eye-gaze")
    mp.add_argument("--guidance", help="e.g. heatmap, disk, geodesic-map, implicit, explicit")
    mp.add_argument("--leaf", help="taxonomy leaf or branch id, e.g. T2.1.2.1.2, T3, unknown")
    mp.add_argument("--year-from", type=int, help="keep methods published in or after YEAR")
    mp.add_argument("--target", help="case-insensitive substring of a target name")
    mp.add_argument("--format", choices=("table", "json", "csv"), default="table")
    _add_data_dir(mp)
    mp.set_defaults(func=_cmd_methods)

    one = sub.add_parser("method", help="show one method in full, with provenance")
    one.add_argument("id", help="id (deepedit), ref (67) or unique name")
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
    if cat is not None:
        print(
            f"  catalog: {len(cat.guidance_signals)} guidance signals, {len(cat.robot_users)} "
            f"robot users, {len(cat.challenges)} challenges, {len(cat.datasets)} datasets"
        )
    return 0


def _match_enum(value: str, enum_cls: type, normalise, extra: tuple[str, ...] = ()) -> set[str]:
    allowed = [str(v) for v in enum_cls]
    for v in allowed:
        if v.lower() == value.strip().lower():
            return {v}
    try:
        out = normalise(value)
    except ValueError:
        raise ValueError(
            f"unknown {enum_cls.__name__} {value!r}; allowed: {allowed + list(extra)}"
        ) from None
    return {str(x) for x in (out if isinstance(out, tuple) else (out,))}


def filter_methods(
    df,
    *,
    modality: str | None = None,
    interaction: str | None = None,
    guidance: str | None = None,
    leaf: str | None = None,
    year_from: int | None = None,
    target: str | None = None,
):
    """Rows of :meth:`KnowledgeBase.methods_df` matching every given filter (AND).

    Raises
    ------
    ValueError
        For a value outside the controlled vocabularies, naming the allowed set.
    """
    from kb.vocab import (
        BRANCH_IDS,
        LEAF_IDS,
        GuidanceSignal,
        InteractionType,
        Modality,
        normalise_guidance,
        normalise_interaction,
        normalise_modality,
    )

    mask = df["ref"] > 0
    if modality:
        want = _match_enum(modality, Modality, normalise_modality)
        if str(Modality.PET) in want:  # every reviewed PET study is PET/CT (Tables 14-16)
            want |= {str(Modality.PET_CT)}
        mask &= df["modalities"].map(lambda xs: bool(want & set(xs)))
    if interaction:
        want = _match_enum(interaction, InteractionType, normalise_interaction)
        mask &= df["interactions"].map(lambda xs: bool(want & set(xs)))
    if guidance:
        g = guidance.strip().lower()
        if g in {"explicit", "implicit"}:
            mask &= df[f"guidance_{g}"]
        else:
            want = _match_enum(guidance, GuidanceSignal, normalise_guidance, extra=("explicit",))
            mask &= df["guidance_signals"].map(lambda xs: bool(want & set(xs)))
    if leaf:
        if leaf == "unknown":
            mask &= df["leaf"].isna()
        elif leaf in LEAF_IDS or leaf in BRANCH_IDS:
            under = df["leaf"].fillna("").map(lambda x: x == leaf or x.startswith(leaf + "."))
            branch = (
                df["leaf_branch"].fillna("").map(lambda x: x == leaf or x.startswith(leaf + "."))
            )
            mask &= under | branch
        else:
            raise ValueError(
                f"unknown leaf {leaf!r}; allowed: {list(LEAF_IDS) + list(BRANCH_IDS)} or 'unknown'"
            )
    if year_from is not None:
        mask &= df["year"] >= year_from
    if target:
        t = target.lower()
        mask &= df["targets"].map(lambda xs: any(t in x.lower() for x in xs))
    return df[mask].reset_index(drop=True)


def _joined(df):
    out = df.copy()
    for col in _LIST_COLS:
        if col in out:
            out[col] = out[col].map(lambda xs: "; ".join(xs))
    return out


def _records(df) -> list[dict[str, Any]]:
    recs = df[list(_JSON_COLS)].to_dict(orient="records")
    for r in recs:
        for k, v in r.items():
            if v != v:  # NaN from pandas for missing leaf_branch/leaf
                r[k] = None
            elif hasattr(v, "item"):
                r[k] = v.item()
    return recs


def _cmd_methods(args: argparse.Namespace) -> int:
    kb = _load(args)
    df = filter_methods(
        kb.methods_df(),
        modality=args.modality,
        interaction=args.interaction,
        guidance=args.guidance,
        leaf=args.leaf,
        year_from=args.year_from,
        target=args.target,
    )
    if args.format == "json":
        print(json.dumps(_records(df), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(_joined(df[list(_JSON_COLS)]).to_csv(index=False))
    else:
        if df.empty:
            print("no methods match")
        else:
            table = _joined(df[list(_TABLE_COLS)]).fillna("-")
            print(table.to_string(index=False, max_colwidth=40))
            print(f"{len(df)} of {len(kb.methods)} methods")
    return 0


def _cmd_method(args: argparse.Namespace) -> int:
    import yaml

    kb = _load(args)
    m = kb.method(args.id)
    data = m.model_dump(mode="json", by_alias=True)
    if args.format == "json":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100), end="")
    return 0


def _comparison_practice(kb) -> Counter:
    kinds = {n.id: n.kind for n in kb.external_nodes}
    deepigeos = kb.method(5).id
    out: Counter = Counter()
    for m in kb.methods:
        if m.comparison_status != "known":
            out[{"none": "no prior work", "unknown": "unknown"}[m.comparison_status]] += 1
            continue
        to = set(m.compared_to)
        if to == {deepigeos}:
            out["only DeepIGeoS [5]"] += 1
        elif to and all(kinds.get(t) == "classical" for t in to):
            out["only classical"] += 1
        elif to and all(kinds.get(t) == "non-medical-interactive" for t in to):
            out["only non-medical interactive"] += 1
        elif to and all(kinds.get(t) == "non-interactive" for t in to):
            out["only non-interactive"] += 1
        else:
            out["other / mixed"] += 1
    return out


def compute_stats(kb) -> dict[str, dict[str, int]]:
    """Counts of methods by modality, interaction, guidance, year, leaf and comparison practice.

    A method counts once in every category it belongs to (a CT+MRI method counts for
    both CT and MRI), so category counts can sum to more than 121.
    """
    df = kb.methods_df()

    def explode(col: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in df[col].explode().value_counts().items()}

    n = len(df)
    explicit_only = int((df.guidance_explicit & ~df.guidance_implicit).sum())
    implicit_only = int((~df.guidance_explicit & df.guidance_implicit).sum())
    return {
        "total": {"methods": n},
        "modality": explode("modalities"),
        "interaction": explode("interactions"),
        "guidance_signal": explode("guidance_signals"),
        "explicit_implicit": {
            "any explicit": int(df.guidance_explicit.sum()),
            "explicit only": explicit_only,
            "implicit only": implicit_only,
            "both": n - explicit_only - implicit_only,
        },
        "year": {str(k): int(v) for k, v in df.year.value_counts().sort_index().items()},
        "leaf": {str(k): int(v) for k, v in df.leaf.fillna("unknown").value_counts().items()},
        "leaf_branch_when_leaf_unknown": {
            str(k): int(v) for k, v in df.leaf_branch.dropna().value_counts().items()
        },
        "leaf_provenance": {str(k): int(v) for k, v in df.leaf_provenance.value_counts().items()},
        "target_category": explode("target_categories"),
        "comparison_status": {
            str(k): int(v) for k, v in df.comparison_status.value_counts().items()
        },
        "comparison_practice": dict(_comparison_practice(kb).most_common()),
    }


def _cmd_stats(args: argparse.Namespace) -> int:
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


def _bib_type(venue: str) -> tuple[str, str]:
    low = venue.lower()
    if low.startswith(("arxiv", "biorxiv")):
        return "misc", "howpublished"
    proceedings = ("conference", "workshop", "symposium", "miccai", "advances in", "proceedings")
    if any(w in low for w in proceedings) or low.startswith("spie medical imaging"):
        return "inproceedings", "booktitle"
    return "article", "journal"


def _bib_escape(text: str) -> str:
    return text.replace("&", r"\&").replace("%", r"\%").replace("_", r"\_")


def to_bibtex(methods) -> str:
    """BibTeX of the reviewed studies from their bibliography fields (authors as printed)."""
    entries = []
    for m in methods:
        c = m.citation
        kind, venue_key = _bib_type(c.venue)
        authors = c.authors.replace(" et al.", " and others").replace(", and ", " and ")
        authors = authors.replace(" and ", ", ").replace(", ", " and ")
        fields = {
            "title": "{" + _bib_escape(c.title) + "}",
            "author": _bib_escape(authors),
            venue_key: _bib_escape(c.venue),
            "year": str(c.year),
            "note": f"Thesis bibliography [{m.ref}]" + (f"; {c.details}" if c.details else ""),
        }
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items())
        entries.append(f"@{kind}{{{m.id},\n{body}\n}}")
    return "\n\n".join(entries) + "\n"


def _cmd_export(args: argparse.Namespace) -> int:
    kb = _load(args)
    if args.format == "bibtex":
        sys.stdout.write(to_bibtex(kb.methods))
    elif args.format == "csv":
        df = kb.methods_df()
        cites = {m.ref: m.citation for m in kb.methods}
        df["authors"] = df["ref"].map(lambda r: cites[r].authors)
        df["citation_year"] = df["ref"].map(lambda r: cites[r].year)
        df["citation_details"] = df["ref"].map(lambda r: cites[r].details or "")
        sys.stdout.write(_joined(df).to_csv(index=False))
    else:
        data = [m.model_dump(mode="json", by_alias=True) for m in kb.methods]
        print(json.dumps(data, indent=2, ensure_ascii=False))
    return 0
