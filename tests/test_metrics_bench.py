"""``iseg bench metrics``: hd95/NSD vs MONAI on the bundled CT organs (same values)."""

from __future__ import annotations

import json

from app.cli import main


def test_bench_metrics_cli_same_values_as_monai(tmp_path, shared_data, capsys):
    out = tmp_path / "m.json"
    assert main(["bench", "metrics", "--repeats", "1", "--max-organs", "2", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["n_organs"] == 2
    for metric in ("hd95", "nsd"):
        s = res["summary"][metric]
        assert s["max_abs_value_diff"] < 1e-6 and s["ratio_monai_over_ours"] > 0
    for row in res["organs"].values():
        assert (
            row["ours_hd95"]["min_s"] <= row["ours_hd95"]["median_s"] <= row["ours_hd95"]["max_s"]
        )
    assert "MONAI/ours" in capsys.readouterr().out


def test_docs_quote_the_committed_metrics_results():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    res = json.loads((root / "bench" / "results" / "metrics_cpu.json").read_text())
    doc = (root / "docs" / "metrics.md").read_text()
    assert res["command"] in doc
    for metric in ("hd95", "nsd"):
        s = res["summary"][metric]
        assert f"**{s['ratio_monai_over_ours']:.2f}**" in doc
        assert s["ratio_monai_over_ours"] >= 1.0 and s["max_abs_value_diff"] < 1e-6
