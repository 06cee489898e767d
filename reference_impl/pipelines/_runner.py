"""The common runner of every leaf pipeline: validate, run, measure, write atomically.

Order of work: resolve the pipeline (unknown id/leaf -> ``ValueError``), the budget and the
device, load and validate all data (:mod:`._data`) -- all before any training -- then run
the pipeline with a tqdm bar and an optional ``progress(fraction, message)`` callback, and
write ``metrics.json``, ``dice_curve.png``, ``overlay.png`` and ``config.yaml`` into a
temporary sibling folder that is renamed to ``out`` only at the end, so an interrupted or
failed run leaves no partial output.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..evaluation.output import (
    check_out_dir,
    finish,
    make_tmp,
    signal_cleanup,
    write_segmentation,
)
from ._base import Context, PipelineResult, get_budget
from ._data import load_data
from ._geometry import to_input_grid
from ._report import interactive_metrics, run_config, run_versions, write_report

__all__ = ["run_pipeline", "RunOutput"]


@dataclass
class RunOutput:
    """A finished run: the metrics written to ``metrics.json``, the pipeline's result and
    the output folder (``None`` when no ``out`` was given).

    ``segmentations`` are the files ``out/segmentation/<volume>.nii.gz``, one per evaluation
    volume in the order of ``result.trajectories``: the final prediction on the *input*
    grid with the input's affine (empty when no ``out`` was given).  The trajectories'
    predictions are on the pipeline's working grid, which may be resampled.
    """

    metrics: dict[str, Any]
    result: PipelineResult
    out: Path | None
    segmentations: list[Path] = field(default_factory=list)

    def segmentation_file(self, index: int = 0) -> Path | None:
        """The input-grid segmentation of evaluation volume ``index`` (that of
        ``result.trajectories[index]``), or None when the run wrote no files."""
        if not 0 <= index < len(self.segmentations):
            return None
        return self.segmentations[index]


_DEVICES = ("auto", "cpu", "cuda")
MAX_SEED = 2**32 - 1


def _check_int(value, option: str, *, lo: int, hi: int | None = None) -> int:
    """An int option (bool and float refused), ``lo <= value <= hi``; ValueError names it."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{option} must be an integer, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f"{lo}..{hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{option} must be in {rng}, got {v}")
    return v


def check_device(device) -> str:
    """``auto``, ``cpu``, ``cuda`` or ``cuda:N`` (else ValueError naming ``--device``)."""
    if device is None:
        return "auto"
    text = str(device)
    base, _, idx = text.partition(":")
    if base not in _DEVICES or (idx and (base != "cuda" or not idx.isdigit())):
        raise ValueError(f"--device {text!r}: choose one of auto, cpu, cuda (or cuda:N)")
    return text


def run_pipeline(
    pipeline: str,
    *,
    data: Any = "synthetic",
    label: int | str | None = None,
    out: str | Path | None = None,
    device: str | None = "auto",
    budget: str = "small",
    seed: int = 0,
    n_interactions: int | None = None,
    progress: Callable[[float, str], None] | None = None,
    cancel: threading.Event | None = None,
    show_progress: bool = True,
    announce: Callable[[str], None] | None = None,
) -> RunOutput:
    """Run one leaf's reference pipeline end to end.

    Parameters
    ----------
    pipeline : str
        A pipeline id (e.g. ``'t2.1.2.2.1-center-largest-error'``) or a leaf id (``'T2.1.2.2.1'``).
    data : str, Path, Volume or list of Volume
        ``'synthetic'`` (phantoms; training and evaluation phantoms are distinct), a sample
        name (``'ct_spleen'``, see :data:`reference_impl.io.SAMPLE_CASES`), ``'IMAGE,LABEL'``
        paths (NIfTI/NRRD), an image with its ``<case>_seg`` (``_label``, ``_mask`` ...)
        beside it, a folder of pairs (the forms of
        :func:`reference_impl.evaluation.data.resolve_data`), or in-memory volumes.  Never
        evaluated on a label the model trained on (``metrics['split']``): several cases ->
        the last 20 % are held out; one multi-class map -> leave-label-out (``label``
        evaluated, the other classes trained on); one binary case -> trained on synthetic
        phantoms only.
        Evaluation volumes are never cropped; the final segmentations are written to
        ``segmentation/<volume>.nii.gz`` on the input grid with the input's affine.
    label : int or str, optional
        The class to evaluate in a multi-class label map (value, or name from a
        ``labels.json`` beside the label); required for a multi-class map.
    out : str or Path, optional
        Output folder: new, empty, or an earlier iseg run (replaced atomically at the end);
        ``None`` writes nothing.
    device : {'auto', 'cpu', 'cuda'} or None
        Torch device (``'auto'``/None: CUDA when available).
    budget : {'small', 'full'}
        Compute budget (:data:`reference_impl.pipelines.BUDGETS`).
    seed : int
        Seed of every random choice (data, initialisation, robot users).
    n_interactions : int, optional
        Evaluation interactions (default: the budget's).
    progress : callable, optional
        ``progress(fraction in [0, 1], message)`` called during the run (for the app).
    cancel : threading.Event, optional
        When set, the run stops at the next progress report with :class:`Cancelled`.
    show_progress : bool
        Show a tqdm bar on stderr.
    announce : callable, optional
        ``announce(text)`` is called once the data are split, before any training, with
        one line saying what is trained on and what is evaluated.

    Returns
    -------
    RunOutput

    Raises
    ------
    ValueError
        Unknown pipeline/leaf/budget, a bad device, seed or interaction count, an ``out``
        that is refused (a non-empty folder not written by iseg, the current/home/root folder,
        a path under a file), CUDA requested without CUDA, a multi-class label map without
        ``label``, or invalid data (shape or affine mismatch, NaNs, empty label) -- options
        before any data is read, data before any training.
    """
    from tqdm.auto import tqdm

    from ..device import resolve_device
    from .registry import get_pipeline

    t_start = time.perf_counter()
    # every option is checked before any data is read or a model built
    pipe = get_pipeline(str(pipeline)) if isinstance(pipeline, str) else get_pipeline(pipeline)
    bud = get_budget(budget)
    device = check_device(device)
    seed = _check_int(seed, "--seed", lo=0, hi=MAX_SEED)
    n = (
        bud.n_interactions
        if n_interactions is None
        else _check_int(n_interactions, "--interactions", lo=1, hi=1000)
    )
    out_path = check_out_dir(out, tool="iseg run") if out is not None else None
    dev = resolve_device(device)
    d = load_data(data, bud, seed, synthetic=pipe.synthetic, label=label)
    if announce is not None:
        announce(describe_split({**d.split, "trains": pipe.trains}))
    t_data = time.perf_counter() - t_start
    bar = tqdm(total=1000, disable=not show_progress, leave=False, unit="‰")
    tmp = None
    with signal_cleanup():
        try:
            if out_path is not None:
                tmp = make_tmp(out_path)
            config = run_config(pipe, data, label, device, budget, seed, n)
            return _execute(
                pipe, d, bud, dev, config, tmp, out_path, progress, cancel, bar, t_start, t_data
            )
        finally:
            bar.close()
            if tmp is not None and tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip(".")
    return keep or "volume"


def _segmentation_names(volumes: list[str]) -> list[str]:
    """``segmentation/<volume>.nii.gz`` per volume, distinct even where two names differ
    only in characters a file name cannot hold."""
    out: list[str] = []
    for k, v in enumerate(volumes):
        rel = f"segmentation/{_safe_name(v)}.nii.gz"
        out.append(rel if rel not in out else f"segmentation/{_safe_name(v)}_{k}.nii.gz")
    return out


def _compare(res: PipelineResult, ctx: Context, d, n: int) -> dict[str, Any]:
    """The classical baselines under the leaf's protocol and every final result on the
    input grid."""
    from ..metrics import dice
    from ._baselines import run_baselines
    from ._protocols import click_protocol

    protocol = res.protocol or click_protocol("R1", user="R1")
    n_b = res.protocol_n if res.protocol is not None and res.protocol_n else n
    base = run_baselines(protocol, ctx, d.eval_raw, n=n_b)
    finals = {
        "leaf": [
            to_input_grid(t.steps[-1].pred, g)
            for t, g in zip(res.trajectories, d.eval_input, strict=True)
        ]
    }
    for name, b in base.items():
        finals[name] = [
            to_input_grid(p, g) for p, g in zip(b.pop("final_preds"), d.eval_input, strict=True)
        ]
    dice_in = {
        k: [float(dice(p, g["label"])) for p, g in zip(v, d.eval_input, strict=True)]
        for k, v in finals.items()
    }
    note = (
        f"{protocol.name}, {n_b} rounds"
        if res.protocol is not None
        else f"R1 clicks, {n_b} rounds (the leaf itself has no interactions at application)"
    )
    return {
        "baselines": base,
        "baseline_protocol": note,
        "final_dice_input_grid": dice_in,
        "_finals": finals,
    }


def describe_split(split: dict) -> str:
    """One line saying what was trained on and what was evaluated."""
    if split.get("trains") is False:
        return (
            f"{split.get('kind')}: nothing trained before application (the leaf learns "
            f"from the interactions only); evaluated on [{split.get('eval')}]"
        )
    train = split.get("train") or []
    shown = ", ".join(train[:8]) + (f", ... ({len(train)} in all)" if len(train) > 8 else "")
    return f"{split.get('kind')}: trained on [{shown}]; evaluated on [{split.get('eval')}]"


def _execute(
    pipe, d, bud, dev, config, tmp, out_path, progress, cancel, bar, t_start, t_data
) -> RunOutput:
    """Run the pipeline and write its outputs (options already validated)."""
    import torch

    seed, n = config["seed"], config["interactions"]
    ctx = Context(
        train=d.train,
        eval=d.eval,
        budget=bud,
        device=dev,
        seed=int(seed),
        workdir=tmp,
        n_interactions=n,
        same_volume=d.same_volume,
        progress=progress,
        cancel=cancel,
        _bar=bar,
    )
    torch.manual_seed(seed)
    ctx.report(0.0, f"{pipe.id}: start")
    t0 = time.perf_counter()
    res = pipe.run(ctx)
    t_run = time.perf_counter() - t0
    ctx.report(0.9, "classical baselines")
    t1 = time.perf_counter()
    comparison = _compare(res, ctx, d, n)
    finals = comparison.pop("_finals")
    t_base = time.perf_counter() - t1
    split = {**d.split, "trains": pipe.trains}
    if not pipe.trains:
        split["note"] = "this leaf trains nothing before application"
    metrics = {
        "pipeline": pipe.id,
        "leaf": pipe.leaf,
        "summary": pipe.summary,
        "curve_kind": res.curve_kind,
        **interactive_metrics(res, n),
        "guidance": res.guidance_name,
        "evaluation": res.evaluation,
        "split": split,
        "split_text": describe_split(split),
        **comparison,
        "data": {
            "source": d.source,
            "n_train": len(d.train),
            "n_eval": len(d.eval),
            "same_volume": False,
            "volumes": d.preprocessing,
        },
        "budget": bud.to_dict(),
        "device": str(dev),
        "seed": int(seed),
        "config": config,
        "timings": {
            "data_s": t_data,
            "run_s": t_run,
            "baselines_s": t_base,
            **res.timings,
            "total_s": time.perf_counter() - t_start,
        },
        "versions": run_versions(),
        "torch_threads": torch.get_num_threads(),
        **res.extra,
    }
    ctx.report(0.99, "writing outputs")
    segmentations: list[Path] = []
    if tmp is not None:
        write_report(tmp, metrics, res, config, f"{pipe.leaf} {pipe.id}")
        seg = tmp / "segmentation"
        seg.mkdir()
        names = _segmentation_names([g["name"] for g in d.eval_input])
        for pred, g, rel in zip(finals["leaf"], d.eval_input, names, strict=True):
            write_segmentation(pred, g["affine"], tmp / rel)
        finish(tmp, out_path, tool="iseg run")
        segmentations = [out_path / rel for rel in names]
    if progress is not None:
        progress(1.0, "done")
    return RunOutput(metrics, res, out_path, segmentations)
