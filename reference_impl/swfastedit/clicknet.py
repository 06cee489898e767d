"""The shipped click model: a small 3D U-Net that corrects a random-walker prior.

Inputs (4 channels, the image's own voxel grid): the image windowed *relative to the
clicked tissue* (:func:`reference_impl.swfastedit.prior.click_window`, so "bright" means
nothing by itself), Gaussian heatmaps of the positive and of the negative clicks, and the
probability of the project's random-walker baseline (``get_engine("random-walker")``) for
the same clicks, mapped to ``[-1, 1]``.

Output: ``logit = gain * unet(x) + scale * logit(prior)``.  ``gain`` starts at 0, so an
untrained model *is* the random walker; training learns corrections of it.

Click-consistent post-processing (:func:`click_consistent`): the mask is the thresholded
probability restricted to the connected components that contain a positive click, every
positive click voxel is foreground and every negative click voxel background.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch

from ..interactions import Click

__all__ = [
    "ClickNetConfig",
    "ClickNet",
    "build_inputs",
    "click_consistent",
    "pad_to",
    "predict_probs",
    "network_inputs",
    "network_region",
    "region_logits",
    "make_prior",
    "PRIORS",
]

_EPS = 1e-4
#: Prior kinds: the project's random-walker engine, or the same random walker without
#: volume-border seeds (:func:`reference_impl.swfastedit.prior.rw_prior`), optionally with the
#: random-walker engine's 45 mm distance cap on the background (``rw-noborder-cap45``), or
#: that cap only until the first negative click (``rw-noborder-cap45-untilneg``).
PRIORS = ("random-walker", "rw-noborder", "rw-noborder-cap45", "rw-noborder-cap45-untilneg")


@dataclass(frozen=True)
class ClickNetConfig:
    """Architecture and input options (stored in the checkpoint)."""

    channels: tuple[int, ...] = (8, 16, 32)
    sigma: float = 2.0
    window: float = 4.0
    prior_scale: float = 1.0
    prior: str = "rw-noborder"
    #: Run the network only inside the clicks' box grown by this many millimetres (the
    #: prior's own region, :func:`~reference_impl.swfastedit.prior.rw_prior`); ``None``:
    #: the whole volume.
    roi_mm: float | None = None
    #: Two more input channels: the distance (mm) to the nearest positive / negative click,
    #: ``clip(d / distance_mm, 0, 2) - 1`` (``+1`` everywhere when there is no such click).
    distance_mm: float | None = None
    #: ``"mm"``: the distance channels are divided by ``distance_mm``; ``"prior"``: by the
    #: prior's own size, twice the radius of the ball of its foreground's volume
    #: (:func:`prior_scale_mm`), so that they say nothing about the object's absolute size
    #: (``distance_mm`` when the prior has no foreground).
    distance_norm: str = "mm"
    #: Zoom-in (:mod:`reference_impl.swfastedit.zoom`): the network sees the crop around the
    #: prior's object resampled so that the object spans about this many voxels (``None``:
    #: the region in the image's own grid); at most ``zoom_max`` voxels per axis.  With it the
    #: distance channels are divided by the object's equivalent diameter.
    zoom_voxels: float | None = None
    zoom_max: int = 96
    #: Weight of the project's ``random-walker`` engine in the answer: the probabilities are
    #: ``(1 - blend) * model + blend * random walker`` before the click-consistent mask
    #: (:func:`predict_probs`); ``0`` is the model alone.  An ensemble of the model with the
    #: classical baseline, set on a trained checkpoint (``bench/blend_checkpoint.py``).
    blend: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.blend, bool) or not (
            isinstance(self.blend, (int, float)) and 0.0 <= float(self.blend) <= 1.0
        ):
            raise ValueError(f"blend must be a number in [0, 1], got {self.blend!r}")
        if self.prior not in PRIORS:
            raise ValueError(f"prior must be one of {list(PRIORS)}, got {self.prior!r}")
        if self.distance_norm not in ("mm", "prior"):
            raise ValueError(f"distance_norm must be 'mm' or 'prior', got {self.distance_norm!r}")

    def to_dict(self) -> dict:
        """Plain dict (checkpoint metadata; lists, not tuples)."""
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ClickNetConfig:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**d, "channels": tuple(d["channels"])})

    @property
    def in_channels(self) -> int:
        """Image, two heatmaps, prior, and optionally two distance maps."""
        return 4 if self.distance_mm is None else 6

    @property
    def divisor(self) -> int:
        """Each spatial size must be a multiple of this."""
        return 2 ** (len(self.channels) - 1)


class ClickNet(torch.nn.Module):
    """MONAI ``UNet`` residual on the prior's logit (see the module docstring)."""

    def __init__(self, config: ClickNetConfig | None = None):
        super().__init__()
        from monai.networks.nets import UNet

        self.config = config or ClickNetConfig()
        ch = self.config.channels
        self.unet = UNet(
            spatial_dims=3,
            in_channels=self.config.in_channels,
            out_channels=1,
            channels=ch,
            strides=(2,) * (len(ch) - 1),
            num_res_units=1,
            norm="instance",
        )
        self.gain = torch.nn.Parameter(torch.zeros(()))
        self.scale = torch.nn.Parameter(torch.tensor(float(self.config.prior_scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: (B, C, Z, Y, X) from :func:`build_inputs`; returns (B, 1, Z, Y, X) logits."""
        return self.correction(x) + self.prior_logit(x[:, 3:4])

    def correction(self, x: torch.Tensor) -> torch.Tensor:
        """The learned part of the logit, ``gain * unet(x)``."""
        return self.gain * self.unet(x)

    def prior_logit(self, prior_channel: torch.Tensor) -> torch.Tensor:
        """``scale * logit(prior)`` of the prior channel (in ``[-1, 1]``)."""
        p = ((prior_channel + 1) / 2).clamp(_EPS, 1 - _EPS)
        return self.scale * torch.log(p / (1 - p))


def pad_to(arr: torch.Tensor, divisor: int) -> tuple[torch.Tensor, tuple[int, ...]]:
    """Pad the last three axes at the end (replicate) to multiples of ``divisor``."""
    shape = tuple(arr.shape[-3:])
    extra = [(-n) % divisor for n in shape]
    if not any(extra):
        return arr, shape
    pads: list[int] = []
    for e in reversed(extra):
        pads += [0, e]
    return torch.nn.functional.pad(arr, pads, mode="replicate"), shape


def build_inputs(
    normed: np.ndarray,
    prior: np.ndarray,
    clicks: Sequence[Click],
    *,
    sigma: float,
    distance_mm: float | None = None,
    spacing: Sequence[float] | None = None,
) -> torch.Tensor:
    """The network input ``(1, C, Z, Y, X)`` float32 (see the module docstring and
    :class:`ClickNetConfig`; ``spacing`` is needed with ``distance_mm``)."""
    from ..guidance import gaussian_heatmap

    shape = normed.shape
    pos = [c for c in clicks if c.label == 1]
    neg = [c for c in clicks if c.label == 0]
    chans = [torch.from_numpy(np.ascontiguousarray(normed, dtype=np.float32))]
    for group in (pos, neg):
        if group:
            g = gaussian_heatmap(
                [Click(1, c.index) for c in group], shape, sigma=sigma, device="cpu"
            )[0]
        else:
            g = torch.zeros(shape)
        chans.append(g.float())
    chans.append(torch.from_numpy(2 * np.asarray(prior, dtype=np.float32) - 1))
    if distance_mm is not None:
        from ..engines.seeds import distance_to_mask

        if spacing is None:
            raise ValueError("build_inputs: distance channels need the spacing")
        for group in (pos, neg):
            d = np.full(shape, 1.0, np.float32)
            if group:
                seeds = np.zeros(shape, bool)
                for c in group:
                    seeds[c.index] = True
                dist = distance_to_mask(seeds, spacing)
                d = (np.clip(dist / distance_mm, 0, 2) - 1).astype(np.float32)
            chans.append(torch.from_numpy(d))
    return torch.stack(chans)[None]


def click_consistent(
    prob: np.ndarray, clicks: Sequence[Click], *, threshold: float = 0.5
) -> np.ndarray:
    """Binary mask: components of ``prob > threshold`` holding a positive click; clicks forced.

    >>> p = np.zeros((1, 1, 7), np.float32); p[0, 0, :2] = p[0, 0, 4:] = 0.9
    >>> click_consistent(p, [Click(1, (0, 0, 5)), Click(0, (0, 0, 6))]).tolist()
    [[[0, 0, 0, 0, 1, 1, 0]]]
    """
    import scipy.ndimage as ndi

    m = np.asarray(prob) > threshold
    for c in clicks:
        m[c.index] = c.label == 1
    lab, _ = ndi.label(m)
    keep = {int(lab[c.index]) for c in clicks if c.label == 1} - {0}
    if not keep:
        return np.zeros(m.shape, np.uint8)
    out = np.isin(lab, sorted(keep))
    return out.astype(np.uint8)


def make_prior(kind: str, image: np.ndarray, spacing: Sequence[float]):
    """``clicks -> prior probabilities`` for ``image`` (see :data:`PRIORS`)."""
    if kind == "random-walker":
        from ..engines import get_engine

        eng = get_engine("random-walker")
        eng.set_image(image, spacing=spacing)

        def rw(clicks):
            if not any(c.label == 1 for c in clicks):
                return np.zeros(np.shape(image), np.float32)
            return eng.predict(clicks)

        return rw
    if kind == "rw-noborder":
        from .prior import rw_prior

        return lambda clicks: rw_prior(image, clicks, spacing=spacing)
    if kind == "rw-noborder-cap45":
        from .prior import rw_prior

        return lambda clicks: rw_prior(image, clicks, spacing=spacing, max_distance_mm=45.0)
    if kind == "rw-noborder-cap45-untilneg":
        from .prior import rw_prior

        return lambda clicks: rw_prior(
            image, clicks, spacing=spacing, max_distance_mm=45.0, cap_until_negative=True
        )
    raise ValueError(f"prior must be one of {list(PRIORS)}, got {kind!r}")


def network_region(
    config: ClickNetConfig,
    shape: Sequence[int],
    clicks: Sequence[Click],
    *,
    spacing: Sequence[float] | None = None,
) -> tuple[slice, ...]:
    """The region the network sees: the clicks' box grown by ``config.roi_mm``, or the whole
    image (no ``roi_mm``, or no click)."""
    from .prior import roi_from_clicks

    if config.roi_mm is None or not clicks:
        return tuple(slice(0, n) for n in shape)
    if spacing is None:
        raise ValueError("network_inputs: a region of interest needs the spacing")
    return roi_from_clicks(shape, clicks, spacing, margin_mm=config.roi_mm)


def network_inputs(
    config: ClickNetConfig,
    image: np.ndarray,
    prior: np.ndarray,
    clicks: Sequence[Click],
    *,
    spacing: Sequence[float] | None = None,
) -> tuple[torch.Tensor, tuple[slice, ...]]:
    """``(network input, region)``: the input of :func:`build_inputs` for the region the
    network sees (the clicks' box grown by ``config.roi_mm``, or the whole image)."""
    from .prior import click_window, clicks_in_region

    roi = network_region(config, np.shape(image), clicks, spacing=spacing)
    local = clicks_in_region(clicks, roi)
    img = np.asarray(image, dtype=np.float32)[roi]
    normed = click_window(img, local, window=config.window)
    prior_roi = np.asarray(prior)[roi]
    scale = config.distance_mm
    if scale is not None and config.distance_norm == "prior":
        scale = prior_scale_mm(prior_roi, spacing, default=scale)
    x = build_inputs(normed, prior_roi, local, sigma=config.sigma, distance_mm=scale,
                     spacing=spacing)  # fmt: skip
    return x, roi


def region_logits(
    net: ClickNet,
    image: np.ndarray,
    prior: np.ndarray,
    clicks: Sequence[Click],
    *,
    spacing: Sequence[float] | None = None,
    device: str | torch.device = "cpu",
) -> tuple[torch.Tensor, tuple[slice, ...], torch.Tensor]:
    """``(logits (1, 1, *region shape) on device, region, network input)``: the network's
    answer inside its region (:func:`network_inputs`), zoomed in when the config asks for it
    (:mod:`reference_impl.swfastedit.zoom`).  Differentiable (training calls it too)."""
    cfg = net.config
    if cfg.zoom_voxels is None or not clicks:
        x, roi = network_inputs(cfg, image, prior, clicks, spacing=spacing)
        xp, shape = pad_to(x, cfg.divisor)
        return net(xp.to(device))[:, :, : shape[0], : shape[1], : shape[2]], roi, x
    from .prior import click_window, clicks_in_region
    from .zoom import resize, zoom_box, zoom_clicks, zoom_shape

    if spacing is None:
        raise ValueError("region_logits: zoom-in needs the spacing")
    roi = network_region(cfg, np.shape(image), clicks, spacing=spacing)
    local = clicks_in_region(clicks, roi)
    img = np.asarray(image, dtype=np.float32)[roi]
    prior_roi = np.asarray(prior, dtype=np.float32)[roi]
    diameter = prior_scale_mm(prior_roi, spacing, default=cfg.roi_mm or 50.0)
    sub = zoom_box(prior_roi, local, spacing, diameter_mm=diameter)
    sub_clicks = clicks_in_region(local, sub)
    sub_shape = prior_roi[sub].shape
    new, new_spacing = zoom_shape(sub_shape, spacing, diameter_mm=diameter,
                                  zoom_voxels=cfg.zoom_voxels, zoom_max=cfg.zoom_max)  # fmt: skip
    normed = click_window(img[sub], sub_clicks, window=cfg.window)
    z = resize(torch.from_numpy(np.stack([normed, prior_roi[sub]]))[None], new)[0].numpy()
    x = build_inputs(z[0], z[1], zoom_clicks(sub_clicks, sub_shape, new), sigma=cfg.sigma,
                     distance_mm=diameter if cfg.distance_mm is not None else None,
                     spacing=new_spacing)  # fmt: skip
    xp, shape = pad_to(x, cfg.divisor)
    corr = net.correction(xp.to(device))[:, :, : shape[0], : shape[1], : shape[2]]
    prior_t = torch.from_numpy(2 * prior_roi - 1)[None, None].to(device)
    logit = net.prior_logit(prior_t)
    pad = [0] * 6
    for ax, sl in enumerate(sub):  # corr lives in ``sub``: pad it to the whole region
        pad[2 * (2 - ax)] = sl.start
        pad[2 * (2 - ax) + 1] = prior_roi.shape[ax] - sl.stop
    return logit + torch.nn.functional.pad(resize(corr, sub_shape), pad), roi, x


def prior_scale_mm(prior: np.ndarray, spacing: Sequence[float] | None, *, default: float) -> float:
    """Twice the radius (mm) of the ball whose volume is the prior's foreground (``> 0.5``);
    ``default`` when it has none.

    >>> p = np.zeros((10, 10, 10)); p[:2, :2, :2] = 1.0  # 8 voxels of 1 mm^3
    >>> round(prior_scale_mm(p, (1.0, 1.0, 1.0), default=50.0), 3)
    2.481
    """
    n = int(np.count_nonzero(np.asarray(prior) > 0.5))
    if n == 0:
        return float(default)
    voxel = float(np.prod(spacing)) if spacing is not None else 1.0
    return 2.0 * float((3.0 * n * voxel / (4.0 * np.pi)) ** (1.0 / 3.0))


def predict_probs(
    net: ClickNet,
    image: np.ndarray,
    prior: np.ndarray,
    clicks: Sequence[Click],
    *,
    spacing: Sequence[float] | None = None,
    device: str | torch.device = "cpu",
    blend_probs: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """One prediction: ``(probabilities, click-consistent mask, network input)``.

    Without a positive click the answer is empty (the model segments what is clicked).
    Outside the network's region (:func:`network_inputs`) the probability is the prior's.
    With ``net.config.blend > 0`` the model's probabilities are averaged with
    ``blend_probs`` (the random-walker engine's answer to the same clicks, required then)
    with that weight before the mask is taken.  Probabilities are made consistent with the
    mask (>= 0.75 inside, <= 0.25 outside), so that thresholding them at 0.5 gives the mask.
    """
    w = float(net.config.blend)
    if w > 0 and blend_probs is None:
        raise ValueError(f"this model blends (blend={w}) and needs blend_probs")
    if blend_probs is not None and np.shape(blend_probs) != np.shape(image):
        raise ValueError(f"blend_probs {np.shape(blend_probs)} != image {np.shape(image)}")
    if not any(c.label == 1 for c in clicks):
        x, _ = network_inputs(net.config, image, prior, clicks, spacing=spacing)
        z = np.zeros(np.shape(image), np.float32)
        return z, z.astype(np.uint8), x
    with torch.no_grad():
        logits, roi, x = region_logits(net, image, prior, clicks, spacing=spacing, device=device)
        logit = logits[0, 0]
    prob = np.array(prior, dtype=np.float32, copy=True)
    prob[roi] = torch.sigmoid(logit).float().cpu().numpy()
    if w > 0:
        prob = ((1.0 - w) * prob + w * np.asarray(blend_probs, np.float32)).astype(np.float32)
    mask = click_consistent(prob, clicks)
    prob = np.where(mask > 0, np.maximum(prob, 0.75), np.minimum(prob, 0.25)).astype(np.float32)
    return prob, mask, x
