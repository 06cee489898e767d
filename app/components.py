"""Small presentation helpers shared by the app's pages (no domain logic here).

Badges, table shaping for benchmark JSON files, list-column filtering of the method table,
value counts for the distribution charts and BibTeX/CSV export helpers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

__all__ = [
    "CONFIDENCE_COLORS",
    "PROVENANCE_COLORS",
    "confidence_badge",
    "provenance_badge",
    "review_numbers",
    "bench_tables",
    "filter_methods",
    "explode_counts",
    "to_bibtex",
    "df_to_csv",
    "taxonomy_dot",
    "comparison_dot",
    "leaf_legend_html",
]

CONFIDENCE_COLORS = {
    "high": "green",
    "medium-high": "green",
    "medium": "orange",
    "medium-low": "orange",
    "low-medium": "orange",
    "low": "red",
    "none": "gray",
}
PROVENANCE_COLORS = {
    "thesis-text": "green",
    "thesis-text+inferred": "blue",
    "inferred": "orange",
    "unknown": "gray",
}


def confidence_badge(confidence: str | None) -> str:
    """Markdown badge ``:color-badge[confidence: …]`` for a leaf-assignment confidence."""
    value = str(confidence or "none")
    return f":{CONFIDENCE_COLORS.get(value, 'gray')}-badge[confidence: {value}]"


def provenance_badge(provenance: str | None) -> str:
    """Markdown badge for the provenance of a leaf assignment."""
    value = str(provenance or "unknown")
    return f":{PROVENANCE_COLORS.get(value, 'gray')}-badge[{value}]"


def review_numbers() -> dict[str, str]:
    """Headline numbers of the review, counted from the knowledge base."""
    from app.state import methods_df

    df = methods_df()
    n = len(df)
    years = pd.to_numeric(df["year"], errors="coerce").dropna()
    no_code = int(df["code_url"].isna().sum()) if "code_url" in df else 0
    out = {
        "Reviewed methods": str(n),
        "Years": f"{int(years.min())}–{int(years.max())}" if len(years) else "–",
        "Taxonomy leaves used": str(df["leaf"].nunique()),
        "With public code": f"{n - no_code} / {n}",
    }
    if "comparison_status" in df:
        status = df["comparison_status"].astype(str)
        out["No comparison: verified / unknown"] = (
            f"{int((status == 'none').sum())} / {int((status == 'unknown').sum())}"
        )
    return out


def _as_table(value: Any) -> pd.DataFrame | None:
    """A list of records, or a dict of records keyed by name, as a flat DataFrame."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        df = pd.json_normalize(value)
    elif isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        df = pd.json_normalize(list(value.values()))
        df.insert(0, "name", list(value.keys()))
    else:
        return None
    for col in df.columns:  # nested lists are shown as text
        if df[col].map(lambda v: isinstance(v, (list, dict))).any():
            df[col] = df[col].map(str)
    return df


def bench_tables(data: Any, *, _prefix: str = "") -> list[tuple[str, pd.DataFrame]]:
    """Every table-shaped part of a benchmark JSON document as ``(title, DataFrame)``.

    A list of records or a dict of flat records is a table; scalars at one level form a
    one-row "summary" table; nested dicts are searched recursively.
    """
    tables: list[tuple[str, pd.DataFrame]] = []
    direct = _as_table(data)
    if direct is not None:
        return [(_prefix or "results", direct)]
    if not isinstance(data, dict):
        return tables
    scalars = {k: v for k, v in data.items() if not isinstance(v, (dict, list))}
    scalar_lists = {
        k: ", ".join(map(str, v))
        for k, v in data.items()
        if isinstance(v, list) and not any(isinstance(x, (dict, list)) for x in v)
    }
    if scalars or scalar_lists:
        summary = {**scalars, **scalar_lists}
        tables.append(
            (
                (_prefix + " " if _prefix else "") + "summary",
                pd.DataFrame({"field": list(summary), "value": [str(v) for v in summary.values()]}),
            )
        )
    for key, value in data.items():
        if isinstance(value, (dict, list)) and key not in scalar_lists:
            tables.extend(bench_tables(value, _prefix=f"{_prefix}/{key}" if _prefix else str(key)))
    return tables


#: App table columns -> keyword of :func:`kb.query.filter_methods` (the one method filter).
_FILTER_KEYS = {
    "interactions": "interaction",
    "modalities": "modality",
    "guidance_signals": "guidance",
    "target_categories": "target_category",
    "leaf": "leaf",
    "leaf_confidence": "confidence",
}


