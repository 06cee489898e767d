"""bench/organ_cv.py: its folds are exactly the shipped model's fitted CT organs, and the
paired summary counts wins and differences correctly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import organ_cv  # noqa: E402


def test_folds_partition_the_fitted_organs(shared_data):
    from reference_impl.evaluation.split import VALIDATION_CT_ORGANS, is_trainable_ct_organ

    meta = json.loads((shared_data / "totalsegmentator_example" / "labels.json").read_text())
    fitted = {
        name
        for name in meta["labels"].values()
        if is_trainable_ct_organ(name)
        and name not in VALIDATION_CT_ORGANS
        and meta["voxel_counts"][name] >= 50  # train_shipped's min_voxels
    }
    every = [o for f in organ_cv.FOLDS.values() for o in f]
    assert len(every) == len(set(every)) == 25
    assert set(every) == fitted


def test_paired_summary():
    recs = [
        {"target": t, "user": "R1", "engine": e, "dice": [0.0, d]}
        for t, e, d in [
            ("a", "shipped-recipe", 0.8),
            ("a", "random-walker", 0.6),
            ("b", "shipped-recipe", 0.5),
            ("b", "random-walker", 0.7),
            ("c", "shipped-recipe", 0.9),
            ("c", "random-walker", 0.8),
            ("d", "random-walker", 0.1),  # no recipe record: not paired
        ]
    ]
    p = organ_cv.paired(recs, "R1")
    assert p["n"] == 3 and p["wins"] == 2
    assert p["mean_difference"] == pytest.approx((0.2 - 0.2 + 0.1) / 3)
    assert p["ci95"][0] <= p["mean_difference"] <= p["ci95"][1]
    assert organ_cv.paired(recs, "R4") == {"n": 0}


def test_fresh_mr_refuses_other_files(tmp_path, capsys):
    """bench/fresh_mr.py runs only on the files its protocol was fixed for."""
    import fresh_mr

    for name in (fresh_mr.IMAGE, fresh_mr.LABEL):
        (tmp_path / name).write_bytes(b"not the file")
    with pytest.raises(SystemExit) as e:
        fresh_mr.main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert e.value.code == 2
    assert "SHA-256 differs" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(SystemExit) as e:
        fresh_mr.main(["--data-dir", str(tmp_path / "missing")])
    assert e.value.code == 2


def test_fresh_cta_refuses_other_files(tmp_path, capsys):
    """bench/fresh_cta.py checks every file's SHA-256 before any compute."""
    import fresh_cta

    for name in (fresh_cta.IMAGE, *(f"{t}.nii.gz" for t in fresh_cta.TARGETS)):
        (tmp_path / name).write_bytes(b"not the file")
    with pytest.raises(SystemExit) as e:
        fresh_cta.main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert e.value.code == 2
    assert "SHA-256 differs" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
    with pytest.raises(SystemExit) as e:  # a candidate checkpoint that does not exist
        fresh_cta.main(["--data-dir", str(tmp_path), "--checkpoint", "x=/no/such.pt"])
    assert e.value.code == 2
    assert "--checkpoint 'x=/no/such.pt'" in capsys.readouterr().err


def test_fresh_lung_refuses_other_files(tmp_path, capsys):
    """bench/fresh_lung.py checks every data file's and every older checkpoint's SHA-256,
    and the checkpoint's name, before any compute."""
    import fresh_lung

    for name in fresh_lung.SHA256:
        (tmp_path / name).write_bytes(b"not the file")
    out = tmp_path / "r.json"
    with pytest.raises(SystemExit) as e:
        fresh_lung.main(["--data-dir", str(tmp_path), "--out", str(out)])
    assert e.value.code == 2
    assert "SHA-256 differs" in capsys.readouterr().err
    fake = tmp_path / "fake.pt"
    fake.write_bytes(b"not a checkpoint")
    for item, says in (
        (f"shipped-unblended={fake}", "SHA-256 differs"),  # not the file at f745199
        (f"other={fake}", "NAME must be one of"),
        (f"shipped={fake}", "--checkpoint"),
    ):
        with pytest.raises(SystemExit) as e:
            fresh_lung.main(["--data-dir", str(tmp_path), "--out", str(out), "--checkpoint", item])
        assert e.value.code == 2 and says in capsys.readouterr().err
    assert not out.exists()


