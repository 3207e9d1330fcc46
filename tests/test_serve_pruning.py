"""The self-check page asks only questions whose answer can change the result: the two routes on a
real server (exact lists of questions for the 2024 policy), and the page in headless Chromium —
an exclusion answered "yes" hides the cost questions and the result cites the exclusion; answered
"no" (from the keyboard) they come back as they were."""

from __future__ import annotations

import json

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT
from test_serve_support import Server
from test_serve_page import _by_id, answer, choose, open_page, settle, submit_and_wait, the_applicant, tick, type_into

APPLICANT = {"申請日": "2024-07-01", "申請者": {"組織形態": "会社", "業種": "小売業", "資本金": 10_000_000, "従業員数": 5},
             "対象外事由": {"IT導入支援事業者として登録": False, "指定停止措置等": False, "風俗営業": True}}
AFTER_THE_EXCLUSION = ["対象外事由.労働関係法令違反で送検", "対象外事由.反社会的勢力との関係", "対象外事由.補助金の不正行為", "対象外事由.目的・趣旨に適さない",
                       "申請要件.国内で事業を営む", "申請要件.最低賃金以上", "申請要件.他の補助金と重複しない", "申請要件.役務費用が著しく高額",
                       "ITツール.プロセス", "ITツール.インボイス機能", "電子取引.取引先が適格請求書発行事業者", "電子取引.取引先の同意",
                       # rules-2024.md §7 C-4: the representative's kind (複数社連携.代表事業者の区分) is a question too
                       "複数社連携.代表事業者の区分", "申請者.賃上げ特例", "申請要件.賃上げ計画策定済", "経費", "複数社連携.構成員一覧",
                       "申請要件.gBizIDプライム取得済", "申請要件.SECURITY_ACTION宣言済", "申請要件.みらデジ経営チェック実施済", "申請要件.労働生産性計画策定済"]


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


def test_an_exclusion_that_applies_leaves_no_later_question_to_ask(server):
    status, headers, body = server.post_json("/page/relevant?year=2024", APPLICANT)
    assert status == 200 and headers["X-Policy-Year"] == "2024"
    assert body["not_asked"] == AFTER_THE_EXCLUSION
    assert body["asked"][-1] == "対象外事由.風俗営業"
    assert body["decided"] == {f: {"status": "not_eligible", "subsidy": 0}
                               for f in ("通常枠", "インボイス対応類型", "電子取引類型", "複数社連携IT導入枠", "セキュリティ対策推進枠")}


def test_a_chosen_frame_leaves_out_only_the_questions_other_frames_read(server):
    _, _, body = server.post_json("/page/relevant?year=2024", {"frame": "通常枠"})
    assert body["frames"] == ["通常枠"] and body["decided"] == {"通常枠": None}
    assert body["not_asked"] == ["ITツール.インボイス機能", "電子取引.取引先が適格請求書発行事業者", "電子取引.取引先の同意",
                                 "複数社連携.代表事業者の区分", "複数社連携.構成員一覧"]  # §7 C-4 adds 代表事業者の区分


def test_the_result_needs_no_answer_to_a_question_not_asked(server):
    # /v1/decide wants every required field; the page's route only those it asked
    status, _, body = server.post_json("/v1/decide?year=2024", APPLICANT)
    assert status == 422 and {e["field"] for e in body["errors"]} == {"申請要件", "経費"}
    status, headers, html = server.post("/page/check?year=2024", APPLICANT)
    html = html.decode()
    assert status == 200 and headers["X-Decision-Id"]
    assert '<p class="verdict ng" id="result-verdict">対象となる枠はありません</p>' in html
    assert "この結果に影響しない21問は、質問を省略しました。" in html  # rules-2024.md §7 C-4: 複数社連携.代表事業者の区分
    reason = ("✗ 対象外となる事由があります: 風俗営業等の規制及び業務の適正化等に関する法律に規定する営業を営む "
              '<span class="cite">出典: SoLabo『IT導入補助金に申請するための条件を解説』2024-07-18「申請の対象外となる事業者」</span>')
    assert html.count(f"<li>{reason}<ul>") == 5  # every frame, with its citation (the condition it read below)
    assert "要件を満たしていません" not in html  # nothing decided by placeholders is shown
    assert "<pre>" not in html
    # the placeholders it was decided with, for the page's downloads
    assert ('<script type="application/json" id="result-filled">'
            '{"申請要件.国内で事業を営む": false, "申請要件.最低賃金以上": false, "経費": []}</script>') in html


def test_a_required_question_that_is_asked_must_still_be_answered(server):
    case = json.loads(json.dumps(APPLICANT))
    case["対象外事由"]["風俗営業"] = False
    del case["申請者"]["従業員数"]
    status, _, body = server.post_json("/page/check?year=2024", case)
    assert status == 422
    assert [e["field"] for e in body["errors"]] == ["経費", "申請者.従業員数", "申請要件"]


def test_the_worked_example_reads_the_same_through_either_route(server):
    # a small business is exempt from the wage plan, so its two questions are not asked; the case
    # leaves them out (their defaults), and the panel is /page/result's with a note saying so
    case = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    _, _, plan = server.post_json("/page/relevant?year=2024", case)
    # rules-2024.md §7 C-4: nor the representative's kind, since the case names no group
    assert plan["not_asked"] == ["複数社連携.代表事業者の区分", "申請者.賃上げ特例", "申請要件.賃上げ計画策定済"]
    _, _, full = server.post("/page/result?year=2024", case)
    _, _, pruned = server.post("/page/check?year=2024", case)
    before_the_id = lambda html: html.decode().split('<details class="tech"', 1)[0]  # noqa: E731 - the decision ids differ
    note = '<p class="not-asked" id="result-not-asked">この結果に影響しない3問は、質問を省略しました。表示しているのは、回答した内容で決まる理由と金額です。</p>'
    assert note in before_the_id(pruned) and before_the_id(pruned).replace(note, "", 1) == before_the_id(full)


