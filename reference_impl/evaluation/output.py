"""Writing results safely: checked up front, atomic, never replacing what iseg did not write.

The one implementation of iseg's output rules (issue 14), used by ``iseg run``
(:mod:`reference_impl.pipelines`), ``iseg evaluate`` and ``iseg segment``:

* :func:`check_out_dir` runs before any data is read.  It refuses an empty path, the current
  folder, the home folder, the file-system root or any folder containing one of them, a path
  whose parent chain runs through a file or whose nearest existing parent is not writable,
  an existing file, and a non-empty folder that the same tool did not write: one without
  its marker file (:data:`MARKERS`), or holding anything the marker does not list (also
  inside iseg's subfolders).
* :func:`check_seg_path` validates a single segmentation file (``iseg segment --out``): it
  may only be replaced when it is a NIfTI that iseg wrote (its header's ``descrip`` starts
  with :data:`SEG_DESCRIP`).
* Whole folder at once (``iseg run``): :func:`make_tmp` creates a hidden sibling folder
  ``.NAME.tmp-<pid>-<random>`` (ordinary permissions, not mkdtemp's ``0o700``; stale ones of
  killed runs are removed), and :func:`finish` writes the marker and renames it onto
  ``out``; an earlier run there is moved aside and removed only after the rename.
  :func:`signal_cleanup` turns SIGTERM into :class:`Terminated` so ``finally`` blocks run.
* File by file (``iseg evaluate``): :func:`write_text` and :func:`write_segmentation` write
  a temporary file in the target folder and ``os.replace`` it onto the target (a crash
  leaves the old file or the new one, never half of one); :func:`finish_out_dir` records
  the files in the marker.
* :func:`segmentation_bytes` is the one encoder of a segmentation file: the NIfTI that
  :func:`write_segmentation` writes, and the app's download, byte for byte.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import secrets
import shutil
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "SEG_DESCRIP",
    "MARKER",
    "RUN_MARKER",
    "MARKERS",
    "Terminated",
    "check_seg_path",
    "check_out_dir",
    "written_by_iseg",
    "make_tmp",
    "finish",
    "finish_out_dir",
    "signal_cleanup",
    "segmentation_bytes",
    "write_segmentation",
    "write_text",
]

#: Start of the NIfTI ``descrip`` field of every segmentation iseg writes.
SEG_DESCRIP = "iseg-navigator segmentation"
#: Marker file of an ``iseg evaluate`` result folder (lists the files written there).
MARKER = ".iseg-evaluate.json"
#: Marker file of an ``iseg run`` output folder (lists the files written there).
RUN_MARKER = ".iseg-run.json"
#: The marker file of each tool's output folder.
MARKERS = {"iseg evaluate": MARKER, "iseg run": RUN_MARKER}


class Terminated(SystemExit):
    """Raised in the main thread when SIGTERM arrives during a run (exit status 143)."""


def _marker(tool: str) -> str:
    try:
        return MARKERS[tool]
    except KeyError:
        raise ValueError(f"tool must be one of {sorted(MARKERS)}, got {tool!r}") from None


def _seg_written_by_iseg(path: Path) -> bool:
    try:
        import nibabel as nib

        img: Any = nib.load(str(path))
        descrip = img.header["descrip"].tobytes().decode("ascii", "replace")
    except Exception:  # noqa: BLE001 - any unreadable file is not ours
        return False
    return descrip.startswith(SEG_DESCRIP)


def _check_parent(path: Path, option: str, text: str) -> None:
    """The nearest existing parent of ``path`` is a writable folder."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{option} {text}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK):
                raise ValueError(f"{option} {text}: cannot write in {parent}")
            return


def check_seg_path(out: str | Path, *, option: str = "--out") -> Path:
    """Validate a segmentation output file before any compute; returns the path.

    Refuses: a suffix other than ``.nii``/``.nii.gz``, a directory, a parent that is a file
    or not writable, and an existing file that iseg did not write.
    """
    text = str(out)
    path = Path(text).expanduser()
    if not text.strip():
        raise ValueError(f"{option}: empty path")
    if path.is_dir():
        raise ValueError(f"{option} {text}: is a folder; give a file name such as seg.nii.gz")
    if not path.name.lower().endswith((".nii", ".nii.gz")):
        raise ValueError(
            f"{option} {text}: the segmentation is written as NIfTI; use a "
            ".nii.gz or .nii file name"
        )
    _check_parent(path, option, text)
    if path.exists() and not _seg_written_by_iseg(path):
        raise ValueError(
            f"{option} {text}: exists and was not written by iseg; refusing to "
            "overwrite it (choose a new file name)"
        )
    return path


def _protected() -> list[Path]:
    return [Path.cwd().resolve(), Path.home().resolve(), Path(Path.cwd().anchor)]


def check_out_dir(out: str | Path, *, option: str = "--out", tool: str = "iseg evaluate") -> Path:
    """Validate the output folder of ``tool`` before any compute; returns the resolved path
    (not created).  Raises ``ValueError`` naming ``option`` for every refused case (module
    docstring)."""
    marker = _marker(tool)
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
    _check_parent(path, option, text)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {text}: exists and is not a folder (it is a file)")
    if path.is_dir() and written_by_iseg(path, tool=tool) is None:
        raise ValueError(
            f"{option} {text}: folder exists, is not empty and was not written by "
            f"{tool} (no {marker} listing its files); choose a new or empty folder"
        )
    return path


