"""The one YAML reader and model validator of the knowledge base.

Every knowledge-base file goes through :func:`read_yaml` (safe loading only, duplicate
mapping keys rejected, a directory or an unreadable file reported as a
:class:`~kb.errors.KBValidationError`) and :func:`validate_model` (pydantic validation
whose first error names the file, the entry id and the field path, plus up to three
more errors).  :func:`yaml_files` lists a section folder and rejects anything that is
not a ``*.yaml`` file (``deepedit.yml``, a sub-folder), so nothing is silently skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from kb.errors import KBValidationError, _error_text

__all__ = ["read_yaml", "validate_model", "field_path", "yaml_files", "UniqueKeyLoader"]

# The libyaml C parser when available (about 8x faster than the pure-Python one on our
# files); both are safe loaders: no Python objects are constructed from tags.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """A safe YAML loader that raises on a duplicate key in any mapping.

    PyYAML silently keeps the last of two equal keys (a second ``name:`` wins); here it
    is a ``yaml.constructor.ConstructorError`` naming the key and both lines.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        """Build a mapping, refusing a key that occurs twice."""
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                continue  # the base constructor reports unhashable keys
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r} (first at line {seen[key].line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, UniqueKeyLoader.construct_mapping
)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file safely; every failure is a :class:`KBValidationError`.

    Parameters
    ----------
    path : Path
        The file to read.

    Returns
    -------
    object
        The parsed document (``None`` for an empty file).

    Raises
    ------
    KBValidationError
        When ``path`` is missing, is a directory, is not UTF-8, is invalid YAML or
        repeats a mapping key; the message names the file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.yaml"
    >>> _ = p.write_text("id: a\\nname: b\\n", encoding="utf-8")
    >>> read_yaml(p)
    {'id': 'a', 'name': 'b'}
    >>> _ = p.write_text("id: a\\nid: b\\n", encoding="utf-8")
    >>> read_yaml(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    kb.errors.KBValidationError: ...x.yaml: invalid YAML: ... duplicate key 'id' ...
    """
    path = Path(path)
    if path.is_dir():
        raise KBValidationError(path, None, None, "expected a YAML file, found a directory")
    if not path.exists():
        raise KBValidationError(path, None, None, "required file is missing")
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=UniqueKeyLoader)  # noqa: S506 - a safe loader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        text = " ".join(str(exc).split())
        raise KBValidationError(path, None, None, f"invalid YAML: {text}") from None
    except OSError as exc:
        raise KBValidationError(path, None, None, f"cannot read: {exc.strerror}") from None


def field_path(loc: tuple[int | str, ...]) -> str:
    """Pydantic error location as ``a/b/0/c`` (``<root>`` for the whole entry)."""
    return "/".join(str(p) for p in loc) if loc else "<root>"


def validate_model(
    model: type[BaseModel], data: Any, path: Path, entry: str | None, *, prefix: str = ""
) -> Any:
    """Validate ``data`` with ``model``; failures name file, entry and field path.

    Parameters
    ----------
    model : type of pydantic.BaseModel
        The model to validate with.
    data : object
        The parsed YAML (must be a mapping).
    path : Path
        The file the data came from (for the message).
    entry : str or None
        The entry id (for the message).
    prefix : str
        Prepended to the field path, e.g. ``"3/"`` for item 3 of a list file.

    Returns
    -------
    BaseModel
        The validated model instance.

    Raises
    ------
    KBValidationError
        ``<file>: entry '<id>': field '<path>': <message>; got <value> (+N more: ...)``.
    """
    if not isinstance(data, dict):
        raise KBValidationError(
            path,
            entry,
            prefix.rstrip("/") or None,
            f"expected a mapping, got {type(data).__name__}",
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errs = exc.errors()
        field = prefix + field_path(errs[0]["loc"])
        more = ""
        if len(errs) > 1:
            shown = "; ".join(
                f"{prefix}{field_path(e['loc'])}: {_error_text(e)}" for e in errs[1:4]
            )
            more = f" (+{len(errs) - 1} more: {shown})"
        raise KBValidationError(path, entry, field, _error_text(errs[0]) + more) from None


def yaml_files(directory: Path, *, required: bool = True) -> list[Path]:
    """The ``*.yaml`` files of a section folder, sorted; anything else is an error.

    Parameters
    ----------
    directory : Path
        A section folder such as ``kb/data/methods``.
    required : bool
        When True a missing folder is an error; when False it gives ``[]``.

    Raises
    ------
    KBValidationError
        For a missing folder (when required), a file that is not a folder, or any entry
        that is not a ``*.yaml`` file (``deepedit.yml``, ``notes.txt``, a sub-folder);
        names starting with ``.`` are ignored.
    """
    directory = Path(directory)
    if not directory.exists():
        if required:
            raise KBValidationError(directory, None, None, "required folder is missing")
        return []
    if not directory.is_dir():
        raise KBValidationError(directory, None, None, "expected a folder of *.yaml files")
    out = []
    for child in sorted(directory.iterdir()):
        if child.name.startswith("."):
            continue
        if child.suffix != ".yaml" or child.is_dir():
            what = "a folder" if child.is_dir() else f"suffix {child.suffix or '(none)'!r}"
            raise KBValidationError(
                child, None, None, f"unexpected entry ({what}); only <id>.yaml files belong here"
            )
        out.append(child)
    return out
