"""MONAI dictionary wrapper of the iterative robot users (no logic of its own).

Import it explicitly (``from reference_impl.robot_users.transforms import RobotClicksd``);
the package itself does not import MONAI.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import cast

import numpy as np
from monai.config import KeysCollection
from monai.transforms import MapTransform

from . import get_robot_user

__all__ = ["RobotClicksd"]


def _to_numpy(x) -> np.ndarray:
    """A MONAI/torch/numpy array as numpy, dropping a leading channel axis of size 1."""
    a = x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)
    return a[0] if a.ndim in (3, 4) and a.shape[0] == 1 else a


class RobotClicksd(MapTransform):
    """Dictionary-based wrapper of :func:`~reference_impl.robot_users.get_robot_user` users.

    Parameters
    ----------
    keys : (label_key, pred_key)
        Keys of the ground truth and of the current prediction (a missing prediction
        means the first iteration).
    user : str
        Registered robot-user name, e.g. ``"R1"``.
    clicks_key : str
        Key of the click list; new clicks are appended to a copy of it.
    image_key, probs_key : str, optional
        Keys passed to the user as ``image`` and ``probs``.
    rng : Generator, int or None
        Random source, normalised once at construction.
    **params
        User options (e.g. ``connectivity=26``).

    Examples
    --------
    >>> lab = np.zeros((1, 7, 7), np.uint8); lab[0, 2:5, 2:5] = 1
    >>> out = RobotClicksd(("label", "pred"), "R1", rng=0)({"label": lab})
    >>> [c.index for c in out["clicks"]]
    [(3, 3)]
    """

    def __init__(
        self,
        keys: KeysCollection,
        user: str = "R1",
        *,
        clicks_key: str = "clicks",
        image_key: str | None = None,
        probs_key: str | None = None,
        rng=None,
        allow_missing_keys: bool = False,
        **params,
    ) -> None:
        super().__init__(keys, allow_missing_keys)
        if len(self.keys) != 2:
            raise ValueError(f"keys must be (label_key, pred_key), got {self.keys}")
        self.user = get_robot_user(user)
        self.clicks_key = clicks_key
        self.image_key = image_key
        self.probs_key = probs_key
        self.rng = np.random.default_rng(rng)
        self.params = params

    def __call__(self, data: Mapping[Hashable, object]) -> dict:
        d = dict(data)
        label_key, pred_key = self.keys
        label = d[label_key]
        affine = getattr(label, "affine", None)
        pred = d.get(pred_key)
        opt = {
            k: _to_numpy(d[v])
            for k, v in (("image", self.image_key), ("probs", self.probs_key))
            if v in d
        }
        old = cast(Sequence, d.get(self.clicks_key, ()))  # tuple(old) below: TypeError if not
        new = self.user(
            _to_numpy(label),
            None if pred is None else _to_numpy(pred),
            clicks=tuple(old),
            rng=self.rng,
            affine=None if affine is None else np.asarray(affine),
            **opt,
            **self.params,
        )
        d[self.clicks_key] = [*old, *new]
        return d
