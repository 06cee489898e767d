"""Turn an uploaded image + label pair into a validated :class:`reference_impl.io.Volume`.

Uploads are only ever *parsed* (nibabel / pynrrd through :func:`reference_impl.io.load_case`),
never executed or unpickled.  Size, file type, voxel count and the image/label pair itself
(same shape, same affine, finite image, non-empty label) are checked before any compute.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["ALLOWED_SUFFIXES", "MAX_UPLOAD_MB", "MAX_VOXELS", "load_uploaded_pair"]

ALLOWED_SUFFIXES = (".nii", ".nii.gz", ".nrrd")
MAX_UPLOAD_MB = 64
MAX_VOXELS = 256 * 256 * 256


def _suffix(name: str) -> str:
    low = name.lower()
    for s in sorted(ALLOWED_SUFFIXES, key=len, reverse=True):
        if low.endswith(s):
            return s
    raise ValueError(f"{name!r}: unsupported file type; allowed: {', '.join(ALLOWED_SUFFIXES)}")


def _safe_name(name: str, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", name[: -len(suffix)])[:60] or "volume"
    return stem + suffix


def load_uploaded_pair(image: Any, label: Any, *, label_value: int | None = None,
                       max_mb: float = MAX_UPLOAD_MB, max_voxels: int = MAX_VOXELS) -> Any:
    """Validate and load an uploaded ``(image, label)`` pair.

    Parameters
    ----------
    image, label : UploadedFile-like
        Objects with ``.name`` and ``.getvalue() -> bytes`` (Streamlit's ``UploadedFile``).
    label_value : int, optional
        Class of a multi-class label map to segment (default: every label > 0).
    max_mb : float
        Largest accepted size of each file in MB.
    max_voxels : int
        Largest accepted number of voxels.

    Returns
    -------
    reference_impl.io.Volume

    Raises
    ------
    ValueError
        For a wrong file type, a file that is too large or empty, a volume with too many
        voxels, or an invalid pair (see :func:`reference_impl.io.load_case`).
    """
    from reference_impl.io import load_case

    with tempfile.TemporaryDirectory(prefix="iseg-upload-") as tmp:
        paths = []
        for role, f in (("image", image), ("label", label)):
            if f is None:
                raise ValueError(f"no {role} file was uploaded; both image and label are needed")
            suffix = _suffix(f.name)
            data = f.getvalue()
            size_mb = len(data) / 2**20
            if not data:
                raise ValueError(f"{role} file {f.name!r} is empty")
            if size_mb > max_mb:
                raise ValueError(f"{role} file {f.name!r} is {size_mb:.1f} MB; the limit is "
                                 f"{max_mb:g} MB")
            path = Path(tmp) / f"{role}_{_safe_name(f.name, suffix)}"
            path.write_bytes(data)
            paths.append(path)
        try:
            vol = load_case(paths[0], paths[1], label_value=label_value,
                            name=_safe_name(image.name, _suffix(image.name))[:40])
        except ValueError:
            raise
        except Exception as exc:  # noqa: BLE001 - parser errors of untrusted files
            raise ValueError(f"could not read the uploaded files as NIfTI/NRRD: "
                             f"{exc.__class__.__name__}: {exc}") from None
    if vol.image.size > max_voxels:
        raise ValueError(f"the volume has {vol.image.size} voxels {vol.shape}; the limit is "
                         f"{max_voxels}")
    return vol
