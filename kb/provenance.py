"""Provenance: where every knowledge-base fact comes from.

Every curated fact carries a :class:`Source`.  ``kind`` says what kind of evidence it is;
``ref`` pins it down (a thesis table/line such as ``"thesis Table 14, l.1473"``, a
bibliography number ``"thesis bib [10]"``, a research note section, a URL that was
verified to exist); ``note`` explains inferences.  ``inferred`` facts must say why in
``note``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["SourceKind", "Source"]

SourceKind = Literal[
    "thesis-table",  # a row/cell of a thesis table
    "thesis-text",  # a sentence / equation / algorithm of the thesis text
    "thesis-bibliography",  # the thesis bibliography entry
    "research-note",  # ../shared/sources/*.md research notes
    "paper",  # the method's own paper (abstract or text), publicly available
    "code",  # a public code repository
    "inferred",  # our inference; `note` must give the reason
]


class Source(BaseModel):
    """Where one fact comes from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SourceKind
    ref: str = Field(min_length=1, pattern=r"\S")
    note: str | None = None

    @model_validator(mode="after")
    def _check_inferred_has_reason(self) -> Source:
        if self.kind == "inferred" and not (self.note and self.note.strip()):
            raise ValueError("an 'inferred' source needs a 'note' giving the reason")
        return self
