"""AppTest tests of the Streamlit app: every page, the wizard, database filters, errors."""

from __future__ import annotations

import json

import pytest
from app_routes import leaf_routes
from streamlit.testing.v1 import AppTest

from app.components import bench_tables, explode_counts, filter_methods, to_bibtex
from app.jobs import Job
from app.state import REPO_ROOT
from recommender.engine import recommend
from taxonomy import NOT_SURE, load_taxonomy

ENTRY = str(REPO_ROOT / "app" / "streamlit_app.py")
PAGES = [
    "views/home.py",
    "views/wizard.py",
    "views/segment.py",
    "views/database.py",
    "views/taxonomy.py",
    "views/graph.py",
    "views/run_pipeline.py",
    "views/benchmarks.py",
]


def _app() -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _texts(at: AppTest) -> str:
    return "\n".join(
        [m.value for m in at.markdown]
        + [s.value for s in at.success]
        + [s.value for s in at.subheader]
        + [t.value for t in at.title]
    )


# ------------------------------------------------------------------ every page
@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads(page):
    at = _app()
    at.switch_page(page).run()
    _ok(at)
    assert at.title, "every page has a title"


def test_home_numbers_come_from_the_kb():
    at = _app()
    _ok(at)
    metrics = {m.label: m.value for m in at.metric}
    from kb import load_kb

    assert metrics["Reviewed methods"] == str(len(load_kb().methods))


# ------------------------------------------------------------------ wizard
ROUTES = leaf_routes()


def _answer(at: AppTest, qid: str, option: str) -> None:
    at.radio(key=f"wiz_q_{qid}").set_value(option).run()
    at.button(key="wiz_next").click().run()
    _ok(at)


def _wizard() -> AppTest:
    at = _app()
    at.switch_page("views/wizard.py").run()
    _ok(at)
    return at


def test_routes_cover_every_leaf():
    tax = load_taxonomy()
    assert set(ROUTES) == set(tax.leaves) and len(ROUTES) == 13
    for leaf, route in ROUTES.items():
        assert recommend(dict(route), kb=False).leaves == (leaf,)


@pytest.mark.parametrize("leaf", ["T1.1", "T2.1.2.2.1", "T3.2"])
def test_wizard_click_through_to_leaf(leaf):
    tax = load_taxonomy()
    at = _wizard()
    for qid, option in ROUTES[leaf]:
        assert at.subheader[-1].value.startswith(f"{qid}."), (qid, _texts(at))
        _answer(at, qid, option)
    assert at.success, _texts(at)
    assert f"{leaf} {tax.node(leaf).name}" in at.success[0].value
    assert any(b.key == f"wiz_run_{leaf.replace('.', '_')}" for b in at.button)
    md = at.get("download_button")
    assert len(md) == 2


@pytest.mark.parametrize("leaf", sorted(ROUTES))
def test_wizard_reaches_every_leaf(leaf):
    """Q1-Q5 seeded in the wizard's own state (STYLE rule 13), Q6-Q12 clicked."""
    tax = load_taxonomy()
    route = ROUTES[leaf]
    at = AppTest.from_file(ENTRY, default_timeout=60)
    seeded = dict(route[:5])
    at.session_state["wiz_answers"] = seeded
    at.session_state["wiz_order"] = list(seeded)
    at.run()
    at.switch_page("views/wizard.py").run()
    for qid, option in route[5:]:
        _answer(at, qid, option)
    assert at.success and f"{leaf} {tax.node(leaf).name}" in at.success[0].value


def test_wizard_change_drops_answers_that_no_longer_apply():
    at = _wizard()
    for qid, option in ROUTES["T2.1.2.2.1"]:
        _answer(at, qid, option)
    assert "Q10" in at.session_state["wiz_answers"]
    at.button(key="wiz_edit_Q7").click().run()
    assert at.subheader[-1].value.startswith("Q7.")
    _answer(at, "Q7", "non-iterative")
    answers = at.session_state["wiz_answers"]
    assert "Q10" not in answers and answers["Q7"] == "non-iterative"
    assert answers["Q8"] == "rule-based"  # Q8 is asked at T2.1.1 too, so it still applies
    assert "T2.1.1.2" in at.success[0].value


