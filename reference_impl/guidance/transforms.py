"""MONAI dictionary wrapper around the click signals (no logic of its own)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import torch
from monai.transforms import MapTransform

from reference_impl.guidance.registry import get_signal

__all__ = ["AddClickSignald"]


class AddClickSignald(MapTransform):
    """Dictionary-based wrapper of the click signals in :data:`CLICK_SIGNALS`.

    For every key, computes ``get_signal(signal)(data[clicks_key], image.shape[1:], **params)``
    and concatenates its 2 channels (foreground, background) after the image channels.

    Parameters
    ----------
    keys : str or sequence of str
        Image keys, each ``(C, *spatial)`` tensor or array.
    signal : str, default 'gaussian_heatmap'
        Name in :data:`reference_impl.guidance.CLICK_SIGNALS`.
    clicks_key : str, default 'clicks'
        Key holding a sequence of :class:`~reference_impl.interactions.Click`.
    pass_image : bool, default False
        Pass channel 0 of the image as ``image=`` (geodesic signals, adaptive heatmaps).
    allow_missing_keys : bool, default False
        As in MONAI.
    **params
        Forwarded to the signal (``sigma``, ``spacing``, ``compat``...).

    Examples
    --------
    >>> import torch
    >>> from reference_impl.interactions import Click
    >>> t = AddClickSignald("image", signal="disk", sigma=0.0)
    >>> out = t({"image": torch.zeros(1, 3, 3), "clicks": [Click(0, (1, 1))]})
    >>> out["image"].shape, float(out["image"][2, 1, 1])
    (torch.Size([3, 3, 3]), 1.0)
    """

    def __init__(
        self,
        keys: str | Sequence[str],
        signal: str = "gaussian_heatmap",
        clicks_key: str = "clicks",
        pass_image: bool = False,
        allow_missing_keys: bool = False,
        **params: object,
    ) -> None:
        """Look up ``signal`` in the registry once (unknown names raise ``ValueError``)."""
        super().__init__(keys, allow_missing_keys)
        self.func = get_signal(signal)
        self.clicks_key = clicks_key
        self.pass_image = pass_image
        self.params = params

    def __call__(self, data: Mapping[Hashable, object]) -> dict[Hashable, object]:
        """Return a shallow copy of ``data`` with the guidance channels appended."""
        d = dict(data)
        for key in self.key_iterator(d):
            img = torch.as_tensor(d[key])
            extra = {"image": img[0]} if self.pass_image else {}
            g = self.func(d[self.clicks_key], tuple(img.shape[1:]), device=img.device,
                          **extra, **self.params)  # fmt: skip
            d[key] = torch.cat([img, g.to(img.dtype)], dim=0)
        return d
