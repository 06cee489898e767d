"""Device selection shared by every GPU-first function (torch CUDA or CPU; CuPy optional)."""

from __future__ import annotations

import functools

import torch

__all__ = ["resolve_device", "cupy_available"]


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """Return a ``torch.device``: ``None``/``"auto"`` picks CUDA when available, else CPU.

    Raises ``ValueError`` when CUDA is asked for on a machine without it.

    >>> resolve_device("cpu").type
    'cpu'
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available; use 'cpu'")
    return dev


@functools.cache
def cupy_available() -> bool:
    """True when CuPy imports and sees a CUDA device (never raises)."""
    try:
        import cupy  # noqa: F401

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # noqa: BLE001 - any import/driver failure means "no CuPy"
        return False
