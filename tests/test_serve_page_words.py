"""What the self-check page's result says, over HTTP on a real server: a way forward for a "no" whose
what-if needs questions not asked, the call's period for the date given, the disclaimer, the
calculation table, citations as documents (no source keys, notes or file names), no fraction of a
yen and no decision id outside the technical section — and an input's `help` under its question."""

from __future__ import annotations

import datetime
import html as html_lib
import json
import re

import pytest

from conftest import ROOT
from test_serve_support import Server

TOO_LARGE = {"frame": "通常枠", "申請日": "2024-07-01", "申請者": {"組織形態": "会社", "業種": "製造業", "資本金": 300_000_001, "従業員数": 301}}


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_a_no_for_a_business_too_large_says_what_would_make_it_fit(server):
    _, _, plan = server.post_json("/page/relevant?year=2024", TOO_LARGE)
    assert plan["asked"] == ["申請日", "申請者.組織形態", "申請者.業種", "申請者.資本金", "申請者.従業員数"]
    status, _, body = server.post("/page/check?year=2024", TOO_LARGE)
    html = body.decode()
    assert status == 200
    assert ('<p class="verdict ng" id="result-verdict">対象となる枠はありません</p><p class="way-forward" id="result-way-forward">'
            "資本金を3億円以下にする、または従業員数を300人以下にすると、「中小企業・小規模事業者等に該当する」を満たします。</p>") in html
    _, _, body = server.post("/page/check?year=2024&lang=en", TOO_LARGE)
    assert "With capital at most 300,000,000円, or employees at most 300人, “is an SME” would be met." in body.decode()


def test_an_exclusion_that_applies_gets_the_general_way_forward(server):
    case = {"申請日": "2024-07-01", "申請者": {"組織形態": "会社", "業種": "小売業", "資本金": 10_000_000, "従業員数": 5},
            "対象外事由": {"IT導入支援事業者として登録": False, "指定停止措置等": False, "風俗営業": True}}
    _, _, body = server.post("/page/check?year=2024", case)
    assert ('<p class="way-forward" id="result-way-forward">この回答では対象となる枠はありません。'
            "回答に誤りがないか確かめ、IT導入支援事業者または事務局にご相談ください。</p>") in body.decode()


def test_the_result_gives_the_call_period_of_the_date_given_the_disclaimer_and_the_table(server):
    case = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    _, _, body = server.post("/page/check?year=2024", case)
    html = body.decode()
    assert ('<div class="call" id="result-call"><h3>公募期間</h3><p>申請日（2024年7月1日）: 受付中の回があります。</p><details><summary>枠ごとの受付回</summary><ul>'
            "<li>通常枠: 5次（2024年6月20日〜2024年7月19日 17:00）受付中</li>"
            "<li>インボイス枠（インボイス対応類型）: 8次（2024年6月20日〜2024年7月3日 17:00）受付中</li>") in html
    assert ('<p class="disclaimer" id="result-disclaimer"><strong>ご注意</strong> この結果は、入力した内容から計算した目安です。'
            "対象となるか、補助額がいくらになるかは、審査を経て事務局が決定します。対象となることは採択を意味しません。</p>") in html
    invoice = html.split('id="result-frame-インボイス対応類型"', 1)[1].split("</article>", 1)[0]
    assert ('<p class="round">インボイス枠（インボイス対応類型）: 8次（2024年6月20日〜2024年7月3日 17:00）受付中</p>') in invoice
    assert ("<tr><th scope=\"row\">ソフトウェア・オプション・役務</th><td>1,000,000円</td><td>4/5（補助額50万円まで）・2/3</td>"
            "<td>750,000円</td><td>3,500,000円</td></tr>") in invoice
    assert '<p class="rate-by">小規模事業者に該当するため、補助率は4/5です。</p>' in invoice
    tech = html.split('<details class="tech"', 1)
    assert "判定ID" not in tech[0] and "判定ID" in tech[1] and '<code id="decision-id">' in tech[1]


def test_a_date_after_the_call_says_it_has_ended(server):
    case = json.loads((ROOT / "examples" / "deadline_after_last_2024_10_16.json").read_text(encoding="utf-8"))
    _, _, body = server.post("/page/result?year=2024", case)
    assert "<p>申請日（2024年10月16日）: IT導入補助金2024の受付は2024年10月15日 17:00に終了しています。</p>" in body.decode()


def test_the_page_opens_with_the_call_period_of_today_in_japan(server):
    status, _, body = server.get("/?year=2024")
    html = body.decode()
    today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date()
    if today > datetime.date(2024, 10, 15):
        assert (f'<p id="call-lead">本日（{today.year}年{today.month}月{today.day}日）: '
                "IT導入補助金2024の受付は2024年10月15日 17:00に終了しています。</p>") in html
    assert '<aside class="disclaimer" id="disclaimer" aria-label="ご注意">' in html


