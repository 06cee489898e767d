"""Pydantic models of the knowledge base (one YAML file per reviewed method).

All models forbid unknown keys (``extra="forbid"``) so that a typo in a YAML file fails
validation.  Cross-entry rules (unique ids, resolving comparison targets) live in
:mod:`kb.loader`; the rules here only look at one entry.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from kb.provenance import Source
from kb.vocab import (
    BRANCH_IDS,
    IMPLICIT_SIGNALS,
    LEAF_IDS,
    GuidanceSignal,
    InteractionType,
    Modality,
    TargetCategory,
)

__all__ = [
    "LeafProvenance",
    "Confidence",
    "ComparisonStatus",
    "TableRow",
    "InteractionEntry",
    "GuidanceEntry",
    "Target",
    "ModalityEntry",
    "LeafAssignment",
    "Citation",
    "MethodSources",
    "Method",
    "ExternalNode",
    "ComparisonEdge",
    "CoverageRow",
    "ComparisonsFile",
    "CodeLink",
]

LeafProvenance = Literal["thesis-text", "thesis-text+inferred", "inferred", "unknown"]
Confidence = Literal["high", "medium-high", "medium", "medium-low", "low-medium", "low", "none"]
ComparisonStatus = Literal["known", "none", "unknown"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class TableRow(_Strict):
    """The verbatim cells of the method's row in thesis Tables 14-16."""

    table: Literal[14, 15, 16]
    line: StrictInt = Field(ge=1)
    paper: str = Field(min_length=1, pattern=r"\S")
    year: StrictInt
    interaction: str = Field(min_length=1, pattern=r"\S")
    guidance_signal: str = Field(min_length=1, pattern=r"\S")
    target: str = Field(min_length=1, pattern=r"\S")
    modality: str = Field(min_length=1, pattern=r"\S")


class InteractionEntry(_Strict):
    """One normalised interaction type with the table fragment it came from."""

    type: InteractionType
    original: str = Field(min_length=1, pattern=r"\S")


class GuidanceEntry(_Strict):
    """One normalised guidance signal; ``explicit`` is False only for implicit signals."""

    signal: GuidanceSignal
    explicit: StrictBool
    original: str = Field(min_length=1, pattern=r"\S")

    @model_validator(mode="after")
    def _check_explicit_flag(self) -> GuidanceEntry:
        expected = self.signal not in IMPLICIT_SIGNALS
        if self.explicit != expected:
            raise ValueError(
                f"signal {str(self.signal)!r} must have explicit={expected}, got {self.explicit}"
            )
        return self


class Target(_Strict):
    """One segmentation target and its anatomy/pathology category."""

    name: str = Field(min_length=1, pattern=r"\S")
    category: TargetCategory
    original: str = Field(min_length=1, pattern=r"\S")


class ModalityEntry(_Strict):
    """One normalised imaging modality with the table fragment it came from."""

    modality: Modality
    original: str = Field(min_length=1, pattern=r"\S")


class LeafAssignment(_Strict):
    """Taxonomy leaf of a method; ``id`` is None when the leaf is not established."""

    id: str | None
    branch: str | None = None
    provenance: LeafProvenance
    confidence: Confidence
    evidence: str = Field(min_length=1, pattern=r"\S")
    alternatives: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_ids(self) -> LeafAssignment:
        if self.id is not None and self.id not in LEAF_IDS:
            raise ValueError(f"unknown leaf {self.id!r}; known leaves: {list(LEAF_IDS)}")
        if self.branch is not None and self.branch not in BRANCH_IDS:
            raise ValueError(f"unknown branch {self.branch!r}; known: {list(BRANCH_IDS)}")
        for alt in self.alternatives:
            if alt not in LEAF_IDS and alt not in BRANCH_IDS:
                raise ValueError(
                    f"unknown alternative leaf {alt!r}; known: {list(LEAF_IDS) + list(BRANCH_IDS)}"
                )
        if (self.id is None) != (self.provenance == "unknown"):
            raise ValueError(
                "leaf id must be null exactly when provenance is 'unknown'; got "
                f"id={self.id!r}, provenance={self.provenance!r}"
            )
        if (self.provenance == "unknown") != (self.confidence == "none"):
            raise ValueError(
                "confidence must be 'none' exactly when provenance is 'unknown'; got "
                f"confidence={self.confidence!r}, provenance={self.provenance!r}"
            )
        return self


