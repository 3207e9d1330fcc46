"""The population comparison report rendered: exact terminal text on a small hand-made report,
English, escaping of names that come from policy files, and the HTML page in real headless
Chromium (Debian's package) — figures in the tables, bars in both charts, nothing fetched.
README's docs/population-report.png: POPULATION_SCREENSHOT=docs/population-report.png pytest tests/test_population_report.py"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from browser_support import browser_only, start_chromium
from engine.population import report as render_population, report_html

DATA = Path(__file__).resolve().parent / "data" / "population_report.json"  # a real run: 20,000 synthetic firms


def _group(name, cases, eb, ea, sb, sa, gainers, gained, losers, lost):
    return {"cases": cases, "eligible_before": eb, "eligible_after": ea, "subsidy_before": sb, "subsidy_after": sa,
            "gainers": gainers, "losers": losers, "gained": gained, "lost": lost, "group": name, "difference": sa - sb}


def _frame(name, eb, ea, sb, sa, in_old=True, in_new=True):
    return {"frame": name, "eligible_before": eb, "eligible_after": ea, "subsidy_before": sb, "subsidy_after": sa,
            "difference": sa - sb, "in_old": in_old, "in_new": in_new}


def _official(n, note):
    return {"applications": n, "source": "g1info", "tag": "S", "note": note}


REPORT = {
    "format": "subsidy-population-compare/1", "engine": "duckdb", "old": "old", "new": "new", "old_year": 2024,
    "new_year": 2025, "cases": 10,
    "frames": [_frame("通常枠", 8, 7, 4_500_000, 4_750_000), _frame("廃止枠", 3, 0, 1_200_000, 0, in_new=False),
               _frame("<script>", 0, 2, 0, 900_000, in_old=False)],
    "total": _group("all", 10, 9, 8, 5_700_000, 5_650_000, 2, 1_150_000, 1, 1_200_000),
    "by_industry": [_group("小売業", 6, 6, 5, 3_000_000, 2_000_000, 0, 0, 1, 1_000_000),
                    _group("<b>&製造業", 4, 3, 3, 2_700_000, 3_650_000, 2, 950_000, 0, 0)],
    "by_size": [_group("小規模事業者", 10, 9, 8, 5_700_000, 5_650_000, 2, 1_150_000, 1, 1_200_000)],
    "official_applications_2024": {"通常枠": _official(3, "n1"), "廃止枠": _official(1, "n2"), "電子取引類型": _official(1, "n3")},
}


def test_text_frames_table_exact():
    lines = render_population.text(REPORT).splitlines()
    assert lines[:3] == ["母集団での政策比較: old（2024年度） → new（2025年度）", "事業者数: 10社（合成母集団）  エンジン: duckdb", ""]
    start = lines.index("枠ごと（各枠の要件を満たす事業者と補助額の合計）")
    # Widths by terminal cells (CJK = 2): 16, 12, 25, 12, two spaces between; the name left, figures
    # right, and each side of "before → after" right-aligned on its own, so the arrows line up.
    assert lines[start + 1:start + 6] == [
        "枠" + " " * 14 + "  対象 前 → 後  " + " " * 5 + "補助額の合計 前 → 後  " + " " * 8 + "差額",
        "-" * 71,
        "通常枠" + " " * 10 + "  " + " " * 7 + "8 → 7  4,500,000円 → 4,750,000円    +250,000円",
        "廃止枠（廃止）    " + " " * 7 + "3 → —  1,200,000円 → " + " " * 10 + "—  −1,200,000円",
        "<script>（新設）  " + " " * 7 + "— → 2  " + " " * 10 + "— →   900,000円    +900,000円",
    ]


def test_text_firms_groups_and_official_ratio():
    lines = render_population.text(REPORT).splitlines()
    total = lines[lines.index("事業者ごと（各事業者の補助額が最も大きい枠）") + 3]
    assert total == ("全体  " + " " * 6 + "10  " + " " * 7 + "9 → 8  5,700,000円 → 5,650,000円  −50,000円  "
                     "2社 +1,150,000円  1社 −1,200,000円")
    industry = lines.index("業種別")
    assert lines[industry + 3].split() == ["小売業", "6", "6", "→", "5", "3,000,000円", "→", "2,000,000円", "−1,000,000円",
                                           "0社", "0円", "1社", "−1,000,000円"]
    assert lines[industry + 4].split()[0] == "<b>&製造業" and lines[industry + 4].split()[8] == "+950,000円"
    assert lines[lines.index("規模別") + 3].startswith("小規模事業者  ")
    sanity = lines.index("確認: 2024年度の公式申請件数との比較")
    assert lines[sanity + 1] == ("この母集団は申請者ではありません。すべての中小企業が申請したと仮定した合成の10社です。"
                                 "申請/対象は、母集団が全国の規模のときに限り申請率と読めます。")
    assert lines[sanity + 4] == "通常枠" + " " * 6 + "  " + " " * 21 + "8  " + " " * 19 + "3  " + " " * 4 + "37.5%"
    assert lines[sanity + 5].split() == ["廃止枠", "3", "1", "33.3%"]  # 1/3, one decimal
    assert lines[sanity + 6].split() == ["電子取引類型", "—", "1", "—"]  # not a frame of the report: no ratio
    assert lines[sanity + 7] == "  通常枠: 出典 g1info [S] — n1"


def test_official_counts_beside_the_2024_side():
    flipped = dict(REPORT, old="x", new="y", old_year=2023, new_year=2024)
    lines = render_population.text(flipped).splitlines()
    row = next(line for line in lines if line.startswith("通常枠  ") and line.endswith("%"))
    assert row.split() == ["通常枠", "7", "3", "42.9%"]  # eligible_after, 3/7
    assert "対象（合成, 2024年度）" in "\n".join(lines)


def test_text_in_english():
    out = render_population.text(REPORT, "en")
    lines = out.splitlines()
    assert lines[:2] == ["Policy comparison over a population: old (2024) → new (2025)", "firms: 10 (synthetic population)  engine: duckdb"]
    assert any(line.startswith("<script> (new)  ") for line in lines)
    assert any(line.startswith("廃止枠 (removed)  ") and line.endswith("−1,200,000円") for line in lines)
    assert "By industry" in lines and "Check: official 2024 applications" in lines
    assert "every SME as if it applied" in out and "not the applicants" in out
    assert "社" not in out.replace("事業者", "")  # counts carry no Japanese counter in English


def test_json_keeps_order_and_japanese():
    out = render_population.json_text(REPORT)
    assert json.loads(out) == REPORT
    assert '"frame": "通常枠"' in out and out.index('"format"') < out.index('"engine"') < out.index('"frames"')


def test_html_escapes_names_from_policy_files():
    page = report_html.page(REPORT)
    assert "<script" not in page and "<b>" not in page
    assert "&lt;script&gt;（新設）" in page and "&lt;b&gt;&amp;製造業" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert page.startswith('<!DOCTYPE html><html lang="ja">') and '<html lang="en">' in report_html.page(REPORT, "en")


# --- In a real browser ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), 1280, 1600)
    yield driver
    driver.quit()


def _open(browser, tmp_path, report, lang="ja"):
    page = tmp_path / f"population-{lang}.html"
    page.write_text(report_html.page(report, lang), encoding="utf-8")
    browser.get(page.as_uri())


def _charts(browser):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "svg")


def _rects(svg):
    from selenium.webdriver.common.by import By

    return svg.find_elements(By.CSS_SELECTOR, "rect")


@browser_only
def test_page_tables_and_charts(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, tmp_path, REPORT)
    assert browser.title == "母集団での政策比較: old → new"
    rows = [[c.text for c in tr.find_elements(By.CSS_SELECTOR, "th, td")]
            for tr in browser.find_elements(By.CSS_SELECTOR, "table#frames tbody tr")]
    assert rows == [["通常枠", "8", "7", "4,500,000円", "4,750,000円", "+250,000円"],
                    ["廃止枠（廃止）", "3", "—", "1,200,000円", "—", "−1,200,000円"],
                    ["<script>（新設）", "—", "2", "—", "900,000円", "+900,000円"]]
    frames, industry = _charts(browser)
    # A bar per frame and year it exists in: 通常枠 two, the removed and the new frame one each.
    bars = _rects(frames)
    assert len(bars) == 4
    titles = [b.get_attribute("textContent") for b in bars]
    assert titles == ["通常枠 前 4,500,000円", "通常枠 後 4,750,000円", "廃止枠 前 1,200,000円", "<script> 後 900,000円"]
    widths = [float(b.get_attribute("width")) for b in bars]
    assert widths[1] / widths[0] == pytest.approx(4_750_000 / 4_500_000, rel=1e-3)
    assert "なし" in frames.text and "万円" in frames.text  # the missing year said in words; 4.75M is shown in 万円
    # Diverging: the loss ends at zero from the left, the gain starts at zero.
    loss, gain = _rects(industry)
    assert float(loss.get_attribute("x")) + float(loss.get_attribute("width")) == pytest.approx(float(gain.get_attribute("x")), abs=0.2)
    assert float(loss.get_attribute("width")) / float(gain.get_attribute("width")) == pytest.approx(1_000_000 / 950_000, rel=1e-3)
    assert loss.get_attribute("fill") != gain.get_attribute("fill")
    assert "−1,000,000円" in industry.text and "+950,000円" in industry.text and "<b>&製造業" in industry.text
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


@browser_only
def test_page_in_english(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, tmp_path, REPORT, "en")
    assert browser.title == "Policy comparison over a population: old → new"
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    heads = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "table#frames thead th")]
    assert heads == ["frame", "eligible before (2024)", "eligible after (2025)", "subsidy total before (2024)", "subsidy total after (2025)",
                     "difference"]


@browser_only
def test_real_report_page(browser, tmp_path):
    """20,000 synthetic firms (`policy synth --n 20000 --seed 7`, then `policy population --compare
    policies/2024 policies/2025 … --budget 2000億円`): national figures, the budget line, gains and
    losses apart, the distribution, and every table downloadable as CSV — nothing fetched."""
    import csv
    import io
    from urllib.parse import unquote

    from selenium.webdriver.common.by import By

    report = json.loads(DATA.read_text(encoding="utf-8"))
    _open(browser, tmp_path, report)
    assert browser.title == "母集団での政策比較: policies/2024 → policies/2025"
    first = [c.text for c in browser.find_element(By.CSS_SELECTOR, "table#frames tbody tr").find_elements(By.CSS_SELECTOR, "th, td")]
    assert first == ["通常枠", "17,539", "17,485", "14,232,928,642円", "14,363,846,256円", "+130,917,614円"]
    # national: ×3,364,891/20,000, each figure rounded once; in 億円
    assert browser.find_element(By.CSS_SELECTOR, "p.scale").text.startswith(
        "合成母集団 20,000社を全国の中小企業 3,364,891社に拡大（×3,364,891/20,000、約168.24倍）。出典: 中小機構")
    total = [c.text for c in browser.find_elements(By.CSS_SELECTOR, "table#national tbody tr")[-1].find_elements(By.CSS_SELECTOR, "th, td")]
    assert total == ["全体", "3,022,009", "3,009,559", "27,923.8億円", "27,960.1億円", "+36.3億円", "125,510", "+268.5億円", "88,497",
                     "−232.2億円"]
    assert round(16_597_137_794 * 3_364_891 / 20_000 / 10**8, 1) == 27_923.8  # the sample's total, scaled
    assert browser.find_element(By.CSS_SELECTOR, "p.budget").text == \
        "予算 2,000.0億円 に対し、推計 前 27,923.8億円（予算の1,396.2%）→ 後 27,960.1億円（予算の1,398.0%）"
    charts = _charts(browser)
    national, frames, distribution, industry = charts[:4]
    assert len(_rects(national)) == 2 and national.find_elements(By.CSS_SELECTOR, "line.budget")
    assert "予算 2,000.0億円" in national.text and "億円" in national.text
    assert len(_rects(frames)) == 2 * len(report["frames"]) == 10
    assert "変更前（2024年度）" in frames.text and "policies/" not in frames.text  # the legend in words
    assert "変化なし: 18,728社（93.6%）" in distribution.text and len(_rects(distribution)) == 8
    # gains and losses apart: 小売業's +12,781,850 net is +61,812,711 gained and −49,030,861 lost
    moves = [r for r in _rects(industry) if r.get_attribute("textContent").startswith("小売業")]
    assert len(moves) == 2 and "純額 +12,781,850円" in industry.text
    widths = sorted(float(r.get_attribute("width")) for r in moves)
    assert widths[1] / widths[0] == pytest.approx(61_812_711 / 49_030_861, rel=1e-3)
    official = [[c.text for c in tr.find_elements(By.CSS_SELECTOR, "th, td")]
                for tr in browser.find_elements(By.CSS_SELECTOR, "table#official tbody tr")]
    assert official[0] == ["通常枠", "17,539", "2,950,841", "25,140", "0.9%"]  # applications over the national estimate
    assert "交付決定 16,540件" in browser.find_element(By.CSS_SELECTOR, "ul.cite").text  # the notes in Japanese
    links = {a.get_attribute("download"): a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "p.dl a")}
    assert sorted(links) == ["attribution.csv", "by-industry.csv", "by-size.csv", "distribution.csv", "firms.csv", "frames.csv",
                             "national.csv", "official.csv"]
    rows = list(csv.reader(io.StringIO(unquote(links["frames.csv"].split(",", 1)[1]).lstrip("\ufeff"))))
    assert rows[0][:3] == ["枠", "対象 前", "対象 後"]
    assert rows[1] == ["通常枠", "17539", "17485", "14232928642", "14363846256", "130917614", "1516", "261799576", "524", "130881962"]
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, height)
    shot = Path(os.environ.get("POPULATION_SCREENSHOT") or tmp_path / "population-report.png")
    browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    browser.set_window_size(1280, 1600)


def test_text_national_budget_moves_and_distribution():
    report = json.loads(DATA.read_text(encoding="utf-8"))
    lines = render_population.text(report).splitlines()
    start = lines.index("全国推計")
    assert lines[start + 2] == "すべての対象事業者が申請した場合の金額です（実際の申請は2024年度 71,767件）。推計は1社・1円に丸めています。"
    assert lines[start + 5].split() == ["通常枠", "2,950,841", "→", "2,941,756", "23,946.1億円", "→", "24,166.4億円", "+220.3億円",
                                        "255,059社", "+440.5億円", "88,160社", "−220.2億円"]
    assert lines[start + 11] == "予算 2,000.0億円 に対し、推計 前 27,923.8億円（予算の1,396.2%）→ 後 27,960.1億円（予算の1,398.0%）"
    moves = lines.index("枠ごとの増減（その枠の補助額が増えた・減った事業者）")
    assert lines[moves + 3].split() == ["通常枠", "1,516社", "+261,799,576円", "524社", "−130,881,962円"]
    spread = lines.index("1社あたりの変化の分布（各事業者の補助額が最も大きい枠で）")
    assert [line.split()[0] for line in lines[spread + 3:spread + 12]] == [
        "100万円以上の減", "50万円以上100万円未満の減", "10万円以上50万円未満の減", "1円以上10万円未満の減", "変化なし",
        "1円以上10万円未満の増", "10万円以上50万円未満の増", "50万円以上100万円未満の増", "100万円以上の増"]
    assert lines[spread + 7].split() == ["変化なし", "18,728社", "93.6%", "0円"]
    assert sum(b["firms"] for b in report["distribution"]) == report["cases"]
    assert sum(b["change"] for b in report["distribution"]) == report["total"]["difference"]
    english = render_population.text(report, "en")
    assert "the synthetic 20,000 firms scaled to Japan's 3,364,891 SMEs (×3,364,891/20,000, about 168.24×)" in english
    assert "gain of 10万円 to under 50万円" in english and "交付決定 16,540件" not in english  # the English notes


def test_the_report_tables_as_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from engine.population.report_tables import write_xlsx

    report = json.loads(DATA.read_text(encoding="utf-8"))
    write_xlsx(report, tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    assert book.sheetnames == ["枠ごと", "事業者ごと(全体)", "業種別", "規模別", "1社あたりの変化の分布", "全国推計(枠ごと)",
                               "変更ごとの寄与", "公式申請件数との比較"]
    industry = [[c.value for c in row] for row in book["業種別"].iter_rows()]
    assert industry[0] == ["区分", "事業者数", "対象 前", "対象 後", "補助額の合計 前（円）", "補助額の合計 後（円）", "差額（円）",
                           "増えた事業者", "増えた額（円）", "減った事業者", "減った額（円）"]
    assert industry[1] == ["小売業", 6060, 5432, 5408, 5_091_822_717, 5_104_604_567, 12_781_850, 304, 61_812_711, 153, 49_030_861]
