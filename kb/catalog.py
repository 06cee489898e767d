"""The knowledge-base catalog: guidance signals, robot users, challenges and OmniMedSeg datasets.

Everything here is transcribed from the thesis text (``../shared/sources/``) with a
:class:`kb.provenance.Source` per entry.  Layout under ``data_dir``::

    guidance_signals/<id>.yaml    one GuidanceSignalEntry per file (file stem == id)
    robot_users/<id>.yaml         one RobotUserEntry per file (file stem == id)
    challenges/<id>.yaml          one ChallengeEntry per file (file stem == id)
    datasets/omnimedseg.yaml      the 166 rows of thesis Table 20 in one list file

:func:`load_catalog` parses every file with ``yaml.safe_load``, validates it with strict
pydantic models (``extra="forbid"``) and re-raises every failure as a
:class:`kb.errors.KBValidationError` naming the file, the entry id and the field path.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kb.errors import KBValidationError
from kb.provenance import Source

__all__ = [
    "Parameter",
    "GuidanceSignalEntry",
    "RobotUserEntry",
    "ChallengeResult",
    "WinnerFactor",
    "ChallengeEntry",
    "DatasetEntry",
    "DatasetTable",
    "Catalog",
    "load_catalog",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)

InteractionKind = Literal["clicks", "scribbles", "bounding-box", "polygons", "any"]
RobotUserKind = Literal["iterative", "non-iterative", "eligibility-mask", "challenge-protocol"]
FactorId = Literal["F1", "F2", "F3", "F4"]


class Parameter(BaseModel):
    """One hyperparameter of a guidance signal or robot user with the thesis value."""

    model_config = _STRICT

    name: str
    symbol: str | None = None
    value: float | int | str | bool | list[float] | None = None
    unit: str | None = None
    description: str
    source: Source


class GuidanceSignalEntry(BaseModel):
    """A guidance signal: how an interaction is encoded as a model input (thesis §3.1, A.1)."""

    model_config = _STRICT

    id: str
    name: str
    interaction_types: list[InteractionKind] = Field(min_length=1)
    explicit: bool
    equations: list[int] = Field(min_length=1)
    formula: str
    parameters: list[Parameter] = Field(default_factory=list)
    table_names: list[str] = Field(default_factory=list)
    implementation: str | None = None
    notes: str | None = None
    source: Source


class RobotUserEntry(BaseModel):
    """A robot user: a rule that simulates interactions (thesis ch. 5, §7.3.2, §8.2.3.2)."""

    model_config = _STRICT

    id: str
    name: str
    kind: RobotUserKind
    interaction_types: list[InteractionKind] = Field(min_length=1)
    equations: list[int] = Field(default_factory=list)
    algorithm: str | None = None
    description: str
    parameters: list[Parameter] = Field(default_factory=list)
    implementation: str | None = None
    source: Source

    @model_validator(mode="after")
    def _check_has_formal_reference(self) -> RobotUserEntry:
        if not self.equations and self.algorithm is None and self.source.kind != "thesis-text":
            raise ValueError("a robot user needs 'equations', 'algorithm' or a thesis-text source")
        return self


class ChallengeResult(BaseModel):
    """One row of thesis Table 18 (Dice in %)."""

    model_config = _STRICT

    best_interactive_dice: float
    best_non_interactive_dice: float | None
    improvement: float | None
    source: Source


class WinnerFactor(BaseModel):
    """A winners' factor (F1–F4, thesis §7.4) observed in a challenge winner."""

    model_config = _STRICT

    factor: FactorId
    evidence: str
    source: Source


class ChallengeEntry(BaseModel):
    """One of the four challenges of thesis Table 17."""

    model_config = _STRICT

    id: str
    name: str
    full_name: str
    modality: str
    targets: str
    conference: str
    organizers: list[str] = Field(min_length=1)
    robot_user: str | None = None
    result: ChallengeResult
    winner: str | None = None
    winner_factors: list[WinnerFactor] = Field(default_factory=list)
    source: Source


class DatasetEntry(BaseModel):
    """One row of thesis Table 20 (OmniMedSeg)."""

    model_config = _STRICT

    name: str
    modality: str
    multi_modality: bool = False
    note: str | None = None


