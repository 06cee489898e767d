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
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP_ENTRYPOINT),
        "--server.port",
        str(args.port),
        "--server.headless",
        str(args.headless).lower(),
        "--browser.gatherUsageStats",
        "false",
        # Errors are rendered by the pages as messages; never show tracebacks.
        "--client.showErrorDetails",
        "none",
        # Uploads (NIfTI/NRRD pairs on "Run a pipeline") are capped here, in MB.
        "--server.maxUploadSize",
        str(args.max_upload_mb),
        "--server.fileWatcherType",
        "none",
        # no "Deploy" button: the app runs locally
        "--client.toolbarMode",
        "minimal",
    ]
    if args.address:
        cmd += ["--server.address", args.address]
    return subprocess.call(cmd)


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register ``iseg app``."""
    p = sub.add_parser("app", help="start the Streamlit app")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--headless", action="store_true", help="do not open a browser")
    p.add_argument("--address", default=None, help="address to bind (default: Streamlit's)")
    p.add_argument(
        "--max-upload-mb", type=int, default=64, help="largest accepted upload in MB (default: 64)"
    )
    p.set_defaults(func=_run_app)
