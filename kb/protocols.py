"""Evaluation protocols the field uses now, as sourced facts (``kb/data/protocols/<id>.yaml``).

The recommender cites these as the evaluation standard of "best practice per leaf"
(issue 13 item 4); each fact carries its own :class:`~kb.provenance.Source` (the official
evaluator's code at a commit, the thesis, or the research note that read them).

Examples
--------
>>> from kb import load_kb
>>> p = load_kb().protocol("cvpr2025-interactive-3d")
>>> p.fact("steps").value, p.fact("time_limit_s_per_class").value
(6, 90)
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from kb.provenance import Source

__all__ = ["ProtocolFact", "Protocol"]

_Scalar = bool | int | float | str
_Value = _Scalar | list[_Scalar] | dict[str, _Scalar | list[_Scalar]]


class ProtocolFact(BaseModel):
    """One fact of a protocol: a machine-readable value, a sentence and its source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    value: _Value
    text: Annotated[str, Field(min_length=1, pattern=r"\S")]
    source: Source


class Protocol(BaseModel):
    """An evaluation protocol (e.g. the CVPR 2025 interactive 3D challenge)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
    name: Annotated[str, Field(min_length=1, pattern=r"\S")]
    year: StrictInt
    challenge: str | None = None  # a catalog challenge id
    robot_user: str | None = None  # a catalog robot-user id
    facts: list[ProtocolFact] = Field(min_length=1)
    source: Source

    def fact(self, key: str) -> ProtocolFact:
        """The fact named ``key`` (``ValueError`` listing the known keys)."""
        for f in self.facts:
            if f.key == key:
                return f
        raise ValueError(
            f"protocol {self.id!r} has no fact {key!r}; known: {[f.key for f in self.facts]}"
        )
