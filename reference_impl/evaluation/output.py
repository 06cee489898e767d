"""Writing results safely: checked up front, atomic, never replacing what iseg did not write.

* :func:`check_seg_path` (a segmentation file for ``iseg segment --out``) and
  :func:`check_out_dir` (the result folder of ``iseg evaluate --out``) run before any data
  is read.  A file may only be replaced when it is a NIfTI that iseg wrote (its header's
  ``descrip`` starts with :data:`SEG_DESCRIP`); a folder may be new, empty, or an earlier
  ``iseg evaluate`` result (its :data:`MARKER` lists every file in it).
* :func:`write_segmentation` and :func:`write_text` write to a temporary file in the target
  folder and ``os.replace`` it onto the target, so a crash leaves the old file or the new
  one, never half of one.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SEG_DESCRIP",
    "MARKER",
    "check_seg_path",
    "check_out_dir",
    "write_segmentation",
    "write_text",
    "finish_out_dir",
]

#: Start of the NIfTI ``descrip`` field of every segmentation iseg writes.
SEG_DESCRIP = "iseg-navigator segmentation"
#: Marker file of an ``iseg evaluate`` result folder (lists the files written there).
MARKER = ".iseg-evaluate.json"


def _written_by_iseg(path: Path) -> bool:
    try:
        import nibabel as nib

        img: Any = nib.load(str(path))
        descrip = img.header["descrip"].tobytes().decode("ascii", "replace")
    except Exception:  # noqa: BLE001 - any unreadable file is not ours
        return False
    return descrip.startswith(SEG_DESCRIP)


def _check_parent(path: Path, option: str) -> None:
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {path}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise ValueError(f"{option} {path}: cannot write in {parent}")
            return


def check_seg_path(out: str | Path, *, option: str = "--out") -> Path:
    """Validate a segmentation output file before any compute; returns the path.

    Refuses: a suffix other than ``.nii``/``.nii.gz``, a directory, a parent that is a file
    or not writable, and an existing file that iseg did not write.
    """
    text = str(out)
    path = Path(text).expanduser()
    if not text.strip():
        raise ValueError(f"{option}: empty path")
    if path.is_dir():
        raise ValueError(f"{option} {text}: is a folder; give a file name such as seg.nii.gz")
    if not path.name.lower().endswith((".nii", ".nii.gz")):
        raise ValueError(
            f"{option} {text}: the segmentation is written as NIfTI; use a "
            ".nii.gz or .nii file name"
        )
    _check_parent(path, option)
    if path.exists() and not _written_by_iseg(path):
        raise ValueError(
            f"{option} {text}: exists and was not written by iseg; refusing to "
            "overwrite it (choose a new file name)"
        )
    return path


def check_out_dir(out: str | Path, *, option: str = "--out") -> Path:
    """Validate a result folder before any compute; returns the path (not yet created)."""
    text = str(out)
    if not text.strip():
        raise ValueError(f"{option}: empty path")
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {text}: exists and is a file, not a folder")
    _check_parent(path, option)
    if path.is_dir():
        entries = {p.name for p in path.iterdir()}
        if entries and not entries <= _listed(path):
            raise ValueError(
                f"{option} {text}: folder is not empty and was not written by "
                f"iseg evaluate (no {MARKER} listing its files); choose a new or "
                "empty folder"
            )
    return path


def _files(path: Path) -> set[str]:
    """Files an earlier ``iseg evaluate`` listed in ``path``'s marker (empty set: none)."""
    try:
        files = json.loads((path / MARKER).read_text())["files"]
        return {str(f) for f in files}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _listed(path: Path) -> set[str]:
    files = _files(path)
    return ({f.split("/", 1)[0] for f in files} | {MARKER}) if files else set()


def _atomic_target(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_segmentation(mask: np.ndarray, affine: np.ndarray, path: str | Path) -> Path:
    """Write a ``(z, y, x)`` mask as a uint8 NIfTI with the zyx->RAS ``affine``, atomically.

    The file is in the input's voxel grid: its NIfTI affine is ``affine`` with the axes
    put back in file order (x, y, z), so it overlays the input image in any viewer.
    """
    import nibabel as nib

    path = Path(path)
    m = np.asarray(mask)
    aff = np.asarray(affine, dtype=np.float64)
    if m.ndim != 3 or aff.shape != (4, 4):
        raise ValueError(f"need a 3D mask and a 4x4 affine, got {m.shape} and {aff.shape}")
    img = nib.Nifti1Image(
        np.ascontiguousarray(np.transpose(m.astype(np.uint8), (2, 1, 0))), aff[:, [2, 1, 0, 3]]
    )
    img.header["descrip"] = SEG_DESCRIP.encode()
    img.set_qform(img.affine, code=1)
    img.set_sform(img.affine, code=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = ".nii.gz" if path.name.lower().endswith(".gz") else ".nii"
    tmp = _atomic_target(path).with_name(_atomic_target(path).name + suffix)
    try:
        nib.save(img, str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def finish_out_dir(path: Path, files: list[str]) -> None:
    """Record the files written into an ``iseg evaluate`` folder (its :data:`MARKER`)."""
    listed = sorted(_files(path) | set(files))
    write_text(
        path / MARKER, json.dumps({"written_by": "iseg evaluate", "files": listed}, indent=1) + "\n"
    )
