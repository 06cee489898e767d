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
        assert row["ours_hd95"]["min_s"] <= row["ours_hd95"]["median_s"] <= row["ours_hd95"]["max_s"]
    assert "MONAI/ours" in capsys.readouterr().out
