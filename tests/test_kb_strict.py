"""The strict KB validator (issue 14): each case used to pass `iseg kb validate` silently.

Every case corrupts a tmp copy of kb/data and checks that ``iseg kb validate`` exits 2 with
a message naming the file, never a traceback.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import kb.loader
from app.cli import main

DATA = Path(kb.loader.__file__).parent / "data"


def _set(rel: str, key_path: tuple, value):
    def edit(root: Path) -> None:
        path = root / rel
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        node = data
        for k in key_path[:-1]:
            node = node[k]
        node[key_path[-1]] = value
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

    return edit


def _write(rel: str, text: str):
    def edit(root: Path) -> None:
        (root / rel).write_text(text, encoding="utf-8")

    return edit


def _delete(rel: str):
    def edit(root: Path) -> None:
        target = root / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()

    return edit


def _dir_instead(rel: str):
    def edit(root: Path) -> None:
        (root / rel).unlink()
        (root / rel).mkdir()

    return edit


def _rename(rel: str, new: str):
    def edit(root: Path) -> None:
        (root / rel).rename(root / new)

    return edit


def _duplicate_key(root: Path) -> None:
    path = root / "methods" / "deepedit.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "name: Another name\n", encoding="utf-8")


def _self_loop(root: Path) -> None:
    path = root / "comparisons.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["edges"].append({"from": 67, "to": 67, "source": {"kind": "paper", "ref": "x"}})
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


CASES = {
    "empty comparisons.yaml": (
        _write("comparisons.yaml", ""),
        "comparisons.yaml",
        "expected a mapping",
    ),
    "comparisons without edges": (
        _set("comparisons.yaml", ("edges",), []),
        "comparisons.yaml",
        "at least 1 are required",
    ),
    "empty code_links.yaml": (_write("code_links.yaml", ""), "code_links.yaml", "expected a list"),
    "code_links.yaml as []": (_write("code_links.yaml", "[]\n"), "code_links.yaml", "at least 1"),
    "guidance_signals/ deleted": (
        _delete("guidance_signals"),
        "guidance_signals",
        "required folder is missing",
    ),
    "challenges/ deleted": (_delete("challenges"), "challenges", "required folder is missing"),
    "one challenge deleted": (_delete("challenges/trials.yaml"), "challenges", "at least 4"),
    "omnimedseg.yaml deleted": (
        _delete("datasets/omnimedseg.yaml"),
        "omnimedseg.yaml",
        "required file is missing",
    ),
    "post_review/ deleted": (_delete("post_review"), "post_review", "required folder is missing"),
    "protocols/ deleted": (_delete("protocols"), "protocols", "required folder is missing"),
    "duplicate key": (_duplicate_key, "deepedit.yaml", "duplicate key 'name'"),
    "self-loop edge": (_self_loop, "comparisons.yaml", "self-loop"),
    "directory for comparisons.yaml": (
        _dir_instead("comparisons.yaml"),
        "comparisons.yaml",
        "expected a YAML file, found a directory",
    ),
    "directory for a method file": (
        _dir_instead("methods/deepedit.yaml"),
        "deepedit.yaml",
        "unexpected entry (a folder)",
    ),
    "deepedit.yml": (
        _rename("methods/deepedit.yaml", "methods/deepedit.yml"),
        "deepedit.yml",
        "suffix '.yml'",
    ),
    "notes.txt in challenges": (_write("challenges/notes.txt", "hi"), "notes.txt", "suffix '.txt'"),
    "comparisons.yml next to comparisons.yaml": (
        _write("comparisons.yml", "edges: []\n"),
        "comparisons.yml",
        "unexpected entry",
    ),
    "a second datasets file": (
        _write("datasets/extra.yaml", "x: 1\n"),
        "extra.yaml",
        "unexpected entry",
    ),
    "year as a string": (
        _set("methods/deepedit.yaml", ("year",), "2022"),
        "deepedit.yaml",
        "field 'year'",
    ),
    "explicit: 'yes'": (
        _set("methods/deepedit.yaml", ("guidance", 0, "explicit"), "yes"),
        "deepedit.yaml",
        "field 'guidance/0/explicit'",
    ),
    "blank name": (
        _set("methods/deepedit.yaml", ("name",), "   "),
        "deepedit.yaml",
        "field 'name'",
    ),
    "blank catalog name": (
        _set("guidance_signals/heatmap.yaml", ("name",), "   "),
        "heatmap.yaml",
        "field 'name'",
    ),
    "catalog explicit: 'yes'": (
        _set("guidance_signals/heatmap.yaml", ("explicit",), "yes"),
        "heatmap.yaml",
        "field 'explicit'",
    ),
    "post-review year as a string": (
        _set("post_review/vista3d.yaml", ("year",), "2024"),
        "vista3d.yaml",
        "field 'year'",
    ),
    "blank source ref": (
        _set("methods/deepedit.yaml", ("sources", "table", 0, "ref"), " "),
        "deepedit.yaml",
        "field 'sources/table/0/ref'",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_rejects(case, tmp_path: Path, capsys):
    edit, file_part, message = CASES[case]
    shutil.copytree(DATA, tmp_path, dirs_exist_ok=True)
    edit(tmp_path)
    rc = main(["kb", "validate", "--data-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert rc == 2, out
    assert "Traceback" not in out + err
    assert "INVALID" in err and file_part in err and message in err, err


def test_the_real_kb_still_validates(capsys):
    assert main(["kb", "validate"]) == 0
    assert "kb validate: OK" in capsys.readouterr().out
