"""Background jobs for the app: run a long computation off the Streamlit script thread.

A :class:`Job` runs ``fn(progress, cancel)`` in a daemon thread.  ``progress(fraction,
message)`` records how far it got; ``cancel`` is a :class:`threading.Event` the function
polls (the pipeline's progress callback raises :class:`Cancelled` once it is set).  The
page keeps the job in ``st.session_state`` and polls it, so the UI stays responsive, a
"Cancel" button can stop it, and leaving the page does not kill the server thread.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Cancelled", "Job"]

Status = Literal["running", "done", "failed", "cancelled"]


class Cancelled(RuntimeError):
    """Raised inside a job's progress callback after cancellation was requested."""


@dataclass
class Job:
    """One background computation with progress, cancellation and a result or an error."""

    fn: Callable[[Callable[[float, str], None], threading.Event], Any]
    label: str = "job"
    status: Status = "running"
    fraction: float = 0.0
    message: str = "starting"
    result: Any = None
    error: str | None = None
    log: str | None = field(default=None, repr=False)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self) -> Job:
        """Start the worker thread (once) and return ``self``."""
        if self._thread is not None:
            raise RuntimeError("Job.start() was already called")
        self._thread = threading.Thread(target=self._work, name=f"iseg-{self.label}", daemon=True)
        self._thread.start()
        return self

    def progress(self, fraction: float, message: str = "") -> None:
        """Progress callback handed to ``fn``; raises :class:`Cancelled` once cancelled."""
        if self.cancel_event.is_set():
            raise Cancelled("cancelled by the user")
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        if message:
            self.message = message

    def cancel(self) -> None:
        """Ask the job to stop at its next progress report."""
        self.cancel_event.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends (or ``timeout`` s); True when it has ended."""
        if self._thread is None:
            raise RuntimeError("call Job.start() before Job.wait()")
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def running(self) -> bool:
        """True while the worker thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    @property
    def elapsed(self) -> float:
        """Seconds since the start (until the end once finished)."""
        return (self.finished or time.monotonic()) - self.started

    def _work(self) -> None:
        try:
            self.result = self.fn(self.progress, self.cancel_event)
            if self.cancel_event.is_set():
                self.status = "cancelled"
            else:
                self.fraction, self.message, self.status = 1.0, "done", "done"
        except Exception as exc:  # noqa: BLE001 - reported on the page as a message
            if isinstance(exc, Cancelled) or self.cancel_event.is_set():
                # the worker's own "cancelled" exception type may differ from ours
                self.status, self.message = "cancelled", "cancelled by the user"
            else:
                self.status, self.error = "failed", f"{exc.__class__.__name__}: {exc}"
                self.log = traceback.format_exc()
        finally:
            self.finished = time.monotonic()
