"""Recommendation reports in JSON and Markdown."""

from __future__ import annotations

import json

from recommender.engine import Recommendation
from taxonomy import Taxonomy, load_taxonomy

__all__ = ["to_json", "to_markdown", "format_citation"]


def to_json(rec: Recommendation, *, indent: int | None = 2) -> str:
    """Serialise a recommendation; keys include ``leaves, path, rationale, methods, pipeline``.

    Examples
    --------
    >>> from recommender.engine import recommend
    >>> d = json.loads(to_json(recommend({"Q12": "no-labeled-data"}, kb=False)))
    >>> sorted({"leaves", "path", "rationale", "methods", "pipeline"} - set(d))
    []
    """
    return json.dumps(rec.to_dict(), indent=indent, ensure_ascii=False, default=list)


def format_citation(c: dict) -> str:
    """One-line citation ``[ref] Authors. Title. Venue, details, year.``."""
    details = f", {c['details']}" if c.get("details") else ""
    year = "" if str(c["year"]) in details else f", {c['year']}"
    authors, title = c["authors"].rstrip("."), c["title"].rstrip(".")
    return f"[{c['ref']}] {authors}. {title}. {c['venue']}{details}{year}."


def _answers_table(rec: Recommendation, tax: Taxonomy) -> list[str]:
    """Markdown table of the applied answers, then the ignored ones."""
    lines = ["| Question | Answer |", "|---|---|"]
    for qid, ans in rec.answers.items():
        q = tax.question(qid)
        text = "not sure" if ans == "not-sure" else next(o.text for o in q.options if o.id == ans)
        lines.append(f"| {qid}. {q.text} | {text} (`{ans}`) |")
    for qid, why in rec.ignored.items():
        lines.append(f"| {qid} (ignored) | {why} |")
    return lines


def _methods_table(rec: Recommendation) -> list[str]:
    """Markdown table of the ranked methods followed by their full references."""
    if not rec.methods:
        return ["No methods listed (knowledge base not used or no method in these leaves)."]
    lines = [
        "| # | Method | Year | Leaf (provenance, confidence) | Source | Score | Why |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, m in enumerate(rec.methods, 1):
        src = (
            "recommended leaf"
            if m.source == "leaf"
            else f"fallback, same paradigm ({m.source}: {m.from_node}, distance {m.distance})"
        )
        if m.matches:
            src += "; matches your task"
        leaf = m.leaf or f"branch {m.from_node}"
        lines.append(
            f"| {i} | {m.name} [{m.ref}] | {m.year} | {leaf} ({m.leaf_provenance}, "
            f"{m.leaf_confidence}) | {src} | {m.score:g} | {'; '.join(m.explanation)} |"
        )
    lines += ["", "References:", ""]
    lines += [
        f"- {format_citation(m.citation)}" + (f" Code: {m.code_url}" if m.code_url else "")
        for m in rec.methods
    ]
    return lines


def _since_review_section(rec: Recommendation) -> list[str]:
    """Post-review methods, apart from the thesis's ranking (never scored against it)."""
    lines = [
        "## Since the review (August 2023 onwards)",
        "",
        "Published after the review's search date (31 July 2023); the leaf is our inference "
        "from the training code (provenance inferred), not the thesis's. Not ranked or counted "
        "with the reviewed methods above.",
        "",
    ]
    if not rec.since_review:
        return [*lines, "No post-review method is placed in these leaves."]
    lines += [
        "| Method | Year | Placed | Prompts | Matches | Code / weights licence | pip |",
        "|---|---|---|---|---|---|---|",
    ]
    for m in rec.since_review:
        placed = f"{m['relation']} {m['leaf'] or m['branch']} ({m['leaf_confidence']})"
        lines.append(
            f"| {m['name']} ({m['venue']}) | {m['year']} | {placed} | {', '.join(m['prompts'])} "
            f"| {', '.join(m['matched']) or '-'} | {m['code_licence']} / {m['weights_licence']} "
            f"| {', '.join(m['pip']) or '-'} |"
        )
    return lines


def _best_practice_section(rec: Recommendation) -> list[str]:
    """Best practice of thesis chapters 3-5 and 7 for the recommended leaves."""
    lines = ["## Best practice (thesis chapters 3-5 and 7)", ""]
    for b in rec.best_practice:
        where = "" if set(b["leaves"]) == set(rec.leaves) else f" [{', '.join(b['leaves'])}]"
        also = f"; see also lines {', '.join(map(str, b['also_lines']))}" if b["also_lines"] else ""
        lines.append(
            f"- **{b['topic']}**{where}: {b['advice']} (thesis line {b['thesis_line']}: "
            f'"{b["quote"]}"{also})'
        )
        if b.get("protocol"):
            p = b["protocol"]
            lines.append(f"  - {p['name']} (source: {p['source']}):")
            lines += [f"    - {f['key']}: {f['text']} ({f['source']})" for f in p["facts"]]
    return lines


def to_markdown(rec: Recommendation, *, taxonomy: Taxonomy | None = None) -> str:
    """Render a recommendation as a Markdown report (answers, path, rationale, methods,
    reference pipeline(s), caveats)."""
    tax = taxonomy or load_taxonomy()
    leaves = ", ".join(f"**{lf} {tax.node(lf).name}**" for lf in rec.leaves) or "none"
    status = (
        "complete" if rec.complete else f"incomplete (still to answer: {', '.join(rec.pending)})"
    )
    out = [
        "# Interactive segmentation recommendation",
        "",
        f"Recommended leaf/leaves: {leaves} ({status}).",
        "",
        "## Answers",
        "",
        *_answers_table(rec, tax),
        "",
        "## Path",
        "",
    ]
    out += [
        f"- {lf}: " + " → ".join(f"{n} {tax.node(n).name}" for n in p)
        for lf, p in rec.paths.items()
    ]
    if rec.warnings:
        out += ["", "## Warnings", ""]
        out += [f"- **{w.kind}** {w.text()}" for w in rec.warnings]
    out += ["", "## Rationale", ""]
    out += [f"{i}. {s.rationale}" for i, s in enumerate(rec.rationale, 1)]
    if rec.not_chosen:
        out += ["", "## Why not the others", ""]
        out += [f"- {n['node']} {n['name']}: {n['reason']}" for n in rec.not_chosen]
    q = {k: v for k, v in rec.query.items() if v}
    crit = ", ".join(f"{k} {v}" for k, v in q.items())
    out += [
        "",
        "## Methods reviewed in the thesis" + (f" (ranked for {crit})" if q else ""),
        "",
        *_methods_table(rec),
    ]
    out += ["", *_since_review_section(rec)]
    out += ["", *_best_practice_section(rec)]
    out += ["", "## Reference pipeline", ""]
    for p in rec.pipeline:
        out += [
            f"- **{p['id']}** (leaf {p['leaf']}): {p['description']} Interaction: "
            f"{p['interaction']}; guidance signal: {p['guidance_signal']}; robot user: "
            f"{p['robot_user']} ({p['robot_user_rule']}); training: {p['training_regime']}; "
            f"model: {p['model']}."
        ]
    out += ["", "## Caveats", "", *[f"- {c}" for c in rec.caveats], ""]
    return "\n".join(out)
