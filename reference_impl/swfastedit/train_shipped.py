"""Train the shipped click model (``python -m reference_impl.swfastedit.train_shipped``).

Data (strictly leave-organs-out, :mod:`reference_impl.evaluation.split`): the organs of the
bundled TotalSegmentator CT that :func:`~reference_impl.evaluation.split.is_trainable_ct_organ`
allows (at least ``min_voxels`` voxels) and synthetic phantoms of random polarity, contrast
and texture (:func:`reference_impl.swfastedit.data.synthetic_volumes`); never a held-out
organ, never a lesion volume.  The trainable organs in
:data:`~reference_impl.evaluation.split.VALIDATION_CT_ORGANS` are not fitted: they choose
the checkpoint.  Every episode windows the image to [0, 1]
(:func:`reference_impl.engines.seeds.normalize_image`, what the random-walker engine
does); every other episode then augments intensities (inversion with probability 0.5,
gamma, Gaussian noise, blur), and fitting inverts the image channel with probability 0.5,
so "bright = foreground" cannot be learned.

Phases:

1. **Interaction states.**  A robot user (R1 and R4, ``episodes`` augmented episodes per
   volume and user) clicks for ``rounds`` rounds through the project's one interaction
   loop, :func:`reference_impl.robot_users.loop.run_interaction`, on the untrained model's
   predictions (the prior made click-consistent); after each round the loop's callback
   keeps the state the network would see: the clicks' region (``roi_mm``), its image,
   prior and label.
2. **Fitting** (:func:`reference_impl.swfastedit.fitting.fit_states`).  ``steps`` Adam
   steps (BCE + soft Dice) on random states with random flips and intensity inversion;
   every ``eval_every`` steps the model is scored on the validation organs and the best
   step is kept (written atomically): by the one-step Dice of the click-consistent mask on
   their states (``select="one-step"``), or by the Dice after 10 rounds of R1 and R4 on the
   validation volumes (``select="interactive"``).
3. **On-policy rounds** (``on_policy`` of them, DAgger-style): new episodes run the fitted
   model through the same loop, their states join the earlier ones, and fitting continues
   from the fitted model, chosen the same way.

Seeded: the same command gives the same model on the same machine and torch version.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from .clicknet import PRIORS
from .fitting import ct_organs, fit_states
from .states import collect_states, training_volumes

#: How the fitted step is chosen: one-step Dice on the validation states, or the interactive
#: Dice (10 rounds of R1 and R4) on the validation volumes.
SELECT = ("one-step", "interactive")

__all__ = [
    "SELECT",
    "train_clicknet",
    "training_volumes",
    "collect_states",
    "recipe_states",
    "fit_states",
    "fit_recipe",
    "recipe_volumes",
    "ct_organs",
    "main",
]


def train_clicknet(
    *,
    out: str | Path,
    steps: int,
    seed: int = 0,
    lr: float = 1e-3,
    n_synthetic: int = 24,
    n_anisotropic: int = 24,
    n_tiny: int = 0,
    n_large: int = 0,
    min_voxels: int = 50,
    episodes: int = 2,
    rounds: int = 10,
    eval_every: int = 250,
    prior: str = "rw-noborder-cap45",
    roi_mm: float = 50.0,
    distance_mm: float | None = 50.0,
    distance_norm: str = "mm",
    workers: int = 1,
    organs: tuple[str, ...] | None = None,
    val_organs: tuple[str, ...] | None = None,
    weight_decay: float = 0.0,
    channels: tuple[int, ...] = (8, 16, 32),
    zoom_voxels: float | None = None,
    on_policy: int = 0,
    select: str = "one-step",
    device: str = "cpu",
    extra: list[dict] | tuple = (),
    log=print,
) -> dict:
    """Train and write ``out`` (a ``.pt`` file, atomically); returns the metadata.

    :func:`recipe_states` (:func:`training_volumes`, then :func:`collect_states`, always on
    the CPU), then :func:`fit_states` on ``device``.  ``on_policy`` more rounds each collect
    ``episodes`` new episodes per fitted volume and user with the model fitted so far in the
    loop (:func:`collect_states` with ``net``), add them to the states and continue fitting
    from that model for ``steps`` more steps (DAgger-style: the model then also learns from
    the situations its own answers lead the user into).  ``select="interactive"`` keeps the
    step with the best mean Dice after 10 rounds of R1 and R4 on the validation volumes
    (:func:`~reference_impl.swfastedit.states.interactive_dice`) instead of the one-step Dice
    on their states."""
    if select not in SELECT:
        raise ValueError(f"select must be one of {list(SELECT)}, got {select!r}")
    if on_policy < 0:
        raise ValueError(f"on_policy must be >= 0, got {on_policy}")
    t0 = time.perf_counter()
    settings = {
        "prior": prior,
        "steps": steps,
        "seed": seed,
        "lr": lr,
        "n_synthetic": n_synthetic,
        "n_anisotropic": n_anisotropic,
        "n_tiny": n_tiny,
        "n_large": n_large,
        "min_voxels": min_voxels,
        "episodes": episodes,
        "rounds": rounds,
        "roi_mm": roi_mm,
        "distance_mm": distance_mm,
        "distance_norm": distance_norm,
        "weight_decay": weight_decay,
        "eval_every": eval_every,
        "channels": list(channels),
        "zoom_voxels": zoom_voxels,
        "on_policy": on_policy,
        "select": select,
    }
    if extra:
        settings["extra"] = [dict(e) for e in extra]
    fit_vols, val_vols = recipe_volumes(settings, organs=organs, val_organs=val_organs)
    fit, val = recipe_states(
        settings, volumes=(fit_vols, val_vols), workers=workers, log=log, t0=t0
    )
    return fit_recipe(
        fit, val, fit_vols=fit_vols, val_vols=val_vols, settings=settings, out=out,
        workers=workers, log=log, t0=t0, device=device,
    )  # fmt: skip


def fit_recipe(
    fit: list[dict],
    val: list[dict],
    *,
    fit_vols: list,
    val_vols: list,
    settings: dict,
    out: str | Path,
    workers: int = 1,
    log=print,
    t0: float | None = None,
    device: str | torch.device = "cpu",
) -> dict:
    """Phase 2 and the on-policy rounds of a recipe (``settings``, :func:`train_clicknet`'s):
    :func:`fit_states` on the phase-1 states ``fit`` / ``val``, then ``settings["on_policy"]``
    rounds of new episodes on ``fit_vols`` with the fitted model in the loop, each followed by
    more fitting from it; the step is chosen as ``settings["select"]`` says (``val_vols`` for
    the interactive choice).  Writes ``out``; returns the last round's metadata."""
    t0 = time.perf_counter() if t0 is None else t0
    kw = {"out": out, "settings": settings, "log": log, "t0": t0, "device": device}
    kw["val_vols"] = val_vols if settings.get("select", "one-step") == "interactive" else None
    meta = fit_states(fit, val, **kw)
    for k in range(1, settings.get("on_policy", 0) + 1):
        from ..engines.shipped import load_clicknet

        net, _ = load_clicknet(out)
        new = collect_states(
            fit_vols,
            episodes=settings["episodes"],
            rounds=settings["rounds"],
            seed=settings["seed"] + k,
            prior=settings["prior"],
            roi_mm=settings["roi_mm"],
            workers=workers,
            net=net,
        )
        fit = fit + new
        log(json.dumps({"on_policy": k, "new_states": len(new), "states": len(fit)}))
        meta = fit_states(fit, val, init=net, round_=k, past=meta["metrics"], **kw)
    return meta


def recipe_states(
    settings: dict,
    *,
    organs: tuple[str, ...] | None = None,
    val_organs: tuple[str, ...] | None = None,
    volumes: tuple[list, list] | None = None,
    workers: int = 1,
    log=print,
    t0: float | None = None,
) -> tuple[list[dict], list[dict]]:
    """Phase 1 for a recipe: ``(fitting states, validation states)`` of the volumes
    :func:`training_volumes` gives for ``settings`` (:func:`train_clicknet`'s, the dict it
    stores in the checkpoint), ``episodes`` per fitted volume and user, one per validation
    volume.  ``volumes``: those volumes when the caller already has them
    (:func:`recipe_volumes`; ``organs`` and ``val_organs`` then do nothing)."""
    t0 = time.perf_counter() if t0 is None else t0
    if volumes is None:
        volumes = recipe_volumes(settings, organs=organs, val_organs=val_organs)
    fit_vols, val_vols = volumes
    if not val_vols:
        raise ValueError("no validation organ left to choose the checkpoint")

    def states(vols, n: int) -> list[dict]:
        return collect_states(
            vols,
            episodes=n,
            rounds=settings["rounds"],
            seed=settings["seed"],
            prior=settings["prior"],
            roi_mm=settings["roi_mm"],
            workers=workers,
        )

    fit, val = states(fit_vols, settings["episodes"]), states(val_vols, 1)
    log(json.dumps({"states": len(fit), "val_states": len(val), "s": time.perf_counter() - t0}))
    return fit, val


def recipe_volumes(settings: dict, *, organs=None, val_organs=None):
    """``(fit volumes, validation volumes)`` of :func:`training_volumes` for ``settings``
    (:func:`train_clicknet`'s)."""
    return training_volumes(
        n_synthetic=settings["n_synthetic"],
        n_anisotropic=settings["n_anisotropic"],
        n_tiny=settings["n_tiny"],
        n_large=settings["n_large"],
        min_voxels=settings["min_voxels"],
        seed=settings["seed"],
        organs=organs,
        val_organs=val_organs,
        extra=settings.get("extra", ()),
    )


def _is_clicknet_file(path: Path) -> bool:
    """Whether ``path`` is a click-model checkpoint (read with ``weights_only=True``)."""
    from .checkpoint_io import read_checkpoint

    try:
        ck = read_checkpoint(path)
    except (OSError, ValueError):
        return False
    return isinstance(ck, dict) and ck.get("kind") == "iseg-clicknet"


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m reference_impl.swfastedit.train_shipped --out model.pt``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    p.add_argument("--steps", type=int, default=3000, help="gradient steps (default 3000)")
    p.add_argument("--episodes", type=int, default=2, help="episodes per volume and user")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--eval-every", type=int, default=250, help="steps between validations")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workers", type=int, default=1, help="processes collecting states")
    p.add_argument(
        "--prior",
        default="rw-noborder-cap45",
        choices=PRIORS,
        help="the random-walker prior the network corrects (stored in the checkpoint)",
    )
    p.add_argument(
        "--distance-norm",
        default="mm",
        choices=("mm", "prior"),
        help="divide the click-distance channels by 50 mm (default) or by the prior's size",
    )
    p.add_argument("--synthetic", type=int, default=24, help="synthetic phantoms (default 24)")
    p.add_argument(
        "--anisotropic", type=int, default=24, help="MR-like anisotropic phantoms (default 24)"
    )
    p.add_argument(
        "--tiny", type=int, default=0, help="phantoms of tiny objects (radii 1.5-4 voxels)"
    )
    p.add_argument(
        "--large", type=int, default=0, help="phantoms of large objects (radii 8-16 at 3-5 mm)"
    )
    p.add_argument(
        "--organs", help="comma-separated trainable CT organs to fit (default: all trainable)"
    )
    p.add_argument("--val-organs", help="comma-separated validation organs (default: all of them)")
    p.add_argument(
        "--channels", default="8,16,32", help="U-Net channels per level (default 8,16,32)"
    )
    p.add_argument(
        "--zoom-voxels",
        type=float,
        default=None,
        help="zoom-in: resample the object's crop so that it spans this many voxels",
    )
    p.add_argument(
        "--on-policy",
        type=int,
        default=0,
        help="rounds of on-policy states: episodes with the fitted model, then more fitting",
    )
    p.add_argument(
        "--select",
        default="one-step",
        choices=SELECT,
        help="choose the step by one-step Dice on validation states, or by 10-round interactive Dice",
    )
    p.add_argument(
        "--extra-fit",
        type=Path,
        help="JSON manifest of more fitted classes of other images (bench/extra_training_data.py)",
    )
    p.add_argument(
        "--device",
        default="cpu",
        choices=("cpu", "cuda"),
        help="where the network is fitted (states are always collected on the CPU)",
    )
    args = p.parse_args(argv)
    from ..evaluation.split import VALIDATION_CT_ORGANS, is_trainable_ct_organ

    out = Path(args.out)
    if not out.parent.is_dir():
        p.error(f"--out {out}: folder {out.parent} does not exist")
    if out.is_dir():
        p.error(f"--out {out}: is a folder")
    if out.exists() and not _is_clicknet_file(out):
        p.error(f"--out {out}: exists and is not a click-model checkpoint; not overwriting it")

    organs = tuple(args.organs.split(",")) if args.organs else None
    val_organs = tuple(args.val_organs.split(",")) if args.val_organs else None
    for o in organs or ():
        if not is_trainable_ct_organ(o) or o in VALIDATION_CT_ORGANS:
            p.error(f"--organs: {o!r} is held out or a validation organ")
    for o in val_organs or ():
        if o not in VALIDATION_CT_ORGANS:
            p.error(f"--val-organs: {o!r} is not one of {list(VALIDATION_CT_ORGANS)}")
    if min(args.synthetic, args.anisotropic, args.tiny, args.large) < 0:
        p.error("--synthetic, --anisotropic, --tiny and --large must be >= 0")
    for opt in ("steps", "episodes", "threads", "workers", "eval_every"):
        if getattr(args, opt) < 1:
            p.error(f"--{opt.replace('_', '-')} must be >= 1, got {getattr(args, opt)}")
    if args.on_policy < 0:
        p.error(f"--on-policy must be >= 0, got {args.on_policy}")
    if args.weight_decay < 0:
        p.error(f"--weight-decay must be >= 0, got {args.weight_decay}")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    try:
        channels = tuple(int(c) for c in args.channels.split(","))
    except ValueError:
        channels = ()
    if len(channels) < 2 or min(channels) < 1:
        p.error(f"--channels {args.channels!r}: want two or more positive integers, e.g. 8,16,32")
    if args.zoom_voxels is not None and not args.zoom_voxels >= 2:
        p.error(f"--zoom-voxels must be >= 2, got {args.zoom_voxels}")
    if args.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: no CUDA device here")
    extra: list[dict] = []
    if args.extra_fit is not None:
        from .states import read_extra_manifest

        try:
            extra = read_extra_manifest(args.extra_fit)
        except ValueError as e:
            p.error(f"--extra-fit {e}")
    torch.set_num_threads(args.threads)
    train_clicknet(
        out=args.out,
        steps=args.steps,
        episodes=args.episodes,
        seed=args.seed,
        lr=args.lr,
        prior=args.prior,
        workers=args.workers,
        eval_every=args.eval_every,
        weight_decay=args.weight_decay,
        n_synthetic=args.synthetic,
        n_anisotropic=args.anisotropic,
        n_tiny=args.tiny,
        n_large=args.large,
        distance_norm=args.distance_norm,
        organs=organs,
        val_organs=val_organs,
        channels=channels,
        zoom_voxels=args.zoom_voxels,
        on_policy=args.on_policy,
        select=args.select,
        device=args.device,
        extra=extra,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
