"""Time ``iseg methods --format json`` against a bare ``kb.load_kb()`` (issue 15 item 4).

``python -m kb.tools.bench_methods_cli --runs 11 --out bench/results/kb_methods_cli_cpu.json``
runs both as fresh processes, interleaved (the order alternates every round, so drifting
machine load hits both sides alike), and reports medians with min-max and the ratio.
The bound of issue 15 is ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["measure", "main"]

BARE = [sys.executable, "-c", "import kb; kb.load_kb()"]
CLI = [sys.executable, "-m", "app.cli", "methods", "--format", "json"]


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def measure(runs: int = 11) -> dict[str, object]:
    """Interleaved wall times (s) of both commands; medians, min-max and the ratio."""
    times: dict[str, list[float]] = {"load_kb": [], "methods_json": []}
    _time(BARE), _time(CLI)  # warm-up: file cache and .pyc files
    for i in range(runs):
        order = [("load_kb", BARE), ("methods_json", CLI)]
        for name, cmd in order if i % 2 == 0 else order[::-1]:
            times[name].append(_time(cmd))
    out: dict[str, object] = {
        "commands": {"load_kb": " ".join(BARE[1:]), "methods_json": "iseg " + " ".join(CLI[3:])},
        "runs": runs,
        "load_average_1min": os.getloadavg()[0],
    }
    for name, ts in times.items():
        out[name] = {"median_s": statistics.median(ts), "min_s": min(ts), "max_s": max(ts)}
    med = {k: statistics.median(v) for k, v in times.items()}
    out["ratio_median"] = med["methods_json"] / med["load_kb"]
    return out


def main(argv: list[str] | None = None) -> int:
    """Run :func:`measure` and print (and optionally write, atomically) the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be >= 1, got {args.runs}")
    result = json.dumps(measure(args.runs), indent=2)
    print(result)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=args.out.parent, delete=False) as fh:
            fh.write(result + "\n")
        os.replace(fh.name, args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
