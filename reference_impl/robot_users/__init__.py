"""Robot users: simulated annotators for training and evaluation (thesis §5.1, §5.2).

``ROBOT_USERS`` maps a name to an iterative user ``f(label, pred, *, probs=None,
image=None, clicks=(), rng=None, spacing=None, affine=None, **params) -> list[Click]``;
:func:`get_robot_user` looks one up and raises ``ValueError`` listing the known names.

The public names are imported lazily (PEP 562), so that importing
``reference_impl.robot_users.cli`` (done by every ``iseg`` command) does not load
scipy, scikit-image or cc3d.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .._lazy import lazy_exports

if TYPE_CHECKING:  # static analysis sees the eager imports
    from ._registry import ROBOT_USERS
    from .challenges import (
        autopet_clicks,
        medsegfm_box,
        medsegfm_click,
        toothfairy_clicks,
        trials_clicks,
    )
    from .clicksim import CLICKSIM_METHODS, simulate_click
    from .corrections import (
        SliceCorrection,
        error_skeleton_scribbles,
        worst_slice_correction,
        worst_vertex_correction,
    )
    from .eligibility import (
        BOX_STYLES,
        CLICK_STYLES,
        ELIGIBILITY,
        SCRIBBLE_STYLES,
        eligibility_box,
        eligibility_click,
        eligibility_mask,
        eligibility_polygon,
        eligibility_scribble,
    )
    from .iterative import (
        r1_center,
        r2_uncertainty,
        r3_edt,
        r4_uniform,
        r5_realistic,
    )
    from .loop import InteractionResult, run_interaction
    from .noniterative import (
        SAMPLING_STRATEGIES,
        bounding_box,
        extreme_points,
        interior_margin_points,
        object_center,
        polygon_vertices,
        sample_clicks,
        skeleton_scribble,
    )
    from .uncertainty import entropy_uncertainty, epistemic_uncertainty, mc_dropout_probs

_EXPORTS: dict[str, str] = {
    "autopet_clicks": "challenges",
    "medsegfm_box": "challenges",
    "medsegfm_click": "challenges",
    "toothfairy_clicks": "challenges",
    "trials_clicks": "challenges",
    "CLICKSIM_METHODS": "clicksim",
    "simulate_click": "clicksim",
    "SliceCorrection": "corrections",
    "error_skeleton_scribbles": "corrections",
    "worst_slice_correction": "corrections",
    "worst_vertex_correction": "corrections",
    "BOX_STYLES": "eligibility",
    "CLICK_STYLES": "eligibility",
    "ELIGIBILITY": "eligibility",
    "SCRIBBLE_STYLES": "eligibility",
    "eligibility_box": "eligibility",
    "eligibility_click": "eligibility",
    "eligibility_mask": "eligibility",
    "eligibility_polygon": "eligibility",
    "eligibility_scribble": "eligibility",
    "entropy_uncertainty": "uncertainty",
    "epistemic_uncertainty": "uncertainty",
    "mc_dropout_probs": "uncertainty",
    "r1_center": "iterative",
    "r2_uncertainty": "iterative",
    "r3_edt": "iterative",
    "r4_uniform": "iterative",
    "r5_realistic": "iterative",
    "InteractionResult": "loop",
    "run_interaction": "loop",
    "SAMPLING_STRATEGIES": "noniterative",
    "bounding_box": "noniterative",
    "extreme_points": "noniterative",
    "interior_margin_points": "noniterative",
    "object_center": "noniterative",
    "polygon_vertices": "noniterative",
    "sample_clicks": "noniterative",
    "skeleton_scribble": "noniterative",
    "ROBOT_USERS": "_registry",
}
"""Public name -> submodule that defines it (resolved on first access)."""
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "ROBOT_USERS",
    "get_robot_user",
    "r1_center",
    "r2_uncertainty",
    "r3_edt",
    "r4_uniform",
    "r5_realistic",
    "entropy_uncertainty",
    "epistemic_uncertainty",
    "mc_dropout_probs",
    "simulate_click",
    "CLICKSIM_METHODS",
    "SAMPLING_STRATEGIES",
    "sample_clicks",
    "object_center",
    "extreme_points",
    "interior_margin_points",
    "skeleton_scribble",
    "bounding_box",
    "polygon_vertices",
    "ELIGIBILITY",
    "eligibility_mask",
    "CLICK_STYLES",
    "eligibility_click",
    "SCRIBBLE_STYLES",
    "eligibility_scribble",
    "BOX_STYLES",
    "eligibility_box",
    "eligibility_polygon",
    "autopet_clicks",
    "toothfairy_clicks",
    "trials_clicks",
    "medsegfm_click",
    "medsegfm_box",
    "error_skeleton_scribbles",
    "SliceCorrection",
    "worst_slice_correction",
    "worst_vertex_correction",
    "InteractionResult",
    "run_interaction",
]


def get_robot_user(name: str) -> Callable[..., list]:
    """Return the iterative robot user registered as ``name`` (e.g. ``"R1"``).

    >>> get_robot_user("R4").__name__
    'r4_uniform'
    """
    from ._registry import ROBOT_USERS

    if name not in ROBOT_USERS:
        raise ValueError(f"unknown robot user {name!r}; known: {', '.join(ROBOT_USERS)}")
    return ROBOT_USERS[name]
