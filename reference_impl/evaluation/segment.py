"""Segment one image from given interactions (what ``iseg segment`` runs).

Interactions are written as the command line takes them:

* a voxel click ``"i,j,k"`` or ``"i,j,k:neg"``: indices in numpy axis order ``(z, y, x)``
  of the array :func:`reference_impl.io.read_volume` returns (the file's ``(x, y, z)``
  axes reversed; see README "Conventions");
* a world click ``"x,y,z"`` or ``"x,y,z:neg"``: RAS millimetres, as nibabel's affine and
  3D Slicer's RAS coordinates give them; it lands on the nearest voxel;
* a clicks JSON file: a list of ``{"index": [z, y, x]}`` or ``{"world": [x, y, z]}``
  objects, each with an optional ``"positive": false`` (or the list under ``"clicks"``);
* a scribble JSON file: ``{"points": [[z, y, x], ...], "positive": true}`` (or a list of
  such objects).

The image runs through :class:`~reference_impl.session.InteractiveSession` in the
canonical orientation, exactly as in the evaluation harness, and the mask comes back on
the input grid.  Everything (files, headers, every interaction's bounds) is checked before
any voxel is decoded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "Interaction",
    "parse_click",
    "read_clicks_json",
    "read_scribble_json",
    "SegmentOutput",
    "segment_file",
]


@dataclass(frozen=True)
class Interaction:
    """A parsed interaction: ``kind`` in {"click", "world", "scribble"}, coordinates, sign."""

    kind: str
    coords: tuple  # one point, or a tuple of points for a scribble
    positive: bool = True
    source: str = ""


def parse_click(text: str, *, world: bool = False, option: str = "--click") -> Interaction:
    """Parse ``"a,b,c"`` / ``"a,b,c:neg"`` (``:pos`` allowed); ValueError names the option."""
    body, _, sign = str(text).partition(":")
    if sign not in ("", "neg", "pos"):
        raise ValueError(f"{option} {text!r}: the suffix must be ':neg' or ':pos'")
    try:
        vals = [float(v) for v in body.split(",")]
    except ValueError:
        raise ValueError(f"{option} {text!r}: expected three numbers like 12,40,33[:neg]") from None
    if len(vals) != 3 or not np.isfinite(vals).all():
        raise ValueError(f"{option} {text!r}: expected three finite numbers")
    if not world and any(v != int(v) for v in vals):
        raise ValueError(f"{option} {text!r}: voxel indices must be integers")
    coords = tuple(vals) if world else tuple(int(v) for v in vals)
    return Interaction("world" if world else "click", coords, sign != "neg", f"{option} {text}")


def _read_json(path: str | Path, option: str):
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{option} {p}: no such file")
    try:
        return json.loads(p.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{option} {p}: not valid JSON ({exc})") from None


def read_clicks_json(path: str | Path) -> list[Interaction]:
    """Clicks from a JSON file (module docstring)."""
    raw = _read_json(path, "--clicks-json")
    items = raw.get("clicks") if isinstance(raw, dict) else raw
    if not isinstance(items, list):
        raise ValueError(f"--clicks-json {path}: expected a list of clicks")
    out = []
    for k, it in enumerate(items):
        if not isinstance(it, dict) or ("index" in it) == ("world" in it):
            raise ValueError(
                f"--clicks-json {path}: click {k} needs exactly one of 'index' or 'world'"
            )
        world = "world" in it
        pos = it.get("positive", True)
        if not isinstance(pos, bool):
            raise ValueError(f"--clicks-json {path}: click {k}: 'positive' must be true/false")
        coords = it["world" if world else "index"]
        if not isinstance(coords, list):
            raise ValueError(f"--clicks-json {path}: click {k}: coordinates must be a list")
        text = ",".join(str(v) for v in coords) + ("" if pos else ":neg")
        out.append(parse_click(text, world=world, option=f"--clicks-json {path} click {k}:"))
    return out


def read_scribble_json(path: str | Path) -> list[Interaction]:
    """Scribbles from a JSON file (module docstring)."""
    raw = _read_json(path, "--scribble")
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for k, it in enumerate(items):
        pts = it.get("points") if isinstance(it, dict) else None
        pos = it.get("positive", True) if isinstance(it, dict) else None
        arr = np.asarray(pts if pts is not None else [], dtype=np.float64)
        if arr.ndim != 2 or arr.shape[1] != 3 or len(arr) == 0 or not isinstance(pos, bool):
            raise ValueError(
                f"--scribble {path}: scribble {k} needs 'points' [[z, y, x], ...] "
                "(at least one) and an optional boolean 'positive'"
            )
        if not np.isfinite(arr).all() or np.any(arr != np.round(arr)):
            raise ValueError(f"--scribble {path}: scribble {k}: points must be integer indices")
        out.append(
            Interaction(
                "scribble", tuple(tuple(int(v) for v in p) for p in arr), pos, f"--scribble {path}"
            )
        )
    return out


@dataclass
class SegmentOutput:
    """The mask on the input grid, its affine, per-prediction seconds, Dice (or None)."""

    mask: np.ndarray = field(repr=False)
    affine: np.ndarray = field(repr=False)
    seconds: float
    dice: float | None
    n_interactions: int
    engine: str


def _check_bounds(items: list[Interaction], shape, affine) -> None:
    inv = np.linalg.inv(affine)
    for it in items:
        pts = it.coords if it.kind == "scribble" else (it.coords,)
        for p in pts:
            idx = np.rint((inv @ np.append(p, 1.0))[:3]) if it.kind == "world" else np.array(p)
            if np.any(idx < 0) or np.any(idx >= np.asarray(shape)):
                where = f" (voxel {tuple(int(v) for v in idx)})" if it.kind == "world" else ""
                raise ValueError(
                    f"{it.source}: point {tuple(p)}{where} is outside the image of "
                    f"shape {tuple(shape)} (z, y, x)"
                )


def segment_file(
    image: str | Path,
    interactions: list[Interaction],
    *,
    engine: str = "random-walker",
    engine_options: dict | None = None,
    device: str | None = None,
    label: str | Path | None = None,
    label_target: int | str | None = None,
    max_voxels: int | None = None,
) -> SegmentOutput:
    """Segment ``image`` from ``interactions`` (module docstring); Dice when ``label`` given."""
    from ..io import inspect_volume, load_case
    from ..metrics import dice
    from ..orientation import Reorientation
    from ..session import InteractiveSession

    if not interactions:
        raise ValueError(
            "give at least one interaction (--click, --click-world, --clicks-json or --scribble)"
        )
    info = inspect_volume(image)
    _check_bounds(interactions, info.shape, info.affine)
    session = InteractiveSession(engine, device=device, **(engine_options or {}))
    vol = load_case(image, label, label_value=label_target, max_voxels=max_voxels)
    reo = Reorientation.from_affine(vol.shape, vol.affine)
    session.set_image(reo.to_canonical(vol.image), affine=reo.canonical_affine)
    for it in interactions:
        if it.kind == "click":
            session.add_click(
                reo.index_to_canonical(it.coords), positive=it.positive, run_prediction=False
            )
        elif it.kind == "world":
            session.add_click_world(it.coords, positive=it.positive, run_prediction=False)
        else:
            pts = [reo.index_to_canonical(p) for p in it.coords]
            session.add_scribble(pts, positive=it.positive, run_prediction=False)
    res = session.predict()
    mask = reo.from_canonical(res.mask)
    d = None if vol.label is None else float(dice(mask, vol.label))
    return SegmentOutput(mask, vol.affine, res.seconds, d, len(session.interactions), engine)
