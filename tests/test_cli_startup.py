"""CLI start-up (issue 15 item 4): building the ``iseg`` parser imports no heavy library.

Every package's ``cli.register`` is imported by ``iseg --help`` and by every command, so a
module-level numpy/pandas/torch/networkx/pydantic import there (or in a package
``__init__`` on the way) slows every command down.  The timing itself is measured by
``python bench/cli_startup.py`` (not asserted here: CPU contention makes it noisy).
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "numpy",
    "pandas",
    "torch",
    "networkx",
    "pydantic",
    "scipy",
    "matplotlib",
    "streamlit",
    "monai",
)


def _modules_after(code: str) -> list[str]:
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_building_the_parser_imports_nothing_heavy():
    assert _modules_after("from app.cli import build_parser; build_parser()") == []


def test_each_command_module_imports_nothing_heavy():
    from app.cli import _COMMAND_MODULES  # noqa: PLC2701 - the list under test

    for name in _COMMAND_MODULES:
        assert _modules_after(f"import {name}") == [], name


def test_help_lists_the_commands():
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "--help"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "recommend" in r.stdout and "taxonomy" in r.stdout
