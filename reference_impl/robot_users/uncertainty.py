"""Uncertainty maps for the uncertainty-guided robot user R2 (thesis §5.2.1.1, Eq. 18):
normalised predictive entropy, and Monte-Carlo-dropout epistemic uncertainty."""

from __future__ import annotations

import numpy as np

__all__ = ["entropy_uncertainty", "epistemic_uncertainty", "mc_dropout_probs"]


def entropy_uncertainty(probs: np.ndarray, *, class_axis: int | None = None) -> np.ndarray:
    """Normalised predictive entropy in [0, 1].

    ``probs`` holds foreground probabilities ``(M, N[, P])`` (``class_axis=None``) or class
    probabilities with the classes along ``class_axis``; the entropy is divided by log(C).

    >>> entropy_uncertainty(np.array([[0.5, 1.0]])).round(3).tolist()
    [[1.0, 0.0]]
    """
    p = np.asarray(probs, dtype=np.float64)
    p = np.stack([1.0 - p, p]) if class_axis is None else np.moveaxis(p, class_axis, 0)
    if p.min() < 0 or p.max() > 1 + 1e-6:
        raise ValueError(f"probs must lie in [0, 1], got range [{p.min()}, {p.max()}]")
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0).sum(axis=0)
    return np.clip(h / np.log(p.shape[0]), 0.0, 1.0) + 0.0


def epistemic_uncertainty(samples: np.ndarray) -> np.ndarray:
    """Monte-Carlo-dropout epistemic uncertainty: variance over T samples, scaled to [0, 1].

    ``samples`` has shape ``(T, M, N[, P])`` (foreground probabilities of T stochastic
    forward passes with dropout active).  The variance of a [0, 1] variable is at most 1/4,
    so ``4 * var`` lies in [0, 1] (thesis Eq. 18: "normalised epistemic uncertainty").

    >>> epistemic_uncertainty(np.array([[[0.0, 1.0]], [[1.0, 1.0]]])).tolist()
    [[1.0, 0.0]]
    """
    s = np.asarray(samples, dtype=np.float64)
    if s.ndim not in (3, 4) or s.shape[0] < 2:
        raise ValueError(f"samples must have shape (T>=2, M, N[, P]), got {s.shape}")
    return np.clip(4.0 * s.var(axis=0), 0.0, 1.0)


def mc_dropout_probs(model, inputs, *, n_samples: int = 10) -> np.ndarray:
    """Foreground probabilities of ``n_samples`` forward passes with dropout active.

    Parameters
    ----------
    model : torch.nn.Module
        A segmentation network returning logits ``(B, C, ...)``; C = 1 uses a sigmoid,
        C >= 2 the softmax of channel 1.
    inputs : torch.Tensor
        One input batch ``(1, C_in, ...)``.
    n_samples : int
        Number T of stochastic passes (>= 2).

    Returns
    -------
    (T, ...) ndarray
        Input to :func:`epistemic_uncertainty`.  Only dropout layers are switched to
        training mode (normalisation layers keep their statistics); every module's mode
        is restored afterwards.

    Raises
    ------
    ValueError
        When the model has no dropout layer (use :func:`entropy_uncertainty` instead) or
        ``n_samples < 2``.
    """
    import torch

    DROPOUT_LAYERS = (  # torch's public dropout layers (their base class is private)
        torch.nn.Dropout,
        torch.nn.Dropout1d,
        torch.nn.Dropout2d,
        torch.nn.Dropout3d,
        torch.nn.AlphaDropout,
        torch.nn.FeatureAlphaDropout,
    )
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2, got {n_samples}")
    drops = [m for m in model.modules() if isinstance(m, DROPOUT_LAYERS)]
    if not drops:
        raise ValueError("model has no dropout layer; use entropy_uncertainty(probs) instead")
    modes = {m: m.training for m in model.modules()}
    model.eval()
    for m in drops:
        m.train()
    try:
        with torch.no_grad():
            outs = []
            for _ in range(n_samples):
                logits = model(inputs)[0]
                p = torch.sigmoid(logits[0]) if logits.shape[0] == 1 else logits.softmax(0)[1]
                outs.append(p.float().cpu().numpy())
    finally:
        for m, mode in modes.items():
            m.train(mode)
    return np.stack(outs)
