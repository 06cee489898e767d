"""Write a click-model checkpoint that blends a trained model with the random walker.

The weights are the source checkpoint's, unchanged; only ``config["blend"]`` is set, so the
``shipped`` engine averages the model's probabilities with the ``random-walker`` engine's
(weight ``--weight``) before the click-consistent mask (``clicknet.predict_probs``).  No
training: an ensemble of the learned model and the classical baseline fed the same clicks.
The source is recorded as ``blended_from`` (path and SHA-256).

    python bench/blend_checkpoint.py --weight 0.5 --out /work/cv/blend05.pt

Exit 2 (naming the file) on an unreadable source or an existing ``--out`` (never
overwritten).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path


def write_blended(src: Path, weight: float, out: Path) -> str:
    """Write ``src`` with ``config["blend"] = weight`` and ``blended_from`` to ``out``
    (atomically); return the source's SHA-256.  ``ValueError`` naming the file when ``src``
    is not a readable click-model checkpoint or the weight is refused."""
    from reference_impl.swfastedit.checkpoint_io import atomic_save, read_checkpoint
    from reference_impl.swfastedit.clicknet import ClickNetConfig

    try:
        ck = read_checkpoint(src)
        if not isinstance(ck, dict) or ck.get("kind") != "iseg-clicknet":
            raise ValueError(f"{src}: not a click-model checkpoint")
        config = ClickNetConfig.from_dict({**ck["config"], "blend": weight}).to_dict()
    except (OSError, KeyError, TypeError) as exc:
        raise ValueError(str(exc)) from exc
    sha = hashlib.sha256(Path(src).read_bytes()).hexdigest()
    atomic_save({**ck, "config": config, "blended_from": {"path": str(src), "sha256": sha}}, out)
    return sha


def main(argv: list[str] | None = None) -> int:
    import importlib.resources as resources

    from reference_impl.engines.shipped import SHIPPED_CHECKPOINT

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--source", type=Path, default=None, help="default: the shipped checkpoint")
    p.add_argument("--weight", type=float, required=True, help="the random walker's weight")
    p.add_argument("--out", type=Path, required=True)
    args = p.parse_args(argv)
    if args.out.exists():
        print(f"error: {args.out} exists; not overwritten", file=sys.stderr)
        return 2
    src = args.source
    if src is None:
        ref = resources.files("reference_impl.swfastedit") / "checkpoints" / SHIPPED_CHECKPOINT
        with resources.as_file(ref) as path:
            src = Path(path)
    try:
        sha = write_blended(src, args.weight, args.out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: blend {args.weight} of {src} (sha256 {sha[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
