"""GPU-first reference implementations: guidance signals, robot users, metrics, SW-FastEdit
and one runnable pipeline per taxonomy leaf.  Importing this package never needs CuPy or
a GPU; see the sub-packages for the public API."""

from typing import TYPE_CHECKING

from ._lazy import lazy_exports

if TYPE_CHECKING:  # static analysis sees the eager imports
    from .interactions import BACKGROUND, FOREGROUND, Box, Click, Polygon, Scribble
    from .session import InteractiveSession

__all__ = ["Click", "Scribble", "Box", "Polygon", "FOREGROUND", "BACKGROUND", "InteractiveSession"]

# Lazy (PEP 562): ``iseg --help`` imports every ``reference_impl.*.cli`` and thereby this
# package; ``interactions`` imports numpy, which the parser does not need.
__getattr__, __dir__ = lazy_exports(
    __name__, {**dict.fromkeys(__all__, "interactions"), "InteractiveSession": "session"}
)