def test_wizard_not_sure_keeps_both_branches_and_back():
    at = _wizard()
    route = ROUTES["T2.1.2.1.1"]
    for qid, option in route[:-1]:
        _answer(at, qid, option)
    assert at.subheader[-1].value.startswith("Q9.")
    _answer(at, "Q9", NOT_SURE)
    text = at.success[0].value
    assert "T2.1.2.1.1" in text and "T2.1.2.1.2" in text
    at.button(key="wiz_back").click().run()
    _ok(at)
    assert at.subheader[-1].value.startswith("Q9.")
    assert at.radio(key="wiz_q_Q9").value == NOT_SURE  # the taken-back answer is pre-selected
    assert "Q9" not in at.session_state["wiz_answers"]


def test_wizard_filters_rank_methods():
    at = _wizard()
    for qid, option in ROUTES["T2.1.2.1.2"]:
        _answer(at, qid, option)
    at.selectbox(key="wiz_f_modality").select("CT").run()
    _ok(at)
    assert at.session_state["wiz_filters"]["modality"] == "CT"
    assert "modality CT" in _texts(at)


# ------------------------------------------------------------------ database
def test_database_filters():
    from kb import load_kb

    df = load_kb().methods_df()
    at = _app()
    at.switch_page("views/database.py").run()
    _ok(at)
    assert f"**{len(df)}** of {len(df)} methods match." in _texts(at)
    at.multiselect(key="db_modalities").select("CT").run()
    n_ct = int(df["modalities"].map(lambda m: "CT" in m).sum())
    assert 0 < n_ct < len(df)
    assert f"**{n_ct}** of {len(df)} methods match." in _texts(at)
    at.text_input(key="db_text").input("DeepEdit").run()
    _ok(at)
    assert "**1** of" in _texts(at)
    assert (
        "DeepEdit" in at.selectbox(key="db_detail").value
        or "deepedit" == at.selectbox(key="db_detail").value
    )
    assert "**Evidence:**" in _texts(at)


def test_filter_helpers():
    from kb import load_kb

    df = load_kb().methods_df()
    both = filter_methods(df, list_filters={"interactions": ["clicks"], "modalities": ["MRI"]})
    assert all(
        "clicks" in i and "MRI" in m
        for i, m in zip(both.interactions, both.modalities, strict=True)
    )
    assert len(filter_methods(df, years=(2016, 2016))) == int((df.year == 2016).sum())
    counts = explode_counts(df, "interactions")
    assert counts["methods"].sum() == df["interactions"].map(len).sum()
    bib = to_bibtex([load_kb().method(1)])  # the app calls kb's one BibTeX writer
    assert bib.startswith("@article{deepcut,") and "author = {Martin Rajchl and others}" in bib


# ------------------------------------------------------------------ taxonomy, graph
def test_taxonomy_node_details():
    at = _app()
    at.switch_page("views/taxonomy.py").run()
    at.selectbox(key="tax_node").select("T2.1.2.1").run()
    _ok(at)
    text = _texts(at)
    assert "Q9" in text and "T2.1.2.1.2" in text
    dot = at.get("graphviz_chart")[0].proto.spec
    assert '"T2.1.2.1" [label="T2.1.2.1' in dot and "gold" in dot


def test_graph_leaf_filter():
    at = _app()
    at.switch_page("views/graph.py").run()
    _ok(at)
    before = int(at.metric[0].value)
    at.multiselect(key="graph_leaf").select("T3.2").run()
    _ok(at)
    assert 0 < int(at.metric[0].value) < before
    dot = at.get("graphviz_chart")[0].proto.spec
    from taxonomy.graph import build_comparison_graph

    g = build_comparison_graph()
    t32 = [
        d["ref"]
        for n, d in g.nodes(data=True)
        if d["kind"] == "reviewed" and d["leaf"] == "T3.2" and g.degree(n) > 0
    ]
    assert t32 and all(f'label="[{r}]"' in dot for r in t32)
    assert any("Leaf colours:" in m.value and "T3.2" in m.value for m in at.markdown)


