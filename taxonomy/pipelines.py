"""Leaf -> reference pipeline registry (``taxonomy/data/leaf_pipelines.yaml``).

Every taxonomy leaf names one runnable reference pipeline (implemented in
``reference_impl/pipelines/`` under exactly the same id): its interaction type, guidance
signal (a :class:`kb.vocab.GuidanceSignal` value or ``"none"``), robot user, training regime
and model.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kb.vocab import LEAF_IDS, GuidanceSignal
from taxonomy.tree import DATA_DIR, read_yaml

__all__ = ["TRAINING_REGIMES", "load_leaf_pipelines", "leaf_pipeline", "pipeline_ids"]

TRAINING_REGIMES = (
    "active-learning",
    "single-shot-simulation",
    "iterative-simulation",
    "non-interactive",
    "online-from-scratch",
    "online-fine-tuning",
)
_KEYS = {
    "leaf",
    "id",
    "interaction",
    "guidance_signal",
    "robot_user",
    "builds_on",
    "robot_user_rule",
    "training_regime",
    "model",
    "description",
    "thesis",
}


def _check(entry: Any, file: str) -> dict:
    """Validate one pipeline entry; messages name the file, leaf and field."""
    if not isinstance(entry, dict) or set(entry) != _KEYS:
        got = sorted(entry) if isinstance(entry, dict) else entry
        raise ValueError(f"{file}: pipeline entry keys {got}; required exactly {sorted(_KEYS)}")
    where = f"{file}: pipeline for {entry['leaf']!r}"
    if entry["leaf"] not in LEAF_IDS:
        raise ValueError(f"{where}: field 'leaf' is not a taxonomy leaf; leaves: {list(LEAF_IDS)}")
    if not str(entry["id"]).lower().startswith(entry["leaf"].lower() + "-"):
        raise ValueError(f"{where}: field 'id' {entry['id']!r} must start with '<leaf>-'")
    signals = [s.value for s in GuidanceSignal] + ["none"]
    if entry["guidance_signal"] not in signals:
        raise ValueError(
            f"{where}: field 'guidance_signal' is {entry['guidance_signal']!r}; allowed: {signals}"
        )
    if entry["training_regime"] not in TRAINING_REGIMES:
        raise ValueError(
            f"{where}: field 'training_regime' is {entry['training_regime']!r}; "
            f"allowed: {list(TRAINING_REGIMES)}"
        )
    if not isinstance(entry["builds_on"], list):
        raise ValueError(f"{where}: field 'builds_on' must be a list of catalog robot-user ids")
    out: dict[str, Any] = {
        k: (" ".join(v.split()) if isinstance(v, str) else v) for k, v in entry.items()
    }
    out["builds_on"] = tuple(entry["builds_on"])
    out["thesis_line"] = out.pop("thesis")["line"]
    return out


@lru_cache(maxsize=4)
def _load(path: str) -> MappingProxyType:
    """Read and validate the registry file once per path (read-only mapping leaf -> entry)."""
    p = Path(path)
    data = read_yaml(p)
    if not isinstance(data, dict) or not isinstance(data.get("pipelines"), list):
        raise ValueError(f"{p.name}: expected a top-level 'pipelines' list")
    entries = [_check(e, p.name) for e in data["pipelines"]]
    by_leaf = {e["leaf"]: e for e in entries}
    ids = [e["id"] for e in entries]
    if len(by_leaf) != len(entries) or len(set(ids)) != len(ids):
        raise ValueError(f"{p.name}: leaves and pipeline ids must be unique")
    if set(by_leaf) != set(LEAF_IDS):
        raise ValueError(
            f"{p.name}: pipelines missing for leaves {sorted(set(LEAF_IDS) - set(by_leaf))}"
        )
    return MappingProxyType({leaf: MappingProxyType(by_leaf[leaf]) for leaf in LEAF_IDS})


def load_leaf_pipelines(path: str | Path | None = None) -> dict[str, dict]:
    """Load and validate the registry; returns leaf id -> pipeline dict (fresh copies).

    Raises
    ------
    ValueError
        If a leaf is missing or duplicated, an id does not start with its leaf, or a field has a
        value outside its vocabulary.

    Examples
    --------
    >>> load_leaf_pipelines()["T2.1.2.2.1"]["robot_user"]
    'r1-center-click'
    """
    reg = _load(str(Path(path) if path is not None else DATA_DIR / "leaf_pipelines.yaml"))
    return {leaf: dict(entry) for leaf, entry in reg.items()}


def leaf_pipeline(leaf_id: str) -> dict:
    """Return the reference pipeline of one leaf.

    Parameters
    ----------
    leaf_id : str
        One of :data:`kb.vocab.LEAF_IDS`.

    Returns
    -------
    dict
        Keys ``id, leaf, interaction, guidance_signal, robot_user, builds_on, robot_user_rule,
        training_regime, model, description, thesis_line``.

    Raises
    ------
    ValueError
        If ``leaf_id`` is not a leaf; the message lists the leaves.

    Examples
    --------
    >>> leaf_pipeline("T2.1.2.1.2")["id"]
    't2.1.2.1.2-edt-error-sampling'
    """
    reg = _load(str(DATA_DIR / "leaf_pipelines.yaml"))
    if leaf_id not in reg:
        raise ValueError(f"unknown leaf {leaf_id!r}; known leaves: {list(reg)}")
    return dict(reg[leaf_id])


def pipeline_ids() -> tuple[str, ...]:
    """All reference pipeline ids in leaf order."""
    return tuple(e["id"] for e in _load(str(DATA_DIR / "leaf_pipelines.yaml")).values())