def _listed(path: Path, marker: str) -> list[str] | None:
    """The files ``path``'s marker lists, or None without a readable marker."""
    try:
        listed = json.loads((path / marker).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return [str(f) for f in listed] if isinstance(listed, list) else None


def written_by_iseg(path: Path, *, tool: str) -> list[str] | None:
    """The entries of folder ``path`` if it is empty or exactly an earlier output of
    ``tool`` (everything in it, subfolders included, listed by its marker), else None."""
    marker = _marker(tool)
    entries = sorted(p.name for p in path.iterdir())
    if not entries:
        return []
    listed = _listed(path, marker)
    if listed is None:
        return None
    if not set(entries) <= {f.split("/", 1)[0] for f in listed} | {marker}:
        return None
    for f in listed:  # nothing may have been added inside iseg's subfolders either
        p = path / f
        if p.is_dir() and not p.is_symlink():
            return None
    for sub in {f.split("/", 1)[0] for f in listed if "/" in f}:
        inside = {str(q.relative_to(path)) for q in (path / sub).rglob("*") if not q.is_dir()}
        if not inside <= set(listed):
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


def make_tmp(out: Path, *, option: str = "--out") -> Path:
    """Create the hidden temporary sibling folder of ``out`` (ordinary permissions)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"{option} {out}: cannot create {out.parent}: {exc.strerror}") from None
    _remove_stale(out)
    for _ in range(100):
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(tmp, 0o777)  # the umask applies, as for any folder the user makes
        except FileExistsError:
            continue
        except OSError as exc:
            raise ValueError(
                f"{option} {out}: cannot write in {out.parent}: {exc.strerror}"
            ) from None
        return tmp
    raise ValueError(f"{option} {out}: could not create a temporary folder in {out.parent}")


def finish(tmp: Path, out: Path, *, tool: str = "iseg run", option: str = "--out") -> None:
    """List what ``tmp`` holds in ``tool``'s marker, then rename ``tmp`` onto ``out``
    (an earlier output of ``tool`` there is replaced; anything else is refused)."""
    marker = _marker(tool)
    files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
    (tmp / marker).write_text(json.dumps({"written_by": tool, "files": files}, indent=1) + "\n")
    if out.exists():
        if not out.is_dir() or written_by_iseg(out, tool=tool) is None:
            raise ValueError(  # changed while we ran: refuse, touch nothing
                f"{option} {out}: became a folder not written by {tool} during the run "
                "(a file was added); it was left untouched and this run's output discarded"
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


def _atomic_target(path: Path, suffix: str = "") -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}{suffix}")


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically."""
    path = Path(path)
    tmp = _atomic_target(path)
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def segmentation_bytes(mask: np.ndarray, affine: np.ndarray, *, compressed: bool = True) -> bytes:
    """The NIfTI-1 file iseg writes for a ``(z, y, x)`` mask, as bytes.

    Parameters
    ----------
    mask : ndarray
        3D mask on the input's voxel grid, numpy axis order; stored as uint8.
    affine : ndarray
        4x4 zyx->RAS affine of the input (:class:`reference_impl.io.Volume` order).
    compressed : bool
        Gzip the file (``.nii.gz``; deterministic: no time stamp, no file name) or not
        (``.nii``).

    Returns
    -------
    bytes
        The file: data in file order (x, y, z), NIfTI affine ``affine`` with its axes put
        back in that order (qform and sform, code 1), so it overlays the input image in
        any viewer, and ``descrip`` :data:`SEG_DESCRIP`.  The same mask and affine always
        give the same bytes.
    """
    import nibabel as nib

    m = np.asarray(mask)
    aff = np.asarray(affine, dtype=np.float64)
    if m.ndim != 3 or aff.shape != (4, 4):
        raise ValueError(f"need a 3D mask and a 4x4 affine, got {m.shape} and {aff.shape}")
    img = nib.Nifti1Image(
        np.ascontiguousarray(np.transpose(m.astype(np.uint8), (2, 1, 0))), aff[:, [2, 1, 0, 3]]
    )
    img.header["descrip"] = SEG_DESCRIP.encode()
    img.set_qform(img.affine, code=1)
    img.set_sform(img.affine, code=1)
    raw = img.to_bytes()
    return gzip.compress(raw, compresslevel=6, mtime=0) if compressed else raw


def write_segmentation(mask: np.ndarray, affine: np.ndarray, path: str | Path) -> Path:
    """Write a ``(z, y, x)`` mask as a uint8 NIfTI with the zyx->RAS ``affine``, atomically.

    The file is :func:`segmentation_bytes` (gzipped when ``path`` ends in ``.gz``): in the
    input's voxel grid, its NIfTI affine ``affine`` with the axes put back in file order
    (x, y, z), so it overlays the input image in any viewer.
    """
    path = Path(path)
    data = segmentation_bytes(mask, affine, compressed=path.name.lower().endswith(".gz"))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _atomic_target(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def finish_out_dir(path: Path, files: list[str], *, tool: str = "iseg evaluate") -> None:
    """Record the files written into ``tool``'s output folder ``path`` (its marker lists
    these and those of earlier outputs of ``tool`` there)."""
    marker = _marker(tool)
    listed = sorted(set(_listed(path, marker) or []) | set(files))
    write_text(path / marker, json.dumps({"written_by": tool, "files": listed}, indent=1) + "\n")