def filter_methods(
    df: pd.DataFrame,
    *,
    text: str = "",
    years: tuple[int, int] | None = None,
    list_filters: dict[str, Sequence[str]] | None = None,
    equals: dict[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """The rows of the method table that :func:`kb.query.filter_methods` keeps.

    ``list_filters``/``equals`` map table columns (``interactions``, ``modalities``,
    ``guidance_signals``, ``target_categories``, ``leaf``, ``leaf_confidence``) to the
    selected values (any of them matches; empty selections are ignored); ``text`` searches
    id, name, aliases and title.  Same vocabulary and behaviour as ``iseg methods``.
    """
    from kb import filter_methods as kb_filter
    from kb import load_kb

    kb = load_kb()
    pool = [kb.method_or_post_review(i) for i in df["id"]]
    options: dict[str, Any] = {}
    for col, sel in {**(list_filters or {}), **(equals or {})}.items():
        if col not in _FILTER_KEYS:
            raise ValueError(f"cannot filter on column {col!r}; allowed: {sorted(_FILTER_KEYS)}")
        if sel:
            options[_FILTER_KEYS[col]] = [str(v).removesuffix(" (branch)") for v in sel]
    kept = kb_filter(
        pool,
        text=text,
        year_from=years[0] if years else None,
        year_to=years[1] if years else None,
        **options,
    )
    ids = {m.id for m in kept}
    return df[df["id"].isin(ids)]


def explode_counts(df: pd.DataFrame, column: str) -> pd.DataFrame:
    """Counts of each value of ``column`` (list columns are exploded), as ``value, methods``."""
    s = df[column]
    if s.map(lambda v: isinstance(v, (list, tuple, set))).any():
        s = s.explode()
    counts = s.dropna().astype(str).value_counts().sort_index()
    return counts.rename_axis(column).reset_index(name="methods")


def to_bibtex(methods: Iterable[Any]) -> str:
    """BibTeX of knowledge-base methods: :func:`kb.bibtex.to_bibtex` (the one writer)."""
    from kb import to_bibtex as kb_to_bibtex

    return kb_to_bibtex(methods)


def df_to_csv(df: pd.DataFrame) -> str:
    """CSV text with list columns joined by ``;``."""
    out = df.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (list, tuple, set))).any():
            out[col] = out[col].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple, set)) else v
            )
    return out.to_csv(index=False)


def _dot_quote(text: Any) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def taxonomy_dot(
    tax: Any,
    *,
    counts: dict[str, int] | None = None,
    highlight: Iterable[str] = (),
    selected: str | None = None,
) -> str:
    """Graphviz DOT of the taxonomy tree (top to bottom); ``highlight`` nodes are filled.

    Leaves are boxes labelled ``id\\nname (n methods)``; the wizard's current path or a
    selected node can be highlighted.
    """
    hl = set(highlight)
    lines = ["digraph taxonomy {", "  rankdir=TB; node [fontname=Helvetica, fontsize=10];"]
    for nid in tax.graph.nodes:
        node = tax.node(nid)
        is_leaf = tax.graph.out_degree(nid) == 0
        label = f"{nid}\\n{node.name}" if nid != "ROOT" else node.name
        if counts is not None and nid in counts:
            label += f"\\n({counts[nid]} methods)"
        fill = "gold" if nid == selected else "lightblue"
        style = "filled" if (nid in hl or nid == selected) else "solid"
        label = label.replace('"', "'")  # keep the \\n line breaks as DOT escapes
        body = (
            f'label="{label}", shape={"box" if is_leaf else "ellipse"}, '
            f'style={style}, fillcolor="{fill}"'
        )
        lines.append(f"  {_dot_quote(nid)} [{body}];")
    for a, b in tax.graph.edges:
        style = ' [penwidth=2.5, color="steelblue"]' if a in hl and b in hl else ""
        lines.append(f"  {_dot_quote(a)} -> {_dot_quote(b)}{style};")
    lines.append("}")
    return "\n".join(lines)


_LEAF_PALETTE = [
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
    "#ccebc5",
    "#ffed6f",
    "#a6cee3",
]


def comparison_dot(g: Any, leaf_ids: Sequence[str]) -> str:
    """Graphviz DOT of a comparison graph: reviewed methods as circles coloured by leaf
    (labelled with their reference number), external methods as grey boxes."""
    colour = {lf: _LEAF_PALETTE[i % len(_LEAF_PALETTE)] for i, lf in enumerate(leaf_ids)}
    lines = ["digraph comparisons {", "  rankdir=LR; node [fontname=Helvetica, fontsize=9];"]
    for n, d in g.nodes(data=True):
        if d.get("kind") == "reviewed":
            tip = _dot_quote(f"{d['name']} ({d['year']}), {d.get('leaf')}")
            fill = colour.get(d.get("leaf"), "#ffffff")
            attrs = f'label="[{d["ref"]}]", shape=circle, style=filled, fillcolor="{fill}", tooltip={tip}'
        else:
            name, kind = _dot_quote(d.get("name", n)), _dot_quote(d.get("kind", ""))
            attrs = f'label={name}, shape=box, style=filled, fillcolor="#eeeeee", tooltip={kind}'
        lines.append(f"  {_dot_quote(n)} [{attrs}];")
    for a, b in g.edges:
        lines.append(f"  {_dot_quote(a)} -> {_dot_quote(b)};")
    lines.append("}")
    return "\n".join(lines)


def leaf_legend_html(leaf_ids: Sequence[str]) -> str:
    """HTML colour swatches of the leaves as drawn by :func:`comparison_dot` (fixed content)."""
    items = [
        f'<span style="background:{_LEAF_PALETTE[i % len(_LEAF_PALETTE)]};'
        "padding:1px 6px;border:1px solid #999;border-radius:3px;margin-right:4px;"
        f'font-size:0.8em">{lf}</span>'
        for i, lf in enumerate(leaf_ids)
    ]
    return (
        "Leaf colours: "
        + "".join(items)
        + ' <span style="font-size:0.8em">(white: branch only or unknown)</span>'
    )
