"""bench/candidate_rule.py: the three-table rule passes only when all three scores are
strictly above the shipped model's, the validation file keeps the candidate's records only,
and bad input exits 2 without writing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import candidate_rule  # noqa: E402


def _rec(target, user, engine, d10):
    return {"target": target, "user": user, "engine": engine, "dice": [0.0, d10]}


@pytest.fixture
def files(tmp_path):
    torch = pytest.importorskip("torch")
    ck = tmp_path / "cand.pt"
    torch.save({"step": 500, "on_policy_round": 1, "metrics": [{"step": 0}], "model": {}}, ck)
    choice = tmp_path / "choice.json"
    choice.write_text(json.dumps({"results": [{"candidate": "cand", "overall": 0.75}]}))
    mr = tmp_path / "mr.json"
    mr.write_text(
        json.dumps(
            [
                _rec("a", "R1", "cand", 0.9),
                _rec("b", "R1", "cand", 0.7),
                _rec("a", "R4", "cand", 0.1),  # R4 does not count
                _rec("a", "R1", "shipped", 0.99),  # another engine does not count
            ]
        )
    )
    cta = tmp_path / "cta.json"
    cta.write_text(json.dumps({"records": [_rec("c", "R1", "cand", 0.7)]}))
    return ck, choice, mr, cta


def _argv(files, out, thresholds):
    ck, choice, mr, cta = files
    return [
        "--name", "cand", "--checkpoint", str(ck), "--choice", str(choice),
        "--mr", str(mr), "--cta", str(cta), "--thresholds", thresholds,
        "--command", "python -m reference_impl.swfastedit.train_shipped --out X --prior random-walker",
        "--out", str(out),
    ]  # fmt: skip


def test_passes_only_strictly_above_all_three(files, tmp_path, capsys):
    out = tmp_path / "v.json"
    assert candidate_rule.main(_argv(files, out, "0.74,0.79,0.69")) == 0
    d = json.loads(out.read_text())
    assert d["passes"] is True
    assert d["scores"] == pytest.approx({"organs": 0.75, "mr": 0.8, "cta": 0.7})
    assert {r["engine"] for r in d["fresh_mr"] + d["fresh_cta"]} == {"cand"}
    assert len(d["fresh_mr"]) == 3
    assert d["training"]["best_step"] == 500
    # equal to the shipped model's MR score is not beating it
    assert candidate_rule.main(_argv(files, out, "0.74,0.8,0.69")) == 1
    assert json.loads(out.read_text())["passes"] is False
    assert "FAILS" in capsys.readouterr().out


def test_bad_input_exits_2_and_writes_nothing(files, tmp_path, capsys):
    out = tmp_path / "v.json"
    assert candidate_rule.main(_argv(files, out, "0.74,0.79")) == 2  # two thresholds
    ck, choice, mr, cta = files
    choice.write_text(json.dumps({"results": [{"candidate": "other", "overall": 0.9}]}))
    assert candidate_rule.main(_argv(files, out, "0.74,0.79,0.69")) == 2
    assert "no results of candidate 'cand'" in capsys.readouterr().err
    assert not out.exists()


def test_brain_only_rule_and_threshold_keys_must_match_the_tables(files, tmp_path, capsys):
    ck, choice, mr, cta = files
    out = tmp_path / "v.json"
    base = [
        "--name", "cand", "--checkpoint", str(ck), "--choice", str(choice),
        "--command", "python -m reference_impl.swfastedit.train_shipped --out X", "--out", str(out),
    ]  # fmt: skip
    # the brain alone (the tenth candidate's rule): mr.json's R1 mean of 'cand' is 0.8
    assert (
        candidate_rule.main([*base, "--brain", str(mr), "--thresholds", "organs=0.74,brain=0.79"])
        == 0
    )
    d = json.loads(out.read_text())
    assert set(d["scores"]) == {"organs", "brain"} and "fresh_mr" not in d
    assert len(d["fresh_brain"]) == 3 and "fresh_brain.py" in d["commands"][-1]
    assert (
        candidate_rule.main([*base, "--brain", str(mr), "--thresholds", "organs=0.76,brain=0.79"])
        == 1
    )
    out.unlink()
    # a threshold without its table, or a table without its threshold: exit 2, nothing written
    assert (
        candidate_rule.main([*base, "--brain", str(mr), "--thresholds", "organs=0.7,mr=0.7"]) == 2
    )
    assert candidate_rule.main([*base, "--mr", str(mr), "--thresholds", "organs=0.7"]) == 2
    assert candidate_rule.main([*base, "--brain", str(mr), "--thresholds", "organs=0.7,x=1"]) == 2
    assert "unknown or repeated table 'x'" in capsys.readouterr().err
    assert not out.exists()
