"""The one error type the knowledge base raises for bad data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["KBValidationError"]


class KBValidationError(ValueError):
    """A knowledge-base file failed to parse or validate.

    The message always names the file, the entry id (when known) and the field path,
    e.g. ``kb/data/methods/deepcut.yaml: entry 'deepcut': field 'year': ...``.
    """

    def __init__(self, file: str | Path, entry: str | None, field: str | None, message: str):
        self.file = str(file)
        self.entry = entry
        self.field = field
        parts = [self.file]
        if entry is not None:
            parts.append(f"entry {entry!r}")
        if field is not None:
            parts.append(f"field {field!r}")
        super().__init__(": ".join(parts) + f": {message}")


def _error_text(err: Any) -> str:
    """Pydantic's message of one error plus the received value when it is a scalar."""
    value = err.get("input")
    if err.get("type") == "missing" or not isinstance(value, str | int | float | bool | None):
        return err["msg"]
    return f"{err['msg']}; got {value!r}"
