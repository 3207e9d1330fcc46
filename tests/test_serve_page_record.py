"""What the self-check page keeps and prints, in real headless Chromium: answers survive a reload,
a language switch and a year switch (the year select itself does not leave the page); 「入力を消去」
asks first; only an error span with a message is an alert; a saved case loads back into the form;
and every eligible example prints on at most two A4 pages with the verdict, the amounts, 自己負担額,
the answers given, the date and the disclaimer."""

from __future__ import annotations

import base64
import datetime
import json
import re

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT
from test_serve_page import _by_id, answer, choose, open_page, settle, submit_and_wait, type_into
from test_serve_page_phone import fill_and_decide
from test_serve_support import Server

pytestmark = browser_only

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1200, 1800)
    yield driver
    driver.quit()


def value(browser, ident: str) -> str:
    return _by_id(browser, ident).get_attribute("value")


def test_answers_survive_a_reload_a_language_switch_and_a_year_switch(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(browser, server.url + "/?year=2024")
    choose(browser, "q-申請者.組織形態", "株式会社・合同会社等の会社")
    choose(browser, "q-申請者.業種", "小売業")
    type_into(browser, "q-申請者.資本金", "1000万")
    type_into(browser, "q-申請者.従業員数", "5")
    answer(browser, "q-申請要件.国内で事業を営む", True)
    browser.refresh()
    settle(browser)
    assert value(browser, "q-申請者.業種") == "小売業" and value(browser, "q-申請者.資本金") == "1000万"
    assert value(browser, "q-申請者.従業員数") == "5"
    assert _by_id(browser, "q-申請要件.国内で事業を営む").find_element(By.CSS_SELECTOR, 'input[value="true"]').is_selected()

    _by_id(browser, "lang-switch").click()
    settle(browser)
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "en"
    assert value(browser, "q-申請者.業種") == "小売業" and value(browser, "q-申請者.資本金") == "1000万"

    # choosing another year does not leave the page (WCAG 3.2.2); its button does, and the answers stay
    Select(_by_id(browser, "year")).select_by_value("2025")
    assert browser.current_url == server.url + "/?lang=en&year=2024"
    _by_id(browser, "year-switch").click()
    settle(browser)
    assert "year=2025" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "h1").text.startswith("IT導入補助金2025")
    assert value(browser, "q-申請者.業種") == "小売業" and value(browser, "q-申請者.従業員数") == "5"


def test_clearing_the_answers_asks_first(server, browser):
    open_page(browser, server.url + "/?year=2024")
    type_into(browser, "q-申請者.従業員数", "30")
    _by_id(browser, "reset").click()
    alert = browser.switch_to.alert
    assert alert.text == "入力した内容をすべて消去します。よろしいですか？"
    alert.dismiss()
    assert value(browser, "q-申請者.従業員数") == "30"
    _by_id(browser, "reset").click()
    browser.switch_to.alert.accept()
    settle(browser)
    assert value(browser, "q-申請者.従業員数") == ""
    browser.refresh()
    settle(browser)
    assert value(browser, "q-申請者.従業員数") == ""  # nothing kept after clearing


def test_only_an_error_span_with_a_message_is_an_alert(server, browser):
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, server.url + "/?year=2024")
    alerts = "return Array.from(document.querySelectorAll('.err[role=alert]')).map((e) => [e.id, e.textContent])"
    assert browser.execute_script(alerts) == []
    type_into(browser, "q-経費[0].金額", "百万円")
    _by_id(browser, "submit").click()
    WebDriverWait(browser, 30).until(lambda b: b.execute_script(alerts))
    assert browser.execute_script(alerts) == [["e-q-経費[0].金額", "金額として読めません（例: 1,000,000 または 100万円）"]]


def test_a_saved_case_loads_back_into_the_form_and_decides_the_same(server, browser, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    open_page(browser, server.url + "/?year=2024")
    _by_id(browser, "load-case").send_keys(str(ROOT / "examples" / "seed_invoice_small_1m.json"))
    WebDriverWait(browser, 30).until(lambda b: _by_id(b, "load-status").text)
    settle(browser)
    assert _by_id(browser, "load-status").text == "保存した回答を読み込みました"
    assert value(browser, "q-申請者.業種") == "小売業" and value(browser, "q-申請者.資本金") == "10,000,000"
    assert value(browser, "q-経費[0].区分") == "ソフトウェア" and value(browser, "q-経費[0].金額") == "1,000,000"
    submit_and_wait(browser)
    assert _by_id(browser, "result-verdict").text == "補助額が最も大きい枠: インボイス枠（インボイス対応類型） 750,000円"

    # the answers saved from the page load back as they were
    saved = browser.execute_script("return window.policyPage.snapshot()")
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
    open_page(browser, server.url + "/?year=2024")
    assert value(browser, "q-申請者.業種") == ""
    _by_id(browser, "load-case").send_keys(str(path))
    WebDriverWait(browser, 30).until(lambda b: _by_id(b, "load-status").text)
    settle(browser)
    assert browser.execute_script("return window.policyPage.snapshot()") == saved

    # a decision is not a case: said, and the form is left as it was
    decision = tmp_path / "decision.json"
    decision.write_text(json.dumps({"format": "subsidy-decision/1", "frames": []}), encoding="utf-8")
    _by_id(browser, "load-case").send_keys(str(decision))
    WebDriverWait(browser, 30).until(lambda b: _by_id(b, "load-status").text != "保存した回答を読み込みました")
    assert _by_id(browser, "load-status").text == "このファイルは回答（申請内容のJSON）として読めません"
    assert _by_id(browser, "load-status").get_attribute("role") == "alert"
    assert value(browser, "q-申請者.業種") == "小売業"


def _eligible_examples(server) -> list[tuple[str, int, dict]]:
    out = []
    for path in EXAMPLES:
        case = json.loads(path.read_text(encoding="utf-8"))
        status, _, body = server.post_json("/v1/decide?form=summary&what_if=false", case)
        if status == 200 and body.get("best_frame"):
            out.append((path.name, body["policy"]["year"], case))
    return out


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_every_eligible_example_prints_on_at_most_two_a4_pages(server, browser):
    from selenium.webdriver.common.print_page_options import PrintOptions

    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7  # A4, in cm
    examples = _eligible_examples(server)
    assert len(examples) >= 60  # most examples are eligible ones
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date()
    pages, year = {}, None
    for name, policy_year, case in examples:
        if policy_year != year:
            open_page(browser, server.url + f"/?year={policy_year}")
            year = policy_year
        fill_and_decide(browser, case)
        text = _by_id(browser, "result").text
        verdict = _by_id(browser, "result-verdict").text
        assert verdict.startswith("補助額が最も大きい枠: "), (name, verdict)
        for said in ("補助額", "自己負担額", "回答した内容", f"判定した日: {today.year}年{today.month}月{today.day}日",
                     "対象となることは採択を意味しません", "公募期間"):
            assert said in text, (name, said)
        pages[name] = _pages(base64.b64decode(browser.print_page(options)))
    assert {n: p for n, p in pages.items() if p > 2} == {}
    assert min(pages.values()) >= 1
