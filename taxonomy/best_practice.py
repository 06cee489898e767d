"""Best practice per taxonomy node (thesis chapters 3-5 and 7), with thesis lines.

The data live in ``taxonomy/data/best_practice.yaml``; a practice applies to every leaf at or
below one of its ``applies_to`` nodes.  Every practice quotes its thesis line verbatim (checked
by a test against the thesis text).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from taxonomy.tree import DATA_DIR, read_yaml

__all__ = ["Practice", "load_best_practice", "validate_best_practice"]

_KEYS = {"id", "topic", "applies_to", "advice", "line", "quote", "also"}
_OPTIONAL = {"kb_protocol"}


@dataclass(frozen=True)
class Practice:
    """One piece of advice: ``applies_to`` node ids, thesis ``line`` + verbatim ``quote``."""

    id: str
    topic: str
    applies_to: tuple[str, ...]
    advice: str
    line: int
    quote: str
    also: tuple[int, ...] = ()
    kb_protocol: str | None = None


def _clean(text: Any) -> str:
    return " ".join(str(text).split())


def load_best_practice(path: str | Path | None = None) -> tuple[Practice, ...]:
    """Load the practices (not yet checked against the tree).

    Raises
    ------
    ValueError
        For missing or unknown keys, a duplicate id, or a missing line / quote.
    """
    path = Path(path) if path is not None else DATA_DIR / "best_practice.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("practices"), list):
        raise ValueError(f"{path.name}: expected a top-level 'practices' list")
    out, seen = [], set()
    for i, e in enumerate(data["practices"]):
        where = f"{path.name}: practices[{i}]"
        if not isinstance(e, dict) or not _KEYS <= set(e) or set(e) - _KEYS - _OPTIONAL:
            got = sorted(e) if isinstance(e, dict) else type(e).__name__
            raise ValueError(
                f"{where}: needs the keys {sorted(_KEYS)} (optional {sorted(_OPTIONAL)}), got {got}"
            )
        if not isinstance(e["line"], int) or e["line"] < 1 or not str(e["quote"]).strip():
            raise ValueError(f"{where}: needs a positive thesis 'line' and a verbatim 'quote'")
        if e["id"] in seen:
            raise ValueError(f"{where}: duplicate id {e['id']!r}")
        seen.add(e["id"])
        out.append(
            Practice(
                e["id"],
                _clean(e["topic"]),
                tuple(e["applies_to"]),
                _clean(e["advice"]),
                e["line"],
                _clean(e["quote"]),
                tuple(int(x) for x in e["also"] or ()),
                e.get("kb_protocol"),
            )
        )
    return tuple(out)


def validate_best_practice(practices: tuple[Practice, ...], graph: nx.DiGraph) -> None:
    """Check that every ``applies_to`` node is a taxonomy node.

    Raises
    ------
    ValueError
        Naming the practice and the unknown node.
    """
    for p in practices:
        bad = [n for n in p.applies_to if n not in graph]
        if bad or not p.applies_to:
            raise ValueError(f"best practice {p.id}: applies_to {bad or '[]'} are not tree nodes")
