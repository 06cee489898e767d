"""Run the docstring examples of the taxonomy and recommender modules (they are documentation)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "taxonomy.core",
    "taxonomy.tree",
    "taxonomy.questions",
    "taxonomy.pipelines",
    "taxonomy.graph",
    "recommender.engine",
    "recommender.ranking",
    "recommender.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert res.attempted > 0, f"{name} has no examples"
    assert res.failed == 0