def test_fresh_brain_refuses_other_files(tmp_path, capsys):
    """bench/fresh_brain.py checks the scan's SHA-256 before any compute, and its reader
    names a file that is not the expected pair of arrays."""
    import fresh_brain
    import numpy as np

    (tmp_path / fresh_brain.FILE).write_bytes(b"not the file")
    with pytest.raises(SystemExit) as e:
        fresh_brain.main(["--data-dir", str(tmp_path), "--out", str(tmp_path / "r.json")])
    assert e.value.code == 2
    assert "SHA-256 differs" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()
    for item in ("x=/no/such.pt", f"shipped={__file__}"):  # refused before the SHA check
        with pytest.raises(SystemExit) as e:
            fresh_brain.main(["--data-dir", str(tmp_path), "--checkpoint", item])
        assert e.value.code == 2 and "--checkpoint" in capsys.readouterr().err
    bad = tmp_path / "bad.npz"
    np.savez(bad, vol=np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="'vol' and 'seg'"):
        fresh_brain.read_scan(bad)
    np.savez(bad, vol=np.zeros((2, 2, 2)), seg=np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="want two"):
        fresh_brain.read_scan(bad)


def test_fresh_brain_targets_merge_the_corpus_callosum(tmp_path, monkeypatch):
    """Each target gets its own value; the five corpus callosum segments become one."""
    import fresh_brain
    import numpy as np

    monkeypatch.setattr(fresh_brain, "SHAPE", (4, 4, 4))
    seg = np.zeros((4, 4, 4))
    seg[0, 0, :] = [251, 252, 253, 255]
    seg[1, 0, 0], seg[2, 0, 0], seg[3, 0, 0] = 2, 41, 85  # 41: right WM, not a target
    np.savez(tmp_path / "s.npz", vol=np.ones((4, 4, 4)), seg=seg)
    vol, lab = fresh_brain.read_scan(tmp_path / "s.npz")
    names = list(fresh_brain.TARGETS)
    assert vol.dtype == np.float32 and lab.dtype == np.uint8
    assert (lab[0, 0] == names.index("corpus_callosum") + 1).all()
    assert lab[1, 0, 0] == names.index("left_cerebral_white_matter") + 1
    assert lab[2, 0, 0] == 0
    assert lab[3, 0, 0] == names.index("optic_chiasm") + 1


def test_fresh_mr_refuses_a_bad_checkpoint_and_summary_takes_partial_looks(tmp_path, capsys):
    """A candidate checkpoint that does not exist, or that takes a baseline's name, is
    refused before anything is read; the looks summary shows the tests a file has."""
    import fresh_mr
    import second_looks_summary

    for bad in ("x=/no/such.pt", f"random-walker={__file__}", "=x"):
        with pytest.raises(SystemExit) as e:
            fresh_mr.main(["--data-dir", str(tmp_path), "--checkpoint", bad])
        assert e.value.code == 2
        assert "--checkpoint" in capsys.readouterr().err
    mr = json.loads((fresh_mr.OUT).read_text())["records"]
    looks = {"fresh_mr": [{**r, "engine": "cand"} for r in mr if r["engine"] == "shipped"]}
    f = tmp_path / "looks.json"
    f.write_text(json.dumps(looks))
    assert second_looks_summary.main([str(f)]) == 0
    out = capsys.readouterr().out
    mean = {  # R1 Dice@10 of the committed records
        e: sum(r["dice"][-1] for r in mr if r["engine"] == e and r["user"] == "R1") / 22
        for e in ("shipped", "random-walker")
    }
    s, rw = f"{mean['shipped']:.3f}", f"{mean['random-walker']:.3f}"
    assert f"| fresh_mr | R1 | 22 | {s} | {s} | {rw} | 0/22 |" in out  # itself: no wins
    assert "realdata" not in out
    f.write_text("{}")
    assert second_looks_summary.main([str(f)]) == 2


