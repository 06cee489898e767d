"""The one error type the knowledge base raises for bad data."""

from __future__ import annotations

from pathlib import Path

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
