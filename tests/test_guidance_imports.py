"""Importing the guidance CLI (done by every ``iseg`` command) must stay light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import reference_impl.guidance as guidance

_HEAVY = ("torch", "scipy", "skimage", "monai", "networkx")


def test_cli_import_loads_no_heavy_module():
    code = (
        "import sys, reference_impl.guidance.cli, reference_impl.guidance as g;"
        f"print(sorted(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"importing reference_impl.guidance.cli loaded {out}"


def test_lazy_exports_resolve_to_their_definitions():
    from reference_impl.guidance import clicks, registry

    assert set(guidance.__all__) == set(guidance._EXPORTS)
    assert guidance.disk is clicks.disk
    assert guidance.CLICK_SIGNALS is registry.CLICK_SIGNALS
    assert set(guidance.__all__) <= set(dir(guidance))
    for name in guidance.__all__:
        value = getattr(guidance, name)
        if callable(value):
            assert value.__module__ == f"reference_impl.guidance.{guidance._EXPORTS[name]}"


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'no_such_signal'"):
        guidance.no_such_signal  # noqa: B018
