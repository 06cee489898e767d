"""Methods published after the review's literature search (31 July 2023), kept apart.

The thesis reviewed 121 methods; its search ran on 31 July 2023 (thesis l.1447).  The
methods here came later (first public release after that date) and live in their own
folder ``kb/data/post_review/<id>.yaml`` with their own model, :class:`PostReviewMethod`
(``beyond_review: true``), so that they never change the thesis's counts:
:func:`kb.load_kb` keeps the 121 in ``kb.methods`` and these in ``kb.post_review``.

Every fact group carries its :class:`~kb.provenance.Source`: the research note
``../shared/sources/post_review_methods.md`` (which read the training code at named
commits, READMEs and abstracts) and, where this project re-read a file with the search
tools, a ``verified`` entry naming the file and commit.  The taxonomy leaf is always our
inference from the *training-time* interaction simulation (provenance ``inferred``, or
``unknown``); models prompted only by text fit no leaf of the 13 and are flagged
``outside_taxonomy``.  Comparisons these papers made (against SAM-Med3D, VISTA3D, ...)
are edges in ``kb/data/post_review_comparisons.yaml``, flagged ``post_review: true``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, model_validator

from kb.models import Confidence
from kb.provenance import Source
from kb.vocab import BRANCH_IDS, LEAF_IDS, Modality

__all__ = [
    "PromptType",
    "PostReviewCitation",
    "Prompts",
    "Modalities",
    "CodeInfo",
    "WeightsInfo",
    "PipInfo",
    "PostReviewLeaf",
    "Verification",
    "PostReviewMethod",
    "PostReviewEdge",
    "PostReviewComparisons",
    "REVIEW_SEARCH_DATE",
]

#: The review's literature search date (thesis l.1447).
REVIEW_SEARCH_DATE = "2023-07-31"

Text = Annotated[str, Field(min_length=1, pattern=r"\S")]
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]
#: Spatial interactions share the names of :class:`kb.vocab.InteractionType`; the rest
#: (text, lasso, an initial mask, in-context examples) appear only after the review.
PromptType = Literal[
    "clicks",
    "scribbles",
    "bounding-box",
    "polygons",
    "eye-gaze",
    "lasso",
    "text",
    "mask",
    "in-context",
    "unspecified",
]
#: Prompt types that place a model in the taxonomy ("unspecified": not stated, not text).
_SPATIAL = (
    "clicks",
    "scribbles",
    "bounding-box",
    "polygons",
    "eye-gaze",
    "lasso",
    "mask",
    "unspecified",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostReviewCitation(_Strict):
    """How to cite the method: venue and year always; title/authors only where verified."""

    title: Text | None = None
    authors: Text | None = None
    venue: Text
    year: StrictInt = Field(ge=2023, le=2100)
    arxiv: str | None = Field(default=None, pattern=r"^\d{4}\.\d{4,5}$")
    doi: str | None = Field(default=None, pattern=r"^10\.\d{4,9}/\S+$")
    url: Url | None = None
    source: Source


class Prompts(_Strict):
    """The prompts the released model takes at inference."""

    types: list[PromptType] = Field(min_length=1)
    stated: Text
    dimensionality: Literal["2D", "3D", "2D+3D"]
    source: Source


class Modalities(_Strict):
    """Imaging modalities as stated, and their controlled values (may be empty: 'many')."""

    values: list[Modality] = Field(default_factory=list)
    stated: Text
    source: Source


class CodeInfo(_Strict):
    """The code repository, the commit read and its licence (``unknown`` when not read)."""

    url: Url | None = None
    commit: str | None = Field(default=None, pattern=r"^[0-9a-f]{7,40}$")
    licence: Text
    source: Source


class WeightsInfo(_Strict):
    """Released weights: where, and under which licence (``unknown`` when not stated)."""

    available: StrictBool | None
    where: Text | None = None
    licence: Text
    source: Source


class PipInfo(_Strict):
    """PyPI packages (``[]`` when there is none)."""

    packages: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]]
    note: Text | None = None
    source: Source


class PostReviewLeaf(_Strict):
    """Our placement in the 13-leaf taxonomy, from the training-time interaction simulation."""

    id: str | None
    branch: str | None = None
    provenance: Literal["inferred", "unknown"]
    confidence: Confidence
    training_simulation: Text
    evidence: Text
    alternatives: list[str] = Field(default_factory=list)
    outside_taxonomy: StrictBool = False
    source: Source

    @model_validator(mode="after")
    def _check_leaf(self) -> PostReviewLeaf:
        for value in [self.id, self.branch, *self.alternatives]:
            if value is not None and value not in LEAF_IDS and value not in BRANCH_IDS:
                raise ValueError(
                    f"unknown leaf {value!r}; known: {list(LEAF_IDS) + list(BRANCH_IDS)}"
                )
        if self.id is not None and self.provenance != "inferred":
            raise ValueError("a post-review leaf is our inference: provenance must be 'inferred'")
        if self.id is None and self.branch is None and self.provenance != "unknown":
            raise ValueError("without a leaf or branch the provenance must be 'unknown'")
        if (self.provenance == "unknown") != (self.confidence == "none"):
            raise ValueError("confidence must be 'none' exactly when provenance is 'unknown'")
        if self.outside_taxonomy and self.id is not None:
            raise ValueError("a method outside the taxonomy cannot have a leaf")
        return self


class Verification(_Strict):
    """A fact this project re-checked with the search tools (file and commit named)."""

    fact: Text
    ref: Text


class PostReviewMethod(_Strict):
    """One method published after the review (``kb/data/post_review/<id>.yaml``)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: Text
    aliases: list[Text] = Field(default_factory=list)
    beyond_review: Literal[True]
    year: StrictInt = Field(ge=2023, le=2100)
    first_release: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}$")
    citation: PostReviewCitation
    prompts: Prompts
    modalities: Modalities
    code: CodeInfo
    weights: WeightsInfo
    pip: PipInfo
    leaf: PostReviewLeaf
    verified: list[Verification] = Field(default_factory=list)
    notes: Text | None = None
    compared_to: list[str] = Field(default_factory=list)  # filled by the loader

    @model_validator(mode="after")
    def _check_consistency(self) -> PostReviewMethod:
        if self.citation.year != self.year:
            raise ValueError(f"year {self.year} differs from citation year {self.citation.year}")
        if self.first_release is not None and self.first_release < REVIEW_SEARCH_DATE[:7]:
            raise ValueError(
                f"first_release {self.first_release} is before the review's search "
                f"({REVIEW_SEARCH_DATE}); such a method belongs to the review"
            )
        spatial = [p for p in self.prompts.types if p in _SPATIAL]
        if not spatial and not self.leaf.outside_taxonomy:
            raise ValueError(
                "a model with no spatial prompt (text only) fits no leaf: set "
                "leaf/outside_taxonomy: true"
            )
        return self

    @property
    def text_prompted(self) -> bool:
        """True when the model takes text prompts."""
        return "text" in self.prompts.types

    @property
    def code_url(self) -> str | None:
        """The code repository, if known."""
        return self.code.url

    def record(self) -> dict[str, Any]:
        """A flat row with the keys of :func:`kb.query.method_record` plus post-review fields."""
        return {
            "id": self.id,
            "ref": None,
            "name": self.name,
            "year": self.year,
            "interactions": list(self.prompts.types),
            "guidance_signals": [],
            "guidance_explicit": False,
            "guidance_implicit": False,
            "modalities": [str(m) for m in self.modalities.values],
            "targets": [],
            "target_categories": [],
            "leaf": self.leaf.id,
            "leaf_branch": self.leaf.branch,
            "leaf_provenance": self.leaf.provenance,
            "leaf_confidence": self.leaf.confidence,
            "code_url": self.code.url,
            "compared_to": list(self.compared_to),
            "comparison_status": "known" if self.compared_to else "unknown",
            "beyond_review": True,
            "outside_taxonomy": self.leaf.outside_taxonomy,
            "text_prompted": self.text_prompted,
            "code_licence": self.code.licence,
            "weights_licence": self.weights.licence,
            "pip": list(self.pip.packages),
            "venue": self.citation.venue,
            "title": self.citation.title,
        }

    def bibtex_fields(self) -> tuple[str, dict[str, str]]:
        """BibTeX entry type and fields (title = the name when no title was verified)."""
        c = self.citation
        fields: dict[str, str] = {"title": "{" + (c.title or self.name) + "}"}
        if c.authors:
            fields["author"] = c.authors
        fields["howpublished"] = c.venue
        fields["year"] = str(c.year)
        if c.arxiv:
            fields["eprint"] = c.arxiv
            fields["archiveprefix"] = "arXiv"
        if c.doi:
            fields["doi"] = c.doi
        url = c.url or (f"https://arxiv.org/abs/{c.arxiv}" if c.arxiv else None)
        if url:
            fields["url"] = url
        note = "Published after the thesis review (beyond_review)"
        if not c.title:
            note += "; title not verified, the method name is given"
        if self.code.url:
            note += f"; code: {self.code.url}"
        fields["note"] = note
        return "misc", {k: v.replace("&", r"\&").replace("%", r"\%") for k, v in fields.items()}


class PostReviewEdge(_Strict):
    """A post-review paper compared itself against ``to`` (post-review id, ref or external id)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from", pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    to: StrictInt | Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    post_review: Literal[True]
    what: Text
    source: Source


class PostReviewComparisons(_Strict):
    """Schema of ``kb/data/post_review_comparisons.yaml``."""

    edges: list[PostReviewEdge] = Field(min_length=1)
