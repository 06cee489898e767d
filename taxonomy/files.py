"""Atomic, non-clobbering output files for ``iseg taxonomy/graph/recommend --out``.

iseg never overwrites a file it did not create: an existing ``--out`` is refused unless the
user passes ``--force``.  The data go to a temporary file in the same folder first and are
then renamed onto the target (``os.replace``), so a crash never leaves half a file.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["check_new_file", "write_atomic"]


def check_new_file(path: str | Path, *, force: bool = False, option: str = "--out") -> Path:
    """Check before any work that ``path`` can be written; return it as a ``Path``.

    Raises
    ------
    ValueError
        If the folder does not exist, ``path`` is a folder, or ``path`` exists and ``force``
        is false (the message names the option and the file).
    """
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{option} {p}: is a folder; give a file name")
    if not p.parent.is_dir():
        raise ValueError(f"{option} {p}: folder {p.parent} does not exist")
    if p.exists() and not force:
        raise ValueError(
            f"{option} {p}: file exists; iseg does not overwrite files (pass --force to replace it)"
        )
    return p


def write_atomic(
    path: str | Path,
    data: str | bytes | Callable[[Path], None],
    *,
    force: bool = False,
    option: str = "--out",
) -> Path:
    """Write ``data`` (text, bytes, or a function writing to a given path) atomically.

    The temporary file ``.NAME.tmp-<pid>-<hex>SUFFIX`` sits in the target's folder and keeps
    the suffix (matplotlib picks the format from it); it is removed on failure.
    """
    p = check_new_file(path, force=force, option=option)
    tmp = p.with_name(f".{p.stem}.tmp-{os.getpid()}-{secrets.token_hex(4)}{p.suffix}")
    try:
        if callable(data):
            data(tmp)
        elif isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        if p.exists() and not force:  # appeared while we worked
            raise ValueError(f"{option} {p}: file appeared while writing; not overwritten")
        os.replace(tmp, p)
    finally:
        tmp.unlink(missing_ok=True)
    return p
