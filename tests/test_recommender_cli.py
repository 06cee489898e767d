"""``iseg recommend`` and ``iseg taxonomy`` as a user runs them: pipes, EOF, --out, --help."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

from app.cli import build_parser, main
from recommender.cli import OPTIONS_HELP
from taxonomy import load_taxonomy
from taxonomy.questions import options_text

_PIPE = "single-session\nnone\nsmall-model-ok\nsingle-patient\n"


def _iseg(args: list[str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )


def test_piped_answers_give_only_a_json_report_leading_to_t31():
    r = _iseg(["recommend", "--format", "json"], _PIPE)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)  # nothing but the report on standard output
    assert data["leaves"] == ["T3.1"] and data["complete"]
    assert data["answers"] == {
        "Q1": "single-session",
        "Q2": "none",
        "Q3": "small-model-ok",
        "Q4": "single-patient",
    }
    assert "Traceback" not in r.stderr


def test_empty_input_and_bad_piped_answer_exit_2_without_traceback():
    r = _iseg(["recommend"], "")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("error: no answers: standard input ended")
    r = _iseg(["recommend"], "single-session\nmaybe\n")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "standard input line 2: 'maybe' is not an option of Q2" in r.stderr


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_ctrl_d_on_a_terminal_ends_cleanly(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", _Tty(""))  # Ctrl-D at the first question
    assert main(["recommend"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and "error: no answers" in cap.err
    monkeypatch.setattr(sys, "stdin", _Tty("multiple-sessions\n"))  # Ctrl-D at Q2
    assert main(["recommend", "--format", "json", "--max-methods", "0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answers"] == {"Q1": "multiple-sessions"} and data["leaves"] == ["T1.1"]


def test_out_writes_the_report_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "rec.json"
    argv = [
        "recommend",
        "--answer",
        "Q2=none",
        "--answer",
        "Q4=single-patient",
        "--format",
        "json",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["leaves"] == ["T3.1"]
    out.write_text("mine")
    assert main(argv) == 2
    assert "file exists" in capsys.readouterr().err and out.read_text() == "mine"
    assert main([*argv, "--force"]) == 0 and json.loads(out.read_text())["leaves"] == ["T3.1"]
    assert [p.name for p in tmp_path.iterdir()] == ["rec.json"]  # no temporary file left
    assert main([*argv[:-1], str(tmp_path / "missing" / "r.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_values_are_case_insensitive(capsys):
    argv = [
        "recommend",
        "--answer",
        "q2=NONE",
        "--answer",
        "Q4=Single-Patient",
        "--interaction",
        "Clicks",
        "--modality",
        "ct",
        "--format",
        "json",
    ]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["leaves"] == ["T3.1"] and d["query"]["modality"] == "CT"
    assert d["query"]["interaction"] == "clicks"


def test_every_option_of_q1_q12_in_help_and_taxonomy(capsys):
    tax = load_taxonomy()
    assert options_text(tax.questions) in OPTIONS_HELP
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    help_text = sub.choices["recommend"].format_help()
    assert main(["taxonomy"]) == 0
    tree = capsys.readouterr().out
    for q in tax.questions.values():
        for o in q.option_ids:
            assert o in help_text, (q.id, o)
            assert o in tree or o == "not-sure", (q.id, o)
    for c in tax.constraints:
        assert f"{c.question}={c.option}" in tree and f"thesis line {c.line}" in tree


@pytest.mark.parametrize("bad", ["--max-methods=-1", "--interaction=wave"])
def test_bad_options_exit_2(bad, capsys):
    assert main(["recommend", "--answer", "Q2=none", bad]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_real_terminal_ctrl_d_mid_questions_reports_without_traceback():
    """In a pseudo-terminal: questions on stderr, Ctrl-D after Q1 ends with the report."""
    import pty
    import select
    import time

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "recommend", "--format", "json", "--max-methods", "0"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    os.close(slave)
    seen, t0 = b"", time.monotonic()

    def read_until(text: bytes) -> None:
        nonlocal seen
        while text not in seen and time.monotonic() - t0 < 120:
            if select.select([master], [], [], 1)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break

    read_until(b"answer (number")
    os.write(master, b"multiple-sessions\n")
    read_until(b"Q2. ")
    os.write(master, b"\x04")  # Ctrl-D
    out, _ = proc.communicate(timeout=120)
    read_until(b"\n")
    os.close(master)
    assert proc.returncode == 0, seen.decode(errors="replace")[-2000:]
    assert b"Traceback" not in seen
    data = json.loads(out)  # only the report on standard output
    assert data["answers"] == {"Q1": "multiple-sessions"} and data["leaves"] == ["T1.1"]
    assert b"Q1. At which stage is an interactive user available?" in seen


def test_closed_stdin_exits_2_without_traceback():
    r = subprocess.run(
        [sys.executable, "-m", "app.cli", "recommend"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        close_fds=True,
        preexec_fn=lambda: os.close(0),
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith("error: no answers")