# ---------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1200, 1800)
    yield driver
    driver.quit()


def shown(browser, path: str) -> bool:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'.q[data-q="{path}"]').is_displayed()


@browser_only
def test_an_exclusion_hides_the_cost_questions_and_answering_no_brings_them_back(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, server.url + "/?year=2024")
    the_applicant(browser, "サービス業（ソフトウェア業・情報処理サービス業・旅館業・娯楽業を除く）", "1000万", "30")
    choose(browser, "q-frame", "通常枠")
    tick(browser, "q-ITツール.プロセス", "会計・財務・経営")
    choose(browser, "q-経費[0].区分", "ソフトウェア（クラウド利用料を含む）")
    type_into(browser, "q-経費[0].金額", "100万")
    for step in ("gBizIDプライム取得済", "SECURITY_ACTION宣言済", "みらデジ経営チェック実施済", "労働生産性計画策定済"):
        answer(browser, f"q-申請要件.{step}", True)
    assert shown(browser, "経費") and shown(browser, "ITツール.プロセス") and shown(browser, "申請要件.gBizIDプライム取得済")

    answer(browser, "q-対象外事由.風俗営業", True)
    for path in ("経費", "ITツール.プロセス", "申請要件.国内で事業を営む", "申請要件.gBizIDプライム取得済", "対象外事由.補助金の不正行為"):
        assert not shown(browser, path), path
    assert shown(browser, "申請者.従業員数") and shown(browser, "対象外事由.風俗営業")  # asked before it: kept
    # role=status: said to screen readers; rules-2024.md §7 C-4 adds 複数社連携.代表事業者の区分
    assert _by_id(browser, "pruned").text == "結果を変えられない21問を表示していません。"
    sections = {s.get_attribute("data-stage"): s.is_displayed() for s in browser.find_elements(By.CSS_SELECTOR, "section.stage")}
    assert sections == {"gate": True, "frame": True, "cost": False, "step": False}  # the frame choice stays
    case = browser.execute_script("return window.policyPage.buildCase(false).c")
    assert set(case) == {"frame", "申請日", "申請者", "資本関係", "対象外事由"}  # hidden questions are not submitted
    assert case["対象外事由"] == {"IT導入支援事業者として登録": False, "指定停止措置等": False, "風俗営業": True}
    submit_and_wait(browser)
    assert _by_id(browser, "result-verdict").text == "対象となる枠はありません"
    frame = _by_id(browser, "result-frame-通常枠")
    assert frame.get_attribute("data-status") == "not_eligible"
    assert [li.text for li in frame.find_elements(By.CSS_SELECTOR, "ul.reasons > li")][0].splitlines()[0] == (
        "✗ 対象外となる事由があります: 風俗営業等の規制及び業務の適正化等に関する法律に規定する営業を営む "
        "出典: SoLabo『IT導入補助金に申請するための条件を解説』2024-07-18「申請の対象外となる事業者」")

    # the download is this decision: the case sent, with the placeholders of the questions not asked
    case = browser.execute_script("return window.policyPage.lastCase()")
    assert case["経費"] == [] and case["申請要件"] == {"国内で事業を営む": False, "最低賃金以上": False}
    status = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/v1/decide?year=2024', {method: 'POST', body: JSON.stringify(window.policyPage.lastCase())}).then((r) => done(r.status));")
    assert status == 200

    # "no", from the keyboard: the arrow key moves the radio group's choice
    yes = _by_id(browser, "q-対象外事由.風俗営業").find_element(By.CSS_SELECTOR, 'input[value="true"]')
    yes.send_keys(Keys.ARROW_RIGHT)
    settle(browser)
    assert browser.switch_to.active_element.get_attribute("value") == "false"
    for path in ("経費", "ITツール.プロセス", "申請要件.国内で事業を営む", "申請要件.gBizIDプライム取得済"):
        assert shown(browser, path), path
    assert _by_id(browser, "q-経費[0].金額").get_attribute("value") == "100万"  # kept as typed
    hidden = [q.get_attribute("data-q") for q in browser.find_elements(By.CSS_SELECTOR, ".q[data-q]") if not q.is_displayed()]
    # those only other frames read, and the wage plan: one process cannot reach the 1.5M yen band
    # rules-2024.md §7 C-4: 複数社連携.代表事業者の区分, read only by 複数社連携IT導入枠
    assert hidden == ["ITツール.インボイス機能", "電子取引.取引先が適格請求書発行事業者", "電子取引.取引先の同意", "複数社連携.代表事業者の区分",
                      "申請者.賃上げ特例", "申請要件.賃上げ計画策定済", "複数社連携.構成員一覧"]
    assert _by_id(browser, "pruned").text == "結果を変えられない7問を表示していません。"
    assert _by_id(browser, "q-ITツール.プロセス").find_element(By.CSS_SELECTOR, 'input[value="会計・財務・経営"]').is_selected()
    assert browser.find_element(By.CSS_SELECTOR, '.q[data-q="経費"] h3').text == "経費（税抜） 必須"  # its visible label
    browser.switch_to.active_element.send_keys(Keys.TAB)  # Tab leaves the group for the next question shown
    assert browser.switch_to.active_element.get_attribute("name") == "q-対象外事由.労働関係法令違反で送検"
    _by_id(browser, "submit").click()
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    verdict = WebDriverWait(browser, 30, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda b: (t := _by_id(b, "result-verdict").text) != "対象となる枠はありません" and t != "" and t)  # the new result
    assert verdict == "補助額が最も大きい枠: 通常枠 500,000円"
