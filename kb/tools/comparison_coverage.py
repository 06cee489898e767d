"""Coverage of the comparison graph (thesis Fig. 42) recorded in ``kb/data/comparisons.yaml``.

Every number in ``docs/kb_comparisons.md`` is printed by this module::

    python -m kb.tools.comparison_coverage            # table
    python -m kb.tools.comparison_coverage --format json

The thesis text (l.1837) gives only aggregates of Fig. 42: 46 of 121 studies compare
against no prior work, 6 only against classical (pre-2016, non-deep-learning) methods,
3 only against DeepIGeoS [5] and 37 only against non-medical interactive models.  This
module sorts every reviewed method whose comparisons are known into the same groups,
computed from the edges, so that the two can be put side by side.  It reads the YAML
directly (``yaml.safe_load``) and checks only what the counts need; the full schema and
cross-checks belong to :func:`kb.load_kb`.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "THESIS_COUNTS",
    "CATEGORIES",
    "UNNAMED_NODES",
    "load_comparisons",
    "classify",
    "coverage_summary",
    "main",
]

N_METHODS = 121
DEEPIGEOS_REF = 5
_DATA = Path(__file__).resolve().parents[1] / "data"

#: Aggregates stated in the thesis text (l.1837); the remaining 29 are "other".
THESIS_COUNTS: dict[str, int] = {
    "none": 46,
    "classical-only": 6,
    "deepigeos-only": 3,
    "non-medical-only": 37,
}

#: Groups a method with known comparisons is sorted into, in priority order.
CATEGORIES: tuple[str, ...] = (
    "deepigeos-only",
    "classical-only",
    "non-medical-only",
    "non-interactive-only",
    "other",
)

#: Grouping nodes for prior work that a source mentions without naming it.  An edge to one
#: of them shows that a study compares against *something*, not against what.
UNNAMED_NODES: frozenset[str] = frozenset(
    {"unnamed-interactive-methods", "unnamed-sota-methods", "traditional-interactive-methods"}
)

View = Literal["all", "interactive"]


def load_comparisons(path: str | Path | None = None) -> dict[str, Any]:
    """Read ``comparisons.yaml`` and check the fields the counts depend on.

    Parameters
    ----------
    path : str or Path, optional
        File to read; defaults to ``kb/data/comparisons.yaml`` of this package.

    Returns
    -------
    dict
        The parsed document with keys ``external_nodes``, ``edges`` and ``coverage``.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If an edge points to an unknown target, a reference number is outside
        1..121, a coverage row is duplicated or missing, or a status contradicts the
        edges (``known`` without an edge, ``none``/``unknown`` with one).
    """
    path = Path(path) if path is not None else _DATA / "comparisons.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    nodes = {n["id"]: n for n in data.get("external_nodes", [])}
    for i, e in enumerate(data.get("edges", [])):
        _check_ref(e.get("from"), f"{path.name}: edges[{i}].from")
        to = e.get("to")
        if isinstance(to, int):
            _check_ref(to, f"{path.name}: edges[{i}].to")
        elif to not in nodes:
            raise ValueError(
                f"{path.name}: edges[{i}].to {to!r} is neither a reference number 1..{N_METHODS} "
                f"nor an external node id; known ids: {sorted(nodes)}"
            )
    _check_coverage(data, path.name)
    return data


def _check_ref(value: object, where: str) -> None:
    """Raise unless ``value`` is an int reference number 1..121."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= N_METHODS:
        raise ValueError(f"{where}: expected a reference number 1..{N_METHODS}, got {value!r}")


def _check_coverage(data: dict[str, Any], name: str) -> None:
    """Raise when coverage rows are missing, duplicated or contradict the edges."""
    rows = data.get("coverage", [])
    refs = [r.get("ref") for r in rows]
    dup = sorted({r for r in refs if refs.count(r) > 1})
    missing = sorted(set(range(1, N_METHODS + 1)) - set(refs))
    if dup or missing:
        raise ValueError(f"{name}: coverage rows duplicated {dup} / missing {missing}")
    with_edges = {e["from"] for e in data.get("edges", [])}
    for r in rows:
        has = r["ref"] in with_edges
        if (r["status"] == "known") != has:
            raise ValueError(
                f"{name}: coverage ref {r['ref']} has status {r['status']!r} but "
                f"{'has' if has else 'has no'} edges; allowed: 'known' iff edges exist"
            )


