"""Reading image + label volumes (NIfTI, NRRD) and the bundled sample cases.

Arrays are returned in numpy axis order ``(z, y, x)`` with ``spacing`` in the same order
and a 4x4 ``affine`` mapping ``(z, y, x, 1)`` voxel indices to RAS world millimetres
(NRRD files in LPS space are converted to RAS).  :func:`load_case` validates a pair
before any compute is spent: same shape, same affine, finite image, non-empty label.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Volume",
    "read_volume",
    "load_case",
    "shared_data_dir",
    "SAMPLE_CASES",
    "load_sample",
    "list_cases",
]

_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr")


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


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for s in _SUFFIXES:
        if name.endswith(s):
            return s
    raise ValueError(f"{path}: unsupported file type; expected one of {', '.join(_SUFFIXES)}")


def read_volume(path: str | Path) -> tuple[np.ndarray, tuple[float, ...], np.ndarray]:
    """Read a NIfTI or NRRD file as ``(array zyx, spacing zyx, affine zyx->RAS)``."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    suffix = _suffix(path)
    if suffix in (".nii", ".nii.gz"):
        import nibabel as nib

        img = nib.load(str(path))
        data = np.asarray(img.dataobj)
        if data.ndim != 3:
            raise ValueError(f"{path}: expected a 3D volume, got shape {data.shape}")
        aff_xyz = np.asarray(img.affine, dtype=np.float64)
    else:
        import nrrd

        data, header = nrrd.read(str(path), index_order="F")
        if data.ndim != 3:
            raise ValueError(f"{path}: expected a 3D volume, got shape {data.shape}")
        dirs = np.asarray(header.get("space directions", np.eye(3)), dtype=np.float64)
        origin = np.asarray(header.get("space origin", np.zeros(3)), dtype=np.float64)
        aff_xyz = np.eye(4)
        aff_xyz[:3, :3] = dirs.T
        aff_xyz[:3, 3] = origin
        if str(header.get("space", "")).lower() in ("left-posterior-superior", "lps"):
            aff_xyz[:2] *= -1  # LPS -> RAS
    arr = np.ascontiguousarray(np.transpose(data, (2, 1, 0)))
    affine = aff_xyz[:, [2, 1, 0, 3]]
    spacing = tuple(float(s) for s in np.linalg.norm(affine[:3, :3], axis=0))
    return arr, spacing, affine


def load_case(
    image_path: str | Path,
    label_path: str | Path | None = None,
    *,
    label_value: int | None = None,
    name: str | None = None,
) -> Volume:
    """Load and validate an image(+label) pair.

    ``label_value`` selects one class of a multi-class label map (else label > 0).
    Raises ``ValueError`` naming the files on shape/affine mismatch, NaNs or an empty label.
    """
    image, spacing, affine = read_volume(image_path)
    image = image.astype(np.float32)
    if not np.isfinite(image).all():
        raise ValueError(f"{image_path}: image contains NaN or infinite values")
    label = None
    if label_path is not None:
        lab, _, lab_aff = read_volume(label_path)
        if lab.shape != image.shape:
            raise ValueError(
                f"image/label shape mismatch: {image_path} has {image.shape}, "
                f"{label_path} has {lab.shape}"
            )
        if not np.allclose(lab_aff, affine, atol=1e-3):
            raise ValueError(f"image/label affine mismatch between {image_path} and {label_path}")
        label = (lab == label_value) if label_value is not None else (lab > 0)
        label = label.astype(np.uint8)
        if not label.any():
            which = f" for label value {label_value}" if label_value is not None else ""
            raise ValueError(f"{label_path}: the label is empty{which}")
    return Volume(image, label, spacing, affine, name or Path(image_path).name.split(".")[0])


def shared_data_dir() -> Path | None:
    """The sample-data folder: ``$ISEG_DATA`` or ``../shared/data`` beside the project."""
    env = os.environ.get("ISEG_DATA")
    candidates = [Path(env)] if env else []
    root = Path(__file__).resolve().parents[1]
    candidates += [root.parent / "shared" / "data", root / "shared" / "data"]
    for c in candidates:
        if (c / "README.md").exists() or (c / "totalsegmentator_example").exists():
            return c
    return None


def _totalseg_value(organ: str) -> int:
    d = shared_data_dir()
    labels = json.loads((d / "totalsegmentator_example" / "labels.json").read_text())["labels"]
    return next(int(k) for k, v in labels.items() if v == organ)


# name -> (image relative path, label relative path, organ name or None, description)
SAMPLE_CASES: dict[str, tuple[str, str, str | None, str]] = {
    "ct_spleen": ("totalsegmentator_example/example_ct_sm.nii.gz",
                  "totalsegmentator_example/example_seg.nii.gz", "spleen",
                  "TotalSegmentator example CT (3 mm), spleen"),
    "ct_liver": ("totalsegmentator_example/example_ct_sm.nii.gz",
                 "totalsegmentator_example/example_seg.nii.gz", "liver",
                 "TotalSegmentator example CT (3 mm), liver"),
    "ct_kidney_right": ("totalsegmentator_example/example_ct_sm.nii.gz",
                        "totalsegmentator_example/example_seg.nii.gz", "kidney_right",
                        "TotalSegmentator example CT (3 mm), right kidney"),
    "mr_brain1": ("pyradiomics_lesions/brain1_image.nrrd", "pyradiomics_lesions/brain1_label.nrrd",
                  None, "pyradiomics brain MR lesion 1"),
    "mr_brain2": ("pyradiomics_lesions/brain2_image.nrrd", "pyradiomics_lesions/brain2_label.nrrd",
                  None, "pyradiomics brain MR lesion 2"),
    "mr_breast1": ("pyradiomics_lesions/breast1_image.nrrd",
                   "pyradiomics_lesions/breast1_label.nrrd", None, "pyradiomics breast MR lesion"),
}


def list_cases() -> list[str]:
    """Names of the sample cases available on this machine (empty without shared data)."""
    return list(SAMPLE_CASES) if shared_data_dir() is not None else []


def load_sample(name: str) -> Volume:
    """Load one bundled real sample case by name (see :data:`SAMPLE_CASES`)."""
    if name not in SAMPLE_CASES:
        raise ValueError(f"unknown sample case {name!r}; known: {', '.join(SAMPLE_CASES)}")
    d = shared_data_dir()
    if d is None:
        raise FileNotFoundError("sample data folder not found; set ISEG_DATA to shared/data")
    img, lab, organ, _ = SAMPLE_CASES[name]
    value = _totalseg_value(organ) if organ else None
    return load_case(d / img, d / lab, label_value=value, name=name)
