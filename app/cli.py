"""The single ``iseg`` command line.

Each package registers its own sub-commands through a ``register(subparsers, bench)``
function in the module listed in :data:`_COMMAND_MODULES`; ``bench`` is the sub-parser
group of ``iseg bench``.  Handlers receive the parsed ``argparse.Namespace`` and return
an exit code.  Heavy imports (torch, MONAI, Streamlit) happen inside the handlers so
that ``iseg --help`` and the knowledge-base commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

__all__ = ["build_parser", "main"]

_COMMAND_MODULES = (
    "kb.cli",
    "taxonomy.cli",
    "recommender.cli",
    "reference_impl.guidance.cli",
    "reference_impl.robot_users.cli",
    "reference_impl.metrics.cli",
    "reference_impl.swfastedit.cli",
    "reference_impl.pipelines.cli",
    "reference_impl.evaluation.cli",
    "app.launch",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the ``iseg`` parser with every package's sub-commands registered."""
    parser = argparse.ArgumentParser(
        prog="iseg",
        description="iseg-navigator: find, understand and run interactive medical "
        "image segmentation methods (knowledge base, taxonomy, recommender, "
        "reference implementations, app).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench_parser = sub.add_parser("bench", help="run a benchmark (results under bench/results/)")
    bench = bench_parser.add_subparsers(dest="bench_target", metavar="TARGET")
    bench_parser.set_defaults(func=lambda _args: (bench_parser.print_help(), 2)[1])
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(sub, bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``iseg`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # output piped into e.g. `head`: stop quietly, as other command-line tools do
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return 0
    except (ValueError, FileNotFoundError) as exc:
        # Bad input is reported as a message, never a traceback.
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
