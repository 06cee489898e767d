"""Phase 1 of the click model's training: its volumes and its interaction states.

:func:`training_volumes` lists what is fitted and what chooses the checkpoint (strictly
leave-organs-out, :mod:`reference_impl.evaluation.split`); :func:`collect_states` runs the
robot users through the project's one interaction loop on the model (untrained, or a
fitted network for on-policy states) and keeps the state the network would see after each
round.  Phase 2 (fitting) is :mod:`reference_impl.swfastedit.fitting`; the recipe and the
command line are :mod:`reference_impl.swfastedit.train_shipped`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "training_volumes",
    "read_extra_manifest",
    "extra_volumes",
    "collect_states",
    "model_predictor",
    "interactive_dice",
]

#: Keys of one entry of an extra-data manifest (:func:`read_extra_manifest`).
EXTRA_KEYS = ("name", "organ", "image", "label", "value", "sha256")


def training_volumes(
    *,
    n_synthetic: int,
    min_voxels: int,
    seed: int,
    n_anisotropic: int = 0,
    n_tiny: int = 0,
    n_large: int = 0,
    organs=None,
    val_organs=None,
    extra=(),
):
    """``(fit volumes, validation volumes)``, each a list of (name, image in [0, 1], label,
    spacing); ``organs`` / ``val_organs`` restrict the fitted / validation CT organs.

    ``extra``: more *fitted* volumes from other images, entries of an extra-data manifest
    (:func:`read_extra_manifest`, :func:`extra_volumes`); they never join the validation set.

    ``n_anisotropic`` more phantoms (16x64x64) get an MR-like anisotropic spacing (slices
    2-7 mm, in-plane 0.5-1.2 mm) and ``n_anisotropic // 3`` others join the validation set:
    the bundled CT is 3 mm isotropic and the other phantoms 1 mm, so without them neither
    fitting nor validation sees thick slices and fine in-plane voxels.

    ``n_tiny`` and ``n_large`` more phantoms span object sizes (``n // 4`` others of each
    join the validation set): *tiny* objects (16x64x64, radii 1.5-4 voxels, slices 1-3 mm,
    in-plane 0.5-1 mm: lesions of a few dozen voxels) and *large* ones (32x64x64, radii
    8-16 voxels at 3-5 mm: organs that outgrow the network's region, like a liver).
    Without them the fitted objects span about 270-11,500 voxels at 1 mm, or CT organs of
    at most 6,635 voxels at 3 mm.
    """
    from ..engines.seeds import normalize_image
    from ..evaluation.split import VALIDATION_CT_ORGANS, is_trainable_ct_organ
    from ..io import load_case, read_volume, shared_data_dir
    from .data import synthetic_volumes

    d = shared_data_dir()
    if d is None:
        raise FileNotFoundError("sample data folder not found; set ISEG_DATA to shared/data")
    ct = d / "totalsegmentator_example"
    labels = json.loads((ct / "labels.json").read_text())["labels"]
    vol = load_case(ct / "example_ct_sm.nii.gz")
    seg = read_volume(ct / "example_seg.nii.gz")[0].astype(np.int32)
    win = normalize_image(vol.image)
    fit: list[tuple] = []
    val: list[tuple] = []
    for value, name in sorted(labels.items(), key=lambda kv: int(kv[0])):
        if not is_trainable_ct_organ(name):
            continue
        lab = (seg == int(value)).astype(np.uint8)
        if lab.sum() < min_voxels:
            continue
        is_val = name in VALIDATION_CT_ORGANS
        wanted = val_organs if is_val else organs
        if wanted is not None and name not in wanted:
            continue
        (val if is_val else fit).append((f"ct:{name}", win, lab, vol.spacing))
    for k, v in enumerate(
        synthetic_volumes(n_synthetic, (24, 48, 48), body=0.5, contrast=(0.4, 1.5), rng=seed)
    ):
        fit.append((f"synthetic:{k}", normalize_image(v.image), v.label, v.spacing))
    for name, n, s in (
        ("anisotropic", n_anisotropic, seed),
        ("anisotropic-val", n_anisotropic // 3, seed + 1),
    ):
        rng = np.random.default_rng([s, 7])
        for k, v in enumerate(synthetic_volumes(n, (16, 64, 64), contrast=(0.4, 1.5), rng=rng)):
            sp = (float(rng.uniform(2.0, 7.0)), *(float(rng.uniform(0.5, 1.2)),) * 2)
            (fit if name == "anisotropic" else val).append(
                (f"{name}:{k}", normalize_image(v.image), v.label, sp)
            )
    sizes = {  # family: (shape, radii in voxels, slice mm, in-plane mm)
        "tiny": ((16, 64, 64), (1.5, 4.0), (1.0, 3.0), (0.5, 1.0)),
        "large": ((32, 64, 64), (8.0, 16.0), (3.0, 5.0), None),
    }
    for fam, n_fam, tag in (("tiny", n_tiny, 11), ("large", n_large, 13)):
        shape, radii, slice_mm, plane_mm = sizes[fam]
        for name, n, s in ((fam, n_fam, seed), (f"{fam}-val", n_fam // 4, seed + 1)):
            rng = np.random.default_rng([s, tag])
            vols = synthetic_volumes(n, shape, contrast=(0.4, 1.5), radius_range=radii, rng=rng)
            for k, v in enumerate(vols):
                z = float(rng.uniform(*slice_mm))
                xy = z if plane_mm is None else float(rng.uniform(*plane_mm))
                (val if name.endswith("-val") else fit).append(
                    (f"{name}:{k}", normalize_image(v.image), v.label, (z, xy, xy))
                )
    fit += extra_volumes(extra, min_voxels=min_voxels)
    return fit, val


def read_extra_manifest(path) -> list[dict]:
    """The entries of an extra-data manifest: a JSON list of objects with the keys
    :data:`EXTRA_KEYS` (``sha256``: ``{"image": hex, "label": hex}``), one per fitted class
    of another image; ``ValueError`` naming the file when it is not one, or when a class may
    not be fitted (:func:`~reference_impl.evaluation.split.is_fittable_class`).  Plain JSON:
    nothing in the file is executed."""
    from pathlib import Path

    from ..evaluation.split import is_fittable_class

    p = Path(path)
    try:
        entries = json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{p}: not a readable JSON manifest ({exc})") from None
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{p}: want a non-empty JSON list of entries")
    for k, e in enumerate(entries):
        if not isinstance(e, dict) or set(e) != set(EXTRA_KEYS):
            raise ValueError(f"{p}: entry {k} must have exactly the keys {list(EXTRA_KEYS)}")
        if not is_fittable_class(str(e["organ"])):
            raise ValueError(
                f"{p}: entry {k} ({e['name']}): class {e['organ']!r} is held out, part of a "
                "held-out organ, or a validation organ; it may not be fitted"
            )
        if not isinstance(e["sha256"], dict) or set(e["sha256"]) != {"image", "label"}:
            raise ValueError(f"{p}: entry {k}: sha256 must be {{'image': hex, 'label': hex}}")
        for key in ("image", "label"):
            if not Path(e[key]).is_file():
                raise ValueError(f"{p}: entry {k}: no such {key} file {e[key]}")
    return entries


def extra_volumes(entries, *, min_voxels: int) -> list[tuple]:
    """Fitted volumes (name, image in [0, 1], label, spacing) of manifest ``entries``
    (:func:`read_extra_manifest`'s), read through the evaluation harness's reader (one
    orientation, the class selected by ``value``) after every file's SHA-256 is checked;
    classes under ``min_voxels`` voxels are left out, like the CT's."""
    from pathlib import Path

    from ..engines.seeds import normalize_image
    from ..evaluation.data import CaseSpec
    from ..evaluation.harness import load_cases
    from ..evaluation.split import is_fittable_class
    from ..io import check_sha256

    for e in entries:
        if not is_fittable_class(str(e["organ"])):
            raise ValueError(f"{e['name']}: class {e['organ']!r} may not be fitted")
    # every file once, before a voxel is read (an image shared by 9 classes is hashed once)
    check_sha256({e[k]: e["sha256"][k] for e in entries for k in ("image", "label")})
    out: list[tuple] = []
    images: dict[str, np.ndarray] = {}
    for e in entries:
        (case,) = load_cases([CaseSpec(e["name"], Path(e["image"]), Path(e["label"]), e["value"])])
        if int(case.label.sum()) < min_voxels:
            continue
        if e["image"] not in images:  # one windowed copy per image
            images[e["image"]] = normalize_image(case.image)
        out.append((e["name"], images[e["image"]], case.label.astype(np.uint8), case.spacing))
    return out


def _augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    from scipy.ndimage import gaussian_filter

    x = img.astype(np.float32)
    if rng.random() < 0.5:
        x = 1.0 - x
    x = np.clip(x, 0, 1) ** float(np.exp(rng.uniform(np.log(0.6), np.log(1.6))))
    if rng.random() < 0.3:
        x = gaussian_filter(x, float(rng.uniform(0.4, 1.0)))
    x = x + rng.normal(0, rng.uniform(0, 0.05), x.shape).astype(np.float32)
    return x.astype(np.float32)


def model_predictor(img: np.ndarray, spacing, prior_kind: str, net=None, device="cpu"):
    """``predict(clicks) -> (mask, probabilities)`` of the click model on ``img``, and a
    dict that holds the last prior (``"prior"``).

    Without ``net`` the untrained model: the prior made click-consistent (what phase 1
    runs); with ``net`` (a :class:`~reference_impl.swfastedit.clicknet.ClickNet`) the
    network's click-consistent answer; the shipped engine answers through this function.
    A model with ``config.blend > 0`` also runs the ``random-walker`` engine on the clicks.
    """
    from .clicknet import click_consistent, make_prior, predict_probs

    prior_fn = make_prior(prior_kind, img, spacing)
    blend_fn = None
    if net is not None and net.config.blend > 0:
        blend_fn = make_prior("random-walker", img, spacing)
    last: dict = {}

    def predict(clicks):
        if not any(c.label == 1 for c in clicks):
            z = np.zeros(img.shape, np.float32)
            return z.astype(np.uint8), z
        prior = prior_fn(clicks)
        last["prior"] = prior
        if net is None:
            return click_consistent(prior, clicks), prior
        prob, mask, _ = predict_probs(
            net,
            img,
            prior,
            clicks,
            spacing=spacing,
            device=device,
            blend_probs=None if blend_fn is None else blend_fn(clicks),
        )
        return mask, prob

    return predict, last


def _load_net(blob):
    """A :class:`~reference_impl.swfastedit.clicknet.ClickNet` from ``(config, weights)``."""
    if blob is None:
        return None
    import torch

    from .clicknet import ClickNet, ClickNetConfig

    torch.set_num_threads(1)
    net = ClickNet(ClickNetConfig.from_dict(blob[0]))
    net.load_state_dict(blob[1])
    return net.eval()


class Episode(NamedTuple):
    """One episode of :func:`collect_states` (picklable, for the worker processes)."""

    name: str
    image: np.ndarray
    label: np.ndarray
    spacing: tuple
    user: str
    seed: int
    rounds: int
    prior: str
    roi_mm: float
    augment: bool
    blob: Any  # (config dict, state dict) of the network, or None for the untrained model


def _episode(job: Episode) -> list[dict]:
    """One augmented episode of the model (untrained, or ``net``): the state after each round."""
    from ..robot_users.loop import run_interaction
    from .prior import clicks_in_region, roi_from_clicks

    name, img, lab, spacing, user = job.name, job.image, job.label, job.spacing, job.user
    rounds, roi_mm = job.rounds, job.roi_mm
    rng = np.random.default_rng(job.seed)
    if job.augment:
        img = _augment(img, rng)
    predict, last = model_predictor(img, spacing, job.prior, _load_net(job.blob))
    states: list[dict] = []

    def keep(it, clicks, pred):
        if "prior" not in last or not any(c.label == 1 for c in clicks):
            return
        roi = roi_from_clicks(lab.shape, clicks, spacing, margin_mm=roi_mm)
        states.append(
            {
                "data": name,
                "image": img[roi].copy(),
                "prior": last["prior"][roi].astype(np.float16),
                "label": lab[roi].copy(),
                "clicks": clicks_in_region(clicks, roi),
                "spacing": tuple(float(s) for s in spacing),
            }
        )

    run_interaction(
        predict, lab, user=user, n_iterations=rounds, rng=rng, spacing=spacing, callback=keep
    )
    return states


def interactive_dice(net, vols, *, prior: str, rounds: int = 10, device="cpu") -> float:
    """Mean Dice after ``rounds`` rounds of R1 and of R4 (seed 0, no augmentation) of the
    model (``net``, or the untrained one for ``None``) on ``vols`` (:func:`training_volumes`
    entries): the interactive protocol the checkpoint is judged by, through the one loop."""
    from ..robot_users.loop import run_interaction

    out = []
    for _, img, lab, spacing in vols:
        predict, _ = model_predictor(img, spacing, prior, net, device)
        for user in ("R1", "R4"):
            res = run_interaction(
                predict, lab, user=user, n_iterations=rounds, rng=0, spacing=spacing
            )
            out.append(float(res.values[-1]))
    return float(np.mean(out))


#: The environment variables that set the thread pools of OpenMP and the BLAS libraries.
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Processes started inside this block run one OpenMP/BLAS thread each.

    ``workers`` processes that each start one BLAS thread per core oversubscribe the cores:
    on a 2-core machine two state workers without it collected the same states 7.4 times
    slower (``bench/state_workers.py``, ``bench/results/state_workers_cpu.json``).  Spawned
    children read these variables when they import numpy; the parent's environment is
    restored on exit.

    >>> import os
    >>> before = os.environ.get("OMP_NUM_THREADS")
    >>> with single_threaded_children():
    ...     os.environ["OMP_NUM_THREADS"]
    '1'
    >>> os.environ.get("OMP_NUM_THREADS") == before
    True
    """
    old = {k: os.environ.get(k) for k in THREAD_VARS}
    os.environ.update({k: "1" for k in THREAD_VARS})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def collect_states(
    vols,
    *,
    episodes: int,
    rounds: int,
    seed: int,
    prior: str,
    roi_mm: float,
    workers: int,
    net=None,
) -> list[dict]:
    """Phase 1 (module docstring): states of ``episodes`` episodes per volume and user.

    With ``net`` the episodes run that network instead of the untrained model (on-policy
    states: the situations the fitted model itself leads the robot user into)."""
    blob = None
    if net is not None:
        blob = (net.config.to_dict(), {k: v.detach().cpu() for k, v in net.state_dict().items()})
    jobs: list[Episode] = []
    for v, (name, img, lab, spacing) in enumerate(vols):
        for e in range(episodes):
            for u, user in enumerate(("R1", "R4")):
                s = seed * 1_000_003 + v * 1009 + e * 17 + u
                jobs.append(
                    Episode(
                        name,
                        img,
                        lab,
                        spacing,
                        user,
                        s,
                        rounds,
                        prior,
                        roi_mm,
                        augment=(e + u) % 2 == 1,
                        blob=blob,
                    )
                )
    if workers > 1:
        import multiprocessing as mp

        with single_threaded_children(), mp.get_context("spawn").Pool(workers) as pool:
            parts = pool.map(_episode, jobs, chunksize=1)
    else:
        parts = [_episode(j) for j in jobs]
    return [s for p in parts for s in p]
