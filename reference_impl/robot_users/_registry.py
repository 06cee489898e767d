"""The registry of iterative robot users (imported lazily by the package)."""

from __future__ import annotations

from collections.abc import Callable

from .iterative import r1_center, r2_uncertainty, r3_edt, r4_uniform, r5_realistic

ROBOT_USERS: dict[str, Callable[..., list]] = {
    "R1": r1_center,
    "R2": r2_uncertainty,
    "R3": r3_edt,
    "R4": r4_uniform,
    "R5": r5_realistic,
}
"""Iterative robot users of thesis §5.2.1.1 by name (Eq. 17-20 and 28)."""
