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
    "restore_form",
    "keep_form",
    "user_message",
    "init_wizard",
    "wizard_radio_key",
    "wizard_answer",
    "wizard_back",
    "wizard_edit",
    "wizard_reset",
    "wizard_filter",
    "get_taxonomy",
    "safe_callback",
    "show_callback_error",
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
        st.error(f"Could not render {what}. {user_message(exc)}", icon=":material/error:")


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


CALLBACK_ERROR = "app_callback_error"


def safe_callback(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a widget callback so that an exception becomes a message, not a traceback.

    Callbacks run before the page script (outside :func:`guard`); the message is stored
    under :data:`CALLBACK_ERROR` and shown by :func:`show_callback_error` on that run.
    """

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported on the page
            _log.error("error in callback %s:\n%s", fn.__name__, traceback.format_exc())
            st.session_state[CALLBACK_ERROR] = user_message(exc)
            return None

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def show_callback_error() -> None:
    """Show (once) the message of a callback that failed on this run."""
    msg = st.session_state.pop(CALLBACK_ERROR, None)
    if msg:
        st.error(f"That action failed: {msg}", icon=":material/error:")


def init_state(defaults: dict[str, Any]) -> None:
    """Set each key of ``defaults`` in ``st.session_state`` once (never overwrites)."""
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value


def restore_form(name: str, keys: list[str], *, defaults: dict[str, Any] | None = None) -> None:
    """Give widget keys their kept values (or ``defaults``) before the widgets are drawn.

    Streamlit forgets a widget's state when a run does not draw it (another page); the
    values kept by :func:`keep_form` under ``form_<name>`` (not a widget key) survive.
    """
    kept = st.session_state.get(f"form_{name}", {})
    for key in keys:
        if key not in st.session_state:
            if key in kept:
                st.session_state[key] = kept[key]
            elif defaults and key in defaults:
                st.session_state[key] = defaults[key]


def keep_form(name: str, keys: list[str]) -> None:
    """Keep the current values of the widget ``keys`` under ``form_<name>``."""
    kept = dict(st.session_state.get(f"form_{name}", {}))
    kept.update({k: st.session_state[k] for k in keys if k in st.session_state})
    st.session_state[f"form_{name}"] = kept


@st.cache_resource(show_spinner="Loading the knowledge base …")
def get_kb() -> Any:
    """The validated knowledge base (one instance per server process)."""
    from kb import load_kb

    return load_kb()


@st.cache_resource(show_spinner=False)
def get_taxonomy() -> Any:
    """The validated taxonomy (tree, Q1-Q12, Figure 32)."""
    from taxonomy import load_taxonomy

    return load_taxonomy()


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


# ---------------------------------------------------------------- wizard state
# The wizard owns these keys (never widget keys), so answers survive page switches.
WIZ_ANSWERS = "wiz_answers"  # question id -> option id (or "not-sure")
WIZ_ORDER = "wiz_order"  # question ids in the order they were answered
WIZ_EDIT = "wiz_edit"  # question id being changed, or None
WIZ_PREV = "wiz_prev"  # last answer of a question taken back (pre-selects the radio)
WIZ_FILTERS = "wiz_filters"  # modality / interaction / target used to rank methods


def init_wizard() -> None:
    """Create the wizard's own session keys once."""
    init_state(
        {
            WIZ_ANSWERS: {},
            WIZ_ORDER: [],
            WIZ_EDIT: None,
            WIZ_PREV: {},
            WIZ_FILTERS: {"modality": None, "interaction": None, "target": ""},
        }
    )


def wizard_radio_key(qid: str) -> str:
    """Widget key of the radio that answers ``qid``."""
    return f"wiz_q_{qid}"


@safe_callback
def wizard_answer(qid: str) -> None:
    """Callback: store the radio's answer to ``qid``; drop answers that no longer apply."""
    from recommender.engine import recommend

    ss = st.session_state
    value = ss.get(wizard_radio_key(qid))
    if value is None:
        return
    answers = dict(ss[WIZ_ANSWERS])
    changed = qid in answers and answers[qid] != value
    answers[qid] = value
    order = [q for q in ss[WIZ_ORDER] if q != qid] + [qid]
    if changed:
        ignored = recommend(answers, kb=False).ignored
        answers = {q: a for q, a in answers.items() if q not in ignored}
        order = [q for q in order if q in answers]
    ss[WIZ_ANSWERS], ss[WIZ_ORDER], ss[WIZ_EDIT] = answers, order, None


@safe_callback
def wizard_back() -> None:
    """Callback: take back the most recent answer (it is pre-selected when asked again)."""
    ss = st.session_state
    if ss[WIZ_EDIT] is not None:
        ss[WIZ_EDIT] = None
        return
    if not ss[WIZ_ORDER]:
        return
    order = list(ss[WIZ_ORDER])
    qid = order.pop()
    answers = dict(ss[WIZ_ANSWERS])
    ss[WIZ_PREV] = {**ss[WIZ_PREV], qid: answers.pop(qid, None)}
    ss[WIZ_ANSWERS], ss[WIZ_ORDER] = answers, order


@safe_callback
def wizard_edit(qid: str) -> None:
    """Callback: ask ``qid`` again, its current answer pre-selected."""
    st.session_state[WIZ_EDIT] = qid


@safe_callback
def wizard_reset() -> None:
    """Callback: forget every answer."""
    ss = st.session_state
    ss[WIZ_ANSWERS], ss[WIZ_ORDER], ss[WIZ_EDIT], ss[WIZ_PREV] = {}, [], None, {}


@safe_callback
def wizard_filter(name: str) -> None:
    """Callback: copy a ranking filter widget (key ``wiz_f_<name>``) into the wizard's state."""
    ss = st.session_state
    ss[WIZ_FILTERS] = {**ss[WIZ_FILTERS], name: ss.get(f"wiz_f_{name}")}
