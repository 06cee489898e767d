"""Turn uploaded NIfTI/NRRD files into a validated :class:`reference_impl.io.Volume`.

Uploads are only ever *parsed* (nibabel / pynrrd through :mod:`reference_impl.io`), never
executed or unpickled.  File type, size and emptiness are checked first; then both headers
(:func:`reference_impl.io.inspect_volume`): shape, voxel count (against ``max_voxels``,
before anything is decoded, so a tiny file declaring 2000^3 voxels or a gzip bomb is
refused at once), data type, affine and the image/label pair.  Messages name the file the
person uploaded, never a temporary path on the server.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "ALLOWED_SUFFIXES",
    "MAX_UPLOAD_MB",
    "MAX_VOXELS",
    "StoredUpload",
    "keep_upload",
    "load_uploaded_pair",
    "load_uploaded_image",
    "missing_upload_message",
]

ALLOWED_SUFFIXES = (".nii", ".nii.gz", ".nrrd")
MAX_UPLOAD_MB = 64
MAX_VOXELS = 256 * 256 * 256


@dataclass(frozen=True)
class StoredUpload:
    """An uploaded file kept in the session (so it survives leaving the page)."""

    name: str
    data: bytes

    def getvalue(self) -> bytes:
        """The file's bytes (the ``UploadedFile`` interface)."""
        return self.data

    @property
    def size_mb(self) -> float:
        """Size in MB."""
        return len(self.data) / 2**20


def keep_upload(f: Any) -> StoredUpload | None:
    """A :class:`StoredUpload` copy of an ``UploadedFile`` (None stays None)."""
    return None if f is None else StoredUpload(str(f.name), bytes(f.getvalue()))


def missing_upload_message(role: str, *, max_mb: float, optional: bool = False) -> str:
    """What to say when the uploader holds no file: it may have refused one itself."""
    need = "" if optional else " is needed"
    return (
        f"no {role} file was uploaded{need}. Accepted: {', '.join(ALLOWED_SUFFIXES)} of at "
        f"most {max_mb:g} MB; the uploader refuses a larger file itself (its message "
        "appears under the upload box)."
    )


def _suffix(name: str) -> str:
    low = name.lower()
    for s in sorted(ALLOWED_SUFFIXES, key=len, reverse=True):
        if low.endswith(s):
            return s
    raise ValueError(f"{name!r}: unsupported file type; allowed: {', '.join(ALLOWED_SUFFIXES)}")


def _safe_name(name: str, suffix: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9_-]", "_", name[: -len(suffix)])[:60] or "volume"
    return stem + suffix


def _stage(f: Any, role: str, tmp: Path, max_mb: float) -> Path:
    """Write upload ``f`` into ``tmp`` after the type, emptiness and size checks."""
    suffix = _suffix(f.name)
    data = f.getvalue()
    if not data:
        raise ValueError(f"{role} file {f.name!r} is empty")
    size_mb = len(data) / 2**20
    if size_mb > max_mb:
        raise ValueError(f"{role} file {f.name!r} is {size_mb:.1f} MB; the limit is {max_mb:g} MB")
    path = tmp / f"{role}_{_safe_name(f.name, suffix)}"
    path.write_bytes(data)
    return path


def _public(message: str, tmp: Path, names: dict[Path, str]) -> str:
    """``message`` with every temporary path replaced by the uploaded file's name."""
    for path, shown in names.items():
        message = message.replace(str(path), repr(shown))
    return message.replace(str(tmp) + "/", "").replace(str(tmp), "upload")


def _load(
    image: Any,
    label: Any,
    *,
    label_value: int | str | None,
    max_mb: float,
    max_voxels: int,
    label_required: bool,
) -> Any:
    from reference_impl.io import load_case

    for role, f in (("image", image), ("label", label)):
        if f is None and (role == "image" or label_required):
            raise ValueError(missing_upload_message(role, max_mb=max_mb))
    with tempfile.TemporaryDirectory(prefix="iseg-upload-") as tmp_name:
        tmp = Path(tmp_name)
        img_path = _stage(image, "image", tmp, max_mb)
        lab_path = _stage(label, "label", tmp, max_mb) if label is not None else None
        names = {img_path: image.name} | ({lab_path: label.name} if lab_path else {})
        try:
            suffix = _suffix(image.name)
            return load_case(
                img_path,
                lab_path,
                label_value=label_value,
                max_voxels=max_voxels,
                name=_safe_name(image.name, suffix)[: -len(suffix)][:40],
            )
        except ValueError as exc:
            raise ValueError(_public(str(exc), tmp, names)) from None
        except Exception as exc:  # noqa: BLE001 - parser errors of untrusted files
            raise ValueError(
                f"could not read the uploaded files as NIfTI/NRRD: "
                f"{exc.__class__.__name__}: {_public(str(exc), tmp, names)}"
            ) from None


def load_uploaded_pair(
    image: Any,
    label: Any,
    *,
    label_value: int | str | None = None,
    max_mb: float = MAX_UPLOAD_MB,
    max_voxels: int = MAX_VOXELS,
) -> Any:
    """Validate and load an uploaded ``(image, label)`` pair.

    Parameters
    ----------
    image, label : UploadedFile-like
        Objects with ``.name`` and ``.getvalue() -> bytes`` (Streamlit's ``UploadedFile``).
    label_value : int or str, optional
        Class of a multi-class label map to segment (needed when the map has several).
    max_mb : float
        Largest accepted size of each file in MB.
    max_voxels : int
        Largest accepted number of voxels, checked on the headers before decoding.

    Returns
    -------
    reference_impl.io.Volume

    Raises
    ------
    ValueError
        For a missing file, a wrong file type, a file that is too large or empty, a volume
        with too many voxels, or an invalid pair (see :func:`reference_impl.io.load_case`).
    """
    return _load(
        image,
        label,
        label_value=label_value,
        max_mb=max_mb,
        max_voxels=max_voxels,
        label_required=True,
    )


def load_uploaded_image(
    image: Any,
    label: Any = None,
    *,
    label_value: int | str | None = None,
    max_mb: float = MAX_UPLOAD_MB,
    max_voxels: int = MAX_VOXELS,
) -> Any:
    """Like :func:`load_uploaded_pair`, but the label is optional (``Volume.label`` None)."""
    return _load(
        image,
        label,
        label_value=label_value,
        max_mb=max_mb,
        max_voxels=max_voxels,
        label_required=False,
    )
