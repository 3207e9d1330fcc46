"""The self-check page on a phone (390 px wide) and on a desktop (1280 px), in real headless Chromium:
nothing scrolls sideways, no select is cut off, and axe-core finds no accessibility violation before
and after a decision. With SERVE_SCREENSHOTS=docs/screenshots it also writes the screenshots
docs/serve.md shows (serve-390.png, serve-1280.png)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT
from test_serve_page import _by_id, open_page, submit_and_wait
from test_serve_support import Server

pytestmark = browser_only

SEED = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


def _axe_source() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(browser) -> list[str]:
    """axe-core's violations on the page as it stands: "rule: the first node's selector" each."""
    if not browser.execute_script("return !!window.axe"):
        browser.execute_script(_axe_source())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations.map("
        "(v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | '))));")
    return found


def fill_and_decide(browser, case: dict) -> None:
    """The answers of a case filled into the form (as loading a saved case does), then 判定する."""
    browser.execute_script("window.policyPage.fill(arguments[0]);", case)
    browser.execute_script("return window.policyPage.refresh()")
    submit_and_wait(browser)


def _wider_than_the_screen(browser) -> list[str]:
    return browser.execute_script(
        "const w = document.documentElement.clientWidth;"
        "return Array.from(document.querySelectorAll('select, input, table, button'))"
        ".filter((e) => e.offsetParent !== null && (e.getBoundingClientRect().right > w + 0.5 || e.getBoundingClientRect().left < -0.5))"
        ".map((e) => e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right));")


@pytest.mark.parametrize("width", [390, 1280])
def test_nothing_scrolls_sideways_and_every_control_fits_before_and_after_a_decision(server, tmp_path, width):
    browser = start_chromium(tmp_path / "profile", width, 900)
    try:
        open_page(browser, server.url + "/?year=2024")
        assert browser.execute_script("return document.scrollingElement.scrollWidth") <= width
        assert _wider_than_the_screen(browser) == []
        selects = browser.execute_script("return Array.from(document.querySelectorAll('select')).filter((s) => s.offsetParent !== null).length")
        assert selects >= 4  # the year, 組織形態, 業種, the frame: every one is inside the screen
        shots = os.environ.get("SERVE_SCREENSHOTS")
        fill_and_decide(browser, SEED)
        assert _by_id(browser, "result-verdict").text == "補助額が最も大きい枠: インボイス枠（インボイス対応類型） 750,000円"
        assert browser.execute_script("return document.scrollingElement.scrollWidth") <= width
        assert _wider_than_the_screen(browser) == []
        open_page(browser, server.url + "/?year=2024&lang=en")  # the English labels are longer
        assert browser.execute_script("return document.scrollingElement.scrollWidth") <= width
        assert _wider_than_the_screen(browser) == []
        browser.get(server.url + "/?year=2024")
        fill_and_decide(browser, SEED)
        if shots:  # docs/serve.md's screenshots: SERVE_SCREENSHOTS=docs/screenshots pytest tests/test_serve_page_phone.py
            Path(shots).mkdir(parents=True, exist_ok=True)
            browser.execute_script("document.getElementById('result').scrollIntoView()")
            browser.save_screenshot(str(Path(shots) / f"serve-{width}.png"))
    finally:
        browser.quit()


def test_axe_core_finds_no_violation_before_and_after_a_decision(server, tmp_path):
    browser = start_chromium(tmp_path / "profile", 1280, 1600)
    try:
        open_page(browser, server.url + "/?year=2024")
        assert axe_violations(browser) == []
        fill_and_decide(browser, SEED)
        browser.execute_script("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
        assert axe_violations(browser) == []
        open_page(browser, server.url + "/?year=2024&lang=en")
        assert axe_violations(browser) == []
    finally:
        browser.quit()