def test_scoreboard_matches_the_result_files():
    """docs/evaluation.md's scoreboard is what bench/scoreboard.py computes from the
    committed results, and it pools the targets of the tests after the held-out table for each
    model: the 57 targets of the fresh tests plus the organs its recipe was cross-validated
    on; a model has a cross-validation row exactly when its recipe has records there."""
    import scoreboard
    from second_looks_summary import read_records

    assert scoreboard.main(["--check"]) == 0
    body = scoreboard.table()
    # pooled: MR 22 + CTA 11 + brain 22 + lung 2 targets, plus the organs each recipe was
    # cross-validated on (25 for the previous one; the current one's folds as run)
    cv = read_records(scoreboard.ROOT / "bench" / "results" / "organ_cv_cpu.json")
    for model, (_, engine) in scoreboard.MODELS.items():
        k = len({r["target"] for r in cv if engine and r["engine"] == engine})
        assert f"| all but the held-out table | pooled targets | {model} | R1 | {57 + k} |" in body
        row = f"| organ cross-validation | each model's recipe refitted per fold | {model} |"
        assert (row in body) == (k > 0)
    assert f"| previous | R1 | {57 + 25} |" in body


def test_fresh_brain_merge_replaces_the_same_runs(tmp_path, capsys):
    """``--merge`` keeps ``--out``'s records and replaces those a part reruns (same target,
    engine and user), so a rerun of one engine split over two processes merges cleanly."""
    import fresh_brain

    committed = json.loads(fresh_brain.OUT.read_text())
    data, template = committed["data"], committed["records"][0]

    def rec(target, engine, user, d):
        return {**template, "target": target, "engine": engine, "user": user,
                "dice": [0.0] * 10 + [d]}  # fmt: skip

    out, a, b = tmp_path / "out.json", tmp_path / "a.json", tmp_path / "b.json"
    base = [rec(t, e, "R1", 0.5) for t in ("brain_csf", "brain_optic_chiasm")
            for e in ("shipped", "random-walker")]  # fmt: skip
    out.write_text(json.dumps({"data": data, "records": base}))
    a.write_text(json.dumps({"data": data, "records": [rec("brain_csf", "shipped", "R1", 0.9)]}))
    b.write_text(
        json.dumps({"data": data, "records": [rec("brain_optic_chiasm", "shipped", "R1", 0.8)]})
    )
    assert fresh_brain.main(["--merge", str(a), str(b), "--out", str(out)]) == 0
    got = {
        (r["target"], r["engine"]): r["dice"][-1] for r in json.loads(out.read_text())["records"]
    }
    assert len(got) == 4
    assert got["brain_csf", "shipped"] == 0.9 and got["brain_optic_chiasm", "shipped"] == 0.8
    assert got["brain_csf", "random-walker"] == 0.5