class Citation(_Strict):
    """Bibliography entry of the method (thesis bibliography [1]-[121])."""

    title: str = Field(min_length=1, pattern=r"\S")
    authors: str = Field(min_length=1, pattern=r"\S")
    venue: str = Field(min_length=1, pattern=r"\S")
    year: StrictInt = Field(ge=1900, le=2100)
    details: str | None = None  # volume, pages, article number as printed
    line: StrictInt = Field(ge=1)


class MethodSources(_Strict):
    """Provenance of each field group of a method."""

    table: list[Source] = Field(min_length=1)
    citation: list[Source] = Field(min_length=1)
    leaf: list[Source] = Field(min_length=1)
    code: list[Source] = Field(default_factory=list)


class Method(_Strict):
    """One of the 121 reviewed methods (thesis Tables 14-16)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    ref: StrictInt = Field(ge=1, le=121)
    name: str = Field(min_length=1, pattern=r"\S")
    aliases: list[str] = Field(default_factory=list)  # spellings used by the bibliography/text
    year: StrictInt = Field(ge=2000, le=2100)
    table: TableRow
    interactions: list[InteractionEntry] = Field(min_length=1)
    guidance: list[GuidanceEntry] = Field(min_length=1)
    targets: list[Target] = Field(min_length=1)
    modalities: list[ModalityEntry] = Field(min_length=1)
    leaf: LeafAssignment
    citation: Citation
    code_url: str | None = None
    compared_to: list[str] = Field(default_factory=list)
    comparison_status: ComparisonStatus = "unknown"
    sources: MethodSources

    @model_validator(mode="after")
    def _check_table_consistency(self) -> Method:
        if self.table.year != self.year:
            raise ValueError(f"year {self.year} differs from table year {self.table.year}")
        cells = {
            "interactions": self.table.interaction,
            "guidance": self.table.guidance_signal,
            "targets": self.table.target,
            "modalities": self.table.modality,
        }
        for group, cell in cells.items():
            for i, entry in enumerate(getattr(self, group)):
                if entry.original not in cell:
                    raise ValueError(
                        f"{group}[{i}].original {entry.original!r} is not part of the "
                        f"table cell {cell!r}"
                    )
        return self

    @property
    def guidance_explicit(self) -> bool:
        """True when any guidance signal of the method is explicit."""
        return any(g.explicit for g in self.guidance)


class ExternalNode(_Strict):
    """A non-reviewed method that reviewed methods compared against."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1, pattern=r"\S")
    kind: Literal["classical", "non-medical-interactive", "non-interactive", "other"]
    description: str | None = None
    source: Source


class ComparisonEdge(_Strict):
    """Paper ``from`` compared itself against ``to`` (a ref number or an external id)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: StrictInt = Field(alias="from", ge=1, le=121)
    to: StrictInt | str
    source: Source


class CoverageRow(_Strict):
    """Whether the comparisons of one reviewed method are established."""

    ref: StrictInt = Field(ge=1, le=121)
    status: ComparisonStatus
    source: Source


class ComparisonsFile(_Strict):
    """Schema of ``kb/data/comparisons.yaml``."""

    external_nodes: list[ExternalNode] = Field(default_factory=list)
    edges: list[ComparisonEdge] = Field(default_factory=list)
    coverage: list[CoverageRow] = Field(default_factory=list)


class CodeLink(_Strict):
    """One verified code repository of a reviewed method (``kb/data/code_links.yaml``)."""

    ref: StrictInt = Field(ge=1, le=121)
    code: str = Field(pattern=r"^https?://")
    weights: str | None = Field(default=None, pattern=r"^https?://")
    source: Source