def test_an_inputs_help_is_shown_under_its_question(server):
    _, _, body = server.get("/?year=2024")
    html = body.decode()
    assert ('<span class="help" id="help-q-申請者.業種">飲食店（レストラン・喫茶店など）は「小売業」を選びます。'
            "中小企業基本法の業種分類では、飲食店は小売業に含まれます。</span>") in html
    assert 'id="q-申請者.業種" data-path="申請者.業種"' in html and 'aria-describedby="help-q-申請者.業種 e-q-申請者.業種"' in html
    _, _, body = server.get("/?year=2024&lang=en")
    assert "A restaurant or café picks 小売業 (retail): the SME Basic Act counts restaurants as retail." in body.decode()


INTERNAL = re.compile(r"seed-\d|rules-\d{4}|\.md\b|\.txt\b|\[I\]|\[C\]|shared/|\d+ \d+/\d+円")


def test_no_result_shows_a_source_key_a_note_a_file_name_or_a_fraction_of_a_yen(server):
    found = {}
    for path in sorted((ROOT / "examples").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        status, _, body = server.post("/page/result", case)
        if status != 200:
            continue
        shown = _text(body.decode().split('<details class="tech"', 1)[0])
        hits = sorted(set(INTERNAL.findall(shown)))
        if hits:
            found[path.name] = hits
    assert found == {}


def test_an_office_adds_its_logo_contact_and_disclaimer_without_editing_python(tmp_path):
    (tmp_path / "office_header.html").write_text('<div class="office">○○商工会 {{ "<script>" }}</div>', encoding="utf-8")
    (tmp_path / "office_footer.html").write_text("<footer><p>お問い合わせ: 0120-000-000</p></footer>", encoding="utf-8")
    (tmp_path / "disclaimer.html").write_text("<strong>{{ t('disclaimer.title') }}</strong> {{ t('disclaimer') }} 相談は当会まで。",
                                              encoding="utf-8")
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1", env={"POLICY_PAGE_TEMPLATES": str(tmp_path)})
    try:
        status, _, body = s.get("/?year=2024")
    finally:
        s.stop()
    html = body.decode()
    assert status == 200
    assert '<header><div class="office">○○商工会 &lt;script&gt;</div><div class="bar">' in html  # autoescaped
    assert "<footer><p>お問い合わせ: 0120-000-000</p></footer>" in html
    assert "対象となることは採択を意味しません。 相談は当会まで。</aside>" in html


def test_a_step_question_is_marked_as_needed_before_applying_not_as_optional(server):
    _, _, body = server.get("/?year=2024")
    html = body.decode()
    step = html.split('id="q-申請要件.gBizIDプライム取得済"', 1)[1].split("</legend>", 1)[0]
    assert '<span class="mark step">申請までに必要</span>' in step and "任意" not in step
    capital = html.split('<label for="q-申請者.資本金">', 1)[1].split("</label>", 1)[0]
    assert capital == '資本金 <span class="mark opt">任意</span>'


def test_a_year_whose_deadlines_are_not_published_says_so_with_its_period(server):
    case = json.loads((ROOT / "examples" / "year2025_services_over_2m.json").read_text(encoding="utf-8"))
    case["申請日"] = "2025-07-01"  # picks the 2025 policy
    _, headers, body = server.post("/page/result", case)
    assert headers["X-Policy-Year"] == "2025"
    assert ("<p>申請日（2025年7月1日）: IT導入補助金2025の適用期間（2025年3月31日〜2025年12月31日）中です。"
            "各枠の締切日は、公表資料で確認できません。</p>") in body.decode()
    assert "<li>通常枠: 締切日は公表資料で確認できません</li>" in body.decode()
    _, _, body = server.post("/page/check?year=2025", case)  # the page pins the year: the date is the case's own
    assert "<p>申請日（2025年7月1日）: IT導入補助金2025の適用期間（2025年3月31日〜2025年12月31日）中です。" in body.decode()


def test_a_cap_reached_says_why_and_how_a_computed_limit_was_derived(server):
    """複数社連携 (c): its limit is the case's own (a) + (b) × 1/10 × 2/3, and the result says so; a rate
    chosen by a rule not met is said by the verb's negative (該当しない), not as a quoted double negative."""
    case = json.loads((ROOT / "examples" / "multi_member_hardware_without_software.json").read_text(encoding="utf-8"))
    _, _, body = server.post("/page/result?year=2024", case)
    multi = body.decode().split('id="result-frame-複数社連携IT導入枠"', 1)[1].split("</article>", 1)[0]
    caps = re.findall(r'<ul class="caps">(.*?)</ul>', multi)[0]
    assert ("<li>(c) 事務費・専門家費: 上限66,666円（= 基盤導入経費と消費動向等分析経費の総額（1,000,001円） × 1/10 × 2/3、"
            "円未満切り捨て）を適用") in caps
    case = json.loads((ROOT / "examples" / "c1_cloud_fees_24_months_whole.json").read_text(encoding="utf-8"))
    _, _, body = server.post("/page/result?year=2024", case)
    assert '<p class="rate-by">小規模事業者に該当しないため、補助率は3/4です。</p>' in body.decode()
