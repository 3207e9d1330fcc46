"""`policy diff` between years, and effective dating with --policies."""

from __future__ import annotations

import datetime

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

STEPS = {"国内で事業を営む": True, "最低賃金以上": True, "gBizIDプライム取得済": True, "SECURITY_ACTION宣言済": True,
         "みらデジ経営チェック実施済": True, "労働生産性計画策定済": True, "賃上げ計画策定済": True}
SMALL = {"組織形態": "会社", "業種": "小売業", "資本金": 10_000_000, "従業員数": 5}
MEDIUM = {"組織形態": "会社", "業種": "製造業", "資本金": 10_000_000, "従業員数": 30}
FOUR = ["顧客対応・販売支援", "供給・在庫・物流", "会計・財務・経営", "総務・人事・給与・労務等"]

CORPUS = {
    "a_security_small.json": {"申請者": SMALL, "申請要件": STEPS, "経費": [{"区分": "お助け隊サービス利用料", "金額": 2_000_000, "利用月数": 24}]},
    "b_services_over_2m.json": {"申請者": MEDIUM, "申請要件": STEPS, "ITツール": {"プロセス": FOUR},
                                "経費": [{"区分": "ソフトウェア", "金額": 1_000_000}, {"区分": "役務", "金額": 3_000_000}]},
    "c_near_minimum_wage.json": {"申請者": {**MEDIUM, "最低賃金近傍事業者": True}, "申請要件": STEPS, "ITツール": {"プロセス": ["会計・財務・経営"]},
                                 "経費": [{"区分": "ソフトウェア", "金額": 300_000}]},
    "d_same_group_applied.json": {"申請者": MEDIUM, "申請要件": STEPS, "対象外事由": {"みなし同一法人の他社が申請": True},
                                  "ITツール": {"プロセス": ["会計・財務・経営"]}, "経費": [{"区分": "ソフトウェア", "金額": 300_000}]},
    "e_unchanged.json": {"申請者": MEDIUM, "申請要件": STEPS, "ITツール": {"インボイス機能": ["会計"]}, "経費": [{"区分": "PC等", "金額": 100}]},
}


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "cases"
    folder.mkdir()
    for name, case in CORPUS.items():
        (folder / name).write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return folder


