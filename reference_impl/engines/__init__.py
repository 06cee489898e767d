"""Interactive segmentation engines behind one contract (:class:`Engine`).

Built-in names: ``random-walker``, ``geodesic``, ``ball-floor`` (classical baselines, no
training) and ``shipped`` (the packaged click model); leaf pipelines may add more.
"""

from __future__ import annotations

import importlib

from .base import Engine, available_engines, get_engine, register_engine

__all__ = ["Engine", "get_engine", "register_engine", "available_engines"]

# modules that register engines on import (heavy ones are imported only when asked for)
_ENGINE_MODULES = (
    "reference_impl.engines.classical",
    "reference_impl.engines.shipped",
    "reference_impl.pipelines.engines",
)


def _ensure_registered() -> None:
    for mod in _ENGINE_MODULES:
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:  # a module still being written
            if exc.name != mod:
                raise
