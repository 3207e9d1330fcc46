"""The self-check page in real headless Chromium (Debian's package), served by a real `policy serve`
process: a person answers the questions of the seeds' worked examples and reads the subsidy, the own
share and the steps on the result. Nothing may come from the network."""

from __future__ import annotations

import json
import os

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT
from test_serve_support import Server

pytestmark = browser_only


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1200, 1800, performance_log=True)
    yield driver
    driver.quit()


def open_page(browser, url: str) -> None:
    """The page with no answers kept from an earlier test (the page keeps them in sessionStorage)."""
    browser.get(url)
    browser.execute_script("sessionStorage.clear()")
    browser.get(url)
    settle(browser)


def _by_id(browser, ident):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, ident)


def settle(browser) -> None:
    """Wait until the page has shown the questions its answers call for (it asks /page/relevant on each change)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return !document.getElementById('check').hasAttribute('aria-busy')"))


def choose(browser, ident: str, label: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(_by_id(browser, ident)).select_by_visible_text(label)
    settle(browser)


def answer(browser, ident: str, yes: bool) -> None:
    from selenium.webdriver.common.by import By

    _by_id(browser, ident).find_element(By.CSS_SELECTOR, f'input[value="{"true" if yes else "false"}"]').click()
    settle(browser)


def tick(browser, ident: str, *members: str) -> None:
    from selenium.webdriver.common.by import By

    for m in members:
        _by_id(browser, ident).find_element(By.CSS_SELECTOR, f'input[value="{m}"]').click()
        settle(browser)


def type_into(browser, ident: str, text: str) -> None:
    """Type, then Tab on to the next control (as a keyboard user does; the answer counts on leaving)."""
    from selenium.webdriver.common.keys import Keys

    el = _by_id(browser, ident)
    el.clear()
    el.send_keys(text, Keys.TAB)
    settle(browser)


def submit_and_wait(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    _by_id(browser, "submit").click()
    WebDriverWait(browser, 30).until(ec.presence_of_element_located((By.ID, "result-verdict")))


def the_applicant(browser, industry: str, capital: str, employees: str) -> None:
    choose(browser, "q-申請者.組織形態", "株式会社・合同会社等の会社")
    choose(browser, "q-申請者.業種", industry)
    type_into(browser, "q-申請者.資本金", capital)
    type_into(browser, "q-申請者.従業員数", employees)
    answer(browser, "q-申請要件.国内で事業を営む", True)
    answer(browser, "q-申請要件.最低賃金以上", True)
    browser.execute_script("arguments[0].value = '2024-07-01'; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
                           _by_id(browser, "q-申請日"))
    settle(browser)


def test_the_normal_frame_worked_example_reads_500000(server, browser):
    from selenium.webdriver.common.by import By

    open_page(browser, server.url + "/?year=2024")
    stages = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.stage h2")]
    assert stages == ["1. 申請できる事業者か", "2. 申請する枠", "3. 経費", "4. 申請前の手続き"]
    assert "必須" in browser.find_element(By.CSS_SELECTOR, 'label[for="q-申請者.従業員数"]').text
    assert "任意" in browser.find_element(By.CSS_SELECTOR, 'label[for="q-申請者.資本金"]').text
    the_applicant(browser, "サービス業（ソフトウェア業・情報処理サービス業・旅館業・娯楽業を除く）", "１，０００万円", "３０")
    choose(browser, "q-frame", "通常枠")
    # a question only another frame reads is not asked
    assert not _by_id(browser, "q-ITツール.インボイス機能").is_displayed()
    assert not _by_id(browser, "q-電子取引.取引先の同意").is_displayed()
    tick(browser, "q-ITツール.プロセス", "会計・財務・経営")
    choose(browser, "q-経費[0].区分", "ソフトウェア（クラウド利用料を含む）")
    type_into(browser, "q-経費[0].金額", "100万円")
    for step in ("gBizIDプライム取得済", "SECURITY_ACTION宣言済", "みらデジ経営チェック実施済", "労働生産性計画策定済"):
        answer(browser, f"q-申請要件.{step}", True)
    submit_and_wait(browser)
    assert _by_id(browser, "result-verdict").text == "補助額が最も大きい枠: 通常枠 500,000円"
    frame = _by_id(browser, "result-frame-通常枠")
    assert frame.find_element(By.CSS_SELECTOR, ".subsidy").text == "500,000円"
    assert frame.find_element(By.CSS_SELECTOR, ".own-share").text == "500,000円"
    row = [c.text for c in frame.find_elements(By.CSS_SELECTOR, "table.calc tbody tr:first-child > *")]
    assert row == ["ソフトウェア・オプション・役務", "1,000,000円", "1/2", "500,000円", "1,499,999円"]
    assert _by_id(browser, "q-申請者.資本金").get_attribute("value") == "10,000,000"  # 全角 and 万円 read exactly


def test_the_invoice_worked_example_for_a_small_business_reads_750000(server, browser):
    from selenium.webdriver.common.by import By

    open_page(browser, server.url + "/?year=2024")
    the_applicant(browser, "小売業", "1000万", "5")
    tick(browser, "q-ITツール.プロセス", "会計・財務・経営", "決済・債権債務・資金回収管理")
    tick(browser, "q-ITツール.インボイス機能", "会計", "受発注")
    choose(browser, "q-経費[0].区分", "ソフトウェア（クラウド利用料を含む）")
    type_into(browser, "q-経費[0].金額", "１，０００，０００円")
    submit_and_wait(browser)
    assert _by_id(browser, "result-verdict").text == "補助額が最も大きい枠: インボイス枠（インボイス対応類型） 750,000円"
    frame = _by_id(browser, "result-frame-インボイス対応類型")
    assert frame.get_attribute("data-status") == "eligible_after_steps"
    assert frame.find_element(By.CSS_SELECTOR, ".subsidy").text == "750,000円"
    assert frame.find_element(By.CSS_SELECTOR, ".own-share").text == "250,000円"
    bands = [li.text for li in frame.find_elements(By.CSS_SELECTOR, "ul.bands li")]
    assert bands == ["ソフトウェア・オプション・役務: 625,000円 × 4/5 = 500,000円（補助額500,000円まで）",
                     "ソフトウェア・オプション・役務: 375,000円 × 2/3 = 250,000円（それを超える分）"]
    assert frame.find_element(By.CSS_SELECTOR, ".rate-by").text == "小規模事業者に該当するため、補助率は4/5です。"
    steps = [li.text for li in frame.find_elements(By.CSS_SELECTOR, "ul.steps li")]
    assert [s.split(" 出典: ")[0] for s in steps] == ["□ gBizIDプライムのアカウントを取得する", "□ IPA「SECURITY ACTION」の★一つ星又は★★二つ星を宣言する"]
    normal = _by_id(browser, "result-frame-通常枠")
    assert normal.find_element(By.CSS_SELECTOR, ".subsidy").text == "500,000円"
    security = _by_id(browser, "result-frame-セキュリティ対策推進枠")
    assert security.get_attribute("data-status") == "not_eligible"
    assert security.find_element(By.CSS_SELECTOR, "ul.reasons li").text.startswith("✗ 要件を満たしていません:")
    if os.environ.get("SERVE_SCREENSHOT"):  # README's docs/serve.png: SERVE_SCREENSHOT=docs/serve.png pytest tests/test_serve_page.py
        browser.execute_script("document.getElementById('result').scrollIntoView()")
        browser.save_screenshot(os.environ["SERVE_SCREENSHOT"])
    events = [json.loads(e["message"])["message"] for e in browser.get_log("performance")]
    urls = [e["params"]["request"]["url"] for e in events if e["method"] == "Network.requestWillBeSent"]
    fetched = [u for u in urls if u.startswith(("http:", "https:", "ws:", "wss:"))]
    assert server.url + "/static/page.js" in fetched and server.url + "/page/check?lang=ja&year=2024" in fetched
    assert [u for u in fetched if not u.startswith(server.url + "/")] == []  # nothing from the network


def test_a_bad_amount_is_named_beside_its_question_and_a_server_error_beside_its_field(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def error_beside(ident: str) -> str:  # the page checks which questions to ask before it reads them
        return WebDriverWait(browser, 30).until(lambda b: _by_id(b, ident).text)

    open_page(browser, server.url + "/?year=2024")
    type_into(browser, "q-経費[0].金額", "百万円")
    _by_id(browser, "submit").click()
    assert error_beside("e-q-経費[0].金額") == "金額として読めません（例: 1,000,000 または 100万円）"
    type_into(browser, "q-経費[0].金額", "12.5円")
    _by_id(browser, "submit").click()
    WebDriverWait(browser, 30).until(lambda b: _by_id(b, "e-q-経費[0].金額").text != "金額として読めません（例: 1,000,000 または 100万円）")
    assert error_beside("e-q-経費[0].金額") == "1円未満の端数は入力できません"
    type_into(browser, "q-経費[0].金額", "100万")
    _by_id(browser, "submit").click()
    assert error_beside("e-q-申請者.業種").startswith("未入力です。次から選んでください: 製造業、建設業")  # the case reader's words, in Japanese
    assert _by_id(browser, "q-申請者.業種").get_attribute("aria-invalid") == "true"
    listed = [li for li in browser.find_elements(By.CSS_SELECTOR, "#form-errors li") if li.text.startswith("主たる業種: ")]
    assert listed and listed[0].is_displayed()  # named by its label, not its path (申請者.業種)


def test_the_page_switches_to_english_with_the_policys_labels(server, browser):
    from selenium.webdriver.common.by import By

    open_page(browser, server.url + "/?year=2024")
    _by_id(browser, "lang-switch").click()
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.CSS_SELECTOR, 'label[for="q-申請者.従業員数"]').text == "employees required"
    assert [h.text for h in browser.find_elements(By.CSS_SELECTOR, "section.stage h2")][0] == "1. May you apply?"


def test_amounts_in_full_width_with_man_and_oku_are_exact(server, browser):
    open_page(browser, server.url + "/?year=2024")
    parse = lambda s: browser.execute_script("return window.policyPage.parseYen(arguments[0])", s)  # noqa: E731
    assert parse("１００万円") == {"value": 1000000}
    assert parse("62.5万") == {"value": 625000}
    assert parse("1億2,000万500円") == {"value": 120000500}
    assert parse("149万9,999円") == {"value": 1499999}
    assert parse("0.00001万")["error"] == "1円未満の端数は入力できません"
    assert parse("abc")["error"] == "金額として読めません（例: 1,000,000 または 100万円）"
