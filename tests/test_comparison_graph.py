"""Tests of the comparison graph (thesis Figure 42) and ``iseg graph``."""

from __future__ import annotations

import json
from types import SimpleNamespace

import matplotlib.image as mpimg
import networkx as nx
import pytest

from app.cli import main
from kb import load_kb
from kb.provenance import Source
from taxonomy import graph as cg


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def g(kb):
    return cg.build_comparison_graph(kb)


def _toy_kb():
    """Five hand-made methods and two external nodes with known answers for every analytic."""
    src = Source(kind="inferred", ref="test", note="toy graph")

    def m(ref, mid, year, leaf, status, compared_to):
        return SimpleNamespace(
            ref=ref,
            id=mid,
            name=mid.upper(),
            year=year,
            comparison_status=status,
            leaf=SimpleNamespace(id=leaf, branch=None, provenance="inferred"),
            compared_to=compared_to,
        )

    methods = [
        m(1, "a", 2018, "T3.1", "known", []),
        m(2, "b", 2019, "T3.1", "known", []),
        m(3, "c", 2020, "T3.1", "known", []),
        m(4, "d", 2021, "T3.1", "none", []),
        m(5, "e", 2022, "T3.2", "unknown", []),
    ]
    ext = [
        SimpleNamespace(id="graph-cut", name="Graph Cuts", kind="classical", description=None),
        SimpleNamespace(id="unet", name="U-Net", kind="non-interactive", description=None),
    ]
    edges = [
        SimpleNamespace(from_=2, to=1, source=src),
        SimpleNamespace(from_=3, to="graph-cut", source=src),
        SimpleNamespace(from_=1, to="graph-cut", source=src),
        SimpleNamespace(from_=2, to="unet", source=src),
    ]
    return SimpleNamespace(methods=methods, external_nodes=ext, comparisons=edges)


def test_toy_analytics():
    g = cg.build_comparison_graph(_toy_kb())
    assert g.number_of_nodes() == 7 and g.number_of_edges() == 4
    assert [r["id"] for r in cg.no_comparison(g)] == ["d", "e"]
    assert [r["status"] for r in cg.no_comparison(g)] == ["none", "unknown"]
    # a and c compared only against Graph Cuts; b also against a reviewed method
    assert [r["id"] for r in cg.only_external(g)] == ["a", "c"]
    pairs = {(r["newer"], r["older"]) for r in cg.missing_baselines(g)}
    assert pairs == {("c", "a"), ("c", "b"), ("d", "a"), ("d", "b"), ("d", "c")}
    top = cg.most_compared_against(g, n=2)
    assert top[0] == {"id": "graph-cut", "name": "Graph Cuts", "kind": "classical", "in_degree": 2}


def test_unknown_edge_target_rejected():
    kb = _toy_kb()
    kb.comparisons.append(SimpleNamespace(from_=1, to="nope", source=None))
    with pytest.raises(ValueError, match="comparison edge 1 -> 'nope' names an unknown node"):
        cg.build_comparison_graph(kb)


def test_real_graph_matches_kb(kb, g):
    t = cg.thesis_view(g)
    assert sum(d["kind"] == "reviewed" for _, d in g.nodes(data=True)) == len(kb.methods)
    assert t.number_of_nodes() == len(kb.methods) + len(kb.external_nodes)
    assert t.number_of_edges() == len({(e.from_, str(e.to)) for e in kb.comparisons})
    for m in kb.methods:
        assert set(g.successors(m.id)) == set(m.compared_to), m.id
    summary = cg.graph_summary(g)
    no_cmp = {r["id"] for r in summary["no_comparison"]}
    assert no_cmp == {m.id for m in kb.methods if not m.compared_to}


