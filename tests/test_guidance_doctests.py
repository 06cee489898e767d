"""Run the Examples sections of every guidance module (they are part of the API contract)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "reference_impl.guidance.adaptive",
    "reference_impl.guidance.boxes",
    "reference_impl.guidance.clicks",
    "reference_impl.guidance.encoding",
    "reference_impl.guidance.geodesic",
    "reference_impl.guidance.polygons",
    "reference_impl.guidance.priors",
    "reference_impl.guidance.registry",
    "reference_impl.guidance.scribbles",
    "reference_impl.guidance.transforms",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
