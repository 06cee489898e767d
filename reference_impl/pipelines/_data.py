"""Data for the pipelines: resolve ``--data``, split it honestly, validate, fit it to the budget.

The path and sample forms of ``--data`` are parsed by the one resolver that ``iseg evaluate``
uses too (:func:`reference_impl.evaluation.data.resolve_data`): ``IMAGE,LABEL``, one image
with its label beside it (``<case>_seg``/``_label``/``_mask`` ..., TotalSegmentator's
``<case>``/``<case>_seg``), a folder of pairs (or ``imagesTr``/``labelsTr``), a sample name.
This module adds ``synthetic`` and in-memory volumes, and decides the split.

Held-out evaluation (issue 11): a pipeline is never scored on a label it trained on.

* ``synthetic``: training and evaluation phantoms are different volumes.
* Several cases (a folder of pairs, a list of volumes): the last 20 % of the cases (at least
  one) are evaluated, the others trained on (*held-out cases*).
* One multi-class label map (one pair, or the bundled CT samples): the class chosen
  with ``label`` (a value or a ``labels.json`` name; a multi-class map without it is an error
  listing the classes) is evaluated; the *other* classes of the same volume are trained on
  (*leave-label-out*; for the bundled CT only the organs that
  :func:`reference_impl.evaluation.split.is_trainable_ct_organ` allows).
* One binary case (``IMAGE,LABEL`` with a single class, an MR lesion sample, an uploaded
  volume): nothing of it may be trained on, so the model trains on synthetic phantoms of the
  pipeline's kind and is evaluated on the case (*synthetic training*).

Real volumes are first put in the canonical orientation (:mod:`reference_impl.orientation`,
a permutation and flips, no resampling), so the same image saved with another axis order
gives the same result.  Evaluation volumes are never cropped (no crop centred on the ground
truth): the whole volume is used, resampled only along axes longer than the budget's
``max_size`` with an exact affine (:mod:`._geometry`), and :attr:`Data.eval_input` records
the input grid the results are mapped back to (:func:`._geometry.to_input_grid`).
Everything here runs before any training; bad inputs fail with a message naming the
offending input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..evaluation.data import CaseSpec, resolve_data
from ..io import SAMPLE_CASES, Volume, load_case, read_label_names, read_volume
from ..orientation import Reorientation
from ..phantoms import make_phantoms
from ..swfastedit.data import normalize_intensity, synthetic_volumes
from ._base import Budget
from ._geometry import fit_to_budget, working_volume

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
MIN_TRAIN_VOXELS = 8
"""Classes smaller than this are not used as leave-label-out training targets."""


@dataclass
class Data:
    """Training and evaluation volumes (validated and preprocessed) and how they were split.

    ``eval_raw`` holds the evaluation images in the working grid *before* intensity
    normalisation (what the classical baselines receive, as a user's image);
    ``eval_input`` per evaluation volume the input grid (``shape``, ``affine``) and whether
    the working grid differs from it (``resampled``).  ``split`` says what was trained on
    and what was evaluated (printed by ``iseg run`` and written to ``metrics.json``).
    """

    train: list[Volume]
    eval: list[Volume]
    source: str
    split: dict[str, Any]
    preprocessing: list[dict]
    eval_raw: list[np.ndarray] = field(default_factory=list)
    eval_input: list[dict] = field(default_factory=list)

    @property
    def same_volume(self) -> bool:
        """Always False: evaluation never reuses a trained label (kept for old readers)."""
        return False


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


@dataclass
class _Split:
    train: list[Volume]
    eval: list[Volume]
    kind: str
    source: str
    train_labels: list[str] = field(default_factory=list)
    eval_label: str | None = None

    @property
    def real_train(self) -> bool:
        """Training volumes are real images (not phantoms)."""
        return self.kind in ("leave-label-out", "held-out cases")

    @property
    def real_eval(self) -> bool:
        """Evaluation volumes are real images (not phantoms)."""
        return self.kind != "synthetic"


def canonical(vol: Volume) -> tuple[Volume, Reorientation | None]:
    """``vol`` in the canonical orientation (:mod:`reference_impl.orientation`: axes permuted
    and flipped, no resampling) and the reorientation (None when already canonical)."""
    r = Reorientation.from_affine(np.shape(vol.image), vol.affine)
    if r.is_identity:
        return vol, None
    spacing = [0.0, 0.0, 0.0]
    for i, (ax, _) in enumerate(r.transform):
        spacing[int(ax)] = float(vol.spacing[i])
    label = None if vol.label is None else r.to_canonical(vol.label)
    return Volume(r.to_canonical(vol.image), label, tuple(spacing), r.canonical_affine, vol.name), r


def _phantoms(budget: Budget, seed: int, synthetic: str) -> tuple[list[Volume], list[Volume]]:
    n = budget.n_train + budget.n_eval
    if synthetic == "plain":
        vols = make_phantoms(n, budget.shape, rng=seed)
    elif synthetic == "shifted":
        vols = make_phantoms(budget.n_train, budget.shape, rng=seed)
        vols += make_phantoms(budget.n_eval, budget.shape, rng=seed + 1, contrast=SHIFTED_CONTRAST)
    elif synthetic == "distractors":
        vols = make_phantoms(n, budget.shape, rng=seed, n_distractors=N_DISTRACTORS)
    else:
        vols = synthetic_volumes(
            n, budget.shape, lesions=(1, 1), distractors=AMBIGUOUS_DISTRACTORS, rng=seed
        )
    return vols[: budget.n_train], vols[budget.n_train :]


def _synthetic_train(evals: list[Volume], source: str, budget, seed, synthetic) -> _Split:
    """One binary case: train on phantoms only, evaluate on the case(s)."""
    train, _ = _phantoms(budget, seed, synthetic)
    return _Split(
        train,
        evals,
        "synthetic training",
        source,
        train_labels=[f"synthetic phantoms ({synthetic})"],
        eval_label=", ".join(v.name for v in evals),
    )


def _leave_label_out(
    image_path,
    label_path,
    label,
    source: str,
    budget,
    seed,
    synthetic,
    *,
    allowed=None,
    name: str | None = None,
) -> _Split:
    """Evaluate class ``label`` of a label map, train on its other classes."""
    ev = load_case(image_path, label_path, label_value=label, name=name)
    lab_map, _, _ = read_volume(label_path)
    names = read_label_names(label_path)
    values, counts = np.unique(np.asarray(lab_map), return_counts=True)
    target = int(np.asarray(lab_map)[np.asarray(ev.label, bool)].flat[0])
    others = [
        int(v)
        for v, c in zip(values, counts, strict=True)
        if v != 0
        and v != target
        and c >= MIN_TRAIN_VOXELS
        and (allowed is None or allowed(names.get(int(v), str(v))))
    ]
    tname = names.get(target, str(target))
    ev.name = f"{ev.name}_{tname}"
    if not others:
        return _synthetic_train([ev], source, budget, seed, synthetic)
    train = [
        Volume(
            ev.image,
            (np.asarray(lab_map) == v).astype(np.uint8),
            ev.spacing,
            ev.affine,
            f"{Path(str(image_path)).name.split('.')[0]}_{names.get(v, str(v))}",
        )
        for v in others
    ]
    return _Split(
        train,
        [ev],
        "leave-label-out",
        source,
        train_labels=[names.get(v, str(v)) for v in others],
        eval_label=tname,
    )


def _held_out(vols: list[Volume], source: str) -> _Split:
    n_eval = max(1, len(vols) // 5)
    train, ev = vols[:-n_eval], vols[-n_eval:]
    return _Split(
        train,
        ev,
        "held-out cases",
        source,
        train_labels=[v.name for v in train],
        eval_label=", ".join(v.name for v in ev),
    )


def _resolve(data, budget: Budget, seed: int, synthetic: str, label) -> _Split:
    """The honest split for a ``--data`` value (module docstring)."""
    if isinstance(data, Volume) or (
        isinstance(data, list | tuple) and data and all(isinstance(v, Volume) for v in data)
    ):
        vols = [data] if isinstance(data, Volume) else list(data)
        if label is not None:
            raise ValueError(
                "--label selects a class of a label file; in-memory volumes "
                "already carry a binary label"
            )
        for v in vols:
            validate_volume(v, f"volume {v.name!r}")
        if len(vols) == 1:
            return _synthetic_train(vols, f"volume {vols[0].name!r}", budget, seed, synthetic)
        return _held_out(vols, f"{len(vols)} volumes")
    if not isinstance(data, str | Path):
        raise ValueError(
            f"data must be 'synthetic', a sample name, a path or Volume(s), "
            f"got {type(data).__name__}"
        )
    s = str(data)
    if s == "synthetic":
        if label is not None:
            raise ValueError("--label applies to real label maps, not to --data synthetic")
        train, ev = _phantoms(budget, seed, synthetic)
        return _Split(
            train,
            ev,
            "synthetic",
            f"synthetic phantoms ({synthetic})",
            train_labels=[v.name for v in train],
            eval_label=", ".join(v.name for v in ev),
        )
    name = s.removeprefix("sample:")
    if name in SAMPLE_CASES:
        return _sample(name, label, budget, seed, synthetic)
    specs = _case_specs(s, label)
    if len(specs) == 1:
        c = specs[0]
        return _leave_label_out(
            c.image, c.label, c.target, _source(s, specs), budget, seed, synthetic, name=c.name
        )
    vols = [load_case(c.image, c.label, label_value=c.target, name=c.name) for c in specs]
    return _held_out(vols, _source(s, specs))


def _case_specs(s: str, label) -> list[CaseSpec]:
    """The cases of a path ``--data`` value, by :func:`reference_impl.evaluation.data.resolve_data`
    (the resolver ``iseg evaluate`` uses: ``IMAGE,LABEL``, an image with ``<case>_seg``/
    ``_label``/``_mask`` ... beside it, TotalSegmentator ``<case>``/``<case>_seg``, a folder
    of pairs or ``imagesTr``/``labelsTr``)."""
    if "," not in s and not Path(s).expanduser().exists():
        if s.lower().endswith(_EXTS):
            raise ValueError(
                f"--data {s!r}: no such file; give an image and its label as IMAGE,LABEL "
                "(or an image with its <case>_seg label beside it)"
            )
        raise ValueError(
            f"--data {s!r} is neither 'synthetic', a sample ({', '.join(SAMPLE_CASES)}), "
            "an IMAGE,LABEL pair, an image with its label beside it nor a folder of pairs"
        )
    return resolve_data(s, target=label)


def _source(s: str, specs: list[CaseSpec]) -> str:
    if "," in s:
        return f"pair {specs[0].image}, {specs[0].label}"
    if Path(s).expanduser().is_dir():
        n = len(specs)
        return f"folder {s} ({n} pair{'s' if n != 1 else ''})"
    return f"image {specs[0].image} with label {specs[0].label}"


def _sample(name: str, label, budget, seed, synthetic) -> _Split:
    """A bundled sample: CT organs leave-label-out (trainable organs only), lesions synthetic."""
    from ..evaluation.split import is_trainable_ct_organ

    if label is not None:
        raise ValueError(
            f"--label: the sample {name!r} fixes its target; give the files as "
            "IMAGE,LABEL to choose another class"
        )
    (case,) = resolve_data(name)
    if SAMPLE_CASES[name][2] is None:  # a lesion: binary label, nothing of it is trained on
        ev = load_case(case.image, case.label, name=name)
        return _synthetic_train([ev], f"sample {name}", budget, seed, synthetic)
    return _leave_label_out(
        case.image,
        case.label,
        case.target,
        f"sample {name}",
        budget,
        seed,
        synthetic,
        allowed=is_trainable_ct_organ,
        name="ct",
    )


def load_data(
    data, budget: Budget, seed: int, *, synthetic: str = "ambiguous", label: int | str | None = None
) -> Data:
    """Resolve, split, validate and preprocess ``data`` (module docstring; see
    :func:`reference_impl.pipelines.run_pipeline`); ``synthetic`` picks the phantom kind of
    synthetic data and of the synthetic training of a single binary case."""
    if synthetic not in SYNTHETIC_KINDS:
        raise ValueError(f"synthetic must be one of {SYNTHETIC_KINDS}, got {synthetic!r}")
    sp = _resolve(data, budget, seed, synthetic, label)
    for v in sp.train + sp.eval:
        validate_volume(v, f"{sp.source}: {v.name}")
    names = [v.name for v in sp.eval]
    if len(set(names)) != len(names):  # output files are named after the volumes
        for k, v in enumerate(sp.eval):
            v.name = f"{v.name}_{k}"
    train, recs = [], []
    normalised: dict[int, np.ndarray] = {}  # one whole-image normalisation per shared image
    for v in sp.train:
        key = id(v.image)
        if key not in normalised:
            normalised[key] = normalize_intensity(np.asarray(v.image, dtype=np.float32))
        whole = Volume(normalised[key], v.label, v.spacing, v.affine, v.name)
        if sp.real_train:
            whole, _ = canonical(whole)
        t, rec = fit_to_budget(whole, budget.max_size, normalize=False)
        train.append(t)
        recs.append({"role": "train", **rec})
    ev, raws, inputs = [], [], []
    for v in sp.eval:
        c, r = canonical(v) if sp.real_eval else (v, None)
        w, raw, rec = working_volume(c, budget.max_size)
        rec["reoriented"] = r is not None
        ev.append(w)
        raws.append(raw)
        inputs.append(
            {
                "name": v.name,
                "shape": tuple(np.shape(v.image)),
                "affine": np.asarray(v.affine, dtype=np.float64),
                "label": np.asarray(v.label).astype(np.uint8),
                "resampled": "zoom" in rec,
                "canonical_shape": tuple(np.shape(c.image)),
                "reorientation": r,
            }
        )
        recs.append({"role": "eval", **rec})
    split = {
        "kind": sp.kind,
        "train": sp.train_labels,
        "eval": sp.eval_label,
        "n_train": len(train),
        "n_eval": len(ev),
    }
    return Data(train, ev, sp.source, split, recs, raws, inputs)
