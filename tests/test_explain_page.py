"""The explanation page, opened in real headless Chromium (Debian's package): the verdict is there,
and the trace tree expands."""

from __future__ import annotations

import pytest

from browser_support import browser_only, start_chromium
from conftest import EXAMPLES

pytestmark = browser_only


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1200, 1600)
    yield driver
    driver.quit()


def test_page_shows_the_verdict_and_expands_the_trace(browser, run, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "explain.html"
    result = run("explain", EXAMPLES / "seed_invoice_small_1m.json", "-o", page)
    assert result.exit_code == 0
    assert "http://" not in page.read_text(encoding="utf-8") and "https://" not in page.read_text(encoding="utf-8")
    browser.get(page.as_uri())
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.text == "補助額が最も大きい枠: インボイス枠（インボイス対応類型） 750,000円"
    section = browser.find_element(By.ID, "frame-インボイス対応類型")
    # the rate and why it is that rate: the applicant is a 小規模事業者
    assert "625,000円 × 4/5（小規模事業者に該当するため） = 500,000円   (補助額 50万円 まで)".replace("   ", " ") in section.text.replace("   ", " ")
    first_rule = section.find_element(By.CSS_SELECTOR, "details.trace")
    assert first_rule.get_attribute("open") is None
    assert "従業員数が5人で" not in section.text  # collapsed: the condition is hidden
    first_rule.find_element(By.TAG_NAME, "summary").click()
    assert first_rule.get_attribute("open") == "true"
    assert "従業員数が5人で、中小企業者の範囲（小売業）の従業員上限（50人）以下です" in section.text


def test_page_in_english_for_an_ineligible_case(browser, run, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "explain-en.html"
    run("explain", EXAMPLES / "sme_manufacturing_one_over_capital_and_employees.json", "--lang", "en", "-o", page)
    browser.get(page.as_uri())
    assert browser.find_element(By.ID, "verdict").text == "No frame is eligible"
    section = browser.find_element(By.ID, "frame-通常枠")
    reasons = [li.text for li in section.find_elements(By.CSS_SELECTOR, "ul.reasons li")]
    assert reasons[1:] == ["capital is 300,000,001円; it must be at most 資本金上限 for 製造業 in SME limits by industry (300,000,000円)",
                           "employees is 301人; it must be at most 従業員上限 for 製造業 in SME limits by industry (300人)"]
    offers = [li.text for li in section.find_elements(By.CSS_SELECTOR, "ul.what-if li")]
    assert offers == ["eligible with capital 300,000,001円 → 300,000,000円 (subsidy 200,000円)",
                      "or eligible with employees 301人 → 300人 (subsidy 200,000円)"]