def classify(targets: list[int | str], node_kinds: dict[str, str], *, view: View = "all") -> str:
    """Sort one method's comparison targets into a thesis-style group.

    Parameters
    ----------
    targets : list of int or str
        The ``to`` values of all edges leaving the method (reference numbers of
        reviewed methods, or external node ids).
    node_kinds : dict
        External node id -> kind (``classical``, ``non-medical-interactive``,
        ``non-interactive``, ``other``).
    view : {'all', 'interactive'}, keyword-only
        ``'interactive'`` ignores edges to non-interactive baselines first, as the
        thesis' "prior work" plausibly means prior interactive work.

    Returns
    -------
    str
        One of :data:`CATEGORIES`, or ``'none'`` when ``view='interactive'`` leaves
        no target.

    Raises
    ------
    ValueError
        If ``view`` is not allowed or a target id has no kind.

    Notes
    -----
    Priority: only DeepIGeoS [5] -> ``deepigeos-only``; only classical nodes ->
    ``classical-only``; only non-medical interactive nodes -> ``non-medical-only``;
    only non-interactive nodes -> ``non-interactive-only``; anything else (another
    reviewed method than [5], mixtures, ``other`` nodes) -> ``other``.

    Examples
    --------
    >>> classify([5], {})
    'deepigeos-only'
    >>> classify(["sam", "u-net"], {"sam": "non-medical-interactive", "u-net": "non-interactive"})
    'other'
    >>> classify(["sam", "u-net"], {"sam": "non-medical-interactive", "u-net": "non-interactive"},
    ...          view="interactive")
    'non-medical-only'
    """
    if view not in ("all", "interactive"):
        raise ValueError(f"view must be one of ['all', 'interactive'], got {view!r}")
    kinds = []
    for t in targets:
        if isinstance(t, int):
            kinds.append("deepigeos" if t == DEEPIGEOS_REF else "reviewed")
        elif t in node_kinds:
            kinds.append(node_kinds[t])
        else:
            raise ValueError(f"target {t!r} has no kind; known ids: {sorted(node_kinds)}")
    if view == "interactive":
        kinds = [k for k in kinds if k != "non-interactive"]
        if not kinds:
            return "none"
    distinct = set(kinds)
    single = {
        "deepigeos": "deepigeos-only",
        "classical": "classical-only",
        "non-medical-interactive": "non-medical-only",
        "non-interactive": "non-interactive-only",
    }
    if len(distinct) == 1 and kinds[0] in single:
        return single[kinds[0]]
    return "other"