# ------------------------------------------------------------------ benchmarks, errors
def test_benchmarks_page_shows_tables(tmp_path, monkeypatch):
    doc = {
        "device": "cpu",
        "rows": [{"name": "edt", "speedup": 3.5}, {"name": "gdt", "speedup": 1.2}],
    }
    (tmp_path / "demo.json").write_text(json.dumps(doc))
    (tmp_path / "broken.json").write_text("{")
    import app.state

    monkeypatch.setattr(app.state, "BENCH_DIR", tmp_path)
    at = _app()
    at.switch_page("views/benchmarks.py").run()
    assert not at.exception
    at.selectbox(key="bench_file").select("demo").run()
    _ok(at)
    assert len(at.dataframe) >= 2
    at.selectbox(key="bench_file").select("broken").run()
    assert not at.exception and "Could not read" in at.error[0].value
    titles = [t for t, _ in bench_tables(doc)]
    assert titles == ["summary", "rows"]


def test_page_errors_are_messages_not_tracebacks(monkeypatch):
    import app.state

    def boom():
        raise ValueError("the knowledge base is broken")

    monkeypatch.setattr(app.state, "methods_df", boom)
    at = _app()
    at.switch_page("views/database.py").run()
    assert not at.exception
    assert "the knowledge base is broken" in at.error[0].value


# ------------------------------------------------------------------ run a pipeline
def test_run_page_upload_errors_are_messages():
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    _ok(at)
    at.radio(key="run_source").set_value("upload").run()
    # no type filter in the widget: a wrong type reaches the server and is named (the
    # browser's uploader would refuse it silently and the page said "no file")
    assert list(at.file_uploader(key="run_up_image").proto.type) == []
    at.button(key="run_start").click().run()
    assert not at.exception
    msg = at.error[0].value
    assert "no image file was uploaded" in msg and "at most" in msg and "MB" in msg
    at.file_uploader(key="run_up_image").upload("evil.py", b"import os").run()
    at.file_uploader(key="run_up_label").upload("label.nrrd", b"x").run()
    at.button(key="run_start").click().run()
    assert not at.exception and "'evil.py': unsupported file type" in at.error[0].value


def _tiny_budget(monkeypatch):
    """Shrink the 'small' budget so a real pipeline run takes seconds (the code path is
    unchanged: data generation, training, robot-user evaluation, outputs)."""
    from dataclasses import replace

    from reference_impl.pipelines import _base

    small = _base.BUDGETS["small"]
    monkeypatch.setitem(
        _base.BUDGETS,
        "small",
        replace(
            small,
            shape=(24, 24, 24),
            roi=(24, 24, 24),
            n_train=2,
            n_eval=1,
            steps=3,
            train_rounds=1,
            al_rounds=1,
            al_start=1,
            al_query=1,
            al_steps=2,
            online_steps=2,
        ),
    )


def _record_temp_dirs(monkeypatch) -> list:
    import tempfile

    made, real = [], tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    return made


def test_run_page_runs_a_small_pipeline_from_the_wizard(monkeypatch):
    from pathlib import Path

    _tiny_budget(monkeypatch)
    made = _record_temp_dirs(monkeypatch)
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.session_state["run_leaf"] = "T2.1.1.2"  # as set by the wizard's "Run …" button
    at.run()
    at.switch_page("views/run_pipeline.py").run()
    _ok(at)
    assert at.selectbox(key="run_leaf_select").value == "T2.1.1.2"
    at.slider(key="run_inter").set_value(2).run()
    at.button(key="run_start").click().run()
    _ok(at)
    job = at.session_state["run_job"]
    assert job.wait(300), "the small run did not finish in 300 s"
    assert job.status == "done", job.error
    at.run()
    _ok(at)
    res = job.result
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Final Dice"] == f"{res.final_dice:.3f}"
    assert metrics["Interactions"] == "2" and len(res.predictions) == 3
    assert 0.0 <= res.final_dice <= 1.0 and res.auc is not None
    # outputs are downloadable from memory; the run's temporary folder is gone
    assert {"metrics.json", "dice_curve.png", "overlay.png", "segmentation.nii.gz"} <= set(
        res.files
    )
    labels = {b.label for b in at.get("download_button")}
    assert {"All (.zip)", "metrics.json", "segmentation.nii.gz"} <= labels, labels
    runs = [d for d in made if Path(d).name.startswith("iseg-run-")]
    assert runs and not any(Path(d).exists() for d in runs)
    assert not any("/tmp" in c.value for c in at.caption)
    at.slider(key=f"run_view_k_{res.run_id}").set_value(1).run()
    _ok(at)
    assert any("simulated inputs so far" in c.value for c in at.caption)


def _finished(res) -> Job:
    job = Job(lambda progress, cancel: res, label="fake").start()
    assert job.wait(5)
    return job


