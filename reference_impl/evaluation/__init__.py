"""Held-out evaluation of interactive engines beside the classical baselines.

:func:`evaluate` runs engines x robot users x cases through
:class:`~reference_impl.session.InteractiveSession` and the one interaction loop
(:func:`reference_impl.robot_users.loop.run_interaction`), scored in the input's voxel grid;
:func:`resolve_data` turns ``--data`` values into cases; :mod:`.split` is the fixed
held-out split of the bundled data.  ``iseg evaluate`` and ``iseg segment`` are thin layers
over this package (docs/evaluation.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:
    from .data import CaseSpec, resolve_data
    from .harness import (
        Case,
        CaseResult,
        evaluate,
        evaluate_case,
        format_table,
        load_cases,
        summarize,
    )
    from .segment import segment_file

__all__ = [
    "CaseSpec",
    "resolve_data",
    "Case",
    "CaseResult",
    "load_cases",
    "evaluate_case",
    "evaluate",
    "summarize",
    "format_table",
    "segment_file",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CaseSpec": "data",
        "resolve_data": "data",
        "Case": "harness",
        "CaseResult": "harness",
        "load_cases": "harness",
        "evaluate_case": "harness",
        "evaluate": "harness",
        "summarize": "harness",
        "format_table": "harness",
        "segment_file": "segment",
    },
)
