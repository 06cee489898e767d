"""CLI start-up time: ``iseg --help`` against ``python -c pass`` (issue 15 item 4).

Both commands run with the same interpreter (``sys.executable``, no pyenv shim; ``iseg`` is
the installed console script next to it), interleaved
(A, B, A, B, ...) after one warm-up run each; the result is the median with min-max and the
ratio of the medians.  Usage::

    python bench/cli_startup.py [--repeats 31] [--out bench/results/cli_startup_cpu.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

_SCRIPT = Path(sys.executable).with_name("iseg")  # the installed console script
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "iseg --help": (
        [sys.executable, str(_SCRIPT), "--help"]
        if _SCRIPT.is_file()
        else [
            sys.executable,
            "-c",
            "import sys; from app.cli import main; sys.exit(main())",
            "--help",
        ]
    ),
}


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=31)
    ap.add_argument("--out", help="also write the result as JSON to this file")
    args = ap.parse_args(argv)
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for cmd in COMMANDS.values():
        _time(cmd)  # warm-up (file-system cache)
    for _ in range(args.repeats):
        for name, cmd in COMMANDS.items():
            times[name].append(_time(cmd))
    res: dict = {
        "repeats": args.repeats,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0],
    }
    for name, t in times.items():
        res[name] = {
            "median_ms": round(statistics.median(t) * 1e3, 1),
            "min_ms": round(min(t) * 1e3, 1),
            "max_ms": round(max(t) * 1e3, 1),
        }
    res["ratio_of_medians"] = round(
        res["iseg --help"]["median_ms"] / res["python -c pass"]["median_ms"], 2
    )
    text = json.dumps(res, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
