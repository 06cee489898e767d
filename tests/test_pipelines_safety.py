"""Issue 14 on the pipeline paths: nothing lost, nothing left behind, exit 2 before any work.

``iseg run --out`` never deletes what iseg did not create, refuses the current/home folder,
leaves no ``.NAME.tmp-*`` folder after SIGTERM or a refused seed, creates folders with the
ordinary permissions, and every bad option or config fails with exit 2 and a message that
names it -- before any data is read or a model is built.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.cli import main
from reference_impl.evaluation.output import RUN_MARKER as MARKER
from reference_impl.evaluation.output import check_out_dir, finish, make_tmp
from reference_impl.pipelines import run_pipeline

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if any data is read or any model built."""

    def boom(*a, **k):
        raise AssertionError("data were read before the options were validated")

    import reference_impl.pipelines._runner as runner

    monkeypatch.setattr(runner, "load_data", boom)


def _user_folder(tmp_path) -> Path:
    d = tmp_path / "thesis"
    (d / "figures").mkdir(parents=True)
    (d / "main.tex").write_text("\\documentclass{article}")
    (d / "figures" / "a.txt").write_text("keep me")
    return d


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def test_existing_user_folder_is_refused_and_kept(tmp_path, capsys, no_work):
    d = _user_folder(tmp_path)
    with pytest.raises(ValueError, match="not written by iseg run"):
        run_pipeline("T3.1", out=d, show_progress=False)
    assert main(["run", "--leaf", "T3.1", "--out", str(d), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "--out" in err and "Traceback" not in err
    assert (d / "main.tex").read_text() == "\\documentclass{article}"
    assert (d / "figures" / "a.txt").read_text() == "keep me"
    assert _leftovers(tmp_path) == []


def test_cwd_home_and_root_are_refused(tmp_path, monkeypatch, capsys, no_work):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # empty, yet still refused: it is the current folder
    for target in (".", "~", str(home), "/", str(tmp_path)):
        assert main(["run", "--leaf", "T3.1", "--out", target, "--quiet"]) == 2, target
        assert "refusing to write a run into" in capsys.readouterr().err
    assert list(work.iterdir()) == [] and list(home.iterdir()) == []


def test_out_under_a_file_and_out_a_file(tmp_path, capsys, no_work):
    f = tmp_path / "notes.txt"
    f.write_text("x")
    assert main(["run", "--leaf", "T3.1", "--out", str(f / "run"), "--quiet"]) == 2
    assert f"{f} is a file" in capsys.readouterr().err
    assert main(["run", "--leaf", "T3.1", "--out", str(f), "--quiet"]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err
    assert f.read_text() == "x"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--device", "quantum"], "--device 'quantum'"),
        (["--seed", "-1"], "--seed must be in"),
        (["--seed", str(2**70)], "--seed must be in"),
        (["--interactions", "0"], "--interactions must be in"),
        (["--budget", "huge"], "invalid choice"),
    ],
)
def test_bad_options_exit_2_before_any_work(tmp_path, capsys, no_work, argv, message):
    out = tmp_path / "o"
    with pytest.raises(SystemExit) if "--budget" in argv else _nothing():
        code = main(["run", "--leaf", "T3.1", "--out", str(out), "--quiet", *argv])
        assert code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists() and _leftovers(tmp_path) == []


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize(
    "text, message",
    [
        ("pipeline: [a, b]\n", "'pipeline' must be a string"),
        ("pipeline: T3.1\nseed: 1.7\n", "'seed' must be an integer, got 1.7"),
        ("pipeline: T3.1\nseed: true\n", "'seed' must be an integer, got True"),
        ("pipeline: T3.1\ninteractions: 2.5\n", "'interactions' must be an integer"),
        ("pipeline: T3.1\n  seed: [\n", "not valid YAML"),
        ("- just a list\n", "not a pipeline config"),
        ("pipeline: T3.1\nrm: -rf\n", "unknown keys ['rm']"),
    ],
)
def test_bad_configs_exit_2_naming_the_file(tmp_path, capsys, no_work, text, message):
    cfg = tmp_path / "config.yaml"
    cfg.write_text(text)
    assert main(["run", "--config", str(cfg), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(cfg) in err and "Traceback" not in err


def test_seed_types_refused_in_python(tmp_path, no_work):
    for seed in (1.7, True, 2**64):
        with pytest.raises(ValueError, match="--seed"):
            run_pipeline("T3.1", seed=seed, out=tmp_path / "o", show_progress=False)
    assert list(tmp_path.iterdir()) == []


def test_tmp_folder_permissions_marker_and_replacing_an_iseg_run(tmp_path):
    out = tmp_path / "run"
    check_out_dir(out, tool="iseg run")
    tmp = make_tmp(out)
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp.stat().st_mode & 0o777) == (0o777 & ~umask)  # not mkdtemp's 0700
    (tmp / "metrics.json").write_text("{}")
    finish(tmp, out)
    assert json.loads((out / MARKER).read_text())["files"] == ["metrics.json"]
    assert (
        check_out_dir(out, tool="iseg run") == out.resolve()
    )  # an earlier iseg run may be replaced ...
    (out / "my_notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not written by iseg run"):
        check_out_dir(
            out, tool="iseg run"
        )  # ... but not once the user put a file of their own in it
    tmp2 = make_tmp(out)
    with pytest.raises(ValueError, match="not written by iseg"):
        finish(tmp2, out)
    assert (out / "my_notes.txt").read_text() == "mine"


def test_stale_tmp_of_a_killed_run_is_removed(tmp_path):
    out = tmp_path / "run"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = tmp_path / f".run.tmp-{dead}-abcd1234"
    stale.mkdir()
    (stale / "metrics.json").write_text("{}")
    other = tmp_path / ".run.tmp-notapid"  # not ours: left alone
    other.mkdir()
    tmp = make_tmp(out)
    assert not stale.exists() and other.exists() and tmp.exists()


@pytest.mark.slow
def test_sigterm_leaves_no_temporary_folder(tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.cli",
            "run",
            "--leaf",
            "T2.1.2.2.1",
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while time.time() < deadline and not _leftovers(tmp_path):
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    assert _leftovers(tmp_path), f"no temporary folder; rc={proc.poll()}"
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=240)  # the handler runs once the current C call returns
    finally:
        if proc.poll() is None:
            proc.kill()
    err = proc.stderr.read().decode(errors="replace")[-2000:]
    assert code == 128 + signal.SIGTERM, err
    assert _leftovers(tmp_path) == [] and not out.exists(), err


@pytest.mark.slow
def test_rerun_into_the_same_iseg_folder(tmp_path, capsys):
    out = tmp_path / "run"
    for _ in range(2):
        assert (
            main(["run", "--leaf", "T3.1", "--interactions", "1", "--out", str(out), "--quiet"])
            == 0
        )
    capsys.readouterr()
    files = json.loads((out / MARKER).read_text())["files"]
    assert "metrics.json" in files and _leftovers(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert (out.stat().st_mode & 0o777) == (0o777 & ~umask)
