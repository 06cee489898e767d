"""Building blocks of the interaction protocols: robot-user adapters and guidance encoders.

Everything here is a thin adapter from the packages of the other engineers
(``reference_impl.robot_users``, ``reference_impl.guidance``) to the ``Protocol`` call
signatures of :mod:`._interactive`; no robot-user or signal logic is re-implemented.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..guidance import get_signal
from ..interactions import Box, Click, Scribble
from ..robot_users import get_robot_user
from ._interactive import Protocol

__all__: list[str] = []

#: Radius (voxels) of the disk/ball click signal (Eq. 5) used by the click leaves.
DISK_RADIUS = 2.0
#: Sigma (voxels) of the Gaussian heatmap (Eq. 4; SW-FastEdit uses 1).
HEATMAP_SIGMA = 1.0


def of_type(history: list, kind: type) -> list:
    """The interactions of one type in a history."""
    return [h for h in history if isinstance(h, kind)]


def click_encoder(signal: str) -> Callable[..., torch.Tensor]:
    """``(history, shape, spacing) -> (2, *shape)`` with the registered click signal."""
    fn = get_signal(signal)
    params = {"sigma": DISK_RADIUS} if signal == "disk" else {"sigma": HEATMAP_SIGMA}

    def encode(history, shape, spacing):
        return fn(of_type(history, Click), tuple(shape), device="cpu", **params)

    return encode


def user_correct(name: str, **params) -> Callable[..., list]:
    """``correct`` from an iterative robot user of the registry (R1..R5)."""
    user = get_robot_user(name)

    def correct(label, pred, probs, image, history, rng, spacing):
        return user(
            label,
            pred,
            probs=probs,
            image=image,
            clicks=tuple(of_type(history, Click)),
            rng=rng,
            **params,
        )

    return correct


def user_first(name: str) -> Callable[..., list]:
    """``first``: the robot user's first iteration (``pred=None``: a click on the label)."""
    correct = user_correct(name)

    def first(label, image, rng, spacing):
        if not np.any(label):
            return []
        return correct(label, None, None, image, [], rng, spacing)

    return first


def click_protocol(
    name: str, *, user: str = "R1", signal: str = "disk", first: Callable[..., list] | None = None
) -> Protocol:
    """Clicks from robot user ``user`` encoded with the click ``signal`` (2 channels)."""
    return Protocol(name, 2, first or user_first(user), user_correct(user), click_encoder(signal))


def with_background_click(first: Callable[..., list]) -> Callable[..., list]:
    """``first`` plus one background click: R1's FP click for an all-foreground prediction
    (the voxel farthest from the object and the image border)."""
    r1 = get_robot_user("R1")

    def both(label, image, rng, spacing):
        out = list(first(label, image, rng, spacing))
        if np.any(label):
            out += [c for c in r1(label, np.ones_like(label), rng=rng) if c.label == 0]
        return out

    return both


def scribble_encoder(history, shape, spacing) -> torch.Tensor:
    """Identity encoding (Eq. 37) of the scribbles of a history, ``(2, *shape)``."""
    from ..guidance.scribbles import scribble_identity

    return scribble_identity(of_type(history, Scribble), tuple(shape), device="cpu")


def box_encoder(history, shape, spacing) -> torch.Tensor:
    """Filled foreground boxes of a history, ``(1, *shape)`` (identity of Eq. 15's box)."""
    from ..guidance.boxes import box_mask

    return box_mask(of_type(history, Box), tuple(shape), device="cpu")[:1]
