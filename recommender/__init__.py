"""Recommender: the Q1-Q12 decision engine, method ranking and recommendation reports."""

from recommender.engine import Recommendation, Step, next_question, recommend, validate_answers
from recommender.ranking import RankedMethod, rank_methods
from recommender.report import to_json, to_markdown

__all__ = [
    "RankedMethod",
    "Recommendation",
    "Step",
    "next_question",
    "rank_methods",
    "recommend",
    "to_json",
    "to_markdown",
    "validate_answers",
]
