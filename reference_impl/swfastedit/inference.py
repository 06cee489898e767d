"""SW-FastEdit inference: global (DeepEdit), sliding-window, and exact local corrective.

Thesis §4.1.1 (Fig. 17): the first prediction runs every sliding window; a corrective
click only changes the guidance channels near the click, so only the windows whose input
changed need a new forward pass.  Because each window is predicted independently
(``eval()`` mode; instance norm uses per-window statistics) and the stitched logit is the
Gaussian-weighted mean ``sum_i w_i p_i / sum_i w_i`` over windows, replacing the cached
``p_i`` of the re-predicted windows gives *exactly* what a full MONAI
``sliding_window_inference`` pass with the same clicks gives (up to float rounding).

Stitching: the accumulator ``num = sum_i w_i (l1_i - l0_i)`` of the two-class logit
difference, the weight sum ``den = sum_i w_i`` and the per-window logit differences live
on the CPU (``cache_device``), so device memory does not grow with the volume; the
foreground probability is ``sigmoid(num / den)``, which equals the foreground channel of a
softmax over the stitched two-class logits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from ..device import resolve_device
from ..interactions import Click
from . import _signals
from .data import normalize_intensity
from .windows import WindowGrid, pad_amounts, window_grid

__all__ = ["SWFastEditPredictor", "Prediction"]

_INFERENCE = ("sliding_window", "global")


@dataclass(frozen=True)
class Prediction:
    """Result of :meth:`SWFastEditPredictor.predict`.

    ``probs`` is the ``(z, y, x)`` float32 foreground probability; ``windows`` the number of
    windows (network inputs of ROI size, or 1 for a global pass) this call ran; ``box`` the
    ``[lo, hi)`` bounding box of the voxels this call may have changed (``None``: none).
    """

    probs: np.ndarray
    windows: int
    box: tuple[tuple[int, ...], tuple[int, ...]] | None

    @property
    def mask(self) -> np.ndarray:
        """Binary ``uint8`` mask, ``probs > 0.5`` (the two-class argmax)."""
        return (self.probs > 0.5).astype(np.uint8)


def _click_key(c: Click) -> tuple:
    return (c.label, c.index)


class SWFastEditPredictor:
    """Set a volume once, then predict for many click lists (SAM-like contract).

    Parameters
    ----------
    network : torch.nn.Module
        Maps ``(B, 3, *roi)`` (image, fg, bg guidance) to ``(B, 2, *roi)`` logits.
    inference : {'sliding_window', 'global'}
        Sliding windows with local corrective updates (SW-FastEdit) or one forward pass over
        the whole padded volume (DeepEdit, thesis §4.1.1).
    roi_size : tuple of int
        Window size (thesis: 128^3).
    overlap : float
        Window overlap (thesis: 25 %).
    sw_batch_size : int
        Windows per forward pass (thesis: 4).
    sigma : float
        Heatmap sigma in voxels (thesis §4.1.2: sigma = 1).
    local : bool
        Re-predict only the windows whose input changed (``False``: every click runs every
        window, as the public SW-FastEdit code does).
    divisor : tuple of int, optional
        Size multiple the network needs (global inference pads to it).
    device : str or torch.device, optional
        Where windows run (``None``/``'auto'``: CUDA if available).
    cache_dtype : torch.dtype
        Dtype of the per-window logit cache on CPU (``float16`` halves its memory).
    amp : bool
        bf16 autocast on CUDA.
    normalize : {'percentile', 'none'}
        Intensity normalisation applied in :meth:`set_volume` (see ``normalize_intensity``).
    """

    def __init__(
        self,
        network: torch.nn.Module,
        *,
        inference: Literal["sliding_window", "global"] = "sliding_window",
        roi_size: Sequence[int] = (128, 128, 128),
        overlap: float = 0.25,
        sw_batch_size: int = 4,
        sigma: float = 1.0,
        local: bool = True,
        divisor: Sequence[int] | None = None,
        device: str | torch.device | None = None,
        cache_dtype: torch.dtype = torch.float32,
        amp: bool = False,
        normalize: Literal["percentile", "none"] = "percentile",
    ) -> None:
        if inference not in _INFERENCE:
            raise ValueError(f"inference must be one of {list(_INFERENCE)}, got {inference!r}")
        if sw_batch_size < 1:
            raise ValueError(f"sw_batch_size must be >= 1, got {sw_batch_size}")
        if not 0 <= overlap < 1:
            raise ValueError(f"overlap must be >= 0 and < 1, got {overlap}")
        self.device = resolve_device(device)
        self.network = network.to(self.device).eval()
        self.inference = inference
        self.roi_size = tuple(int(r) for r in roi_size)
        self.divisor = tuple(int(d) for d in divisor) if divisor is not None else None
        if self.divisor and any(r % d for r, d in zip(self.roi_size, self.divisor, strict=True)):
            raise ValueError(f"roi_size {self.roi_size} must be a multiple of {self.divisor}")
        self.overlap, self.sw_batch_size, self.sigma = float(overlap), int(sw_batch_size), sigma
        self.local, self.cache_dtype, self.normalize = local, cache_dtype, normalize
        self.amp = amp and self.device.type == "cuda"
        self.n_forward = 0
        self._state: dict[str, Any] | None = None

    @classmethod
    def from_checkpoint(cls, path, **options) -> SWFastEditPredictor:
        """Build a predictor from a checkpoint of :func:`~.training.train`.

        The ROI size, sigma, normalisation and size divisor default to the training values;
        ``options`` override them (e.g. ``inference="global"``, ``device="cuda"``).
        """
        from .model import UNetConfig, required_divisor
        from .training import load_checkpoint

        net, cfg, _ = load_checkpoint(path)
        defaults = {
            "roi_size": cfg.roi_size,
            "sigma": cfg.sigma,
            "normalize": cfg.normalize,
            "divisor": required_divisor(UNetConfig(**cfg.net)),
        }
        return cls(net, **{**defaults, **options})

    # ------------------------------------------------------------------ state
    @property
    def is_volume_set(self) -> bool:
        """Whether :meth:`set_volume` was called since the last :meth:`reset`."""
        return self._state is not None

    def reset(self) -> None:
        """Forget the volume, clicks, caches and the forward-pass counter."""
        self._state = None
        self.n_forward = 0

    def set_volume(self, image: np.ndarray, *, spacing: Sequence[float] | None = None) -> None:
        """Store (normalised, padded) ``image`` ``(z, y, x)``; no forward pass is run yet.

        ``spacing`` is recorded only: the heatmap sigma is in voxels, as in training.
        """
        image = np.asarray(image)
        if image.ndim != len(self.roi_size):
            raise ValueError(f"image must be {len(self.roi_size)}D, got shape {image.shape}")
        if not np.isfinite(image).all():
            raise ValueError("image contains NaN or infinite values")
        normed = normalize_intensity(image, method=self.normalize)
        target = image.shape
        if self.inference == "sliding_window":  # MONAI pads volumes smaller than the ROI
            target = tuple(max(s, r) for s, r in zip(image.shape, self.roi_size, strict=True))
        pads = pad_amounts(image.shape, target)
        img = torch.from_numpy(np.pad(normed, pads).astype(np.float32))[None]
        st: dict[str, Any] = {
            "shape": image.shape,
            "pad_lo": tuple(p[0] for p in pads),
            "image": img,
            "clicks": [],
            "spacing": spacing,
            "probs": None,
        }
        if self.inference == "sliding_window":
            from monai.data.utils import compute_importance_map

            grid = window_grid(target, self.roi_size, overlap=self.overlap)
            w = compute_importance_map(
                self.roi_size, mode="gaussian", sigma_scale=0.125, device="cpu", dtype=torch.float32
            )
            den = torch.zeros(target, dtype=torch.float32)
            for sl in grid.slices:
                den[sl] += w
            st.update(
                grid=grid,
                w=w,
                den=den,
                num=torch.zeros(target, dtype=torch.float32),
                cache=torch.zeros((len(grid.slices), *self.roi_size), dtype=self.cache_dtype),
                guidance=None,
                probs=torch.zeros(target, dtype=torch.float32),
            )
        self._state = st
        self.n_forward = 0

    # ---------------------------------------------------------------- predict
    def predict(self, clicks: Sequence[Click] = (), *, copy: bool = True) -> Prediction:
        """Predict the foreground for the full list of ``clicks`` made so far.

        Parameters
        ----------
        clicks : sequence of Click
            All clicks on this volume (indices ``(z, y, x)``); the predictor works out
            which were added or removed since the previous call.
        copy : bool
            Return a copy of the probabilities (``False``: a read-only view of the
            internal buffer, overwritten by the next call; what the benchmark times).

        Returns
        -------
        Prediction

        Raises
        ------
        RuntimeError
            If :meth:`set_volume` was not called.
        ValueError
            If a click lies outside the volume or has the wrong dimension.
        """
        if self._state is None:
            raise RuntimeError("no volume set; call set_volume(image) before predict(clicks)")
        st = self._state
        padded = self._check_clicks(clicks)
        if self.inference == "global":
            probs, box, n = self._predict_global(padded), None, 1
        else:
            n, box = self._predict_windows(padded)
            probs = st["probs"]
        st["clicks"] = padded
        self.n_forward += n
        out = probs[self._valid()].numpy()
        if copy:
            out = out.copy()
        else:
            out = out.view()
            out.flags.writeable = False
        if box is not None:
            box = self._unpad_box(box)
        return Prediction(out, n, box)

    def _check_clicks(self, clicks: Sequence[Click]) -> list[Click]:
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        out: list[Click] = []
        for c in clicks:
            if not isinstance(c, Click):
                raise TypeError(f"clicks must be Click objects, got {type(c).__name__}")
            if len(c.index) != len(st["shape"]) or any(
                not 0 <= i < s for i, s in zip(c.index, st["shape"], strict=False)
            ):
                raise ValueError(f"click {c.index} lies outside the volume of shape {st['shape']}")
            out.append(
                Click(c.label, tuple(i + p for i, p in zip(c.index, st["pad_lo"], strict=True)))
            )
        return out

    def _valid(self) -> tuple[slice, ...]:
        """Slices of the unpadded volume inside the padded arrays."""
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        return tuple(slice(p, p + s) for p, s in zip(st["pad_lo"], st["shape"], strict=True))

    def _unpad_box(self, box):
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        lo = tuple(max(a - p, 0) for a, p in zip(box[0], st["pad_lo"], strict=True))
        hi = tuple(min(b - p, s) for b, p, s in zip(box[1], st["pad_lo"], st["shape"], strict=True))
        return None if any(h <= lo_ for lo_, h in zip(lo, hi, strict=True)) else (lo, hi)

    def _autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.amp else nullcontext()

    @torch.no_grad()
    def _predict_global(self, clicks: list[Click]) -> torch.Tensor:
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        shape = st["image"].shape[1:]
        guid = _signals.heatmap(clicks, shape, sigma=self.sigma, device=self.device)
        x = torch.cat([st["image"].to(self.device), guid])[None]
        div = self.divisor or (1,) * len(shape)
        extra = [(-s) % d for s, d in zip(shape, div, strict=True)]
        pad = [v for e in reversed(extra) for v in (0, e)]
        x = torch.nn.functional.pad(x, pad)
        with self._autocast():
            logits = self.network(x)
        logits = logits[(0, slice(None), *(slice(0, s) for s in shape))].float()
        return torch.softmax(logits, 0)[1].cpu()

    @torch.no_grad()
    def _predict_windows(self, clicks: list[Click]):
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        grid: WindowGrid = st["grid"]
        shape = grid.shape
        if st["guidance"] is None or not self.local:
            # guidance of the unpadded volume, zero in MONAI's padding (as MONAI pads inputs)
            lo = np.asarray(st["pad_lo"])
            st["guidance"] = torch.zeros((2, *shape), dtype=torch.float32)
            inner = [Click(c.label, tuple(np.asarray(c.index) - lo)) for c in clicks]
            st["guidance"][(slice(None), *self._valid())] = _signals.heatmap(
                inner, st["shape"], sigma=self.sigma
            )
            idx, fresh = np.arange(len(grid.slices)), True
        else:
            old, new = Counter(map(_click_key, st["clicks"])), Counter(map(_click_key, clicks))
            changed = list(((old - new) + (new - old)).elements())
            if not changed:
                return 0, None
            boxes = self._update_guidance(changed, clicks)
            idx = np.unique(np.concatenate([grid.intersecting(lo, hi) for lo, hi in boxes]))
            fresh = False
        lo = grid.starts[idx].min(0)
        hi = grid.starts[idx].max(0) + np.asarray(grid.roi_size)
        self._run_windows(idx, lo, hi, fresh=fresh)
        return len(idx), (tuple(int(v) for v in lo), tuple(int(v) for v in hi))

    def _update_guidance(self, changed: list[tuple], clicks: list[Click]) -> list[tuple]:
        """Recompute the guidance inside each changed click's footprint; return the boxes."""
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        vlo = np.asarray(st["pad_lo"])
        vhi = vlo + np.asarray(st["shape"])
        rad = np.asarray(_signals.footprint(self.sigma, len(vlo)))
        boxes = []
        for _, index in changed:
            c = np.asarray(index)
            lo, hi = np.maximum(c - rad, vlo), np.minimum(c + rad + 1, vhi)
            elo, ehi = np.maximum(lo - rad, vlo), np.minimum(hi + rad, vhi)
            near = [
                Click(k.label, tuple(np.asarray(k.index) - elo))
                for k in clicks
                if np.all(np.asarray(k.index) >= elo) and np.all(np.asarray(k.index) < ehi)
            ]
            local = _signals.heatmap(near, tuple(int(v) for v in ehi - elo), sigma=self.sigma)
            inner = tuple(slice(int(a), int(b)) for a, b in zip(lo - elo, hi - elo, strict=True))
            st["guidance"][
                (slice(None), *(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True)))
            ] = local[(slice(None), *inner)]
            boxes.append((lo, hi))
        return boxes

    def _run_windows(self, idx: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, fresh: bool) -> None:
        """Predict windows ``idx`` and update the stitched result inside ``[lo, hi)``.

        First pass: accumulate window by window into the CPU accumulator.  Corrective pass:
        copy the (small) affected region of the accumulator to the device, replace the old
        contributions of the re-predicted windows there, and copy it and its
        probabilities back, so device memory depends on the window overlap, not the volume.
        """
        st = self._state
        assert st is not None  # predict() checked that a volume is set
        grid, cache, dev = st["grid"], st["cache"], self.device
        region = tuple(slice(int(a), int(b)) for a, b in zip(lo, hi, strict=True))
        if fresh:
            num, w, off = st["num"], st["w"], np.zeros_like(lo)
            num.zero_()
        else:
            num, w, off = st["num"][region].to(dev), st["w"].to(dev), lo
        for b0 in range(0, len(idx), self.sw_batch_size):
            batch = idx[b0 : b0 + self.sw_batch_size]
            x = torch.stack(
                [
                    torch.cat(
                        [
                            st["image"][(slice(None), *grid.slices[i])],
                            st["guidance"][(slice(None), *grid.slices[i])],
                        ]
                    )
                    for i in batch
                ]
            ).to(dev, non_blocking=True)
            with self._autocast():
                logits = self.network(x)
            diff = (logits[:, 1] - logits[:, 0]).float().to(self.cache_dtype)
            diff_cpu = diff.cpu()
            for j, i in enumerate(batch):
                sl = tuple(
                    slice(s.start - o, s.stop - o) for s, o in zip(grid.slices[i], off, strict=True)
                )
                if fresh:
                    num[sl] += w * diff_cpu[j].float()
                else:
                    num[sl] += w * (diff[j].float() - cache[i].to(dev).float())
                cache[i] = diff_cpu[j]
        if fresh:
            st["probs"][region] = torch.sigmoid(num[region] / st["den"][region])
        else:
            st["num"][region] = num.cpu()
            st["probs"][region] = torch.sigmoid(num / st["den"][region].to(dev)).cpu()