def _fake_result(run_id: int, click_z: int, shape=(12, 16, 16)):
    import numpy as np

    from app.runner import RunResult
    from reference_impl.interactions import Click

    lab = np.zeros(shape, np.uint8)
    lab[3:9, 4:12, 4:12] = 1
    clicks = [
        [],
        [Click(1, (click_z, 8, 8))],
        [Click(1, (click_z, 8, 8)), Click(0, (click_z, 1, 1))],
    ]
    return RunResult(
        "fake-pipeline",
        "T2.1.1.2",
        "vol",
        "cpu",
        [0.0, 0.5, 0.7],
        0.5,
        0.7,
        np.random.default_rng(0).normal(size=shape).astype(np.float32),
        lab,
        [lab * 0, lab, lab],
        clicks,
        step_dice=[0.0, 0.5, 0.7],
        run_id=run_id,
        files={"metrics.json": b"{}"},
    )


def test_viewer_slider_starts_fresh_for_each_run():
    """Issue 12: the 'Slice (z)' key was reused across runs, so a second result showed the
    first one's slice number."""
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.session_state["run_job"] = _finished(_fake_result(101, click_z=5))
    at.run()
    _ok(at)
    z_sliders = [s for s in at.slider if s.label == "Slice (z)"]
    assert z_sliders[0].value == 5
    z_sliders[0].set_value(10).run()
    assert any(c.value.startswith("Slice 10,") for c in at.caption)
    at.session_state["run_job"] = _finished(_fake_result(102, click_z=3))
    at.run()
    _ok(at)
    z = [s for s in at.slider if s.label == "Slice (z)"][0]
    assert z.value == 3, "the new result must show its own default slice"
    assert any(c.value.startswith("Slice 3,") for c in at.caption)


def test_viewer_sliders_live_in_a_fragment(monkeypatch):
    """Issue 12: moving a viewer slider re-ran the whole page (2.8-4.5 s a step).  The
    sliders must be drawn inside an ``st.fragment`` body, so that Streamlit reruns only the
    fragment (AppTest itself always reruns everything, hence this structural check)."""
    import functools

    import streamlit as st
    from streamlit.delta_generator import DeltaGenerator

    depth, seen = [0], {}
    real_fragment, real_slider = st.fragment, DeltaGenerator.slider

    def fragment(func=None, **kwargs):
        def deco(f):
            @functools.wraps(f)
            def inner(*a, **k):
                depth[0] += 1
                try:
                    return f(*a, **k)
                finally:
                    depth[0] -= 1

            return real_fragment(inner, **kwargs)

        return deco(func) if func is not None else deco

    def slider(self, label, *args, **kwargs):
        seen[label] = depth[0] > 0
        return real_slider(self, label, *args, **kwargs)

    monkeypatch.setattr(st, "fragment", fragment)
    monkeypatch.setattr(DeltaGenerator, "slider", slider)
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.session_state["run_job"] = _finished(_fake_result(103, click_z=5))
    at.run()
    _ok(at)
    assert seen["Slice (z)"] and seen["After interaction"], seen
    assert not seen["Interactions"]  # the form's slider is not in the fragment


def test_leaving_the_run_page_keeps_the_form(shared_data):
    """Issue 12: leaf, data source, sample and uploads survive a visit to another page."""
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.selectbox(key="run_leaf_select").select("T3.1").run()
    at.radio(key="run_source").set_value("sample").run()
    at.selectbox(key="run_case").select("mr_brain2").run()
    at.slider(key="run_inter").set_value(3).run()
    at.switch_page("views/home.py").run()
    at.switch_page("views/run_pipeline.py").run()
    _ok(at)
    assert at.selectbox(key="run_leaf_select").value == "T3.1"
    assert at.radio(key="run_source").value == "sample"
    assert at.selectbox(key="run_case").value == "mr_brain2"
    assert at.slider(key="run_inter").value == 3
    at.radio(key="run_source").set_value("upload").run()
    d = shared_data / "pyradiomics_lesions"
    at.file_uploader(key="run_up_image").upload("b1.nrrd", (d / "breast1_image.nrrd").read_bytes())
    at.run()
    at.switch_page("views/home.py").run()
    at.switch_page("views/run_pipeline.py").run()
    _ok(at)
    assert at.radio(key="run_source").value == "upload"
    assert any("Kept from before: `b1.nrrd`" in c.value for c in at.caption)


