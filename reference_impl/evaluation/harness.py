"""The evaluation harness: every engine, the same robot users, the input's voxel grid.

Protocol (thesis §5.1.3 / §5.2.1.1, issue 11), per case, engine and robot user:

1. The image and its binary target are reoriented to the canonical orientation
   (:class:`reference_impl.orientation.Reorientation`: axes permuted/flipped, never
   resampled), so that robot users and engines see the same array whatever axis order
   the file was saved in.
2. An :class:`~reference_impl.session.InteractiveSession` with the engine gets the
   canonical image and affine; :func:`reference_impl.robot_users.loop.run_interaction`
   (the one loop) predicts without clicks (Dice@0), then for ``rounds`` rounds lets the
   robot user click on the previous prediction's errors and predicts again.
3. Every prediction is mapped back onto the input grid and scored there (Dice against
   the input label); the final segmentation is returned in the input grid, for writing
   with the input's affine.

A record holds the Dice curve (0..rounds), AUC (normalised trapezoid, Algorithm 4),
NoC@85/90 (RITM rule, failures flagged), the seconds of every prediction, the clicks
(input-grid indices), the share of predictions whose *engine* answer already had every
click on the right side (before the session's click rule), and the share of rounds whose
positive clicks all lie inside the engine's own final mask (``pos_inside_final``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .data import CaseSpec

__all__ = [
    "Case",
    "CaseResult",
    "load_cases",
    "usable_engines",
    "evaluate_case",
    "evaluate",
    "summarize",
    "format_table",
]

DICE_AT = (0, 1, 5, 10)


@dataclass
class Case:
    """A loaded case in its input grid: float32 ``image``, uint8 binary ``label``."""

    name: str
    image: np.ndarray = field(repr=False)
    label: np.ndarray = field(repr=False)
    spacing: tuple[float, ...]
    affine: np.ndarray = field(repr=False)
    image_path: str = ""
    label_path: str = ""


@dataclass
class CaseResult:
    """One (case, engine, user) run: the JSON ``record`` and the final ``mask`` (input grid)."""

    record: dict
    mask: np.ndarray = field(repr=False)


def load_cases(specs: Sequence[CaseSpec], *, max_voxels: int | None = None) -> list[Case]:
    """Read and check every case (:func:`reference_impl.io.load_case`) before any compute."""
    from ..io import load_case

    out = []
    for s in specs:
        v = load_case(s.image, s.label, label_value=s.target, name=s.name, max_voxels=max_voxels)
        if v.label is None:
            raise ValueError(f"{s.image}: the harness needs a label")
        if v.image.ndim != 3:
            raise ValueError(f"{s.image}: the harness needs a 3D image, got {v.image.shape}")
        out.append(Case(s.name, v.image, v.label, v.spacing, v.affine, str(s.image), str(s.label)))
    return out


def usable_engines(
    names: Sequence[str] | None,
    *,
    options: dict[str, dict] | None = None,
    device: str | None = None,
    probe: Case | None = None,
    warn=None,
) -> list[str]:
    """Build every engine before the evaluation (and, given ``probe``, let it embed that
    case and answer without interactions, as round 0 will).

    ``names`` None means every registered engine: one that cannot run as configured
    (e.g. ``postprocess`` without an initial segmentation, ``shipped`` without its
    checkpoint) is skipped with ``warn(message)``.  An engine named explicitly that cannot
    run raises ``ValueError`` naming it.
    """
    from ..engines import available_engines
    from ..session import InteractiveSession

    known = available_engines()
    explicit = names is not None
    out = []
    for name in list(dict.fromkeys(names if names is not None else known)):
        if name not in known:
            raise ValueError(f"--engine {name!r}: unknown; choose from {', '.join(known)}")
        try:
            session = InteractiveSession(name, device=device, **(options or {}).get(name, {}))
            if probe is not None:
                session.set_image(probe.image, affine=probe.affine)
                session.predict()
        except (ValueError, TypeError, FileNotFoundError, RuntimeError) as exc:
            if explicit:
                raise ValueError(f"--engine {name}: {exc}") from None
            if warn is not None:
                warn(f"skipping engine {name!r}: {exc}")
            continue
        out.append(name)
    if not out:
        raise ValueError("--engine: no usable engine")
    return out


def _session_predictor(session):
    """``predict(clicks)`` for the loop that adds only the new clicks to ``session``."""

    def predict(clicks):
        have = session.interactions
        if list(clicks[: len(have)]) != list(have):
            session.reset()
            have = ()
        new = list(clicks[len(have) :])
        return session.add_interactions(new) if new else session.predict()

    return predict


def evaluate_case(
    case: Case,
    engine: str,
    *,
    user: str = "R1",
    rounds: int = 10,
    seed: int = 0,
    device: str | None = None,
    engine_options: dict | None = None,
    session=None,
) -> CaseResult:
    """Run the protocol (module docstring) for one case, engine and robot user.

    ``session`` may be an :class:`~reference_impl.session.InteractiveSession` already holding
    this case's canonical image (reused across users to embed the image once).
    """
    from ..metrics import auc, dice, noc
    from ..orientation import Reorientation
    from ..robot_users.loop import run_interaction
    from ..session import InteractiveSession

    reo = Reorientation.from_affine(case.image.shape, case.affine)
    img_c, lab_c = reo.to_canonical(case.image), reo.to_canonical(case.label)
    aff_c = reo.canonical_affine
    if session is None:
        session = InteractiveSession(engine, device=device, **(engine_options or {}))
        session.set_image(img_c, affine=aff_c)
    else:
        session.reset()

    def metric(pred_c, _lab):
        return dice(reo.from_canonical(np.asarray(pred_c)), case.label)

    res = run_interaction(
        _session_predictor(session),
        lab_c,
        user=user,
        n_iterations=rounds,
        image=img_c,
        rng=seed,
        spacing=reo.canonical_spacing,
        affine=aff_c,
        metric=metric,
    )
    final = session.result
    own = np.asarray(final.probs) >= 0.5
    rounds_pos = [[c for c in r if c.label == 1] for r in res.clicks]
    rounds_pos = [r for r in rounds_pos if r]
    inside = [all(own[c.index] for c in r) for r in rounds_pos]
    clicks = [
        [k + 1, c.label, *reo.index_from_canonical(c.index)]
        for k, r in enumerate(res.clicks)
        for c in r
    ]
    values = [float(v) for v in res.values]
    n85, n90 = noc(values, 0.85, max_clicks=rounds), noc(values, 0.90, max_clicks=rounds)
    after = res.seconds[1:]
    record = {
        "target": case.name,
        "user": user,
        "engine": engine,
        "dice": values,
        "auc": float(auc(values)),
        "noc85": n85.noc,
        "noc85_failed": n85.failed,
        "noc90": n90.noc,
        "noc90_failed": n90.failed,
        "click_s": float(np.mean(after)) if after else None,
        "first_s": float(res.seconds[0]),
        "seconds": [float(s) for s in res.seconds],
        "clicks_respected": float(np.mean(res.respected)) if res.respected else None,
        "pos_inside_final": float(np.mean(inside)) if inside else None,
        "rounds_with_positive": len(rounds_pos),
        "clicks": clicks,
        "shape": list(case.image.shape),
        "canonical_transform": reo.transform.astype(int).tolist(),
    }
    return CaseResult(record, reo.from_canonical(final.mask))


def evaluate(
    cases: Sequence[Case],
    engines: Sequence[str],
    users: Sequence[str],
    *,
    rounds: int = 10,
    seed: int = 0,
    device: str | None = None,
    engine_options: dict[str, dict] | None = None,
    on_result=None,
) -> list[CaseResult]:
    """:func:`evaluate_case` over cases x engines x users (the image embedded once per
    case and engine); ``on_result(result)`` is called after each run."""
    from ..orientation import Reorientation
    from ..session import InteractiveSession

    out = []
    for case in cases:
        reo = Reorientation.from_affine(case.image.shape, case.affine)
        for engine in engines:
            session = InteractiveSession(
                engine, device=device, **(engine_options or {}).get(engine, {})
            )
            session.set_image(reo.to_canonical(case.image), affine=reo.canonical_affine)
            for user in users:
                r = evaluate_case(
                    case, engine, user=user, rounds=rounds, seed=seed, session=session
                )
                out.append(r)
                if on_result is not None:
                    on_result(r)
    return out


def _at(values: list[float], k: int) -> float:
    return values[min(k, len(values) - 1)]


def summarize(records: Sequence[dict]) -> list[dict]:
    """Means over targets per (engine, user): Dice@0/1/5/10, AUC, NoC@85/90 (+ failures),
    median seconds per click, and the click-rule shares."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["engine"], r["user"]), []).append(r)
    rows = []
    for (engine, user), rs in sorted(groups.items()):
        row = {"engine": engine, "user": user, "n": len(rs)}
        for k in DICE_AT:
            row[f"dice@{k}"] = float(np.mean([_at(r["dice"], k) for r in rs]))
        row["auc"] = float(np.mean([r["auc"] for r in rs]))
        for t in ("85", "90"):
            row[f"noc{t}"] = float(np.mean([r[f"noc{t}"] for r in rs]))
            row[f"noc{t}_failed"] = int(sum(r[f"noc{t}_failed"] for r in rs))
        secs = [s for r in rs for s in r["seconds"][1:]]
        row["click_s"] = float(np.median(secs)) if secs else None
        inside = [r["pos_inside_final"] for r in rs if r["pos_inside_final"] is not None]
        row["pos_inside_final"] = float(np.mean(inside)) if inside else None
        rows.append(row)
    return rows


def format_table(rows: Sequence[dict]) -> str:
    """A Markdown table of :func:`summarize` rows."""
    head = (
        "| engine | user | n | Dice@0 | Dice@1 | Dice@5 | Dice@10 | AUC | NoC@85 (fail) "
        "| NoC@90 (fail) | s/click |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        s = "-" if r["click_s"] is None else f"{r['click_s']:.2f}"
        lines.append(
            f"| {r['engine']} | {r['user']} | {r['n']} | {r['dice@0']:.3f} | {r['dice@1']:.3f} | "
            f"{r['dice@5']:.3f} | {r['dice@10']:.3f} | {r['auc']:.3f} | "
            f"{r['noc85']:.1f} ({r['noc85_failed']}) | {r['noc90']:.1f} ({r['noc90_failed']}) | "
            f"{s} |"
        )
    return "\n".join(lines)
