"""End-to-end test of ``iseg app`` in a real (headless Debian) chromium.

Starts ``iseg app --headless`` on a free localhost port, walks the wizard to a leaf, runs
a small pipeline from the result, checks the rendered text and saves screenshots under
``docs/screenshots/``.  ``.ci/run`` installs ``chromium`` + ``chromium-driver``; where they
are missing this test fails (it is not skipped) unless ``ISEG_SKIP_BROWSER=1`` is set.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1400,1000",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"iseg app exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


@pytest.fixture(scope="module")
def app_url():
    """A running ``iseg app`` on localhost; torn down (whole process group) afterwards."""
    if os.environ.get("ISEG_SKIP_BROWSER") == "1":
        pytest.skip("ISEG_SKIP_BROWSER=1")
    port = _free_port()
    iseg = shutil.which("iseg")
    cmd = ([iseg] if iseg else [sys.executable, "-m", "app.cli"])
    cmd += ["app", "--headless", "--port", str(port), "--address", "127.0.0.1"]
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        _wait_health(f"http://127.0.0.1:{port}/_stcore/health", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.seek(0)
        tail = log.read()[-3000:]
        log.close()
        os.unlink(log.name)
        if "Traceback" in tail:
            print(tail)


@pytest.fixture(scope="module")
def driver():
    """Headless chromium through Debian's chromedriver, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not Path(CHROMEDRIVER).exists():
        pytest.fail(f"{CHROMEDRIVER} missing: apt-get install chromium chromium-driver")
    profile = tempfile.mkdtemp(prefix="iseg-chrome-")
    opts = webdriver.ChromeOptions()
    for a in CHROME_ARGS:
        opts.add_argument(a)
    opts.add_argument(f"--user-data-dir={profile}")
    if Path("/usr/bin/chromium").exists():
        opts.binary_location = "/usr/bin/chromium"
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- helpers
def _body(drv) -> str:
    return drv.find_element("tag name", "body").text


def _wait_text(drv, text: str, timeout: float = 60) -> None:
    """Wait until ``text`` is rendered and the app is not running a script."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if text in _body(drv) and not _running(drv):
            return
        time.sleep(0.3)
    raise AssertionError(f"{text!r} not rendered after {timeout} s; page shows:\n{_body(drv)[:2000]}")


def _running(drv) -> bool:
    return bool(drv.find_elements("css selector", '[data-testid="stStatusWidget"] *'))


def _click_key(drv, key: str, timeout: float = 30) -> None:
    """Click the button (or first clickable element) of the widget with ``key=``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        els = drv.find_elements("css selector", f".st-key-{key} button")
        if els and els[0].is_enabled():
            drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", els[0])
            els[0].click()
            return
        time.sleep(0.3)
    raise AssertionError(f"no enabled button with key {key!r}; page shows:\n{_body(drv)[:2000]}")


def _choose(drv, key: str, text: str, timeout: float = 30) -> None:
    """Click the radio option labelled ``text`` in the widget with ``key=``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        for label in drv.find_elements("css selector", f".st-key-{key} label"):
            if label.text.strip() == text:
                drv.execute_script("arguments[0].scrollIntoView({block: 'center'});", label)
                label.click()
                return
        time.sleep(0.3)
    raise AssertionError(f"no option {text!r} in {key!r}; page shows:\n{_body(drv)[:2000]}")


def _wait_enabled(drv, key: str, timeout: float = 30) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        els = drv.find_elements("css selector", f".st-key-{key} button")
        if els and els[0].is_enabled() and not _running(drv):
            return
        time.sleep(0.2)
    raise AssertionError(f"button {key!r} never enabled")


def _goto(drv, url: str, text: str) -> None:
    drv.get(url)
    _wait_text(drv, text)


def _wait_css(drv, selector: str, timeout: float = 60):
    """The first element matching ``selector``, once the app is idle."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        els = drv.find_elements("css selector", selector)
        if els and not _running(drv):
            return els[0]
        time.sleep(0.3)
    raise AssertionError(f"{selector!r} not found after {timeout} s; page shows:\n{_body(drv)[:2000]}")