def coverage_summary(data: dict[str, Any], *, code_links: list[dict] | None = None) -> dict:
    """Compute coverage and thesis-group counts from a comparisons document.

    Parameters
    ----------
    data : dict
        Output of :func:`load_comparisons`.
    code_links : list of dict, optional, keyword-only
        Entries of ``code_links.yaml``; adds the number of methods with a verified repo.

    Returns
    -------
    dict
        ``status`` (known/none/unknown counts), ``by_view`` (per view: group ->
        sorted reference numbers), ``thesis`` (:data:`THESIS_COUNTS`), ``edges``,
        ``edges_between_reviewed``, ``external_nodes``, ``edge_source_kinds``,
        ``only_unnamed`` (methods whose edges all go to :data:`UNNAMED_NODES`),
        ``unknown_no_text`` (``unknown`` rows whose source says no public text was found,
        i.e. ``source.ref`` starts with "search tool") and, if given, ``code_links``.

    Examples
    --------
    >>> doc = {"external_nodes": [{"id": "sam", "kind": "non-medical-interactive"}],
    ...        "edges": [{"from": 2, "to": "sam", "source": {"kind": "paper"}}],
    ...        "coverage": [{"ref": 1, "status": "none"}, {"ref": 2, "status": "known"}]}
    >>> s = coverage_summary(doc)
    >>> s["status"], s["by_view"]["all"]["non-medical-only"]
    ({'known': 1, 'none': 1, 'unknown': 0}, [2])
    """
    kinds = {n["id"]: n["kind"] for n in data.get("external_nodes", [])}
    status = Counter(r["status"] for r in data.get("coverage", []))
    targets: dict[int, list[int | str]] = {}
    for e in data.get("edges", []):
        targets.setdefault(e["from"], []).append(e["to"])
    by_view: dict[str, dict[str, list[int]]] = {}
    for view in ("all", "interactive"):
        groups: dict[str, list[int]] = {c: [] for c in ("none", *CATEGORIES)}
        groups["none"] = sorted(r["ref"] for r in data["coverage"] if r["status"] == "none")
        for ref in sorted(targets):
            groups[classify(targets[ref], kinds, view=view)].append(ref)
        groups["none"].sort()
        by_view[view] = groups
    out = {
        "status": {k: status.get(k, 0) for k in ("known", "none", "unknown")},
        "by_view": by_view,
        "thesis": dict(THESIS_COUNTS),
        "edges": len(data.get("edges", [])),
        "edges_between_reviewed": sum(isinstance(e["to"], int) for e in data.get("edges", [])),
        "external_nodes": len(kinds),
        "edge_source_kinds": dict(Counter(e["source"]["kind"] for e in data.get("edges", []))),
        "only_unnamed": sorted(
            r for r, ts in targets.items() if set(map(str, ts)) <= UNNAMED_NODES
        ),
        "unknown_no_text": sorted(
            r["ref"]
            for r in data.get("coverage", [])
            if r["status"] == "unknown"
            and str((r.get("source") or {}).get("ref", "")).startswith("search tool")
        ),
    }
    if code_links is not None:
        out["code_links"] = {
            "entries": len(code_links),
            "repos": len({c["code"].rstrip("/") for c in code_links}),
            "methods": len({c["ref"] for c in code_links}),
            "with_weights": len({c["ref"] for c in code_links if c.get("weights")}),
        }
    return out


def _table(s: dict) -> str:
    """Render a summary as plain text."""
    lines = [
        f"methods: {N_METHODS}",
        "comparison status: " + ", ".join(f"{k} {v}" for k, v in s["status"].items()),
    ]
    lines.append(
        f"edges: {s['edges']} ({s['edges_between_reviewed']} between reviewed methods); "
        f"external nodes: {s['external_nodes']}; edge sources: {s['edge_source_kinds']}"
    )
    lines.append(
        f"known only through unnamed grouping nodes: {len(s['only_unnamed'])} {s['only_unnamed']}"
    )
    lines.append(
        f"unknown, no public text found: {len(s['unknown_no_text'])} {s['unknown_no_text']}"
    )
    if "code_links" in s:
        c = s["code_links"]
        lines.append(
            f"code links: {c['entries']} entries ({c['repos']} distinct repos) for {c['methods']} methods "
            f"({c['with_weights']} with weights)"
        )
    for view, groups in s["by_view"].items():
        lines.append(f"\ngroups (view={view}):  group | KB count | thesis count | refs")
        for g, refs in groups.items():
            thesis = s["thesis"].get(g, "-")
            lines.append(f"  {g:<22} {len(refs):>3} | {thesis!s:>3} | {refs}")
    lines.append(f"  {'unknown':<22} {s['status']['unknown']:>3} |   - | (not established)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the coverage summary; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m kb.tools.comparison_coverage")
    p.add_argument("--data-dir", type=Path, default=_DATA)
    p.add_argument("--format", choices=["table", "json"], default="table")
    args = p.parse_args(argv)
    data = load_comparisons(args.data_dir / "comparisons.yaml")
    links_path = args.data_dir / "code_links.yaml"
    links = yaml.safe_load(links_path.read_text(encoding="utf-8")) if links_path.exists() else None
    summary = coverage_summary(data, code_links=links)
    print(json.dumps(summary, indent=1) if args.format == "json" else _table(summary))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
