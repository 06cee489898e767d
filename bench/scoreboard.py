"""The shipped click model, and the ones it replaced, against the random walker on every test.

Reads the committed result files of the held-out table (``bench/realdata.py``), the organ
cross-validation (``bench/organ_cv.py``, engine ``shipped-recipe``), and the fresh MR, CTA,
brain and lung tests; per test and robot user: targets, mean Dice@10 of the model and of the
random walker on the same targets, wins, and the bootstrap 95 % interval of the mean paired
difference (:func:`organ_cv.paired`), for the current model (engine ``shipped``) and the
ones before it (``shipped-unblended``, ``shipped-previous``, kept by
``bench/keep_previous.py``); a last row per model
pools the targets of every test but the held-out table (their names never repeat across
tests).  Writes the table between the ``scoreboard`` markers
of docs/evaluation.md; ``--check`` only compares (exit 1 when the doc is stale).

    python bench/scoreboard.py
"""

from __future__ import annotations

import argparse
import sys

from organ_cv import paired, paired_cells  # bench/ is on sys.path as a script
from realdata import DOC, ROOT, write_section
from second_looks_summary import read_records

BEGIN, END = "<!-- scoreboard -->", "<!-- /scoreboard -->"
#: test: (result file, what the test is to the models).
TESTS: dict[str, tuple[str, str]] = {
    "held-out table": ("realdata_cpu.json", "looked at while the models were designed"),
    "organ cross-validation": ("organ_cv_cpu.json", "each model's recipe refitted per fold"),
    "abdominal MR": ("fresh_mr_cpu.json", "fresh for the previous model; chose the other two"),
    "CT angiography": ("fresh_cta_cpu.json", "fresh for the previous model; chose the other two"),
    "brain MR": ("fresh_brain_cpu.json", "fresh for previous and unblended; chose the current"),
    "lung CT lesions": ("fresh_lung_cpu.json", "fresh for all three; chose nothing"),
}
#: model: its engine name in the result files, and in the organ cross-validation's, or None
#: where a model has no cross-validation (its rows there are left out).  The current model's
#: recipe is the unblended one's with each fold model blended 0.5 with the random walker
#: (``bench/organ_cv.py --blend 0.5``).
MODELS: dict[str, tuple[str, str | None]] = {
    "current": ("shipped", "shipped-recipe-blend"),
    "unblended": ("shipped-unblended", "shipped-recipe"),
    "previous": ("shipped-previous", "shipped-recipe-previous"),
}


def table() -> str:
    """The Markdown table (module docstring): one row per test, model and user."""
    lines = [
        "| test | status | model | user | targets | model Dice@10 | random-walker Dice@10 "
        "| wins | mean difference (95 % bootstrap) |",
        "|---|---|---|---|---:|---:|---:|---:|---|",
    ]
    files = {t: read_records(ROOT / "bench" / "results" / f) for t, (f, _) in TESTS.items()}
    for model, names in MODELS.items():
        pooled: list[dict] = []  # every test but the held-out table, the model renamed
        rows = []
        for test, (_, status) in TESTS.items():
            engine = names[1] if test == "organ cross-validation" else names[0]
            if engine is None:
                continue
            recs = files[test]
            rows.append((test, status, engine, recs))
            if test != "held-out table" and any(r["engine"] == engine for r in recs):
                pooled += [{**r, "engine": "model" if r["engine"] == engine else r["engine"]}
                           for r in recs if r["engine"] in (engine, "random-walker")]  # fmt: skip
        keys = [(r["target"], r["user"], r["engine"]) for r in pooled]
        if len(keys) != len(set(keys)):
            raise SystemExit("scoreboard: a target name repeats across tests; cannot pool them")
        rows.append(("all but the held-out table", "pooled targets", "model", pooled))
        for test, status, engine, recs in rows:
            for user in ("R1", "R4"):
                p = paired(recs, user, a=engine)
                if not p["n"]:
                    continue
                lines.append(f"| {test} | {status} | {model} | {user} | {paired_cells(p, engine)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="exit 1 if the doc's table is stale")
    args = p.parse_args(argv)
    body = table()
    if args.check:
        text = DOC.read_text()
        ok = f"{BEGIN}\n{body}\n{END}" in text
        print("scoreboard up to date" if ok else f"{DOC}: scoreboard is stale")
        return 0 if ok else 1
    write_section(BEGIN, END, body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
