"""The output folder of a run: checked before any work, written atomically, never clobbering.

Rules (issue 14): iseg never deletes or overwrites what it did not create.

* :func:`check_out` runs before any data is read.  It refuses a path whose parent chain runs
  through a file, an existing file, the current folder, the home folder, the file-system root
  or any folder containing one of them, and a non-empty folder that iseg did not write (one
  without the :data:`MARKER` file, or holding anything the marker does not list).
* The run writes into a new hidden sibling folder ``.NAME.tmp-<pid>-<random>`` created with the
  ordinary permissions (``0o777`` minus the umask, not mkdtemp's ``0o700``).
* :func:`finish` writes the marker (the list of files iseg wrote) and renames the folder onto
  ``out``; an earlier iseg run there is moved aside and removed only after the rename.
* :func:`signal_cleanup` turns SIGTERM into an exception (main thread only), so the ``finally``
  of the runner removes the temporary folder; stale temporary folders of killed runs (their
  process no longer exists) are removed by the next run to the same ``out``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

__all__ = ["MARKER", "check_out", "make_tmp", "finish", "signal_cleanup", "Terminated"]

MARKER = ".iseg-run.json"
"""File that marks a folder as written by ``iseg run`` and lists the files it wrote."""


class Terminated(SystemExit):
    """Raised in the main thread when SIGTERM arrives during a run (exit status 143)."""


def _protected() -> list[Path]:
    out = [Path.cwd().resolve(), Path.home().resolve(), Path(Path.cwd().anchor)]
    return out


def check_out(out: str | Path, *, option: str = "--out") -> Path:
    """Validate ``out`` before anything is computed; returns the resolved path.

    Raises ``ValueError`` naming ``option`` for every refused case (module docstring).
    """
    text = str(out)
    if not text.strip():
        raise ValueError(f"{option}: empty path")
    path = Path(text).expanduser().resolve()
    for p in _protected():
        if path == p or path in p.parents:
            raise ValueError(
                f"{option} {text}: refusing to write a run into {path} (the current, "
                "home or root folder, or one containing it); give a new folder"
            )
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {text}: {parent} is a file, not a folder")
            break
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {text}: exists and is not a folder")
    if path.is_dir():
        owned = written_by_iseg(path)
        if owned is None:
            raise ValueError(
                f"{option} {text}: folder exists, is not empty and was not written "
                f"by iseg run (no {MARKER}); choose a new or empty folder"
            )
    return path


def written_by_iseg(path: Path) -> list[str] | None:
    """The files of folder ``path`` if it is empty or exactly an earlier iseg run, else None."""
    entries = sorted(p.name for p in path.iterdir())
    if not entries:
        return []
    marker = path / MARKER
    if not marker.is_file():
        return None
    try:
        listed = json.loads(marker.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not isinstance(listed, list):
        return None
    tops = {str(f).split("/", 1)[0] for f in listed} | {MARKER}
    if not set(entries) <= tops:
        return None
    for f in listed:  # nothing may have been added inside iseg's subfolders either
        p = path / str(f)
        if p.is_dir() and not p.is_symlink():
            return None
    for sub in {str(f).split("/", 1)[0] for f in listed if "/" in str(f)}:
        inside = {str(q.relative_to(path)) for q in (path / sub).rglob("*") if not q.is_dir()}
        if not inside <= {str(f) for f in listed}:
            return None
    return entries


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(out: Path) -> None:
    """Remove ``.NAME.tmp-<pid>-*`` folders of ``out`` left by runs that were killed."""
    for p in out.parent.glob(f".{out.name}.tmp-*"):
        try:
            pid = int(p.name.rsplit(".tmp-", 1)[1].split("-", 1)[0])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _pid_alive(pid) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def make_tmp(out: Path) -> Path:
    """Create the hidden temporary sibling folder of ``out`` (ordinary permissions)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"--out {out}: cannot create {out.parent}: {exc.strerror}") from None
    _remove_stale(out)
    for _ in range(100):
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp, 0o777)  # the umask applies, as for any folder the user makes
        except FileExistsError:
            continue
        except OSError as exc:
            raise ValueError(f"--out {out}: cannot write in {out.parent}: {exc.strerror}") from None
        return tmp
    raise ValueError(f"--out {out}: could not create a temporary folder in {out.parent}")


def finish(tmp: Path, out: Path) -> None:
    """List what the run wrote in the marker, then rename ``tmp`` onto ``out``."""
    files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    marker = tmp / MARKER
    marker.write_text(json.dumps({"written_by": "iseg run", "files": files}, indent=1) + "\n")
    if out.exists():
        if written_by_iseg(out) is None:  # changed while we ran: refuse, touch nothing
            raise ValueError(
                f"--out {out}: became a folder not written by iseg during the run "
                "(a file was added); it was left untouched and this run's output "
                "discarded"
            )
        old = out.with_name(f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


@contextlib.contextmanager
def signal_cleanup() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises :class:`Terminated` so that ``finally``
    blocks (removing the temporary folder) run."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
