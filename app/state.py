"""Session state and cached loaders shared by the app's pages.

Pages stay short: they read cached objects from here (the knowledge base, the method
table, the taxonomy, benchmark results) and keep their own state under keys they own.
Nothing here does domain logic; that lives in ``kb/``, ``taxonomy/``, ``recommender/``
and ``reference_impl/``.
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import streamlit as st

__all__ = [
    "REPO_ROOT",
    "BENCH_DIR",
    "guard",
    "guarded",
    "get_kb",
    "methods_df",
    "load_bench_results",
    "init_state",
    "user_message",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / "bench" / "results"

_log = logging.getLogger("iseg.app")


def user_message(exc: BaseException) -> str:
    """A one-line message for an exception, without a traceback."""
    text = str(exc).strip() or exc.__class__.__name__
    first = text.splitlines()[0] if text else ""
    if len(text.splitlines()) > 1:
        first += " …"
    return f"{exc.__class__.__name__}: {first}" if not isinstance(exc, ValueError) else first


@contextmanager
def guard(what: str = "this page") -> Iterator[None]:
    """Turn any exception raised in the block into an ``st.error`` message.

    Streamlit's own control flow (``st.stop``, ``st.rerun``, ``st.switch_page``) derives
    from ``BaseException`` and passes through untouched.  The traceback goes to the
    server log only, never to the page.
    """
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the whole point is to catch everything
        _log.error("error in %s:\n%s", what, traceback.format_exc())
        st.error(f"Could not render {what}. {user_message(exc)}", icon="⚠️")


def guarded(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form of :func:`guard` for page ``main()`` functions."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with guard(what):
                return fn(*args, **kwargs)
            return None

        wrapper.__name__ = fn.__name__
        wrapper.__doc__ = fn.__doc__
        return wrapper

    return deco


def init_state(defaults: dict[str, Any]) -> None:
    """Set each key of ``defaults`` in ``st.session_state`` once (never overwrites)."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


@st.cache_resource(show_spinner="Loading the knowledge base …")
def get_kb() -> Any:
    """The validated knowledge base (one instance per server process)."""
    from kb import load_kb

    return load_kb()


@st.cache_data(show_spinner=False)
def methods_df() -> Any:
    """One row per reviewed method (a copy per caller; see ``KnowledgeBase.methods_df``)."""
    return get_kb().methods_df()


@st.cache_data(show_spinner=False)
def load_bench_results(bench_dir: str | None = None) -> list[dict[str, Any]]:
    """Every ``bench/results/*.json`` as ``{"name", "path", "data"}``; broken files report an error."""
    folder = Path(bench_dir) if bench_dir else BENCH_DIR
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            out.append({"name": path.stem, "path": str(path), "data": data, "error": None})
        except (OSError, json.JSONDecodeError) as exc:
            out.append({"name": path.stem, "path": str(path), "data": None, "error": str(exc)})
    return out
