"""``iseg``  sub-commands of the kb package (placeholder until the package lands)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction, bench: argparse._SubParsersAction) -> None:
    """Register this package's sub-commands (none yet)."""