_SCROLL_TO = """
const el = arguments[0];
el.scrollIntoView({block: 'start'});
let p = el.parentElement;
while (p && !(p.scrollHeight > p.clientHeight &&
               ['auto', 'scroll'].includes(getComputedStyle(p).overflowY))) { p = p.parentElement; }
if (p) { p.scrollTop = Math.max(0, p.scrollTop - 70); }
"""


def _shot(drv, name: str, *, top: str = "//h1", height: int = 1000) -> None:
    """Save ``docs/screenshots/<name>.png`` with the element at XPath ``top`` near the top."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    drv.set_window_size(1400, height)
    time.sleep(0.5)
    els = drv.find_elements("xpath", top) or drv.find_elements("tag name", "h1")
    if els:
        drv.execute_script(_SCROLL_TO, els[0])
    time.sleep(0.8)
    drv.save_screenshot(str(SHOTS / f"{name}.png"))
    drv.set_window_size(1400, 1000)


def _no_traceback(drv) -> None:
    body = _body(drv)
    assert "Traceback" not in body, body[:2000]
    assert not drv.find_elements("css selector", '[data-testid="stException"]')


# ---------------------------------------------------------------- tests
@pytest.mark.timeout(1200)
def test_wizard_to_leaf_then_run_a_small_pipeline(app_url, driver):
    from app_routes import leaf_routes

    from taxonomy import NOT_SURE, load_taxonomy

    tax = load_taxonomy()
    leaf = "T2.1.1.2"  # its pipeline is the cheapest to run afterwards
    _goto(driver, app_url + "/wizard", "Your path so far")
    for i, (qid, option) in enumerate(leaf_routes()[leaf]):
        q = tax.question(qid)
        _wait_text(driver, f"{qid}. {q.text}")
        text = "Not sure (keep every branch)" if option == NOT_SURE else q.option(option).text
        _choose(driver, f"wiz_q_{qid}", text)
        _wait_enabled(driver, "wiz_next")
        if i == 0:
            _shot(driver, "wizard_question")
        _click_key(driver, "wiz_next")
    _wait_text(driver, f"Recommended leaf: {leaf} {tax.node(leaf).name}")
    body = _body(driver)
    assert "Ranked methods" in body and "Pipeline to run" in body
    _no_traceback(driver)
    _shot(driver, "wizard_result", top="//*[contains(text(), 'Recommended leaf')]", height=1300)

    # From the result card to the run page, then the pipeline on the 'small' budget.
    _click_key(driver, "wiz_run_" + leaf.replace(".", "_"))
    _wait_text(driver, "Run a pipeline")
    _wait_css(driver, '.st-key-run_inter input[type="range"]')  # budget 'small', 5 interactions
    _wait_enabled(driver, "run_start")
    _click_key(driver, "run_start")
    t0 = time.monotonic()
    _wait_text(driver, "Slice viewer", timeout=1000)
    print(f"small pipeline run in the app: {time.monotonic() - t0:.1f} s")
    body = _body(driver)
    assert "Final Dice" in body and "AUC" in body, body[:3000]
    assert "simulated inputs so far" in body
    metrics = [m.text for m in driver.find_elements("css selector", '[data-testid="stMetric"]')]
    assert "Interactions\n5" in metrics, metrics
    _no_traceback(driver)
    _shot(driver, "run_pipeline", top="//h3[contains(., 'Result:')]", height=1300)
    _shot(driver, "run_viewer", top="//h3[contains(., 'Slice viewer')]", height=1000)


def test_database_taxonomy_graph(app_url, driver):
    _goto(driver, app_url + "/database", "methods match")
    _no_traceback(driver)
    _shot(driver, "database")
    _goto(driver, app_url + "/taxonomy", "methods at or below this node")
    _no_traceback(driver)
    _shot(driver, "taxonomy", height=1200)
    _goto(driver, app_url + "/graph", "Missing-baseline analysis")
    _no_traceback(driver)
    _shot(driver, "comparison_graph")


def test_home_and_benchmarks(app_url, driver):
    _goto(driver, app_url + "/", "Reviewed methods")
    assert "The review at a glance" in _body(driver)
    _no_traceback(driver)
    _shot(driver, "home")
    _goto(driver, app_url + "/benchmarks", "Benchmarks")
    _no_traceback(driver)
