"""Data for the pipelines: resolve ``--data``, validate every volume, fit it to the budget.

Everything here runs before any training, so bad inputs (unknown sample, missing file,
image/label shape or affine mismatch, NaNs, empty label) fail fast with a message naming
the offending input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..io import SAMPLE_CASES, Volume, load_case, load_sample
from ..phantoms import make_phantoms
from ..swfastedit.data import find_pairs, normalize_intensity, synthetic_volumes
from ._base import Budget
from ._geometry import crop, zoom

__all__: list[str] = []

_EXTS = (".nii", ".nii.gz", ".nrrd", ".nhdr")
SYNTHETIC_KINDS = ("ambiguous", "plain", "distractors", "shifted")
SHIFTED_CONTRAST = -1.0
"""Lesion contrast of the evaluation phantoms of the 'shifted' kind (dark, not bright)."""
AMBIGUOUS_DISTRACTORS = (3, 5)
"""Distractor count range of the 'ambiguous' phantoms (one lesion each): in 32^3 volumes
distractors touching the lesion are dropped, so fewer than three leave little ambiguity."""
N_DISTRACTORS = 3
"""Distractor blobs per phantom of the 'distractors' kind (bright, unlabelled, lesion-like)."""


@dataclass
class Data:
    """Training and evaluation volumes (validated and preprocessed) and how they were made."""

    train: list[Volume]
    eval: list[Volume]
    same_volume: bool
    source: str
    preprocessing: list[dict]


def validate_volume(vol: Volume, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` unless ``vol`` is a usable 3D image + label pair."""
    img = np.asarray(vol.image)
    if img.ndim != 3:
        raise ValueError(f"{where}: the pipelines need a 3D image, got shape {img.shape}")
    if vol.label is None:
        raise ValueError(f"{where}: a label is required (the robot user simulates from it)")
    lab = np.asarray(vol.label)
    if lab.shape != img.shape:
        raise ValueError(f"{where}: image/label shape mismatch: {img.shape} vs {lab.shape}")
    if not np.isfinite(img).all():
        raise ValueError(f"{where}: image contains NaN or infinite values")
    if not (lab > 0).any():
        raise ValueError(f"{where}: the label is empty")
    if min(img.shape) < 4:
        raise ValueError(f"{where}: every axis needs >= 4 voxels, got shape {img.shape}")


def _resolve(data, budget: Budget, seed: int,
             synthetic: str) -> tuple[list[Volume], list[Volume] | None, str]:
    """(volumes, explicit eval split or None, description) for a ``--data`` value."""
    if isinstance(data, Volume):
        return [data], None, f"volume {data.name!r}"
    if isinstance(data, list | tuple) and data and all(isinstance(v, Volume) for v in data):
        return list(data), None, f"{len(data)} volumes"
    if not isinstance(data, str | Path):
        raise ValueError(f"data must be 'synthetic', a sample name, a path or Volume(s), "
                         f"got {type(data).__name__}")
    s = str(data)
    if s == "synthetic":
        n = budget.n_train + budget.n_eval
        if synthetic == "plain":
            vols = make_phantoms(n, budget.shape, rng=seed)
        elif synthetic == "shifted":
            vols = make_phantoms(budget.n_train, budget.shape, rng=seed)
            vols += make_phantoms(budget.n_eval, budget.shape, rng=seed + 1,
                                  contrast=SHIFTED_CONTRAST)
        elif synthetic == "distractors":
            vols = make_phantoms(n, budget.shape, rng=seed, n_distractors=N_DISTRACTORS)
        else:
            vols = synthetic_volumes(n, budget.shape, lesions=(1, 1),
                                     distractors=AMBIGUOUS_DISTRACTORS, rng=seed)
        return vols[: budget.n_train], vols[budget.n_train:], f"synthetic phantoms ({synthetic})"
    name = s.removeprefix("sample:")
    if name in SAMPLE_CASES:
        return [load_sample(name)], None, f"sample {name}"
    if "," in s:
        parts = s.split(",")
        if len(parts) != 2:
            raise ValueError(f"--data IMAGE,LABEL expects exactly two paths, got {len(parts)}: {s!r}")
        return [load_case(parts[0], parts[1])], None, f"pair {parts[0]}, {parts[1]}"
    p = Path(s)
    if p.is_dir():
        vols = [load_case(a, b) for a, b in find_pairs(p)]
        if len(vols) < 2:
            return vols, None, f"folder {p}"
        n_eval = max(1, len(vols) // 5)
        return vols[:-n_eval], vols[-n_eval:], f"folder {p} ({len(vols)} pairs)"
    if p.exists() or s.lower().endswith(_EXTS):
        raise ValueError(f"--data {s!r}: give an image and its label as IMAGE,LABEL")
    raise ValueError(f"--data {s!r} is neither 'synthetic', a sample ({', '.join(SAMPLE_CASES)}), "
                     "an IMAGE,LABEL pair nor a folder of pairs")


def fit_to_budget(vol: Volume, max_size: int) -> tuple[Volume, dict]:
    """Crop to the label's bounding box plus a margin, downsample so no axis > ``max_size``,
    normalise intensities to [0, 1] (percentiles 0.5-99.5).  Returns the volume and a record.

    For *training* volumes only (the crop is centred on the label).  The affine follows the
    crop and the resampling (:mod:`._geometry`): a voxel of the result maps to the world
    point it was sampled from in ``vol``.
    """
    lab = np.asarray(vol.label) > 0
    out = Volume(np.asarray(vol.image, dtype=np.float32), lab.astype(np.uint8), vol.spacing,
                 np.asarray(vol.affine, dtype=np.float64), vol.name)
    rec: dict = {"name": vol.name, "original_shape": list(out.image.shape)}
    if max(out.image.shape) > max_size:
        idx = np.argwhere(lab)
        lo, hi = idx.min(0), idx.max(0) + 1
        margin = np.maximum((hi - lo) // 2, 8)
        lo, hi = np.maximum(lo - margin, 0), np.minimum(hi + margin, lab.shape)
        out = crop(out, lo, hi)
        rec["crop"] = [[int(a), int(b)] for a, b in zip(lo, hi, strict=True)]
    factors = np.minimum(1.0, max_size / np.asarray(out.image.shape, dtype=float))
    if (factors < 1).any():
        out = zoom(out, factors)
        rec["zoom"] = [float(z) for z in factors]
    if not np.asarray(out.label).any():
        raise ValueError(f"{vol.name}: the label vanished when fitting the volume to the budget")
    rec["shape"] = list(out.image.shape)
    out.image = normalize_intensity(out.image)
    out.label = (np.asarray(out.label) > 0).astype(np.uint8)
    return out, rec


def load_data(data, budget: Budget, seed: int, *, synthetic: str = "ambiguous",
              label: int | str | None = None) -> Data:
    """Resolve, validate and preprocess ``data`` (see :func:`reference_impl.pipelines.run_pipeline`);
    ``synthetic`` picks the phantom kind (:class:`._base.Pipeline`)."""
    if synthetic not in SYNTHETIC_KINDS:
        raise ValueError(f"synthetic must be one of {SYNTHETIC_KINDS}, got {synthetic!r}")
    vols, eval_vols, source = _resolve(data, budget, seed, synthetic)
    for v in vols + (eval_vols or []):
        validate_volume(v, f"{source}: {v.name}")
    same = eval_vols is None
    fitted = [fit_to_budget(v, budget.max_size) for v in vols + (eval_vols or [])]
    out = [f[0] for f in fitted]
    train = out[: len(vols)]
    ev = train if same else out[len(vols):]
    return Data(train, ev, same, source, [f[1] for f in fitted])
