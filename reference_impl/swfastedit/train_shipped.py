"""Train the shipped click model (``python -m reference_impl.swfastedit.train_shipped``).

Data (strictly leave-organs-out, :mod:`reference_impl.evaluation.split`): every organ of the
bundled TotalSegmentator CT that :func:`~reference_impl.evaluation.split.is_trainable_ct_organ`
allows (at least ``min_voxels`` voxels), and synthetic phantoms of random polarity, contrast
and texture (:func:`reference_impl.swfastedit.data.synthetic_volumes`); never a held-out
organ, never a lesion volume.  Every episode windows the image to [0, 1]
(:func:`reference_impl.engines.classical.normalize_image`, what the random-walker engine
does), then augments intensities (inversion with probability 0.5, gamma, Gaussian noise,
blur), so "bright = foreground" cannot be learned.

Episode: a robot user (R1 or R4, alternating) clicks on the model's own predictions
through the project's one interaction loop,
:func:`reference_impl.robot_users.loop.run_interaction`; after every prediction (the
loop's callback) the network takes one gradient step (BCE + soft Dice) on that
prediction's input.  Checkpoints are written atomically every ``save_every`` episodes.
Seeded: the same command gives the same model on the same machine and torch version.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from .clicknet import PRIORS

__all__ = ["train_clicknet", "training_volumes", "main"]


def training_volumes(*, n_synthetic: int, min_voxels: int, seed: int):
    """``(list of (name, image in [0, 1], label, spacing), trained CT organ names)``."""
    from ..engines.classical import normalize_image
    from ..evaluation.split import is_trainable_ct_organ
    from ..io import load_case, shared_data_dir
    from .data import synthetic_volumes

    d = shared_data_dir()
    if d is None:
        raise FileNotFoundError("sample data folder not found; set ISEG_DATA to shared/data")
    ct = d / "totalsegmentator_example"
    labels = json.loads((ct / "labels.json").read_text())["labels"]
    vol = load_case(ct / "example_ct_sm.nii.gz")
    seg = load_case_seg(ct / "example_seg.nii.gz")
    win = normalize_image(vol.image)
    out, organs = [], []
    for value, name in sorted(labels.items(), key=lambda kv: int(kv[0])):
        if not is_trainable_ct_organ(name):
            continue
        lab = (seg == int(value)).astype(np.uint8)
        if lab.sum() < min_voxels:
            continue
        out.append((f"ct:{name}", win, lab, vol.spacing))
        organs.append(name)
    for k, v in enumerate(
        synthetic_volumes(n_synthetic, (24, 48, 48), body=0.5, contrast=(0.4, 1.5), rng=seed)
    ):
        out.append((f"synthetic:{k}", normalize_image(v.image), v.label, v.spacing))
    return out, organs


def load_case_seg(path) -> np.ndarray:
    """The integer label map (numpy axis order) of a multi-class segmentation file."""
    from ..io import read_volume

    return read_volume(path)[0].astype(np.int32)


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


def _crop_around(
    img: np.ndarray, lab: np.ndarray, rng: np.random.Generator, *, max_size: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray]:
    """A training crop holding (part of) the object: its box grown by 4-16 voxels per side,
    at most ``max_size``, placed at random over the object when that is larger."""
    idx = np.argwhere(lab)
    lo, hi = idx.min(0), idx.max(0) + 1
    sl = []
    for ax, n in enumerate(lab.shape):
        a = max(int(lo[ax]) - int(rng.integers(4, 17)), 0)
        b = min(int(hi[ax]) + int(rng.integers(4, 17)), n)
        if b - a > max_size[ax]:
            a = int(rng.integers(a, b - max_size[ax] + 1))
            b = a + max_size[ax]
        sl.append(slice(a, b))
    sl_t = tuple(sl)
    if not lab[sl_t].any():  # pragma: no cover - the crop always overlaps the object box
        return img, lab
    return img[sl_t], lab[sl_t]


def _loss(logit: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    bce = torch.nn.functional.binary_cross_entropy_with_logits(logit, target)
    p = torch.sigmoid(logit)
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    return bce + dice


def train_clicknet(
    *,
    out: str | Path,
    episodes: int,
    seed: int = 0,
    lr: float = 1e-3,
    n_synthetic: int = 24,
    p_ct: float = 0.7,
    min_voxels: int = 50,
    max_rounds: int = 6,
    save_every: int = 5,
    crop_max: tuple[int, ...] = (32, 64, 64),
    prior: str = "rw-noborder-cap45",
    log=print,
) -> dict:
    """Train and write ``out`` (a ``.pt`` file, atomically); returns the metadata."""
    from ..robot_users.loop import run_interaction
    from .clicknet import ClickNet, ClickNetConfig, make_prior, pad_to, predict_probs
    from .training import atomic_save

    rng = np.random.default_rng(seed)
    vols, organs = training_volumes(n_synthetic=n_synthetic, min_voxels=min_voxels, seed=seed)
    ct = [v for v in vols if v[0].startswith("ct:")]
    syn = [v for v in vols if v[0].startswith("synthetic:")]
    cfg = ClickNetConfig(prior=prior)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = ClickNet(cfg)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    settings = {
        "prior": prior,
        "episodes": episodes,
        "seed": seed,
        "lr": lr,
        "n_synthetic": n_synthetic,
        "p_ct": p_ct,
        "min_voxels": min_voxels,
        "max_rounds": max_rounds,
        "crop_max": list(crop_max),
    }
    history: list[dict] = []
    out = Path(out)
    t_start = time.perf_counter()
    for ep in range(episodes):
        pool = ct if rng.random() < p_ct else syn
        name, img, lab, spacing = pool[int(rng.integers(len(pool)))]
        if name.startswith("ct:"):
            img, lab = _crop_around(img, lab, rng, max_size=crop_max)
        img = _augment(img, rng)
        rw = make_prior(cfg.prior, img, spacing)
        store: dict = {}
        losses: list[float] = []

        def predict(clicks, img=img, rw=rw, store=store):
            prior = rw(clicks)
            net.eval()
            prob, mask, x = predict_probs(net, img, prior, clicks)
            store["x"] = x
            return mask, prob

        def step(it, clicks, pred, lab=lab, store=store, losses=losses):
            if not any(c.label == 1 for c in clicks):
                return
            net.train()
            xp, shape = pad_to(store["x"], cfg.divisor)
            yp, _ = pad_to(torch.from_numpy(lab.astype(np.float32))[None, None], cfg.divisor)
            loss = _loss(net(xp), yp)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))

        user = "R1" if ep % 2 == 0 else "R4"
        n_rounds = int(rng.integers(2, max_rounds + 1))
        res = run_interaction(
            predict, lab, user=user, n_iterations=n_rounds, rng=rng, spacing=spacing, callback=step
        )
        history.append(
            {
                "episode": ep + 1,
                "data": name,
                "user": user,
                "rounds": n_rounds,
                "loss": float(np.mean(losses)) if losses else float("nan"),
                "dice_first": res.values[1],
                "dice_last": res.values[-1],
                "gain": float(net.gain.detach()),
                "seconds": time.perf_counter() - t_start,
            }
        )
        log(json.dumps(history[-1]))
        if (ep + 1) % save_every == 0 or ep + 1 == episodes:
            meta = {
                "kind": "iseg-clicknet",
                "config": cfg.to_dict(),
                "settings": settings,
                "trained_ct_organs": organs,
                "held_out": "reference_impl.evaluation.split",
                "episodes_done": ep + 1,
                "metrics": history,
            }
            atomic_save({**meta, "model": net.state_dict()}, out)
    return {"trained_ct_organs": organs, "episodes_done": episodes, "metrics": history}


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m reference_impl.swfastedit.train_shipped --out model.pt``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, help="checkpoint file to write (.pt)")
    p.add_argument("--episodes", type=int, default=240)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--prior",
        default="rw-noborder-cap45",
        choices=PRIORS,
        help="the random-walker prior the network corrects (stored in the checkpoint)",
    )
    args = p.parse_args(argv)
    if args.episodes < 1:
        p.error(f"--episodes must be >= 1, got {args.episodes}")
    if not args.lr > 0:
        p.error(f"--lr must be > 0, got {args.lr}")
    torch.set_num_threads(args.threads)
    train_clicknet(
        out=args.out, episodes=args.episodes, seed=args.seed, lr=args.lr, prior=args.prior
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
