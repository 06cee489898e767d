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

import re
from collections import Counter
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from kb.errors import KBValidationError
from kb.provenance import Source
from kb.sections import require_count
from kb.yaml_io import read_yaml, validate_model, yaml_files

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
    "WINNER_FACTORS",
    "load_catalog",
    "summarize",
]

_STRICT = ConfigDict(extra="forbid", frozen=True)
#: A string with at least one non-space character (``name: "   "`` is rejected).
Text = Annotated[str, Field(min_length=1, pattern=r"\S")]
_Value = bool | int | float | str
_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$")

InteractionKind = Literal["clicks", "scribbles", "bounding-box", "polygons", "any"]
RobotUserKind = Literal["iterative", "non-iterative", "eligibility-mask", "challenge-protocol"]
FactorId = Literal["F1", "F2", "F3", "F4"]
#: Robot-user kinds whose thesis definition is an equation (the others are prose/algorithms).
_FORMAL_KINDS = ("iterative", "non-iterative")
#: The nine modality spellings of thesis Table 20 (kept verbatim).
DatasetModality = Literal[
    "CT", "MRI", "Fundus", "Microscopy", "Ultrasound", "Endoscopy", "X-Ray", "Dermoscopy", "OCT"
]


#: The winners' factors of thesis §7.4 (l.2154): definition as named in the thesis.
WINNER_FACTORS: dict[str, str] = {
    "F1": "iterative interactive training",
    "F2": "small heatmaps (sigma < 5) or positional encoding (PE) as guidance signals",
    "F3": "non-interactive pre-training",
    "F4": "local inference for corrective clicks",
}


class Parameter(BaseModel):
    """One hyperparameter (or reported value) of a guidance signal or robot user."""

    model_config = _STRICT

    name: Text
    symbol: str | None = None
    value: _Value | list[_Value] | dict[str, _Value] | None = None
    unit: str | None = None
    description: Text
    source: Source


def _check_dotted(path: str | None) -> None:
    if path is not None and not _DOTTED.match(path):
        raise ValueError(
            f"implementation must be a dotted path like 'pkg.module.func', got {path!r}"
        )


class GuidanceSignalEntry(BaseModel):
    """A guidance signal: how an interaction is encoded as a model input (thesis §3.1, A.1)."""

    model_config = _STRICT

    id: str
    name: Text
    interaction_types: list[InteractionKind] = Field(min_length=1)
    explicit: StrictBool
    equations: list[StrictInt] = Field(default_factory=list)
    section: Text
    formula: str
    dimensions: list[Literal[2, 3]] = Field(default_factory=lambda: [2, 3])  # type: ignore[arg-type]
    parameters: list[Parameter] = Field(default_factory=list)
    table_names: list[str] = Field(default_factory=list)
    implementation: str | None = None
    notes: str | None = None
    source: Source

    @model_validator(mode="after")
    def _check_explicit_has_equation(self) -> GuidanceSignalEntry:
        if self.explicit and not self.equations:
            raise ValueError("an explicit guidance signal needs at least one equation number")
        _check_dotted(self.implementation)
        return self


class RobotUserEntry(BaseModel):
    """A robot user: a rule that simulates interactions (thesis ch. 5, §7.3.2, §8.2.3.2)."""

    model_config = _STRICT

    id: str
    name: Text
    kind: RobotUserKind
    strategy: Literal["sampling-based", "rule-based", "mixed", "unspecified"]
    interaction_types: list[InteractionKind] = Field(min_length=1)
    equations: list[StrictInt] = Field(default_factory=list)
    algorithm: str | None = None
    section: Text
    description: str
    variants: list[str] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    reported: list[Parameter] = Field(default_factory=list)
    implementation: str | None = None
    notes: str | None = None
    source: Source

    @model_validator(mode="after")
    def _check_has_formal_reference(self) -> RobotUserEntry:
        if not self.equations and self.algorithm is None and self.kind in _FORMAL_KINDS:
            raise ValueError(f"a {self.kind} robot user needs 'equations' or 'algorithm'")
        _check_dotted(self.implementation)
        return self


class ChallengeResult(BaseModel):
    """One row of thesis Table 18 (final Dice in %)."""

    model_config = _STRICT

    best_interactive_dice: StrictFloat
    best_non_interactive_dice: StrictFloat | None
    improvement: StrictFloat | None
    source: Source

    @model_validator(mode="after")
    def _check_improvement(self) -> ChallengeResult:
        if (self.best_non_interactive_dice is None) != (self.improvement is None):
            raise ValueError("improvement must be given exactly when the non-interactive Dice is")
        if self.improvement is not None and self.best_non_interactive_dice is not None:
            diff = self.best_interactive_dice - self.best_non_interactive_dice
            if abs(diff - self.improvement) > 0.051:
                raise ValueError(
                    f"improvement {self.improvement} != interactive - non-interactive = {diff:.2f}"
                )
        return self


