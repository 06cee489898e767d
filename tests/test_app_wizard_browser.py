"""Real-browser check of issue 12's wizard defect: from Q8 on, the question and the Next
button stay above the fold of a 1400x1000 window (headless Debian chromium)."""

from __future__ import annotations

import pytest
from app_routes import leaf_routes
from test_app_browser import (  # the shared app/driver fixtures and helpers
    _choose,
    _click_key,
    _goto,
    _no_traceback,
    _wait_enabled,
    _wait_text,
    app_url,  # noqa: F401 - fixture
    driver,  # noqa: F401 - fixture
)

from taxonomy import NOT_SURE, load_taxonomy

pytestmark = [pytest.mark.browser, pytest.mark.slow]

_TOP = """
const h = document.querySelector('h1');
let p = h.parentElement;
while (p && !(p.scrollHeight > p.clientHeight &&
               ['auto', 'scroll'].includes(getComputedStyle(p).overflowY))) { p = p.parentElement; }
if (p) { p.scrollTop = 0; }
window.scrollTo(0, 0);
"""
_BOTTOM = "return arguments[0].getBoundingClientRect().bottom;"


@pytest.mark.timeout(900)
def test_question_and_next_above_the_fold_from_q8_on(app_url, driver):  # noqa: F811
    tax = load_taxonomy()
    route = leaf_routes()["T2.1.2.2.1"]  # Q1-Q5, Q6, Q7, Q8, Q10: the longest path
    driver.set_window_size(1400, 1000)
    _goto(driver, app_url + "/wizard", "Your path so far")
    checked = []
    for qid, option in route:
        q = tax.question(qid)
        _wait_text(driver, f"{qid}. {q.text}")
        if int(qid[1:]) >= 8:
            driver.execute_script(_TOP)
            height = driver.execute_script("return window.innerHeight;")
            heading = driver.find_element("xpath", f"//h3[contains(., '{qid}. ')]")
            nxt = driver.find_element("css selector", ".st-key-wiz_next button")
            assert driver.execute_script(_BOTTOM, heading) <= height, qid
            assert driver.execute_script(_BOTTOM, nxt) <= height, qid
            checked.append(qid)
        text = "Not sure (keep every branch)" if option == NOT_SURE else q.option(option).text
        _choose(driver, f"wiz_q_{qid}", text)
        _wait_enabled(driver, "wiz_next")
        _click_key(driver, "wiz_next")
    assert checked == ["Q8", "Q10"]
    _wait_text(driver, "Recommended leaf: T2.1.2.2.1")
    _no_traceback(driver)
