"""bench/gpu_report.py: docs/gpu.md is what the committed H200 results give, and its verdicts
follow the goals (issue 16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import gpu_report  # noqa: E402


def test_docs_gpu_is_generated_from_the_committed_results():
    assert gpu_report.main(["--check"]) == 0
    for name in ("guidance", "clicksim", "swfastedit"):
        res = json.loads((ROOT / "bench" / "results" / f"{name}_cuda.json").read_text())
        machine = res["machine"]
        assert "H200" in (machine if isinstance(machine, str) else machine["gpu"])


def _guidance(ms: float) -> dict:
    t = {"median_s": ms / 1e3, "min_s": ms / 1e3, "max_s": ms / 1e3, "runs": 1}
    return {"command": "x", "machine": {"gpu": "G"}, "n_clicks_per_label": 10,
            "shape": [4, 4, 4], "repeats": 1, "signals": {"disk": {"ours": t}}}  # fmt: skip


def test_verdicts_follow_the_goals():
    assert "| **met** |" in gpu_report.guidance_table(_guidance(9.9))
    assert "| **not met** |" in gpu_report.guidance_table(_guidance(10.1))
    assert "`gdt` | – | 50 | – | not measured" in gpu_report.guidance_table(_guidance(1.0))


def test_swfastedit_flatness_needs_the_500m_size():
    row = {"shape": [400, 400, 352], "voxels": 56_320_000, "windows_total": 64, "first_s": 0.05,
           "first_peak_gib": 1.0, "corrective_median_s": 0.005, "corrective_min_s": 0.004,
           "corrective_max_s": 0.006, "corrective_peak_gib": 1.0, "global_s": "oom",
           "global_peak_gib": None}  # fmt: skip
    res = {"command": "x", "machine": "G", "network": {"width": 16, "parameters": 1},
           "roi_size": [128, 128, 128], "results": [row]}  # fmt: skip
    _, verdicts = gpu_report.swfastedit_table(res, None)
    text = "\n".join(verdicts)
    assert "≤ 10 ms median: **met**" in text and "not measured above 56 M" in text
    big = dict(row, shape=[800, 800, 780], voxels=499_200_000, corrective_median_s=0.0055)
    _, verdicts = gpu_report.swfastedit_table(dict(res, results=[row, big]), None)
    assert "from 50 M to 500 M voxels: **met**" in "\n".join(verdicts)