class WinnerFactor(BaseModel):
    """A winners' factor (F1–F4, thesis §7.4) observed in a challenge winner."""

    model_config = _STRICT

    factor: FactorId
    evidence: Text
    source: Source


class ChallengeEntry(BaseModel):
    """One of the four challenges of thesis Table 17."""

    model_config = _STRICT

    id: str
    name: Text
    full_name: str
    modality: Text
    targets: str
    conference: Text
    organizers: list[str] = Field(min_length=1)
    robot_user: str | None = None
    result: ChallengeResult
    winner: Text
    winner_reference: str | None = None
    winner_factors: list[WinnerFactor] = Field(default_factory=list)
    source: Source

    @model_validator(mode="after")
    def _check_factors_unique(self) -> ChallengeEntry:
        fs = [f.factor for f in self.winner_factors]
        if len(fs) != len(set(fs)):
            raise ValueError(f"winner_factors lists a factor twice: {fs}")
        return self


class DatasetEntry(BaseModel):
    """One row of thesis Table 20 (OmniMedSeg); ``line`` is the thesis text line."""

    model_config = _STRICT

    name: Text
    modality: DatasetModality
    line: StrictInt
    multi_modality: StrictBool = False


class DatasetTable(BaseModel):
    """The list file ``datasets/omnimedseg.yaml`` (thesis Table 20)."""

    model_config = _STRICT

    id: str
    expected_total: StrictInt
    expected_per_modality: dict[str, int]
    stated_in_text: dict[str, int] = Field(default_factory=dict)
    stated_in_text_source: Source | None = None
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


def _load_dir(directory: Path, model: type[BaseModel]) -> list[Any]:
    out: list[Any] = []
    paths = yaml_files(directory)
    require_count(directory.name, len(paths), directory)
    for path in paths:
        data = read_yaml(path)
        entry = data.get("id") if isinstance(data, dict) else None
        obj = validate_model(model, data, path, entry if isinstance(entry, str) else None)
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
    table = validate_model(DatasetTable, read_yaml(table_path), table_path, "omnimedseg")
    require_count("datasets/omnimedseg.yaml", len(table.datasets), table_path)
    user_ids = {u.id for u in users}
    for ch in challenges:
        if ch.robot_user is not None and ch.robot_user not in user_ids:
            raise KBValidationError(
                data_dir / "challenges" / f"{ch.id}.yaml",
                ch.id,
                "robot_user",
                f"unknown robot user {ch.robot_user!r}; known: {', '.join(sorted(user_ids))}",
            )
    return Catalog(
        guidance_signals=signals,
        robot_users=users,
        challenges=challenges,
        datasets=list(table.datasets) if table else [],
        dataset_table=table,
    )


def summarize(catalog: Catalog) -> dict[str, Any]:
    """Counts behind ``docs/kb_catalog.md`` (``python -m kb.catalog`` prints them as JSON).

    Examples
    --------
    >>> from pathlib import Path
    >>> s = summarize(load_catalog(Path(__file__).parent / "data"))
    >>> s["datasets"], s["challenges"]
    (166, 4)
    """
    table = catalog.dataset_table
    entries: list[GuidanceSignalEntry | RobotUserEntry] = [
        *catalog.guidance_signals,
        *catalog.robot_users,
    ]
    eqs = sorted({n for e in entries for n in e.equations})
    impl = [e for e in entries if e.implementation]
    return {
        "guidance_signals": len(catalog.guidance_signals),
        "guidance_explicit": sum(s.explicit for s in catalog.guidance_signals),
        "robot_users": len(catalog.robot_users),
        "robot_users_by_kind": dict(Counter(u.kind for u in catalog.robot_users)),
        "challenges": len(catalog.challenges),
        "datasets": len(catalog.datasets),
        "distinct_dataset_names": len({d.name for d in catalog.datasets}),
        "datasets_by_modality": dict(Counter(d.modality for d in catalog.datasets)),
        "multi_modality_names": sorted({d.name for d in catalog.datasets if d.multi_modality}),
        "stated_in_text": dict(table.stated_in_text) if table else {},
        "equations_covered": eqs,
        "with_implementation": sorted(e.id for e in impl),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(summarize(load_catalog(Path(__file__).parent / "data")), indent=1))
