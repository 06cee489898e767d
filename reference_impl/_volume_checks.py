"""Header-only checks of NIfTI and NRRD files (used by :mod:`reference_impl.io`).

Nothing here decodes voxel data: shapes, types, affines and byte counts are read from the
header and the file size (for gzip streams, the 4-byte ISIZE trailer, RFC 1952 §2.3.1).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["VolumeError", "VolumeInfo", "suffix_of", "inspect_nifti", "inspect_nrrd"]

SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr")
_GZIP_MAGIC = b"\x1f\x8b"
_NRRD_TYPES = {  # NRRD type names (NRRD file format spec, "type") -> numpy
    **dict.fromkeys(("signed char", "int8", "int8_t"), "i1"),
    **dict.fromkeys(("uchar", "unsigned char", "uint8", "uint8_t"), "u1"),
    **dict.fromkeys(
        ("short", "short int", "signed short", "signed short int", "int16", "int16_t"), "i2"
    ),
    **dict.fromkeys(("ushort", "unsigned short", "unsigned short int", "uint16", "uint16_t"), "u2"),
    **dict.fromkeys(("int", "signed int", "int32", "int32_t"), "i4"),
    **dict.fromkeys(("uint", "unsigned int", "uint32", "uint32_t"), "u4"),
    **dict.fromkeys(
        (
            "longlong",
            "long long",
            "long long int",
            "signed long long",
            "signed long long int",
            "int64",
            "int64_t",
        ),
        "i8",
    ),
    **dict.fromkeys(
        ("ulonglong", "unsigned long long", "unsigned long long int", "uint64", "uint64_t"), "u8"
    ),
    "float": "f4",
    "double": "f8",
}
_NRRD_ENCODINGS = ("raw", "gzip", "gz", "bzip2", "bz2", "ascii", "text", "txt")
_LPS = ("left-posterior-superior", "lps")
_RAS = ("right-anterior-superior", "ras", "scanner-xyz", "3d-right-handed")
_MAX_HEADER = 1 << 20


class VolumeError(ValueError):
    """A volume file that cannot be used; the message starts with the file's path."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


@dataclass(frozen=True)
class VolumeInfo:
    """What a volume's header says: ``shape``/``spacing`` in numpy axis order (z, y, x),
    ``affine`` mapping (z, y, x, 1) to RAS mm, the stored ``dtype`` and the ``format``."""

    path: Path
    shape: tuple[int, int, int]
    dtype: np.dtype
    spacing: tuple[float, float, float]
    affine: np.ndarray = field(repr=False)
    format: str = "nifti"

    @property
    def n_voxels(self) -> int:
        """Number of voxels the header declares."""
        return int(np.prod(self.shape, dtype=np.int64))


def suffix_of(path: Path) -> str:
    """The volume suffix of ``path`` (VolumeError for anything else)."""
    name = path.name.lower()
    for s in SUFFIXES:
        if name.endswith(s):
            return s
    raise VolumeError(path, f"unsupported file type; expected one of {', '.join(SUFFIXES)}")


def _gzip_isize(path: Path, offset: int = 0) -> int:
    """Uncompressed size (mod 2**32) from a gzip stream's trailer; checks the magic bytes."""
    with path.open("rb") as fh:
        fh.seek(offset)
        if fh.read(2) != _GZIP_MAGIC:
            raise VolumeError(path, "is not gzip-compressed although its encoding says so")
        fh.seek(0, 2)
        if fh.tell() - offset < 18:
            raise VolumeError(path, "truncated gzip stream")
        fh.seek(-4, 2)
        return struct.unpack("<I", fh.read(4))[0]


def _check_bytes(path: Path, have: int, need: int, *, gz: bool) -> None:
    """``have`` data bytes (the gzip ISIZE, mod 2**32) against the ``need`` of the header."""
    if gz and need >= 2**32:
        return  # ISIZE wraps; decoding errors are still caught by read_volume
    if have < need:
        what = "uncompressed stream" if gz else "file"
        raise VolumeError(
            path,
            f"header declares {need} bytes of voxel data but the {what} "
            f"holds {have} (truncated file or header larger than data)",
        )


