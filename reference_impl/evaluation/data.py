"""Resolve ``--data`` into image + label cases (the forms ``iseg run`` and ``iseg evaluate`` share).

Accepted forms:

* a bundled sample name (``ct_spleen``, ``sample:mr_brain1``; :data:`reference_impl.io.SAMPLE_CASES`);
* ``IMAGE,LABEL``: two files;
* one image file whose label lies beside it under a common name (below);
* a folder: ``imagesTr/`` + ``labelsTr/`` with equal file names (Medical Segmentation
  Decathlon), or files paired by name.

Pairing by name: a label is ``<case><tag>.<ext>`` with a tag in :data:`LABEL_TAGS`
(``_seg``, ``_label``, ``_labels``, ``_mask``, ``_gt``; TotalSegmentator's ``<case>`` /
``<case>_seg``); its image is ``<case>.<ext>``, ``<case>_image``/``_img``, or the only other
volume file whose name starts with ``<case>_`` (e.g. ``example_ct_sm`` beside ``example_seg``).
Tags and suffixes match in any letter case.  When no plain volume fits, a file named exactly
``<case>``, ``<case>_image`` or ``<case>_img`` is taken even if its own name carries a tag
(``a_mask`` is the image of ``a_mask_label``).
Every path is checked (existence, suffix) here, before anything is decoded.

:func:`find_pairs` is the one folder-pairing rule of the project: ``iseg evaluate``,
``iseg run`` and SW-FastEdit training data
(:func:`reference_impl.swfastedit.data.load_dataset`) all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["CaseSpec", "LABEL_TAGS", "resolve_data", "find_pairs"]

LABEL_TAGS = ("_seg", "_label", "_labels", "_mask", "_gt")
_EXTS = (".nii.gz", ".nii", ".nrrd", ".nhdr")


@dataclass(frozen=True)
class CaseSpec:
    """One image + label pair and the class to segment (``target`` None: the only one)."""

    name: str
    image: Path
    label: Path
    target: int | str | None = None


def _stem(p: Path) -> str | None:
    low = p.name.lower()
    for e in _EXTS:
        if low.endswith(e):
            return p.name[: -len(e)]
    return None


def _label_base(stem: str) -> str | None:
    low = stem.lower()
    for tag in LABEL_TAGS:
        if low.endswith(tag) and len(stem) > len(tag):
            return stem[: -len(tag)]
    return None


def find_pairs(folder: str | Path) -> list[tuple[Path, Path]]:
    """Image/label pairs in ``folder`` (module rules).

    Parameters
    ----------
    folder : str or Path
        ``imagesTr/`` + ``labelsTr/`` (pairs sorted by image name) or files paired by name
        (pairs sorted by label name).

    Returns
    -------
    list of (image, label) paths
        Empty when nothing pairs up.

    Raises
    ------
    FileNotFoundError
        ``folder`` is not an existing folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such data folder")
    if (folder / "imagesTr").is_dir() and (folder / "labelsTr").is_dir():
        return [
            (p, folder / "labelsTr" / p.name)
            for p in sorted((folder / "imagesTr").iterdir())
            if _stem(p) is not None and (folder / "labelsTr" / p.name).is_file()
        ]
    files = {s: p for p in sorted(folder.iterdir()) if p.is_file() and (s := _stem(p))}
    labels = {s: b for s in files if (b := _label_base(s)) is not None}
    images = {s: p for s, p in files.items() if s not in labels}
    pairs = []
    tagged = {s: files[s] for s in labels}
    for stem, base in sorted(labels.items()):
        img = _image_for(base, images)
        if img is None:  # a tagged name as the image: exact names only
            img = next(
                (tagged[c] for c in (base, base + "_image", base + "_img") if c in tagged), None
            )
        if img is not None:
            pairs.append((img, files[stem]))
    return pairs


def _image_for(base: str, images: dict[str, Path]) -> Path | None:
    for cand in (base, base + "_image", base + "_img"):
        if cand in images:
            return images[cand]
    others = [p for s, p in images.items() if s.startswith(base + "_")]
    return others[0] if len(others) == 1 else None


def _file(text: str, what: str) -> Path:
    p = Path(text.strip()).expanduser()
    if p.is_dir():
        raise ValueError(f"--data: {what} {p} is a folder, not a volume file")
    if not p.is_file():
        raise ValueError(f"--data: {what} {p}: no such file")
    if _stem(p) is None:
        raise ValueError(
            f"--data: {what} {p}: unsupported file type; expected one of {', '.join(_EXTS)}"
        )
    return p


def _name(image: Path, label: Path, taken: set[str]) -> str:
    name = _label_base(_stem(label) or "") or _stem(image) or image.name
    if name in taken:
        name = f"{name}_{_stem(label)}"
    taken.add(name)
    return name


def resolve_data(specs: list[str] | str, *, target: int | str | None = None) -> list[CaseSpec]:
    """Cases for one or more ``--data`` values (module docstring); ValueError names the value."""
    from ..io import SAMPLE_CASES, sample_paths

    out: list[CaseSpec] = []
    taken: set[str] = set()
    for spec in [specs] if isinstance(specs, str) else list(specs):
        s = str(spec).strip()
        if not s:
            raise ValueError("--data: empty value")
        sample = s.removeprefix("sample:")
        if sample in SAMPLE_CASES:
            try:
                img, lab, value = sample_paths(sample)
            except FileNotFoundError as exc:
                raise ValueError(f"--data {s}: {exc}") from None
            out.append(CaseSpec(sample, img, lab, target if value is None else value))
            taken.add(sample)
            continue
        if "," in s:
            parts = s.split(",")
            if len(parts) != 2:
                raise ValueError(
                    f"--data {s!r}: IMAGE,LABEL expects exactly two paths, got {len(parts)}"
                )
            img, lab = _file(parts[0], "image"), _file(parts[1], "label")
            out.append(CaseSpec(_name(img, lab, taken), img, lab, target))
            continue
        p = Path(s).expanduser()
        if p.is_dir():
            pairs = find_pairs(p)
            if not pairs:
                raise ValueError(
                    f"--data {s}: no image/label pairs found (imagesTr/labelsTr, "
                    f"or <case> beside <case>{{{','.join(LABEL_TAGS)}}})"
                )
            out += [CaseSpec(_name(i, lab, taken), i, lab, target) for i, lab in pairs]
            continue
        if p.is_file():
            img = _file(s, "image")
            lab = _label_beside(img)
            out.append(CaseSpec(_name(img, lab, taken), img, lab, target))
            continue
        raise ValueError(
            f"--data {s!r}: no such file or folder, and not a sample ({', '.join(SAMPLE_CASES)})"
        )
    return out


def _label_beside(image: Path) -> Path:
    """The label of a single image file, by the naming rules."""
    stem = _stem(image) or ""
    if _label_base(stem) is not None:
        raise ValueError(
            f"--data {image}: looks like a label file; give the image (or IMAGE,LABEL)"
        )
    folder = image.parent
    cands = []
    for p in sorted(folder.iterdir()):
        s = _stem(p)
        base = _label_base(s) if s else None
        if p.is_file() and base is not None and (base == stem or stem.startswith(base + "_")):
            cands.append(p)
    exact = [p for p in cands if _label_base(_stem(p) or "") == stem]
    found = exact or cands
    if len(found) != 1:
        what = "no label" if not found else f"{len(found)} candidate labels"
        raise ValueError(
            f"--data {image}: {what} found beside it (expected <case>_seg, _label, "
            "_mask ...); give IMAGE,LABEL"
        )
    return found[0]