@pytest.mark.slow
@pytest.mark.parametrize("leaf", sorted(ROUTES))
def test_every_leaf_result_renders(leaf, monkeypatch):
    """Issue 12: every leaf's real result renders in the viewer (T2.1.2.2.4's slice
    corrections crashed it), at every step."""
    import threading

    from app.runner import execute

    _tiny_budget(monkeypatch)
    res = execute(
        leaf,
        "synthetic",
        device="cpu",
        budget="small",
        interactions=2,
        seed=0,
        progress=lambda f, m: None,
        cancel=threading.Event(),
    )
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.session_state["run_job"] = _finished(res)
    at.run()
    _ok(at)
    assert at.subheader[0].value.startswith(f"Result: {res.pipeline_id}")
    key = f"run_view_k_{res.run_id}"
    for step in range(int(at.slider(key=key).max) + 1):
        at.slider(key=key).set_value(step).run()
        _ok(at)
        assert any("simulated inputs so far" in c.value for c in at.caption)


def test_the_favicon_is_not_fetched_from_the_internet(monkeypatch):
    """Issue 12: a ``:material/...:`` favicon is fetched from fonts.gstatic.com.  The page
    icon is set (as an emoji, drawn locally) before ``st.navigation``, so that no page's
    material icon becomes the favicon either (the browser test checks the requests)."""
    import streamlit as st

    calls = []
    real_nav, real_config = st.navigation, st.set_page_config

    def navigation(*args, **kwargs):
        calls.append(("navigation", None))
        return real_nav(*args, **kwargs)

    def config(*args, **kwargs):
        calls.append(("config", kwargs.get("page_icon")))
        return real_config(*args, **kwargs)

    monkeypatch.setattr(st, "navigation", navigation)
    monkeypatch.setattr(st, "set_page_config", config)
    at = _app()
    _ok(at)
    assert calls[0][0] == "config" and calls[1][0] == "navigation", calls
    icon = calls[0][1]
    assert icon and not str(icon).startswith(":") and not str(icon).startswith("http"), icon


def test_run_page_cancel(monkeypatch):
    """Cancelling stops the background run and the page says so."""
    import threading

    import app.runner

    started = threading.Event()

    def slow(leaf, volume, *, progress, cancel, **kwargs):
        started.set()
        for i in range(3000):
            progress(i / 3000, f"step {i}")
            cancel.wait(0.01)
        raise AssertionError("not cancelled")

    monkeypatch.setattr(app.runner, "execute", slow)
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.button(key="run_start").click().run()
    assert started.wait(10)
    at.button(key="run_cancel").click().run()
    job = at.session_state["run_job"]
    assert job.wait(10) and job.status == "cancelled"
    at.run()
    assert not at.exception and "cancelled" in at.warning[0].value


def test_callback_errors_are_messages():
    script = """
import streamlit as st
from app.state import safe_callback, show_callback_error

show_callback_error()


@safe_callback
def boom():
    raise ValueError("bad click")


st.button("x", key="b", on_click=boom)
"""
    at = AppTest.from_string(script, default_timeout=30).run()
    at.button(key="b").click().run()
    assert not at.exception
    assert "That action failed: bad click" in at.error[0].value
    at.run()
    assert not at.error  # shown once


def test_run_page_passes_the_chosen_sample(monkeypatch, shared_data):
    import app.runner

    seen = {}

    def capture(leaf, volume, **kwargs):
        seen.update(leaf=leaf, data=volume, **kwargs)
        raise ValueError("stop here")

    monkeypatch.setattr(app.runner, "execute", capture)
    at = _app()
    at.switch_page("views/run_pipeline.py").run()
    at.radio(key="run_source").set_value("sample").run()
    at.selectbox(key="run_case").select("mr_breast1").run()
    at.selectbox(key="run_leaf_select").select("T2.1.2.1.2").run()
    at.button(key="run_start").click().run()
    job = at.session_state["run_job"]
    assert job.wait(10) and job.status == "failed" and "stop here" in job.error
    assert seen["leaf"] == "T2.1.2.1.2" and seen["data"] == "mr_breast1"
    assert seen["budget"] == "small" and seen["interactions"] == 5
    at.run()
    assert not at.exception and "The run failed: ValueError: stop here" in at.error[0].value
