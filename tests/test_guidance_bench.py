"""``iseg bench guidance``: the CLI is registered, the benchmark agrees with its references,
and docs/guidance.md quotes the committed CPU results file verbatim."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from app.cli import build_parser, main
from reference_impl.guidance.bench import format_markdown, run_benchmark

ROOT = Path(__file__).resolve().parents[1]


def test_cli_registers_bench_guidance():
    args = build_parser().parse_args(
        ["bench", "guidance", "--device", "cpu", "--shape", "8,9,10", "--clicks", "2"]
    )
    assert args.shape == (8, 9, 10) and args.clicks == 2 and args.device == "cpu"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["bench", "guidance", "--shape", "8,9"])
    for kw, msg in [({"repeats": 0}, "repeats must be an integer >= 1, got 0"),
                    ({"n_clicks": -1}, "n_clicks must be an integer >= 1, got -1")]:  # fmt: skip
        with pytest.raises(ValueError, match=re.escape(msg)):
            run_benchmark(shape=(4, 4, 4), device="cpu", **kw)


def test_benchmark_signals_match_naive_references():
    res = run_benchmark(
        shape=(12, 16, 14),
        n_clicks=2,
        repeats=2,
        device="cpu",
        memory_shape=(10, 12, 14),
        dijkstra_size=12,
    )
    assert set(res["signals"]) >= {"gaussian_heatmap", "gdt", "adaptive_heatmap", "edt"}
    for row in res["signals"].values():  # both sides warmed up, then interleaved runs
        assert row["ours"]["runs"] == row["naive"]["runs"] == 2
        assert row["ours"]["min_s"] <= row["ours"]["median_s"] <= row["ours"]["max_s"]
    g64 = res["gdt_vs_dijkstra_64"]
    assert g64["max_abs_error"] < 1e-4 and g64["shape"] == [12, 12, 12]
    mem = res["gdt_memory"]
    assert mem["voxels"] == 10 * 12 * 14 and mem["warnings"] == [] and mem["rounds"] >= 1
    for key, row in res["signals"].items():
        assert row["max_abs_diff"] is not None, key
        tol = 1e-4 if key in ("edt", "gdt") else 1e-5  # distances in mm vs float32
        assert row["max_abs_diff"] < tol, (key, row["max_abs_diff"])
    assert res["gdt_vs_dijkstra"]["max_abs_error"] < 1e-4
    assert len(format_markdown(res).splitlines()) == len(res["signals"]) + 2


def test_docs_quote_the_committed_cpu_results():
    res = json.loads((ROOT / "bench" / "results" / "guidance_cpu.json").read_text())
    doc = (ROOT / "docs" / "guidance.md").read_text()
    assert format_markdown(res) in doc
    g = res["gdt_vs_dijkstra"]
    assert f"{g['max_abs_error']:.1e}" in doc and f"{g['max_rel_error']:.1e}" in doc
    assert re.search(re.escape(res["command"]), doc)
    g64 = res["gdt_vs_dijkstra_64"]
    assert g64["max_abs_error"] <= 1e-4 and f"{g64['max_abs_error']:.1e}" in doc
    sc = json.loads((ROOT / "bench" / "results" / "scribbles_cpu.json").read_text())
    assert sc["command"] in doc and f"{sc['ratio_ours_over_scipy']:.2f}" in doc
    assert sc["identical"] and sc["ratio_ours_over_scipy"] <= 1.2


def test_docs_quote_the_committed_gdt_memory_run():
    res = json.loads((ROOT / "bench" / "results" / "gdt_memory_cpu.json").read_text())
    doc = (ROOT / "docs" / "guidance.md").read_text()
    assert res["command"] in doc and f"{res['bytes_per_voxel']:.1f} bytes per voxel" in doc
    assert res["shape"] == [400, 400, 352] and res["warnings"] == []
    assert res["bytes_per_voxel"] <= 64


def test_cli_rejects_bad_counts_naming_the_flag(capsys):
    from app.cli import main

    assert main(["bench", "guidance", "--device", "cpu", "--clicks", "0"]) == 2
    assert "--clicks must be >= 1, got 0" in capsys.readouterr().err


def test_machine_names_the_gpu_and_cuda_results_file(monkeypatch, tmp_path):
    """A CUDA run records the GPU's name and writes bench/results/guidance_cuda.json."""
    import torch

    from reference_impl.guidance import bench

    monkeypatch.setattr(torch.cuda, "get_device_name", lambda dev=None: "NVIDIA H200")
    info = bench._machine(torch.device("cuda"))
    assert info["gpu"] == "NVIDIA H200" and info["device"] == "cuda"
    assert info["gdt_cuda_graphs"] is True
    monkeypatch.setenv("ISEG_GDT_CUDA_GRAPHS", "0")
    assert bench._machine(torch.device("cuda"))["gdt_cuda_graphs"] is False
    assert "gpu" not in bench._machine(torch.device("cpu"))
    args = build_parser().parse_args(["bench", "guidance", "--device", "cuda"])
    assert args.shape == (400, 400, 352) and args.clicks == 10 and args.out is None
    assert args.naive_max_voxels < 400 * 400 * 352  # no full-volume Dijkstra at that size


def test_bench_scribbles_identical_to_scipy_label(tmp_path, capsys):
    out = tmp_path / "s.json"
    assert (
        main(
            [
                "bench",
                "scribbles",
                "--shape",
                "12,24,24",
                "--points",
                "4",
                "--repeats",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    res = json.loads(out.read_text())
    assert res["identical"] is True and res["region_voxels"] > res["n_points"]
    assert res["ours"]["runs"] == res["scipy_label"]["runs"] == 1
    assert "identical True" in capsys.readouterr().out


def test_bench_gdt_memory_cli(tmp_path, capsys):
    out = tmp_path / "g.json"
    assert (
        main(["bench", "gdt-memory", "--shape", "8,10,12", "--clicks", "2", "--out", str(out)]) == 0
    )
    res = json.loads(out.read_text())
    assert res["voxels"] == 960 and res["channels"] == 2 and res["warnings"] == []
    assert res["peak_rss_kb"] >= res["rss_before_kb"] > 0 and res["rounds"] >= 1
    assert "B/voxel peak" in capsys.readouterr().out