class DatasetTable(BaseModel):
    """The list file ``datasets/omnimedseg.yaml``."""

    model_config = _STRICT

    id: str
    expected_total: int
    expected_per_modality: dict[str, int]
    datasets: list[DatasetEntry]
    source: Source

    @model_validator(mode="after")
    def _check_counts(self) -> DatasetTable:
        if len(self.datasets) != self.expected_total:
            raise ValueError(
                f"expected {self.expected_total} dataset rows, got {len(self.datasets)}"
            )
        got = dict(Counter(d.modality for d in self.datasets))
        if got != self.expected_per_modality:
            raise ValueError(
                f"per-modality counts {got} differ from expected {self.expected_per_modality}"
            )
        seen: set[tuple[str, str]] = set()
        for d in self.datasets:
            if (d.name, d.modality) in seen:
                raise ValueError(f"duplicate row ({d.name!r}, {d.modality!r})")
            seen.add((d.name, d.modality))
        multi = {n for n, c in Counter(d.name for d in self.datasets).items() if c > 1}
        for d in self.datasets:
            if d.multi_modality != (d.name in multi):
                raise ValueError(
                    f"dataset {d.name!r}: multi_modality must be {d.name in multi} "
                    "(true exactly when the name is listed under more than one modality)"
                )
        return self


class Catalog(BaseModel):
    """Everything :func:`load_catalog` returns."""

    model_config = _STRICT

    guidance_signals: list[GuidanceSignalEntry]
    robot_users: list[RobotUserEntry]
    challenges: list[ChallengeEntry]
    datasets: list[DatasetEntry]
    dataset_table: DatasetTable | None = None

    def guidance_signal(self, id_: str) -> GuidanceSignalEntry:
        """Return the guidance signal with id ``id_`` (ValueError listing known ids)."""
        return _by_id(self.guidance_signals, id_, "guidance signal")

    def robot_user(self, id_: str) -> RobotUserEntry:
        """Return the robot user with id ``id_`` (ValueError listing known ids)."""
        return _by_id(self.robot_users, id_, "robot user")

    def challenge(self, id_: str) -> ChallengeEntry:
        """Return the challenge with id ``id_`` (ValueError listing known ids)."""
        return _by_id(self.challenges, id_, "challenge")


def _by_id(items: list[Any], id_: str, what: str) -> Any:
    for it in items:
        if it.id == id_:
            return it
    known = ", ".join(sorted(it.id for it in items))
    raise ValueError(f"unknown {what} {id_!r}; known: {known}")


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        raise KBValidationError(path, None, None, f"invalid YAML: {exc}") from exc


def _field_path(loc: tuple[int | str, ...]) -> str:
    return "/".join(str(p) for p in loc) if loc else "<root>"


def _validate(model: type[BaseModel], data: Any, path: Path, entry: str | None) -> Any:
    if not isinstance(data, dict):
        raise KBValidationError(
            path, entry, None, f"expected a mapping, got {type(data).__name__}"
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        more = f" (+{exc.error_count() - 1} more errors)" if exc.error_count() > 1 else ""
        raise KBValidationError(path, entry, _field_path(err["loc"]), err["msg"] + more) from exc


def _load_dir(directory: Path, model: type[BaseModel]) -> list[Any]:
    out = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.yaml")):
        data = _read_yaml(path)
        entry = data.get("id") if isinstance(data, dict) else None
        obj = _validate(model, data, path, entry if isinstance(entry, str) else None)
        if obj.id != path.stem:
            raise KBValidationError(
                path, obj.id, "id", f"id {obj.id!r} must equal the file stem {path.stem!r}"
            )
        out.append(obj)
    return out


def load_catalog(data_dir: Path) -> Catalog:
    """Load and validate the catalog under ``data_dir`` (normally ``kb/data``).

    Parameters
    ----------
    data_dir : Path
        Folder holding ``guidance_signals/``, ``robot_users/``, ``challenges/`` and
        ``datasets/omnimedseg.yaml``.

    Returns
    -------
    Catalog
        The validated catalog.

    Raises
    ------
    KBValidationError
        On any YAML or validation failure; the message names file, entry id and field.
    """
    data_dir = Path(data_dir)
    signals = _load_dir(data_dir / "guidance_signals", GuidanceSignalEntry)
    users = _load_dir(data_dir / "robot_users", RobotUserEntry)
    challenges = _load_dir(data_dir / "challenges", ChallengeEntry)
    table_path = data_dir / "datasets" / "omnimedseg.yaml"
    table = None
    if table_path.exists():
        data = _read_yaml(table_path)
        table = _validate(DatasetTable, data, table_path, "omnimedseg")
    return Catalog(
        guidance_signals=signals,
        robot_users=users,
        challenges=challenges,
        datasets=list(table.datasets) if table else [],
        dataset_table=table,
    )
