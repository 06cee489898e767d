"""The knowledge base's sections, their minimum sizes, and the post-review/protocol loaders.

Every section is required: a missing or emptied file or folder is a
:class:`~kb.errors.KBValidationError` naming it, never a silently smaller KB.  The
minimum counts below are the thesis's own numbers where it gives one (121 methods,
Tables 14-16; 4 challenges, Table 17; 166 datasets, Table 20) and otherwise the curated
size of the section (lowering one is a deliberate edit of :data:`MIN_COUNTS`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kb.errors import KBValidationError
from kb.post_review import PostReviewComparisons, PostReviewEdge, PostReviewMethod
from kb.protocols import Protocol
from kb.yaml_io import read_yaml, validate_model, yaml_files

__all__ = [
    "MIN_COUNTS",
    "require_count",
    "check_layout",
    "LAYOUT",
    "load_post_review",
    "load_protocols",
    "POST_REVIEW_DIR",
    "POST_REVIEW_COMPARISONS",
    "PROTOCOLS_DIR",
]

POST_REVIEW_DIR = "post_review"
POST_REVIEW_COMPARISONS = "post_review_comparisons.yaml"
PROTOCOLS_DIR = "protocols"

#: Section -> (minimum number of entries, what counts).
MIN_COUNTS: dict[str, tuple[int, str]] = {
    "methods": (121, "reviewed method files (thesis Tables 14-16)"),
    "comparisons.yaml": (1, "comparison edges"),
    "comparisons.yaml#external_nodes": (1, "external nodes"),
    "code_links.yaml": (1, "verified code links"),
    "guidance_signals": (15, "guidance signal files (thesis §3.1, App. A.1)"),
    "robot_users": (21, "robot user files (thesis ch. 5, §7.3.2, §8.2.3.2)"),
    "challenges": (4, "challenge files (thesis Table 17)"),
    "datasets/omnimedseg.yaml": (166, "OmniMedSeg datasets (thesis Table 20)"),
    POST_REVIEW_DIR: (25, "post-review method files (issue 13: at least 25)"),
    POST_REVIEW_COMPARISONS: (1, "post-review comparison edges"),
    PROTOCOLS_DIR: (1, "evaluation protocol files"),
}


#: Every entry the knowledge-base folder may hold (anything else is a typo or a stray file).
LAYOUT: dict[str, tuple[str, ...]] = {
    ".": (
        "methods",
        "comparisons.yaml",
        "code_links.yaml",
        "guidance_signals",
        "robot_users",
        "challenges",
        "datasets",
        POST_REVIEW_DIR,
        POST_REVIEW_COMPARISONS,
        PROTOCOLS_DIR,
    ),
    "datasets": ("omnimedseg.yaml",),
}


def check_layout(root: Path) -> None:
    """Reject unexpected entries in the KB folder and in ``datasets/`` (names starting
    with ``.`` are ignored), e.g. a ``comparisons.yml`` next to ``comparisons.yaml``."""
    for sub, allowed in LAYOUT.items():
        folder = root / sub
        if not folder.is_dir():
            continue
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or child.name in allowed:
                continue
            raise KBValidationError(
                child,
                None,
                None,
                f"unexpected entry; {folder.name or 'the KB folder'} holds only {list(allowed)}",
            )


def require_count(section: str, n: int, path: Path) -> None:
    """Raise when ``section`` holds fewer than its :data:`MIN_COUNTS` entries."""
    need, what = MIN_COUNTS[section]
    if n < need:
        raise KBValidationError(
            path, None, None, f"section has {n} {what}; at least {need} are required"
        )


def _check_stem(obj: Any, path: Path) -> None:
    if obj.id != path.stem:
        raise KBValidationError(
            path, obj.id, "id", f"id {obj.id!r} must equal the file stem {path.stem!r}"
        )


def load_post_review(
    root: Path, reviewed: dict[int, str], external: set[str]
) -> tuple[list[PostReviewMethod], list[PostReviewEdge]]:
    """Load ``post_review/*.yaml`` and attach ``post_review_comparisons.yaml``.

    Parameters
    ----------
    root : Path
        The knowledge-base folder.
    reviewed : dict
        Ref -> id of the 121 reviewed methods (an edge may point to one by ref).
    external : set of str
        External node ids of ``comparisons.yaml``.

    Returns
    -------
    (list of PostReviewMethod, list of PostReviewEdge)
        The methods sorted by year then id (``compared_to`` filled from the edges) and the
        edges as in the file (``to`` may be a reviewed ref).

    Raises
    ------
    KBValidationError
        On a missing section, too few entries, an id clash with a reviewed method, an
        unknown edge end or a self-loop.
    """
    folder = root / POST_REVIEW_DIR
    paths = yaml_files(folder)
    require_count(POST_REVIEW_DIR, len(paths), folder)
    methods: dict[str, PostReviewMethod] = {}
    for path in paths:
        data = read_yaml(path)
        entry = data.get("id") if isinstance(data, dict) else None
        m = validate_model(
            PostReviewMethod, data, path, entry if isinstance(entry, str) else path.stem
        )
        _check_stem(m, path)
        if m.id in reviewed.values():
            raise KBValidationError(path, m.id, "id", "id clashes with a reviewed method")
        methods[m.id] = m
    comp_path = root / POST_REVIEW_COMPARISONS
    comp = validate_model(
        PostReviewComparisons, read_yaml(comp_path), comp_path, "post-review comparisons"
    )
    require_count(POST_REVIEW_COMPARISONS, len(comp.edges), comp_path)
    targets: dict[str, list[str]] = {}
    for i, e in enumerate(comp.edges):
        where = f"edge {e.from_}->{e.to}"
        if e.from_ not in methods:
            raise KBValidationError(comp_path, where, f"edges/{i}/from", "unknown post-review id")
        to = reviewed.get(e.to) if isinstance(e.to, int) else e.to
        if to is None or (to not in methods and to not in external and to not in reviewed.values()):
            raise KBValidationError(
                comp_path,
                where,
                f"edges/{i}/to",
                f"{e.to!r} is neither a post-review id, a ref 1..121 nor an external node id",
            )
        if to == e.from_:
            raise KBValidationError(
                comp_path,
                where,
                f"edges/{i}/to",
                "self-loop: a method cannot compare against itself",
            )
        targets.setdefault(e.from_, [])
        if to not in targets[e.from_]:
            targets[e.from_].append(to)
    out = [m.model_copy(update={"compared_to": targets.get(m.id, [])}) for m in methods.values()]
    return sorted(out, key=lambda m: (m.year, m.id)), list(comp.edges)


def load_protocols(root: Path, catalog: Any) -> list[Protocol]:
    """Load ``protocols/*.yaml``; challenge and robot-user ids must exist in the catalog."""
    folder = root / PROTOCOLS_DIR
    paths = yaml_files(folder)
    require_count(PROTOCOLS_DIR, len(paths), folder)
    challenges = {c.id for c in catalog.challenges}
    users = {u.id for u in catalog.robot_users}
    out = []
    for path in paths:
        data = read_yaml(path)
        entry = data.get("id") if isinstance(data, dict) else None
        p = validate_model(Protocol, data, path, entry if isinstance(entry, str) else path.stem)
        _check_stem(p, path)
        if p.challenge is not None and p.challenge not in challenges:
            raise KBValidationError(path, p.id, "challenge", f"unknown challenge {p.challenge!r}")
        if p.robot_user is not None and p.robot_user not in users:
            raise KBValidationError(
                path, p.id, "robot_user", f"unknown robot user {p.robot_user!r}"
            )
        keys = [f.key for f in p.facts]
        if len(keys) != len(set(keys)):
            raise KBValidationError(path, p.id, "facts", f"a fact key appears twice: {keys}")
        out.append(p)
    return out
