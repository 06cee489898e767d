"""Reading image + label volumes (NIfTI, NRRD) safely, and the bundled sample cases.

Arrays are returned in numpy axis order ``(z, y, x)`` with ``spacing`` in the same order
and a 4x4 ``affine`` mapping ``(z, y, x, 1)`` voxel indices to RAS world millimetres
(NRRD files in LPS space are converted to RAS).

Untrusted files are refused **before** their voxels are decoded: :func:`inspect_volume`
reads only the header (nibabel's header, pynrrd's ``read_header``) and checks the shape
(3D, every axis > 0), the voxel count, the data type (no RGB/vector/complex data), the
affine, and that the file holds as many bytes as the header promises (the gzip trailer's
size field for compressed files).  Every problem is one :class:`VolumeError` (a
``ValueError``) whose message starts with the file's path.

Labels: :func:`select_label` turns a label map into one binary target.  A map with one
foreground value is that target; a multi-class map needs an explicit ``label`` (a value,
or a name from a ``labels.json`` beside the label file); a non-integer map (probabilities)
or negative values are refused, never silently merged or thresholded.

Orientation helpers live in :mod:`reference_impl.orientation`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._volume_checks import VolumeError, VolumeInfo, inspect_nifti, inspect_nrrd, suffix_of

__all__ = [
    "Volume",
    "VolumeError",
    "VolumeInfo",
    "DEFAULT_MAX_VOXELS",
    "inspect_volume",
    "read_volume",
    "read_label_names",
    "select_label",
    "load_case",
    "shared_data_dir",
    "SAMPLE_CASES",
    "load_sample",
    "sample_paths",
    "list_cases",
    "check_sha256",
]

#: Largest volume :func:`read_volume` decodes unless told otherwise (2**28 voxels, 1 GiB
#: as float32; a 512 x 512 x 1024 CT fits).
DEFAULT_MAX_VOXELS = 2**28


@dataclass
class Volume:
    """An image with an optional binary label, its spacing (mm) and affine."""

    image: np.ndarray
    label: np.ndarray | None
    spacing: tuple[float, ...]
    affine: np.ndarray = field(repr=False)
    name: str = "volume"

    @property
    def shape(self) -> tuple[int, ...]:
        """Image shape in numpy axis order."""
        return tuple(self.image.shape)


def inspect_volume(path: str | Path) -> VolumeInfo:
    """Read and check only the header of a NIfTI/NRRD file.

    Parameters
    ----------
    path : str or Path
        ``.nii``, ``.nii.gz``, ``.nrrd`` or ``.nhdr`` file.

    Returns
    -------
    VolumeInfo
        ``shape`` (numpy axis order), ``dtype``, ``spacing``, ``affine`` (zyx -> RAS mm).

    Raises
    ------
    VolumeError
        Missing file, a directory, an unknown suffix, a header that cannot be parsed, a
        shape that is not 3D or has an axis <= 0, RGB/vector/complex data, a singular or
        non-finite affine, or fewer data bytes than the header declares.
    """
    path = Path(path)
    if path.is_dir():
        raise VolumeError(path, "is a directory, not a volume file")
    if not path.exists():
        raise VolumeError(path, "no such file")
    if suffix_of(path) in (".nii", ".nii.gz"):
        return inspect_nifti(path)
    return inspect_nrrd(path)


def read_volume(
    path: str | Path, *, max_voxels: int | None = None
) -> tuple[np.ndarray, tuple[float, ...], np.ndarray]:
    """Read a NIfTI or NRRD file as ``(array zyx, spacing zyx, affine zyx->RAS)``.

    The header is checked first (:func:`inspect_volume`), then the voxel count against
    ``max_voxels`` (default :data:`DEFAULT_MAX_VOXELS`); only then are the data decoded.

    Raises
    ------
    VolumeError
        Everything :func:`inspect_volume` refuses, too many voxels, or data that fail to
        decode (a truncated or corrupt stream).
    """
    info = inspect_volume(path)
    limit = DEFAULT_MAX_VOXELS if max_voxels is None else int(max_voxels)
    if info.n_voxels > limit:
        raise VolumeError(
            info.path, f"{info.n_voxels} voxels {info.shape} exceed the limit of {limit}"
        )
    try:
        data = _decode(info)
    except (EOFError, OSError, ValueError, TypeError, MemoryError) as exc:
        raise VolumeError(
            info.path,
            f"could not decode the voxel data (truncated or corrupt "
            f"file?): {exc.__class__.__name__}: {exc}",
        ) from None
    data = np.squeeze(data, axis=tuple(range(3, data.ndim))) if data.ndim > 3 else data
    if data.shape[::-1] != info.shape:
        raise VolumeError(
            info.path, f"decoded shape {data.shape[::-1]} differs from the header's {info.shape}"
        )
    arr = np.ascontiguousarray(np.transpose(data, (2, 1, 0)))
    return arr, info.spacing, info.affine.copy()


def _decode(info: VolumeInfo) -> np.ndarray:
    """The voxel array in file (x, y, z) order."""
    if info.format == "nifti":
        import nibabel as nib

        img: Any = nib.load(str(info.path))
        return np.asanyarray(img.dataobj)
    import nrrd

    try:
        data, _ = nrrd.read(str(info.path), index_order="F")
    except nrrd.NRRDError as exc:
        raise ValueError(str(exc)) from None
    return data


def read_label_names(label_path: str | Path) -> dict[int, str]:
    """Class names from a ``labels.json`` beside ``label_path`` (empty when there is none).

    Accepted layouts: ``{"labels": {"1": "spleen", ...}}`` or ``{"1": "spleen", ...}``.
    """
    p = Path(label_path).parent / "labels.json"
    if not p.is_file():
        return {}
    try:
        raw = json.loads(p.read_text())
        table = raw.get("labels", raw) if isinstance(raw, dict) else None
        if not isinstance(table, dict):
            raise ValueError("expected a mapping value -> name")
        return {int(k): str(v) for k, v in table.items()}
    except (ValueError, TypeError, AttributeError) as exc:
        raise VolumeError(p, f"not a valid labels.json: {exc}") from None


def select_label(
    label: np.ndarray,
    *,
    target: int | str | None = None,
    names: dict[int, str] | None = None,
    path: str | Path = "label",
) -> np.ndarray:
    """One binary target (uint8 0/1) from a label map.

    Parameters
    ----------
    label : ndarray
        Label map (integer values >= 0).
    target : int or str, optional
        The class: a value (``2`` or ``"2"``) or a name from ``names``.  Needed when the map
        has more than one foreground value.
    names : dict, optional
        Value -> name (:func:`read_label_names`).
    path : str or Path
        Named in error messages.

    Raises
    ------
    VolumeError
        A non-integer (probability) map, negative values, a multi-class map without
        ``target`` (the message lists the classes), an unknown target, an empty target.

    Examples
    --------
    >>> lab = np.array([[0, 2], [5, 2]])
    >>> select_label(lab, target=2).tolist()
    [[0, 1], [0, 1]]
    >>> select_label(np.array([0, 255])).tolist()
    [0, 1]
    """
    lab = np.asarray(label)
    names = names or {}
    if lab.dtype.kind == "f":
        if not np.isfinite(lab).all() or not np.array_equal(lab, np.round(lab)):
            raise VolumeError(
                path,
                "is not an integer label map (fractional values such as a "
                "probability map); threshold it into classes first",
            )
    elif lab.dtype.kind not in "biu":
        raise VolumeError(path, f"label data type {lab.dtype} is not an integer label map")
    if lab.size and lab.min() < 0:
        raise VolumeError(path, f"label values must be >= 0, found {lab.min()}")
    classes = [int(v) for v in np.unique(lab) if v != 0]
    if target is None:
        if not classes:
            raise VolumeError(path, "the label is empty (no voxel > 0)")
        if len(classes) > 1:
            raise VolumeError(
                path,
                f"is a multi-class label map with classes "
                f"{_describe(classes, names)}; choose one with --label "
                "VALUE|NAME",
            )
        return (lab == classes[0]).astype(np.uint8)
    value = _target_value(target, names, classes, path)
    out = (lab == value).astype(np.uint8)
    if not out.any():
        raise VolumeError(
            path,
            f"the label is empty for class {target!r} (value {value}); "
            f"classes present: {_describe(classes, names)}",
        )
    return out


def _describe(classes: list[int], names: dict[int, str]) -> str:
    shown = [f"{c} ({names[c]})" if c in names else str(c) for c in classes[:60]]
    more = f", ... ({len(classes)} in all)" if len(classes) > 60 else ""
    return ", ".join(shown) + more


def _target_value(
    target: int | str, names: dict[int, str], classes: list[int], path: str | Path
) -> int:
    if isinstance(target, bool):
        raise VolumeError(path, f"--label must be a class value or name, got {target!r}")
    if isinstance(target, int | np.integer):
        return int(target)
    text = str(target).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    by_name = {v: k for k, v in names.items()}
    if text in by_name:
        return by_name[text]
    known = ", ".join(sorted(by_name)) if by_name else "none (no labels.json beside the label)"
    raise VolumeError(path, f"unknown label name {text!r}; known names: {known}")


def load_case(
    image_path: str | Path,
    label_path: str | Path | None = None,
    *,
    label_value: int | str | None = None,
    name: str | None = None,
    max_voxels: int | None = None,
) -> Volume:
    """Load and validate an image(+label) pair.

    ``label_value`` selects one class (a value or a ``labels.json`` name) of a label map
    (:func:`select_label`); a multi-class map without it is an error listing the classes.
    Raises :class:`VolumeError` naming the files on shape/affine mismatch, NaNs, an empty
    label or any unreadable file; both headers are checked before either file is decoded.
    """
    info = inspect_volume(image_path)
    if label_path is not None:
        linfo = inspect_volume(label_path)
        if linfo.shape != info.shape:
            raise VolumeError(
                label_path,
                f"image/label shape mismatch: {image_path} has "
                f"{info.shape}, {label_path} has {linfo.shape}",
            )
        if not np.allclose(linfo.affine, info.affine, atol=1e-3):
            raise VolumeError(
                label_path, f"image/label affine mismatch between {image_path} and {label_path}"
            )
    image, spacing, affine = read_volume(image_path, max_voxels=max_voxels)
    image = image.astype(np.float32)
    if not np.isfinite(image).all():
        raise VolumeError(image_path, "image contains NaN or infinite values")
    label = None
    if label_path is not None:
        lab, _, _ = read_volume(label_path, max_voxels=max_voxels)
        label = select_label(
            lab, target=label_value, names=read_label_names(label_path), path=label_path
        )
    return Volume(image, label, spacing, affine, name or Path(image_path).name.split(".")[0])


def check_sha256(expected: dict[str | Path, str]) -> None:
    """Check that every file ``path`` exists and has the SHA-256 ``expected[path]``, each
    file read once (a path named twice with two digests is refused); raises
    ``FileNotFoundError`` or ``ValueError`` naming the file.  The one checker of the files a
    fixed protocol or a training manifest names.

    >>> check_sha256({"/no/such/file": "0" * 64})
    Traceback (most recent call last):
    ...
    FileNotFoundError: /no/such/file: no such file
    """
    import hashlib

    wanted: dict[Path, str] = {}
    for path, sha in expected.items():
        key = Path(path).resolve()
        if wanted.setdefault(key, str(sha)) != str(sha):
            raise ValueError(f"{path}: named with two different SHA-256 digests")
    for key, sha in wanted.items():
        if not key.is_file():
            raise FileNotFoundError(f"{key}: no such file")
        h = hashlib.sha256()
        with open(key, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if h.hexdigest() != sha:
            raise ValueError(f"{key}: SHA-256 differs: {h.hexdigest()}, expected {sha}")


def shared_data_dir() -> Path | None:
    """The sample-data folder: ``$ISEG_DATA`` or ``../shared/data`` beside the project.

    Raises :class:`VolumeError` when ``ISEG_DATA`` is set but is not a folder (never a
    silent fallback to the default location).
    """
    env = os.environ.get("ISEG_DATA")
    if env:
        if not Path(env).is_dir():
            raise VolumeError(f"ISEG_DATA={env}", "no such data folder")
        return Path(env)
    root = Path(__file__).resolve().parents[1]
    for c in (root.parent / "shared" / "data", root / "shared" / "data"):
        if (c / "README.md").exists() or (c / "totalsegmentator_example").exists():
            return c
    return None


def _totalseg_value(organ: str) -> int:
    d = shared_data_dir()
    if d is None:
        raise FileNotFoundError("sample data folder not found; set ISEG_DATA to shared/data")
    names = read_label_names(d / "totalsegmentator_example" / "example_seg.nii.gz")
    return next(k for k, v in names.items() if v == organ)


# name -> (image relative path, label relative path, organ name or None, description)
SAMPLE_CASES: dict[str, tuple[str, str, str | None, str]] = {
    "ct_spleen": (
        "totalsegmentator_example/example_ct_sm.nii.gz",
        "totalsegmentator_example/example_seg.nii.gz",
        "spleen",
        "TotalSegmentator example CT (3 mm), spleen",
    ),
    "ct_liver": (
        "totalsegmentator_example/example_ct_sm.nii.gz",
        "totalsegmentator_example/example_seg.nii.gz",
        "liver",
        "TotalSegmentator example CT (3 mm), liver",
    ),
    "ct_kidney_right": (
        "totalsegmentator_example/example_ct_sm.nii.gz",
        "totalsegmentator_example/example_seg.nii.gz",
        "kidney_right",
        "TotalSegmentator example CT (3 mm), right kidney",
    ),
    "mr_brain1": (
        "pyradiomics_lesions/brain1_image.nrrd",
        "pyradiomics_lesions/brain1_label.nrrd",
        None,
        "pyradiomics brain MR lesion 1",
    ),
    "mr_brain2": (
        "pyradiomics_lesions/brain2_image.nrrd",
        "pyradiomics_lesions/brain2_label.nrrd",
        None,
        "pyradiomics brain MR lesion 2",
    ),
    "mr_breast1": (
        "pyradiomics_lesions/breast1_image.nrrd",
        "pyradiomics_lesions/breast1_label.nrrd",
        None,
        "pyradiomics breast MR lesion",
    ),
}


def list_cases() -> list[str]:
    """Names of the sample cases available on this machine (empty without shared data)."""
    return list(SAMPLE_CASES) if shared_data_dir() is not None else []


def sample_paths(name: str) -> tuple[Path, Path, int | None]:
    """``(image path, label path, label value or None)`` of a bundled sample case."""
    if name not in SAMPLE_CASES:
        raise ValueError(f"unknown sample case {name!r}; known: {', '.join(SAMPLE_CASES)}")
    d = shared_data_dir()
    if d is None:
        raise FileNotFoundError("sample data folder not found; set ISEG_DATA to shared/data")
    img, lab, organ, _ = SAMPLE_CASES[name]
    return d / img, d / lab, (_totalseg_value(organ) if organ else None)


def load_sample(name: str) -> Volume:
    """Load one bundled real sample case by name (see :data:`SAMPLE_CASES`)."""
    img, lab, value = sample_paths(name)
    return load_case(img, lab, label_value=value, name=name)