def _finish(
    path: Path, shape_xyz: tuple[int, ...], dtype: np.dtype, aff_xyz: np.ndarray, fmt: str
) -> VolumeInfo:
    """Shared shape/dtype/affine checks; converts to numpy axis order."""
    if len(shape_xyz) > 3 and any(int(s) != 1 for s in shape_xyz[3:]):
        raise VolumeError(
            path,
            f"expected a 3D scalar volume, got shape {tuple(shape_xyz)} "
            "(a vector, RGB or time series image)",
        )
    if len(shape_xyz) < 3:
        raise VolumeError(path, f"expected a 3D volume, got shape {tuple(shape_xyz)}")
    shape = tuple(int(s) for s in shape_xyz[:3])
    if min(shape) <= 0:
        raise VolumeError(path, f"every dimension must be > 0, got {shape}")
    if dtype.fields is not None or dtype.kind not in "biuf":
        raise VolumeError(
            path,
            f"voxel type {dtype} is not a scalar number (RGB, vector or "
            "complex images are not supported)",
        )
    aff = np.asarray(aff_xyz, dtype=np.float64)
    if aff.shape != (4, 4) or not np.isfinite(aff).all() or abs(np.linalg.det(aff[:3, :3])) < 1e-12:
        raise VolumeError(path, "the affine (voxel -> world) is singular or not finite")
    affine = aff[:, [2, 1, 0, 3]]
    spacing = tuple(float(s) for s in np.linalg.norm(affine[:3, :3], axis=0))
    return VolumeInfo(path, (shape[2], shape[1], shape[0]), dtype, spacing, affine, fmt)  # type: ignore[arg-type]


def inspect_nifti(path: Path) -> VolumeInfo:
    """Header checks of a ``.nii``/``.nii.gz`` file."""
    import nibabel as nib

    gz = path.name.lower().endswith(".gz")
    isize = _gzip_isize(path) if gz else path.stat().st_size
    try:
        img: Any = nib.load(str(path))
        hdr = img.header
        shape = tuple(int(s) for s in hdr.get_data_shape())
        dtype = np.dtype(hdr.get_data_dtype())
        offset = int(hdr.get_data_offset())
        aff = np.asarray(img.affine, dtype=np.float64)
    except (
        nib.filebasedimages.ImageFileError,
        OSError,
        EOFError,
        ValueError,
        TypeError,
        struct.error,
        zlib.error,
    ) as exc:
        raise VolumeError(
            path, f"not a readable NIfTI header: {exc.__class__.__name__}: {exc}"
        ) from None
    if len(img.header.get_data_shape()) and min(shape) <= 0:
        raise VolumeError(path, f"every dimension must be > 0, got {shape}")
    info = _finish(path, shape, dtype, aff, "nifti")
    if not isinstance(img, nib.Nifti1Image | nib.Nifti2Image):
        raise VolumeError(path, f"expected a single-file NIfTI image, got {type(img).__name__}")
    _check_bytes(path, isize, offset + info.n_voxels * dtype.itemsize, gz=gz)
    return info


def _nrrd_data_offset(path: Path) -> int:
    """Byte offset of the data after an attached NRRD header (the first blank line)."""
    with path.open("rb") as fh:
        head = fh.read(_MAX_HEADER)
    for sep in (b"\n\n", b"\r\n\r\n"):
        i = head.find(sep)
        if i >= 0:
            return i + len(sep)
    raise VolumeError(path, "NRRD header has no blank line before the data (or is > 1 MiB)")


