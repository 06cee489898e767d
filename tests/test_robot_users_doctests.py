"""Run the docstring examples of the robot-user and metric modules (they are documentation)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "reference_impl.robot_users",
    "reference_impl.robot_users.clicksim",
    "reference_impl.robot_users.iterative",
    "reference_impl.robot_users.noniterative",
    "reference_impl.robot_users.eligibility",
    "reference_impl.robot_users.challenges",
    "reference_impl.robot_users.corrections",
    "reference_impl.robot_users.loop",
    "reference_impl.robot_users.transforms",
    "reference_impl.metrics.base",
    "reference_impl.metrics.interactive",
    "reference_impl.metrics.annotator",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    mod = importlib.import_module(name)
    res = doctest.testmod(
        mod, extraglobs={"np": importlib.import_module("numpy")}, optionflags=doctest.ELLIPSIS
    )
    assert res.failed == 0
    if name != "reference_impl.robot_users" or res.attempted:
        assert res.attempted > 0