def test_post_review_methods_are_in_the_graph_but_never_in_the_thesis_counts(kb, g):
    post = [n for n, d in g.nodes(data=True) if d["kind"] == "post-review"]
    assert len(post) == len(kb.post_review) >= 25
    assert all(g.nodes[n]["beyond_review"] for n in post)
    for m in kb.post_review:
        assert set(g.successors(m.id)) == set(m.compared_to), m.id
        assert all(g.edges[m.id, t]["post_review"] for t in m.compared_to)
    bare = cg.build_comparison_graph(kb, post_review=False)
    with_post, without = cg.graph_summary(g), cg.graph_summary(bare)
    for key in (
        "n_reviewed",
        "n_external",
        "n_edges",
        "no_comparison",
        "only_external",
        "missing_baselines",
        "most_compared_against",
    ):
        assert with_post[key] == without[key], key
    assert with_post["since_review"]["n_methods"] == len(kb.post_review)
    assert with_post["since_review"]["n_edges"] == sum(len(m.compared_to) for m in kb.post_review)
    assert without["since_review"] == {"n_methods": 0, "n_edges": 0, "most_compared_against": []}


def test_exports_round_trip(g, tmp_path):
    data = json.loads(cg.to_json(g))
    assert len(data["nodes"]) == g.number_of_nodes() and "analytics" in data
    path = tmp_path / "g.graphml"
    cg.write_graphml(g, path)
    back = nx.read_graphml(path)
    assert back.number_of_nodes() == g.number_of_nodes()
    assert back.number_of_edges() == g.number_of_edges()


def test_png_layout_orders_years_and_labels_names(g, tmp_path):
    from taxonomy import graph_draw

    pos, ticks = graph_draw.layout(g)
    years = sorted({d["year"] for _, d in g.nodes(data=True) if d["kind"] == "reviewed"})
    xs = {
        y: [pos[n][0] for n, d in g.nodes(data=True) if d["kind"] == "reviewed" and d["year"] == y]
        for y in years
    }
    for a, b in zip(years, years[1:], strict=False):
        assert max(xs[a]) < min(xs[b])
    post_x = [pos[n][0] for n, d in g.nodes(data=True) if d["kind"] == "post-review"]
    assert min(post_x) > max(xs[years[-1]])  # the methods since the review come last
    assert any(label.endswith("*") for _, label in ticks)
    assert len(set(pos.values())) == g.number_of_nodes()  # no two nodes on top of each other
    for n, d in g.nodes(data=True):
        label = graph_draw.node_label(g, n)
        assert label.replace("\n", " ") == (
            f"{d['name']} [{d['ref']}]" if d["kind"] == "reviewed" else d["name"]
        )  # full names: never truncated
    out = tmp_path / "g.png"
    cg.draw_png(g, out, dpi=40)
    assert mpimg.imread(out).shape[1] > 400


def test_cli_graph(capsys, tmp_path, g):
    assert main(["graph", "--missing-baselines"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = cg.missing_baselines(g)
    assert (
        lines[-1].startswith(f"{len(rows)} missing-baseline pairs") and len(lines) == len(rows) + 1
    )
    r = rows[0]
    assert lines[0] == (
        f"{r['leaf']}: {r['newer']} [{r['newer_ref']}] never compared against "
        f"{r['older']} [{r['older_ref']}]"
    )
    assert main(["graph", "--format", "png"]) == 2
    assert "--format png needs --out FILE" in capsys.readouterr().err
    out = tmp_path / "g.graphml"
    assert main(["graph", "--format", "graphml", "--out", str(out)]) == 0 and out.exists()
    assert main(["graph", "--format", "graphml", "--out", str(out)]) == 2  # never overwritten
    assert "file exists" in capsys.readouterr().err


def test_cli_missing_baselines_honours_format_and_out(capsys, tmp_path, g):
    rows = cg.missing_baselines(g)
    assert main(["graph", "--missing-baselines", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == rows
    out = tmp_path / "mb.json"
    assert main(["graph", "--missing-baselines", "--format", "json", "--out", str(out)]) == 0
    assert capsys.readouterr().out == "" and json.loads(out.read_text()) == rows
    png = tmp_path / "mb.png"
    assert main(["graph", "--missing-baselines", "--format", "png", "--out", str(png)]) == 0
    assert mpimg.imread(png).shape[1] > 400
    assert main(["graph", "--missing-baselines", "--format", "graphml", "--out", "x"]) == 2
    assert "not available with --missing-baselines" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mb.json", "mb.png"]