def _read_nrrd_header(path: Path) -> dict:
    import nrrd

    with path.open("rb") as fh:
        if fh.read(4) != b"NRRD":
            raise VolumeError(path, "not an NRRD file (no 'NRRD000X' magic line)")
    try:
        return dict(nrrd.read_header(str(path)))
    except (
        nrrd.NRRDError,
        KeyError,
        ValueError,
        TypeError,
        IndexError,
        UnicodeDecodeError,
        OSError,
    ) as exc:
        raise VolumeError(path, f"bad NRRD header: {exc.__class__.__name__}: {exc}") from None


def _nrrd_affine(path: Path, header: dict) -> np.ndarray:
    try:
        dirs = np.asarray(header.get("space directions", np.eye(3)), dtype=np.float64)
        origin = np.asarray(header.get("space origin", np.zeros(3)), dtype=np.float64)
    except (ValueError, TypeError) as exc:
        raise VolumeError(path, f"bad NRRD 'space directions'/'space origin': {exc}") from None
    if dirs.shape != (3, 3) or origin.shape != (3,):
        raise VolumeError(
            path,
            f"NRRD 'space directions' must be 3x3 and 'space origin' 3 "
            f"values, got {dirs.shape} and {origin.shape}",
        )
    space = str(header.get("space", "right-anterior-superior")).lower()
    if space not in _LPS + _RAS:
        raise VolumeError(
            path,
            f"unsupported NRRD space {space!r}; expected one of {', '.join(_LPS[:1] + _RAS[:1])}",
        )
    aff = np.eye(4)
    aff[:3, :3] = dirs.T
    aff[:3, 3] = origin
    if space in _LPS:
        aff[:2] *= -1  # LPS -> RAS
    return aff


def inspect_nrrd(path: Path) -> VolumeInfo:
    """Header checks of a ``.nrrd``/``.nhdr`` file (attached or detached data)."""
    header = _read_nrrd_header(path)
    try:
        ndim = int(header.get("dimension", 0))
        sizes = [int(s) for s in np.atleast_1d(header["sizes"])]
        type_name = str(header["type"]).lower()
        encoding = str(header["encoding"]).lower()
    except (KeyError, ValueError, TypeError) as exc:
        raise VolumeError(path, f"bad NRRD header: missing or invalid field {exc}") from None
    if ndim != len(sizes):
        raise VolumeError(path, f"NRRD dimension {ndim} does not match sizes {sizes}")
    if ndim == 4 and sizes[0] > 1:
        raise VolumeError(
            path, f"expected a 3D scalar volume, got sizes {sizes} (a vector or RGB image)"
        )
    if ndim == 4:
        sizes = sizes[1:]
    if type_name not in _NRRD_TYPES:
        raise VolumeError(path, f"unsupported NRRD type {type_name!r}")
    if encoding not in _NRRD_ENCODINGS:
        raise VolumeError(path, f"unsupported NRRD encoding {encoding!r}")
    dtype = np.dtype(_NRRD_TYPES[type_name])
    info = _finish(path, tuple(sizes), dtype, _nrrd_affine(path, header), "nrrd")
    data_path, offset = _nrrd_data_location(path, header)
    need = info.n_voxels * dtype.itemsize
    if encoding in ("raw",):
        _check_bytes(data_path, data_path.stat().st_size - offset, need, gz=False)
    elif encoding in ("gzip", "gz"):
        _check_bytes(data_path, _gzip_isize(data_path, offset), need, gz=True)
    return info


def _nrrd_data_location(path: Path, header: dict) -> tuple[Path, int]:
    """(file holding the data, byte offset); a detached file must sit beside the header."""
    data_file = header.get("data file") or header.get("datafile")
    if not data_file:
        if path.name.lower().endswith(".nhdr"):
            raise VolumeError(path, "detached NRRD header without a 'data file' field")
        return path, _nrrd_data_offset(path)
    target = (path.parent / str(data_file)).resolve()
    if target.parent != path.parent.resolve():
        raise VolumeError(path, f"NRRD 'data file' {data_file!r} must lie in the header's folder")
    if not target.is_file():
        raise VolumeError(path, f"NRRD 'data file' {data_file!r} not found")
    return target, 0
