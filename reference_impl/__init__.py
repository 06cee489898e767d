"""GPU-first reference implementations: guidance signals, robot users, metrics, SW-FastEdit
and one runnable pipeline per taxonomy leaf.  Importing this package never needs CuPy or
a GPU; see the sub-packages for the public API."""

from .interactions import BACKGROUND, FOREGROUND, Box, Click, Polygon, Scribble

__all__ = ["Click", "Scribble", "Box", "Polygon", "FOREGROUND", "BACKGROUND"]
