"""Reading and writing checkpoints: the one weights-only reader (no code execution from a
file a user passes; errors that name the file) and the one atomic writer."""

from __future__ import annotations

import os
from pathlib import Path

import torch

__all__ = ["atomic_save", "read_checkpoint"]


def atomic_save(obj, path: str | Path) -> None:
    """``torch.save`` to a temporary file in the same folder, then ``os.replace``.

    A crash or SIGKILL during the write leaves the previous file at ``path`` intact (and at
    worst a ``.<name>.tmp-<pid>`` file, never a truncated checkpoint under the real name).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read_checkpoint(path: str | Path, device: str | torch.device = "cpu") -> dict:
    """``torch.load(weights_only=True)`` with errors that name the file (no code execution
    from a file a user passes): ``FileNotFoundError`` when there is no such file,
    ``ValueError`` when it is not a weights-only checkpoint.

    >>> read_checkpoint("/no/such.pt")
    Traceback (most recent call last):
    ...
    FileNotFoundError: /no/such.pt: no such checkpoint
    """
    import pickle

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except (
        pickle.UnpicklingError,
        EOFError,
        RuntimeError,
        OSError,
        AttributeError,
        ValueError,
    ) as exc:
        raise ValueError(
            f"{path}: not a readable checkpoint (weights-only load failed: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
        ) from None