def test_diff_2024_2025_report(run, corpus, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("diff", "policies/2024", "policies/2025", corpus, "--format", "json")
    assert result.exit_code == 1  # something changed
    report = json.loads(result.stdout)
    by_case = {c["case"].rsplit("/", 1)[-1]: c for c in report["cases"]}
    frames = {name: [(f["frame"], f["old_subsidy"], f["new_subsidy"], f["delta"], f["kinds"]) for f in c["frames"]]
              for name, c in by_case.items()}
    assert frames == {
        # 2/3 for a 小規模事業者 and a 150万円 cap: 2,000,000 × 2/3 = 1,333,333
        "a_security_small.json": [("セキュリティ対策推進枠", 1_000_000, 1_333_333, 333_333, ["amount_up"])],
        # 役務 counts up to 200万円: (1,000,000 + 2,000,000) / 2
        "b_services_over_2m.json": [("通常枠", 2_000_000, 1_500_000, -500_000, ["amount_down"])],
        # 最低賃金近傍事業者: 2/3 of 300,000
        "c_near_minimum_wage.json": [("通常枠", 150_000, 200_000, 50_000, ["amount_up"])],
        # the new exclusion is a reason in every frame, also in those that were not eligible before
        "d_same_group_applied.json": [("通常枠", 150_000, 0, -150_000, ["eligibility_lost", "reasons_changed"])] + [
            (f, 0, 0, 0, ["reasons_changed"]) for f in ("インボイス対応類型", "電子取引類型", "複数社連携IT導入枠", "セキュリティ対策推進枠")],
        "e_unchanged.json": [],
    }
    assert [(r["name"], r["old"], r["new"]) for r in by_case["d_same_group_applied.json"]["rules"]] == []
    # 2024's eligible 役務 (保守 at most 2 years, §7 C-1) is 2025's too, now at most 200万円
    assert [(r["name"], r["old"], r["new"]) for r in by_case["b_services_over_2m.json"]["rules"]] == [("補助対象の役務費", 3_000_000, 2_000_000)]
    assert by_case["e_unchanged.json"]["changed"] is False
    # rules-2024.md §7 C-3 (共通・業務固有プロセス数), C-7 (one ordering software) and C-9 (the productivity
    # steps of セキュリティ and 複数社連携); 補助対象の役務費 is 2024's (C-1), overridden
    assert report["definitions_added"] == ["最低賃金近傍", "共通・業務固有プロセス数", "受発注ソフトは1つのみ", "セキュリティ枠の労働生産性計画",
                                           "複数社連携の労働生産性計画", "みなし同一法人"]
    assert report["definitions_removed"] == ["みらデジ経営チェック"]
    assert report["summary"] == {
        "cases": 5, "changed": 4, "unreadable": 0,
        "counts": {"eligibility_gained": 0, "eligibility_lost": 1, "amount_up": 2, "amount_down": 1, "status_changed": 0,
                   "reasons_changed": 5, "steps_changed": 0, "round_changed": 0, "frame_added": 0, "frame_removed": 0},
        "other_years": [], "old_total": 3_300_000, "new_total": 3_033_333, "delta": -266_667,
    }


def test_diff_text(run, corpus, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("diff", "policies/2024", "policies/2025", corpus / "a_security_small.json", corpus / "e_unchanged.json")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "policy diff: policies/2024（IT導入補助金2024）→ policies/2025（IT導入補助金2025）"
    assert "    セキュリティ対策推進枠: 対象 1,000,000円 → 対象 1,333,333円 (+333,333円)" in lines
    assert lines[-8:] == [
        "まとめ: 2件中 1件が変化",
        "  通常枠: 変化 0件; 対象 0件 → 0件; 補助額の合計 0円 → 0円 (+0円)",
        "  インボイス枠（インボイス対応類型）: 変化 0件; 対象 0件 → 0件; 補助額の合計 0円 → 0円 (+0円)",
        "  インボイス枠（電子取引類型）: 変化 0件; 対象 0件 → 0件; 補助額の合計 0円 → 0円 (+0円)",
        "  複数社連携IT導入枠: 変化 0件; 対象 0件 → 0件; 補助額の合計 0円 → 0円 (+0円)",
        "  セキュリティ対策推進枠: 変化 1件; 対象 1件 → 1件; 補助額の合計 1,000,000円 → 1,333,333円 (+333,333円)",
        "  補助額が増えた枠: 1",
        "  補助額の合計: 1,000,000円 → 1,333,333円 (+333,333円)",
    ]


def test_diff_of_a_policy_with_itself_exits_0(run, corpus, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("diff", "policies/2024", "policies/2024", corpus / "a_security_small.json", corpus / "e_unchanged.json")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "  補助額の合計: 1,000,000円 → 1,000,000円 (+0円)"


def test_diff_reports_an_unreadable_case_and_exits_3(run, write_case, monkeypatch):
    monkeypatch.chdir(ROOT)
    case = {"申請者": {**MEDIUM, "従業員": 3}, "申請要件": STEPS, "経費": []}
    result = run("diff", "policies/2024", "policies/2024", write_case(case))
    assert result.exit_code == 3
    assert ("  ✗ 申請者.従業員: unknown field (did you mean 従業員数?); expected one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"
            in result.stdout)


def test_a_field_of_another_year_is_not_a_typo_in_a_diff(run, corpus, monkeypatch):
    monkeypatch.chdir(ROOT)  # 最低賃金近傍事業者 is a 2025 field; 2023 and 2024 ignore it
    result = run("diff", "policies/2023", "policies/2024", corpus / "c_near_minimum_wage.json")
    assert result.exit_code == 0


def test_2023_in_the_lower_band_gives_3_4_to_small_businesses(run, write_case, monkeypatch):
    monkeypatch.chdir(ROOT)
    case = {"申請者": SMALL, "申請要件": STEPS, "ITツール": {"インボイス機能": ["会計", "受発注"]}, "経費": [{"区分": "ソフトウェア", "金額": 600_000}]}
    result = run("diff", "policies/2023", "policies/2024", write_case(case), "--format", "json")
    f = json.loads(result.stdout)["cases"][0]["frames"]
    assert [(x["frame"], x["old_subsidy"], x["new_subsidy"]) for x in f] == [("インボイス対応類型", 450_000, 480_000)]


@pytest.mark.parametrize("date, folder, programme", [("2024-07-01", "2024", "IT導入補助金2024"), ("2025-05-12", "2025", "IT導入補助金2025"),
                                                     ("2023-06-01", "2023", "IT導入補助金2023")])
def test_effective_dating_picks_the_policy_in_force(run, write_case, monkeypatch, date, folder, programme):
    monkeypatch.chdir(ROOT)
    case = {**CORPUS["c_near_minimum_wage.json"], "申請日": date}
    case["申請者"] = MEDIUM
    result = run("eval", write_case(case), "--policies", "policies", "--format", "json")
    out = json.loads(result.stdout)
    assert out["selected_policy"]["folder"] == folder
    assert out["selected_policy"]["chosen_by"] == {"field": "申請日", "date": date, "default": False}
    assert out["programme"] == programme
    text = run("eval", write_case(case), "--policies", "policies").stdout.splitlines()[0]
    day = datetime.date.fromisoformat(date)
    assert text.startswith(f"適用する公募: {folder}（{programme}, ") and text.endswith(f"— 申請日 {day.year}年{day.month}月{day.day}日 により選択")
    # with no --policy at all, the bundled years are chosen from alike
    assert run("eval", write_case(case)).stdout.splitlines()[0] == text


def test_effective_dating_errors(run, write_case, monkeypatch):
    monkeypatch.chdir(ROOT)
    case = dict(CORPUS["e_unchanged.json"])
    result = run("eval", write_case(case), "--policies", "policies", "--lang", "en")
    assert (result.exit_code, result.stderr.strip().split(": ", 2)[-1]) == (
        3, "申請日: missing; choosing the policy in force needs the case's application date (or give --policy)")
    result = run("eval", write_case({**case, "申請日": "2026-01-05"}), "--policies", "policies", "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.strip().split(": ", 2)[-1] == (
        # rules-2024.md §7 C-12: the 2025 call opened 2025-03-31
        "申請日: 2026-01-05 is in no policy year's term, after the last call, 2025 (closed 2025-12-31); the years: 2023: 2023-01-01..2024-02-15; 2024: 2024-02-16..2024-10-15; "
        "2025: 2025-03-31..2025-12-31 (to judge the case under one year's rules anyway, give --policy with that year's folder)")


def _report(run, old, new):
    result = run("diff", f"policies/{old}", f"policies/{new}", "examples", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    changed = {c["case"].removeprefix("examples/"): [(f["frame"], f["old_subsidy"], f["new_subsidy"]) for f in c["frames"]]
               for c in report["cases"] if c["changed"]}
    return report["summary"], changed


def test_diff_2024_2025_on_the_examples(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    summary, changed = _report(run, "2024", "2025")
    assert changed == {
        "security_cap_1m_exceeded.json": [("セキュリティ対策推進枠", 1_000_000, 1_000_001)],  # 2,000,002 × 1/2 under the 150万円 cap
        "year2025_near_minimum_wage.json": [("通常枠", 150_000, 200_000)],
        "year2025_security_small_business_2m.json": [("セキュリティ対策推進枠", 1_000_000, 1_333_333)],
        "year2025_services_over_2m.json": [("通常枠", 2_000_000, 1_500_000)],
        # same amount; みらデジ経営チェック is no longer a step to take (it used to be reported as "0 changed");
        # rules-2024.md §7 C-9: 複数社連携 and セキュリティ name their own productivity steps
        "steps_missing_miradigi_and_productivity_plan.json": [
            ("通常枠", 500_000, 500_000), ("複数社連携IT導入枠", 0, 0), ("セキュリティ対策推進枠", 0, 0)],
        # rules-2024.md §7 C-6: a member's 役務 counts up to 200万円 in 2025 (2,000,001円 → 2,000,000円)
        "year2025_multi_member_services_2m.json": [("複数社連携IT導入枠", 4_711_111, 4_711_110)],
        # §7 C-7: 1,000,000 × 60% of the accounts × 2/3
        "year2025_etrade_sme_account_share_60_percent.json": [("電子取引類型", 666_666, 400_000)],
        # §7 C-9: each frame's own productivity step (the group plan of 複数社連携 is new to it)
        "steps_security_frame_needs_productivity_plan.json": [("複数社連携IT導入枠", 0, 0), ("セキュリティ対策推進枠", 300_000, 300_000)],
        "year2025_multi_without_productivity_plan.json": [("複数社連携IT導入枠", 750_000, 750_000), ("セキュリティ対策推進枠", 0, 0)],
    }
    assert (summary["changed"], summary["counts"]["amount_up"], summary["counts"]["amount_down"], summary["counts"]["steps_changed"]) == (9, 3, 3, 7)
    assert summary["delta"] == 1 + 50_000 + 333_333 - 500_000 - 1 - 266_666
    # the two examples expected of 2025 only (a process and a field 2024 does not have), and the two
    # of 2024's term boundaries expected of 2024 only, are not compared
    assert summary["other_years"] == ["examples/deadline_after_last_2024_10_16.json",
                                      "examples/deadline_before_opening_2024_02_15.json",
                                      "examples/year2025_etrade_one_software_only.json",
                                      "examples/year2025_integrated_business_within_common_p05.json"]


def _causes(run, old, new, *cases):
    result = run("diff", f"policies/{old}", f"policies/{new}", *cases, "--format", "json")
    report = json.loads(result.stdout)
    return {(c["case"].removeprefix("examples/"), f["frame"]): [(x["definition"]["name"], x["amounts"], x["clause"], x["old"], x["new"])
                                                              for x in f["causes"]]
            for c in report["cases"] for f in c["frames"]}


def test_diff_attributes_each_changed_decision_with_one_cause_to_exactly_that_clause(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    causes = _causes(run, "2024", "2025", "examples")
    assert causes == {
        ("security_cap_1m_exceeded.json", "セキュリティ対策推進枠"): [
            ("セキュリティ対策推進枠", ["サービス利用料"], "at most", ["at most 100万円"], ["at most 150万円"])],
        ("year2025_near_minimum_wage.json", "通常枠"): [
            ("通常枠", ["ソフトウェア等"], "rate", ["rate 1/2"], ["rate 2/3 if 最低賃金近傍 else 1/2"])],
        # 2024's eligible 役務 (§7 C-1), at most 200万円 in 2025
        ("year2025_services_over_2m.json", "通常枠"): [
            ("補助対象の役務費", [], "value", ["total of (金額 × 24か月 ÷ 利用月数 if 利用月数 > 24か月 else 金額) in 経費 where 区分 is 役務"],
             ["smaller of (total of (金額 × 24か月 ÷ 利用月数 if 利用月数 > 24か月 else 金額) in 経費 where 区分 is 役務, 200万円)"])],
        ("steps_missing_miradigi_and_productivity_plan.json", "通常枠"): [
            ("通常枠", [], "steps", ["steps gBizIDプライム, SECURITY_ACTION, みらデジ経営チェック, 労働生産性計画"],
             ["steps gBizIDプライム, SECURITY_ACTION, 労働生産性計画"])],
        # rules-2024.md §7 C-9: each frame's own productivity step
        **{(case, "複数社連携IT導入枠"): [
            ("複数社連携IT導入枠", [], "steps", ["steps gBizIDプライム, SECURITY_ACTION, 構成員のSECURITY_ACTION"],
             ["steps gBizIDプライム, SECURITY_ACTION, 構成員のSECURITY_ACTION, 複数社連携の労働生産性計画"])]
           for case in ("steps_missing_miradigi_and_productivity_plan.json", "steps_security_frame_needs_productivity_plan.json",
                        "year2025_multi_without_productivity_plan.json")},
        **{(case, "セキュリティ対策推進枠"): [
            ("セキュリティ対策推進枠", [], "steps", ["steps gBizIDプライム, SECURITY_ACTION, 労働生産性計画"],
             ["steps gBizIDプライム, SECURITY_ACTION, セキュリティ枠の労働生産性計画"])]
           for case in ("steps_missing_miradigi_and_productivity_plan.json", "steps_security_frame_needs_productivity_plan.json",
                        "year2025_multi_without_productivity_plan.json")},
        # §7 C-7: the 2025 proration by the SME share of 受注側 accounts
        ("year2025_etrade_sme_account_share_60_percent.json", "電子取引類型"): [
            ("電子取引の按分割合", [], "value", ["100%"], ["中小企業アカウント割合"])],
        # a small business at 2,000,000円: 2/3 (the rate) of it is 1,333,333, which only the higher cap (150万円) lets through
        ("year2025_security_small_business_2m.json", "セキュリティ対策推進枠"): [
            ("セキュリティ対策推進枠", ["サービス利用料"], "rate", ["rate 1/2"], ["rate 2/3 if 小規模事業者 else 1/2"]),
            ("セキュリティ対策推進枠", ["サービス利用料"], "at most", ["at most 100万円"], ["at most 150万円"])],
        # rules-2024.md §7 C-6: the member's 役務 up to 200万円
        ("year2025_multi_member_services_2m.json", "複数社連携IT導入枠"): [
            ("複数社連携IT導入枠", ["連携経費", "基盤導入経費", "ソフトウェア等"], "on", ["on 構成員.ソフトウェア等費 + 構成員.役務費"],
             ["on 構成員.ソフトウェア等費 + smaller of (構成員.役務費, 200万円)"])],
    }


def test_diff_lists_every_amended_and_overridden_definition_clause_by_clause(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = json.loads(run("diff", "policies/2024", "policies/2025", "examples", "--format", "json").stdout)
    changes = {(d["kind"], d["name"]): d["change"] for d in report["definitions"]}
    assert changes == {
        ("programme", ""): "changed", ("input", "申請者"): "amended", ("input", "対象外事由"): "amended",
        ("enum", "プロセス"): "amended", ("step", "労働生産性計画"): "overridden", ("value", "通常枠のプロセス数"): "overridden",
        ("frame", "通常枠"): "amended", ("frame", "インボイス対応類型"): "amended", ("frame", "電子取引類型"): "amended",
        ("frame", "複数社連携IT導入枠"): "amended", ("frame", "セキュリティ対策推進枠"): "amended",
        ("value", "連携経費の総額"): "overridden",  # rules-2024.md §7 C-6: each member's 役務 up to 200万円
        # §7 C-3 (統合業務 within 共P-05), C-7 (the SME share of accounts), C-9 (productivity targets by frame)
        ("value", "共通・業務固有プロセス数"): "added", ("input", "電子取引"): "amended", ("value", "電子取引の按分割合"): "overridden",
        ("input", "申請要件"): "amended", ("step", "セキュリティ枠の労働生産性計画"): "added", ("step", "複数社連携の労働生産性計画"): "added",
        ("rule", "最低賃金近傍"): "added", ("value", "補助対象の役務費"): "overridden", ("exclusion", "みなし同一法人"): "added",
        ("rule", "受発注ソフトは1つのみ"): "added",
        ("step", "みらデジ経営チェック"): "removed",
    }
    text = run("diff", "policies/2024", "policies/2025", "examples").stdout
    assert "  一部変更 frame セキュリティ対策推進枠 「セキュリティ対策推進枠」\n" in text
    assert "    amount サービス利用料 › at most: at most 100万円 → at most 150万円\n" in text
    assert "    amount サービス利用料 › rate: rate 1/2 → rate 2/3 if 小規模事業者 else 1/2\n" in text
    assert "    deadline:\n      - deadline \"1次\" 2024-03-15 17:00 opens 2024-02-16 source schedule " in text and "      + deadlines unknown\n" in text
    assert ("  examples/security_cap_1m_exceeded.json\n"
            "    セキュリティ対策推進枠: 対象 1,000,000円 → 対象 1,000,001円 (+1円)\n"
            "      ← frame セキュリティ対策推進枠 › amount サービス利用料: at most 100万円 → at most 150万円\n") in text
    # rules-2024.md §7 C-2: examples/never_small_incorporated_association_20_security.json (a 社団法人, never 小規模)
    # is a ninth eligible example, at 500,000円 under both years; §7 C-1: three with fees over 24 months are
    # capped, not refused (288,000 + 288,000 + 200,000円); §7 C-9: three more change only their step
    # (セキュリティ枠の労働生産性計画)
    assert "  セキュリティ対策推進枠: 変化 5件; 対象 12件 → 12件; 補助額の合計 5,526,000円 → 5,859,334円 (+333,334円)\n" in text
    markdown = run("diff", "policies/2024", "policies/2025", "examples", "--format", "markdown").stdout
    assert markdown.startswith("### policy diff: policies/2024（IT導入補助金2024）→ policies/2025（IT導入補助金2025）\n\n#### ポリシーの変更: ")
    assert "\n  - amount サービス利用料 › at most: `at most 100万円` → `at most 150万円`\n" in markdown
    # a CommonMark renderer keeps the structure: clauses nested under their definition, causes under their frame
    from markdown_it import MarkdownIt

    html = MarkdownIt().render(markdown)
    assert "<li>一部変更 frame <code>セキュリティ対策推進枠</code> 「セキュリティ対策推進枠」\n<ul>\n<li>" in html
    assert "<li>← frame セキュリティ対策推進枠 › amount サービス利用料: at most 100万円 → at most 150万円</li>" in html


def test_diff_attributes_every_changed_decision_of_2023_to_2024(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    causes = _causes(run, "2023", "2024", "examples")
    # rules-2024.md §7 C-13: 2023 put EC sites in デジタル化基盤導入類型, so normal_ec_site_not_covered no longer changes
    assert len(causes) >= 26 and all(causes.values())
    assert causes[("seed_invoice_small_1m.json", "インボイス対応類型")] == [
        ("インボイス対応類型", ["ソフトウェア等"], "rate", ["rate 3/4 until the subsidy reaches 50万円", "then rate 2/3"],
         ["rate 4/5 if 小規模事業者 else 3/4 until the subsidy reaches 50万円", "then rate 2/3"])]


def test_a_change_within_one_year_compares_rounds_and_attributes_them(run, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(ROOT)
    edited = tmp_path / "policies" / "2024"
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    rules = edited / "frame_normal.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace('deadline "5次" 2024-07-19 17:00', 'deadline "5次" 2024-06-30 17:00'), encoding="utf-8")
    report = json.loads(run("diff", "policies/2024", edited, "examples/seed_invoice_small_1m.json", "--format", "json").stdout)
    (case,) = report["cases"]
    assert case["dates_checked"] is True  # 2024-07-01 is in both terms: rounds are compared
    (frame,) = case["frames"]
    assert (frame["frame"], frame["kinds"], frame["old"]["round"], frame["new"]["round"]) == ("通常枠", ["round_changed"], "5次", "6次")
    assert [(c["clause"], c["old"], c["new"]) for c in frame["causes"]] == [
        ("deadline", ['deadline "5次" 2024-07-19 17:00 source schedule "通常枠 carearc.co.jp; seed-000 for 4次〜6次"'],
         ['deadline "5次" 2024-06-30 17:00 source schedule "通常枠 carearc.co.jp; seed-000 for 4次〜6次"'])]


def test_diff_2023_2024_on_the_examples(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    summary, changed = _report(run, "2023", "2024")
    # 2024 raised the lower band to 4/5 for 小規模事業者 and dropped EC sites, which 2023 paid in デジタル化基盤導入類型
    # (rules-2024.md §7 C-13; not in 通常枠, as this test said before)
    assert changed["seed_invoice_small_1m.json"] == [("インボイス対応類型", 722_222, 750_000)]
    assert changed["invoice_small_band_edge_625000.json"] == [("インボイス対応類型", 468_750, 500_000)]
    assert changed["year2023_ec_site_eligible.json"] == [("インボイス対応類型", 722_222, 225_000)]
    assert changed["multi_ten_members_mixed.json"] == [("複数社連携IT導入枠", 5_638_194, 5_742_222)]
    assert changed["multi_member_hardware_caps.json"] == [("複数社連携IT導入枠", 5_638_194, 5_742_222)]
    # the two examples expected of 2025 only are read by neither 2023 nor 2024; the two of 2024's term
    # boundaries, expected of 2024 only, not by 2023
    assert (summary["cases"], summary["changed"], summary["counts"]["amount_up"], summary["counts"]["amount_down"]) == (
        len(list(EXAMPLES.glob("*.json"))) - 4, 26, 25, 1)
    assert summary["new_total"] - summary["old_total"] == sum(new - old for frames in changed.values() for _, old, new in frames)


def test_a_date_after_the_call_closed_is_not_eligible_without_deadlines(run, write_case, monkeypatch):
    """2025's frames list no deadlines; its `in force` end still closes the call."""
    monkeypatch.chdir(ROOT)
    case = {**CORPUS["c_near_minimum_wage.json"], "申請日": "2026-01-05"}
    result = run("eval", write_case(case), "--policy", "policies/2025", "--frame", "通常枠", "--fail")
    assert result.exit_code == 1  # decided: no frame eligible
    assert "  ✗ 申請日 2026年1月5日 は公募期間の終了 2025年12月31日 より後です" in result.stdout.splitlines()


def test_a_case_that_cannot_be_read_is_counted_apart_not_as_changed(run, tmp_path):
    path = tmp_path / "array.json"
    path.write_text("[]", encoding="utf-8")
    result = run("diff", str(ROOT / "policies" / "2024"), str(ROOT / "policies" / "2025"), str(path))
    assert result.exit_code == 3
    assert "✗ the case: got a list, expected a JSON object" in result.stdout
    assert "まとめ: 1件中 0件が変化、1件は評価できず（✗）" in result.stdout


def test_two_years_in_force_on_one_date_are_a_policy_error_not_a_silent_choice(run, tmp_path):
    import shutil

    for name in ("a", "b"):
        shutil.copytree(ROOT / "policies" / "2024", tmp_path / "years" / name)
    result = run("eval", str(EXAMPLES / "seed_invoice_small_1m.json"), "--policies", str(tmp_path / "years"), "--lang", "en")
    assert result.exit_code == 4
    assert result.stderr.strip() == ("error: a (2024-02-16..2024-10-15) and b (2024-02-16..2024-10-15) are both in force on "
                                     "2024-07-01; the terms of a policies folder's years must not overlap")
    ja = run("eval", str(EXAMPLES / "seed_invoice_small_1m.json"), "--policies", str(tmp_path / "years"))
    assert (ja.exit_code, ja.stderr.strip()) == (4, "エラー: a（2024-02-16..2024-10-15）と b（2024-02-16..2024-10-15）がどちらも 2024-07-01 に"
                                                    "適用期間内です。ポリシーの年度の適用期間は重なってはいけません")


def test_an_undated_case_gets_the_default_year_and_is_told_so(run, write_case):
    case = {k: v for k, v in CORPUS["e_unchanged.json"].items() if k != "申請日"}
    result = run("eval", write_case(case))
    assert result.stdout.splitlines()[0] == ("適用する公募: 2024（IT導入補助金2024, 2024年2月16日〜2024年10月15日）— "
                                             "申請日が未入力のため、既定の年度で判定しました")
    out = json.loads(run("eval", write_case(case), "--format", "json", "--lang", "en").stdout)
    assert out["selected_policy"]["chosen_by"] == {"field": "申請日", "date": None, "default": True}


def test_a_date_no_bundled_year_covers_lists_the_years_and_their_terms(run, write_case):
    result = run("eval", write_case({**CORPUS["e_unchanged.json"], "申請日": "2022-12-31"}), "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.strip().split(": ", 2)[-1] == (
        # rules-2024.md §7 C-12: the 2025 call opened 2025-03-31
        "申請日: 2022-12-31 is in no policy year's term, before the first call, 2023 (opens 2023-01-01); the years: 2023: 2023-01-01..2024-02-15; 2024: 2024-02-16..2024-10-15; "
        "2025: 2025-03-31..2025-12-31 (to judge the case under one year's rules anyway, give --policy with that year's folder)")


def test_every_example_is_accepted_alike_by_eval_explain_test_and_batch(run, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    example = "examples/year2025_near_minimum_wage.json"  # a field only 2025 declares; dated in 2024
    assert run("eval", example).exit_code == 0
    assert run("eval", example, "--policies", "policies").exit_code == 0
    assert run("explain", example, "-o", tmp_path / "page.html").exit_code == 0
    assert run("test", "--lang", "en", example).exit_code == 0
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(json.loads(Path(example).read_text(encoding="utf-8")), ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("batch", source, "-o", tmp_path / "out.jsonl").exit_code == 0
    record = json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert (record["ok"], record["policy"]) == (True, "2024")
    assert {f["frame"]: f["subsidy"] for f in record["decision"]["frames"]}["通常枠"] == 150_000


def test_batch_decides_each_record_under_the_year_of_its_date(run, tmp_path):
    base = CORPUS["c_near_minimum_wage.json"]
    undated = {k: v for k, v in base.items() if k != "申請日"}
    lines = [{**base, "申請日": "2024-07-01"}, {**base, "申請日": "2025-05-12"}, undated, {**base, "申請日": "2026-01-05"}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in lines), encoding="utf-8")
    assert run("batch", source, "-o", tmp_path / "out.jsonl").exit_code == 0
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r.get("policy") for r in out] == ["2024", "2025", "2024", None]
    assert [r.get("policy_by_default") for r in out] == [None, None, True, None]  # the undated record says so
    assert out[3]["errors"][0]["field"] == "申請日"
    assert out[3]["errors"][0]["message"].startswith("2026-01-05 is in no policy year's term, after the last call, 2025 (closed 2025-12-31); the years: 2023: ")
    assert run("batch", source, "-o", tmp_path / "out.csv").exit_code == 0
    header, labels, *rows = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert header.split(",")[:5] == ["id", "ok", "errors", "policy", "best_frame"]
    assert labels.split(",")[3] == "適用した公募"  # the labels row under the names (tests/test_sheet_headers.py)
    assert [r.split(",")[3] for r in rows[:3]] == ["2024", "2025", "2024"]
    # one policy folder given: no choice, no policy column
    assert run("batch", source, "-o", tmp_path / "one.csv", "--policy", ROOT / "policies" / "2024").exit_code == 0
    assert (tmp_path / "one.csv").read_text(encoding="utf-8-sig").split(",", 4)[:4] == ["id", "ok", "errors", "best_frame"]


def test_json_has_no_trace_unless_asked(run):
    plain = run("eval", ROOT / "examples" / "seed_invoice_small_1m.json", "--format", "json").stdout
    traced = run("eval", ROOT / "examples" / "seed_invoice_small_1m.json", "--format", "json", "--trace").stdout
    plain, traced = json.loads(plain), json.loads(traced)
    assert plain["frames"][0]["requirements"][0] == {"name": "中小企業", "result": True}  # the rule's outcome only
    rule = traced["frames"][0]["requirements"][0]
    assert (rule["name"], rule["kind"], rule["type"]) == ("中小企業", "rule", "bool")  # its trace: the step's kind, the value's type
    assert {c["kind"] for c in rule["children"]} <= {"any", "all", "compare", "member", "not", "given", "rule", "cases", "if"}
    assert plain["frames"][0]["subsidy"] == traced["frames"][0]["subsidy"] == 500_000


def test_check_of_a_folder_of_years_checks_every_year(run, tmp_path, monkeypatch):
    import shutil

    monkeypatch.chdir(ROOT)
    result = run("check", "--lang", "en", "--policy", "policies")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[-1] == "0 error(s), 1 warning(s) in 3 policy years"
    assert "policies/2025: 0 error(s), 1 warning(s)" in result.stderr.splitlines()
    shutil.copytree(ROOT / "policies", tmp_path / "policies")
    broken = tmp_path / "policies" / "2023" / "changes.rules"
    broken.write_text(broken.read_text(encoding="utf-8").replace("レジ等, ECサイト制作}", "レジ等, ECサイト製作}", 1), encoding="utf-8")
    result = run("check", "--lang", "en", "--policy", tmp_path / "policies")
    assert result.exit_code == 4
    lines = result.stderr.splitlines()
    assert any(line.startswith(str(broken)) and ": error: " in line for line in lines)  # positioned, in the broken year
    assert f"{tmp_path / 'policies' / '2024'}: 0 error(s), 0 warning(s)" in lines  # the other years are still checked
    assert lines[-1].endswith("in 3 policy years") and not lines[-1].startswith("0 error(s)")


def test_a_date_between_two_calls_names_both(run):
    """rules-2024.md §7 C-12: 2024-10-16 … 2025-03-30 falls in no call; say so, and which are nearest."""
    result = run("eval", ROOT / "examples" / "deadline_after_last_2024_10_16.json", "--lang", "en")
    assert result.exit_code == 3
    assert "申請日: 2024-10-16 is in no policy year's term, between 2024 (closed 2024-10-15) and 2025 (opens 2025-03-31); " in result.stderr
    result = run("eval", ROOT / "examples" / "deadline_after_last_2024_10_16.json")  # in Japanese, by the field's label
    assert ("「交付申請日」: 2024-10-16 はどの年度の公募期間にも入りません（2024年度の公募は 2024-10-15 に終了、"
            "2025年度の公募は 2025-03-31 に開始）。") in result.stderr
    assert run("eval", ROOT / "examples" / "deadline_after_last_2024_10_16.json", "--policy", ROOT / "policies" / "2024",
               "--fail").exit_code == 1  # decided under 2024: no frame eligible
