"""``iseg app``: start the Streamlit app on the bundled knowledge base and sample data."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

__all__ = ["register", "APP_ENTRYPOINT"]

APP_ENTRYPOINT = Path(__file__).with_name("streamlit_app.py")


def _run_app(args: argparse.Namespace) -> int:
    if not APP_ENTRYPOINT.exists():
        print(f"error: the app entry point {APP_ENTRYPOINT} is missing", file=sys.stderr)
        return 2
    cmd = [sys.executable, "-m", "streamlit", "run", str(APP_ENTRYPOINT),
           "--server.port", str(args.port), "--server.headless", str(args.headless).lower(),
           "--browser.gatherUsageStats", "false"]
    return subprocess.call(cmd)


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg app``."""
    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.set_defaults(func=_run_app)
