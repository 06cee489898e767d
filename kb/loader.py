"""Load, validate and cross-check the knowledge base; pandas views for queries.

:func:`load_kb` reads ``kb/data/methods/*.yaml`` (one reviewed method per file, file stem
== ``id``), the optional ``comparisons.yaml`` and ``code_links.yaml`` and engineer B's
catalog (:func:`kb.catalog.load_catalog`), validates everything with the pydantic models
of :mod:`kb.models` and cross-checks ids.  Every failure is a
:class:`~kb.errors.KBValidationError` naming file, entry id and field path.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Any

from kb.errors import KBValidationError
from kb.models import CodeLink, ComparisonEdge, ComparisonsFile, CoverageRow, ExternalNode, Method
from kb.sections import check_layout, require_count
from kb.yaml_io import read_yaml, validate_model, yaml_files

__all__ = ["KnowledgeBase", "load_kb", "default_data_dir", "N_METHODS"]

N_METHODS = 121


def default_data_dir() -> Path:
    """The packaged data folder ``kb/data``."""
    return Path(__file__).resolve().parent / "data"


class KnowledgeBase:
    """The validated, cross-checked knowledge base (treat as read-only; it is cached)."""

    def __init__(
        self,
        *,
        data_dir: Path,
        methods: list[Method],
        comparisons: ComparisonsFile,
        code_links: list[CodeLink],
        catalog: Any,
        comparisons_present: bool = True,
        post_review: list[Any] | None = None,
        post_review_edges: list[Any] | None = None,
        protocols: list[Any] | None = None,
    ):
        self.data_dir = data_dir
        self.methods = methods
        self.external_nodes: list[ExternalNode] = comparisons.external_nodes
        self.comparisons: list[ComparisonEdge] = comparisons.edges
        self.coverage: list[CoverageRow] = comparisons.coverage
        self.comparisons_present = comparisons_present
        self.code_links = code_links
        self.catalog = catalog
        #: Methods published after the review's search date (kept apart, never counted).
        self.post_review: list[Any] = list(post_review or [])
        #: Their comparison edges (``from_`` post-review id, ``to`` id/ref/external, ``source``).
        self.post_review_edges: list[Any] = list(post_review_edges or [])
        #: Evaluation protocols with sourced facts (e.g. the CVPR 2025 interactive 3D one).
        self.protocols: list[Any] = list(protocols or [])
        self._by_id = {m.id: m for m in methods}
        self._by_ref = {m.ref: m for m in methods}

    def method(self, id_or_ref: str | int) -> Method:
        """Return a method by id (``"deepedit"``), ref (``67``, ``"67"``, ``"[67]"``) or name.

        Raises
        ------
        ValueError
            When nothing matches; the message names the query and a few known ids.
        """
        key = str(id_or_ref).strip()
        if key.strip("[]").isdigit() and int(key.strip("[]")) in self._by_ref:
            return self._by_ref[int(key.strip("[]"))]
        if key.lower() in self._by_id:
            return self._by_id[key.lower()]
        by_name = [
            m
            for m in self.methods
            if key.lower() in {m.name.lower(), *(a.lower() for a in m.aliases)}
        ]
        if len(by_name) == 1:
            return by_name[0]
        if by_name:
            hint = "ambiguous name, matches " + ", ".join(m.id for m in by_name)
        else:
            close = difflib.get_close_matches(key.lower(), sorted(self._by_id), n=5, cutoff=0.6)
            hint = (
                "did you mean " + ", ".join(close)
                if close
                else "e.g. "
                + ", ".join(sorted(self._by_id)[:8])
                + ", ...; `iseg methods` lists all"
            )
        raise ValueError(
            f"no method {id_or_ref!r}; use an id, a ref 1..{len(self.methods)} or a unique "
            f"name ({hint})"
        )

    def protocol(self, id_: str) -> Any:
        """The evaluation protocol ``id_`` (ValueError listing the known ids)."""
        for p in self.protocols:
            if p.id == id_:
                return p
        raise ValueError(f"unknown protocol {id_!r}; known: {[p.id for p in self.protocols]}")

    def post_review_method(self, id_: str) -> Any:
        """A post-review method by id (ValueError listing the known ids)."""
        for m in self.post_review:
            if m.id == str(id_).strip().lower():
                return m
        raise ValueError(
            f"no post-review method {id_!r}; known: {', '.join(m.id for m in self.post_review)}"
        )

    def method_or_post_review(self, id_or_ref: str | int) -> Any:
        """A reviewed method (as :meth:`method`) or a post-review method by its id."""
        key = str(id_or_ref).strip().lower()
        for m in self.post_review:
            if m.id == key:
                return m
        return self.method(id_or_ref)

    def methods_df(self):
        """One row per method (pandas DataFrame), columns as documented in docs/kb.md."""
        import pandas as pd

        from kb.query import method_record

        rows = [method_record(m) for m in self.methods]
        return pd.DataFrame(rows).sort_values("ref", ignore_index=True)


#: Method fields the loader fills from comparisons.yaml / code_links.yaml (with their sources).
_LOADER_FILLED = {
    "compared_to": ([], "comparisons.yaml (edges)"),
    "comparison_status": ("unknown", "comparisons.yaml (coverage)"),
    "code_url": (None, "code_links.yaml"),
}


def _check_loader_filled(data: dict[str, Any], path: Path, entry: str) -> None:
    """Reject hand-set values of loader-filled fields (they would bypass their sources)."""
    for field, (default, where) in _LOADER_FILLED.items():
        if data.get(field, default) != default:
            raise KBValidationError(
                path,
                entry,
                field,
                f"got {data[field]!r}; this field is filled by the loader from {where}, "
                f"leave it {default!r} here and add the entry with its source there",
            )


def _load_methods(methods_dir: Path) -> list[Method]:
    paths = yaml_files(methods_dir)
    require_count("methods", len(paths), methods_dir)
    methods: list[Method] = []
    refs: dict[int, str] = {}
    for path in paths:
        data = read_yaml(path)
        entry = data.get("id") if isinstance(data, dict) else None
        entry = entry if isinstance(entry, str) else path.stem
        m = validate_model(Method, data, path, entry)
        _check_loader_filled(data, path, m.id)
        if m.id != path.stem:
            raise KBValidationError(
                path, m.id, "id", f"id {m.id!r} must equal the file stem {path.stem!r}"
            )
        if m.ref in refs:
            raise KBValidationError(
                path, m.id, "ref", f"ref {m.ref} is already used by {refs[m.ref]!r}"
            )
        refs[m.ref] = m.id
        methods.append(m)
    missing = sorted(set(range(1, N_METHODS + 1)) - set(refs))
    if missing:
        raise KBValidationError(
            methods_dir, None, "ref", f"expected refs 1..{N_METHODS}; missing {missing}"
        )
    return methods


def _check_comparisons(comp: ComparisonsFile, path: Path, methods: list[Method]) -> None:
    by_ref = {m.ref: m for m in methods}
    ids = {m.id for m in methods}
    ext: set[str] = set()
    for i, node in enumerate(comp.external_nodes):
        if node.id in ids or node.id in ext:
            raise KBValidationError(
                path,
                node.id,
                f"external_nodes/{i}/id",
                f"external node id {node.id!r} is not unique",
            )
        ext.add(node.id)
    for i, e in enumerate(comp.edges):
        if e.from_ not in by_ref:
            raise KBValidationError(
                path, f"edge {i}", f"edges/{i}/from", f"unknown reviewed method ref {e.from_}"
            )
        if e.to == e.from_:
            raise KBValidationError(
                path,
                f"edge {e.from_}->{e.to}",
                f"edges/{i}/to",
                "self-loop: a method cannot compare against itself",
            )
        ok = (e.to in by_ref) if isinstance(e.to, int) else (e.to in ext)
        if not ok:
            raise KBValidationError(
                path,
                f"edge {e.from_}->{e.to}",
                f"edges/{i}/to",
                f"{e.to!r} is neither a ref 1..{N_METHODS} nor an external node id "
                f"(known external: {sorted(ext)})",
            )
    with_edges = {e.from_ for e in comp.edges}
    seen: set[int] = set()
    for i, row in enumerate(comp.coverage):
        where = f"coverage/{i}/status"
        if row.ref in seen:
            raise KBValidationError(path, f"ref {row.ref}", f"coverage/{i}/ref", "duplicate row")
        seen.add(row.ref)
        if row.ref not in by_ref:
            raise KBValidationError(path, f"ref {row.ref}", f"coverage/{i}/ref", "unknown ref")
        if (row.status == "known") != (row.ref in with_edges):
            raise KBValidationError(
                path,
                f"ref {row.ref}",
                where,
                f"status {row.status!r} but the method has "
                f"{'some' if row.ref in with_edges else 'no'} edges",
            )


def _load_comparisons(data_dir: Path, methods: list[Method]) -> tuple[ComparisonsFile, bool]:
    path = data_dir / "comparisons.yaml"
    comp = validate_model(ComparisonsFile, read_yaml(path), path, "comparisons")
    require_count("comparisons.yaml", len(comp.edges), path)
    require_count("comparisons.yaml#external_nodes", len(comp.external_nodes), path)
    _check_comparisons(comp, path, methods)
    return comp, True


def _load_code_links(data_dir: Path, methods: list[Method]) -> list[CodeLink]:
    path = data_dir / "code_links.yaml"
    data = read_yaml(path)
    if not isinstance(data, list):
        raise KBValidationError(
            path, None, None, f"expected a list of {{ref, code, ...}}, got {type(data).__name__}"
        )
    require_count("code_links.yaml", len(data), path)
    refs = {m.ref for m in methods}
    links, seen = [], set()
    for i, item in enumerate(data):
        link = validate_model(CodeLink, item, path, f"item {i}", prefix=f"{i}/")
        if link.ref not in refs or link.ref in seen:
            raise KBValidationError(path, f"ref {link.ref}", f"{i}/ref", "unknown or duplicate ref")
        seen.add(link.ref)
        links.append(link)
    return links


def _attach(methods: list[Method], comp: ComparisonsFile, links: list[CodeLink]) -> list[Method]:
    by_ref = {m.ref: m for m in methods}
    targets: dict[int, list[str]] = {}
    for e in comp.edges:
        to = by_ref[e.to].id if isinstance(e.to, int) else e.to
        targets.setdefault(e.from_, [])
        if to not in targets[e.from_]:
            targets[e.from_].append(to)
    status = {row.ref: row.status for row in comp.coverage}
    link_by_ref = {link.ref: link for link in links}
    out = []
    for m in methods:
        update: dict[str, Any] = {
            "compared_to": targets.get(m.ref, []),
            "comparison_status": "known" if m.ref in targets else status.get(m.ref, "unknown"),
        }
        if m.ref in link_by_ref:
            link = link_by_ref[m.ref]
            update["code_url"] = link.code
            update["sources"] = m.sources.model_copy(
                update={"code": [*m.sources.code, link.source]}
            )
        out.append(m.model_copy(update=update))
    return out


@functools.lru_cache(maxsize=8)
def _load_cached(data_dir: str) -> KnowledgeBase:
    root = Path(data_dir)
    if not root.is_dir():
        raise KBValidationError(root, None, None, "knowledge-base folder does not exist")
    check_layout(root)
    methods = _load_methods(root / "methods")
    comp, present = _load_comparisons(root, methods)
    links = _load_code_links(root, methods)
    methods = _attach(methods, comp, links)
    from kb.catalog import load_catalog  # engineer B's catalog

    catalog = load_catalog(root)
    from kb.sections import load_post_review, load_protocols

    post, post_edges = load_post_review(
        root, {m.ref: m.id for m in methods}, {n.id for n in comp.external_nodes}
    )
    return KnowledgeBase(
        data_dir=root,
        methods=sorted(methods, key=lambda m: m.ref),
        comparisons=comp,
        code_links=links,
        catalog=catalog,
        comparisons_present=present,
        post_review=post,
        post_review_edges=post_edges,
        protocols=load_protocols(root, catalog),
    )


def load_kb(data_dir: str | Path | None = None) -> KnowledgeBase:
    """Load and cross-check the knowledge base (cached per folder).

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder with ``methods/`` (and optionally ``comparisons.yaml``,
        ``code_links.yaml`` and the catalog folders).  Defaults to ``kb/data``.

    Returns
    -------
    KnowledgeBase
        Methods, comparison edges, external nodes, code links and the catalog.

    Raises
    ------
    KBValidationError
        When any file fails to parse or validate; the message names file, entry, field.

    Examples
    --------
    >>> kb = load_kb()
    >>> len(kb.methods), kb.method("deepedit").ref
    (121, 67)
    """
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    return _load_cached(str(root.resolve()))