def test_organ_cv_merge_takes_disjoint_folds_of_one_recipe(tmp_path, capsys):
    """``--merge``: the folds and records of parts run as separate processes; parts with
    another recipe or the same fold are refused (exit 2) and nothing is written."""
    import organ_cv

    committed = json.loads(organ_cv.OUT.read_text())
    folds = {f["fold"]: f for f in committed["folds"]}

    def part(names, recipe=None):
        return {
            **committed,
            "protocol": {
                **committed["protocol"],
                "recipe": recipe or committed["protocol"]["recipe"],
            },
            "folds": [folds[n] for n in names],
            "records": [r for r in committed["records"] if r.get("fold") in names],
        }

    names = list(folds)  # the committed run's folds, split into two parts
    first, rest = names[: len(names) // 2], names[len(names) // 2 :]
    a, b, c, out = (tmp_path / f"{n}.json" for n in ("a", "b", "c", "out"))
    a.write_text(json.dumps(part(first)))
    b.write_text(json.dumps(part(rest)))
    assert organ_cv.main(["--merge", str(a), str(b), "--out", str(out)]) == 0
    merged = json.loads(out.read_text())
    assert [f["fold"] for f in merged["folds"]] == names
    assert sorted(map(json.dumps, merged["records"])) == sorted(
        json.dumps(r) for r in committed["records"] if r.get("fold") in names
    )
    n = len({r["target"] for r in merged["records"] if r["engine"] == organ_cv.ENGINE})
    assert f"| {organ_cv.ENGINE} | R1 | all | {n} |" in capsys.readouterr().out
    # into an existing file: its fold-model records (blended too) go, its other engines' stay
    extra = {**committed["records"][0], "engine": "kept-model", "target": "ct_x"}
    blended = {**committed["records"][0], "engine": organ_cv.BLEND_ENGINE, "target": "ct_y"}
    out.write_text(json.dumps({**committed, "records": [*committed["records"], extra, blended]}))
    assert organ_cv.main(["--merge", str(a), "--out", str(out)]) == 0
    again = json.loads(out.read_text())["records"]
    assert extra in again and blended not in again
    model = {r["target"] for r in again if r["engine"] == organ_cv.ENGINE}
    assert model == {r["target"] for r in part(first)["records"]}
    assert {r["target"] for r in again if r["engine"] == "random-walker"} == {
        r["target"] for r in committed["records"] if r["engine"] == "random-walker"
    }
    c.write_text(json.dumps(part(rest, recipe={"steps": 1})))
    for bad in ([a, c], [a, a], [a, tmp_path / "missing.json"]):
        assert organ_cv.main(["--merge", *map(str, bad), "--out", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()


def test_keep_previous_adds_an_engines_old_records_under_a_new_name(tmp_path, capsys):
    """The previous model's records join the file under their new name (replacing that
    name's records of the same target and user); the current ones are untouched."""
    import keep_previous

    rec = {"target": "t1", "user": "R1", "dice": [0.0, 0.5]}
    f = tmp_path / "r.json"
    f.write_text(json.dumps({"data": 1, "records": [{**rec, "engine": "shipped"}]}))
    old = [{**rec, "engine": "shipped", "dice": [0.0, 0.7]}, {**rec, "engine": "random-walker"}]
    assert keep_previous.keep(f, old, engine="shipped", name="prev") == 1
    assert keep_previous.keep(f, old, engine="shipped", name="prev") == 1  # idempotent
    d = json.loads(f.read_text())
    assert d["data"] == 1 and len(d["records"]) == 2
    assert {r["engine"]: r["dice"][-1] for r in d["records"]} == {"shipped": 0.5, "prev": 0.7}
    for bad in (
        ["--rev", "HEAD", "--name", "shipped", str(f)],
        ["--rev", "HEAD", "--name", "x", str(tmp_path / "missing.json")],
        ["--rev", "HEAD", "--name", "x", str(f)],
    ):  # fmt: skip  (f: outside the repo)
        with pytest.raises(SystemExit) as e:
            keep_previous.main(bad)
        assert e.value.code == 2
    assert json.loads(f.read_text()) == d  # refused before anything was written


def test_organ_cv_refuses_fewer_than_one_worker(tmp_path, capsys):
    """``--workers 0`` and a ``--blend`` weight outside (0, 1] are refused (exit 2, naming the
    option) before anything is trained."""
    import organ_cv

    for args, says in (
        (["--workers", "0"], "--workers must be at least 1"),
        (["--blend", "0"], "--blend must be in (0, 1]"),
        (["--blend", "1.5"], "--blend must be in (0, 1]"),
    ):
        with pytest.raises(SystemExit) as e:
            organ_cv.main([*args, "--out", str(tmp_path / "cv.json")])
        assert e.value.code == 2
        assert says in capsys.readouterr().err
    assert not (tmp_path / "cv.json").exists()
