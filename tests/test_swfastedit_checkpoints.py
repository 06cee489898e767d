"""Checkpoint safety of SW-FastEdit training (issue 14): weights-only loads, atomic saves,
resume checks (final model, finished run, other data / seed / learning rate), strict seeds."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from reference_impl.phantoms import make_phantoms
from reference_impl.swfastedit.checkpoint_io import atomic_save
from reference_impl.swfastedit.model import UNetConfig
from reference_impl.swfastedit.training import TrainConfig, load_checkpoint, train

ROOT = Path(__file__).resolve().parents[1]
TINY = {
    "crop_size": (16, 16, 16),
    "roi_size": (16, 16, 16),
    "lr": 3e-3,
    "net": UNetConfig(width=2, levels=3).to_dict(),
    "n_iterations": 1,
}


@pytest.fixture(autouse=True)
def _one_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished 1-epoch run: (folder, volumes, config)."""
    out = tmp_path_factory.mktemp("run")
    vols = make_phantoms(2, (16, 24, 24), rng=1)
    cfg = TrainConfig(epochs=1, **TINY)
    train(vols, cfg, out_dir=out, log=lambda _: None)
    return out, vols, cfg


class _Boom:
    """Unpickling this runs code: a weights-only load must refuse it."""

    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_crafted_checkpoint_is_refused_not_executed(tmp_path):
    bad = tmp_path / "evil.pt"
    torch.save({"config": {}, "model": _Boom()}, bad)
    with pytest.raises(ValueError, match=re.escape(f"{bad}: not a readable checkpoint")):
        load_checkpoint(bad)
    vols = make_phantoms(1, (16, 24, 24), rng=1)
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        train(vols, TrainConfig(epochs=1, **TINY), out_dir=tmp_path / "o", resume=bad)


def test_no_weights_only_false_anywhere():
    for p in (ROOT / "reference_impl").rglob("*.py"):
        text = p.read_text()
        assert "weights_only=False" not in text, p
        for m in re.finditer(r"torch\.load\(([^)]*)\)", text):
            assert "weights_only=True" in m.group(1), (p, m.group(0))


def test_atomic_save_keeps_the_previous_file_when_killed(tmp_path):
    """SIGKILL in the middle of a save leaves the previous good checkpoint readable."""
    target = tmp_path / "last.pt"
    atomic_save({"epoch": 1, "w": torch.zeros(3)}, target)
    script = textwrap.dedent(f"""
        import os, signal, torch
        from reference_impl.swfastedit import checkpoint_io
        real = torch.save
        def slow_save(obj, fh, *a, **k):
            fh.write(b"partial")
            fh.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        torch.save = slow_save
        checkpoint_io.atomic_save({{"epoch": 2}}, {str(target)!r})
    """)
    res = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert res.returncode == -signal.SIGKILL
    ck = torch.load(target, weights_only=True)
    assert ck["epoch"] == 1 and torch.equal(ck["w"], torch.zeros(3))


def test_atomic_save_leaves_no_temp_file_on_error(tmp_path):
    with pytest.raises(Exception):  # noqa: B017 - any pickling error
        atomic_save({"f": lambda: 0}, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_resume_a_final_model_is_refused(run, tmp_path):
    out, vols, cfg = run
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{out / 'model.pt'}: a final model (weights only) "
            "cannot be resumed; pass the run's last.pt"
        ),
    ):
        train(vols, cfg, out_dir=tmp_path, resume=out / "model.pt")
    assert not any(tmp_path.iterdir())


def test_resume_a_finished_run_writes_nothing(run, tmp_path):
    out, vols, cfg = run
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    lines: list[str] = []
    meta = train(vols, cfg, out_dir=out, resume=out / "last.pt", log=lines.append)
    assert meta["finished_before"] is True and meta["epoch"] == 1
    assert "already finished (1 of 1 epochs)" in lines[0]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


@pytest.mark.parametrize(("change", "name"), [({"seed": 1}, "seed"), ({"lr": 1e-2}, "lr")])
def test_resume_with_other_settings_names_them(run, tmp_path, change, name):
    out, vols, cfg = run
    other = TrainConfig(epochs=2, **{**TINY, **change})
    with pytest.raises(
        ValueError, match=rf"cannot resume with other settings: {name} \(checkpoint"
    ):
        train(vols, other, out_dir=tmp_path, resume=out / "last.pt")


def test_resume_with_other_data_is_refused(run, tmp_path):
    out, _, cfg = run
    other = make_phantoms(2, (16, 24, 24), rng=2)
    with pytest.raises(ValueError, match="cannot resume with other data: data fingerprint"):
        train(other, TrainConfig(epochs=2, **TINY), out_dir=tmp_path, resume=out / "last.pt")


@pytest.mark.parametrize("seed", [1.7, True, -1, "1"])
def test_seed_must_be_an_integer(seed):
    with pytest.raises(
        ValueError, match=re.escape(f"seed must be a non-negative integer, got {seed!r}")
    ):
        TrainConfig(seed=seed)


def test_cli_resume_errors_exit_2(run, tmp_path, capsys):
    from app.cli import main

    out, _, _ = run
    args = [
        "train",
        "--data",
        "synthetic",
        "--n-synthetic",
        "2",
        "--synthetic-shape",
        "16,24,24",
        "--epochs",
        "1",
        "--crop-size",
        "16",
        "--roi-size",
        "16",
        "--width",
        "2",
        "--levels",
        "3",
        "--n-iterations",
        "1",
        "--lr",
        "3e-3",
        "--out",
        str(tmp_path / "o"),
        "--threads",
        "1",
    ]
    assert main([*args, "--resume", str(out / "model.pt")]) == 2
    assert "a final model (weights only) cannot be resumed" in capsys.readouterr().err
    assert main([*args, "--seed", "5", "--resume", str(out / "last.pt")]) == 2
    err = capsys.readouterr().err
    assert "cannot resume with other" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exc:
        main([*args, "--seed", "1.7"])
    assert exc.value.code == 2
