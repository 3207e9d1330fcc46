"""End to end through the CLI: the seeds' worked examples, exactly, and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

STEPS_DONE = {"国内で事業を営む": True, "最低賃金以上": True, "gBizIDプライム取得済": True, "SECURITY_ACTION宣言済": True,
              "みらデジ経営チェック実施済": True, "労働生産性計画策定済": True}


def case(applicant, expenses, functions=("会計", "受発注"), processes=("会計・財務・経営",)):
    return {"申請者": applicant, "申請要件": STEPS_DONE, "経費": expenses,
            "ITツール": {"プロセス": list(processes), "インボイス機能": list(functions)}, "申請日": "2024-07-01"}


SOFTWARE_1M = [{"区分": "ソフトウェア", "金額": 1_000_000}]
SMALL_RETAILER = {"組織形態": "会社", "業種": "小売業", "資本金": 10_000_000, "従業員数": 5}
MEDIUM_RETAILER = {"組織形態": "会社", "業種": "小売業", "資本金": 10_000_000, "従業員数": 30}


def decide(run, write_case, data, *options):
    result = run("eval", write_case(data), "--format", "json", "--trace", *options)
    return result, json.loads(result.stdout)


def frame(decision, name):
    return next(f for f in decision["frames"] if f["frame"] == name)


def find(trace, name):
    """The first trace node named `name` under `trace` (depth first)."""
    if trace.get("name") == name:
        return trace
    for child in trace.get("children", ()):
        found = find(child, name)
        if found:
            return found
    return None


def test_manufacturer_with_30m_capital_and_100_employees_is_an_sme(run, write_case):
    applicant = {"組織形態": "会社", "業種": "製造業", "資本金": 30_000_000, "従業員数": 100}
    result, d = decide(run, write_case, case(applicant, SOFTWARE_1M))
    sme = frame(d, "通常枠")["requirements"][0]
    assert (sme["name"], sme["result"]) == ("中小企業", True)
    capital, employees = sme["children"][0]["children"][-1]["children"]
    assert [capital["children"][0]["result"], capital["children"][1]["result"], capital["result"]] == [30_000_000, 300_000_000, True]
    assert [employees["children"][0]["result"], employees["children"][1]["result"], employees["result"]] == [100, 300, True]


def test_service_sole_proprietor_with_no_employees_is_a_small_business(run, write_case):
    applicant = {"組織形態": "個人事業主", "業種": "サービス業", "従業員数": 0}
    result, d = decide(run, write_case, case(applicant, SOFTWARE_1M))
    band = frame(d, "インボイス対応類型")["amount"]["parts"][0]["bands"][0]
    small = find(band["rate_from"], "小規模事業者")
    assert (small["result"], band["rate"]) == (True, "4/5")
    assert frame(d, "通常枠")["requirements"][0]["result"] is True  # no capital: the employee limit decides


def test_normal_frame_1m_software_gives_500k(run, write_case):
    result, d = decide(run, write_case, case(MEDIUM_RETAILER, SOFTWARE_1M))
    f = frame(d, "通常枠")
    assert (f["status"], f["subsidy"]) == ("eligible", 500_000)
    assert result.exit_code == 0


def test_invoice_small_business_1m_gives_750k_not_800k(run, write_case):
    result, d = decide(run, write_case, case(SMALL_RETAILER, SOFTWARE_1M))
    f = frame(d, "インボイス対応類型")
    assert (f["status"], f["subsidy"]) == ("eligible", 750_000)
    bands = f["amount"]["parts"][0]["bands"]
    assert [(b["cost"], b["rate"], b["subsidy"]) for b in bands] == [(625_000, "4/5", 500_000), (375_000, "2/3", 250_000)]
    assert d["best_frame"] == "インボイス対応類型"


def test_invoice_medium_business_1m_gives_722222(run, write_case):
    result, d = decide(run, write_case, case(MEDIUM_RETAILER, SOFTWARE_1M))
    part = frame(d, "インボイス対応類型")["amount"]["parts"][0]
    assert [(b["cost"], b["rate"], b["subsidy"]) for b in part["bands"]] == [
        ("2000000/3", "3/4", 500_000), ("1000000/3", "2/3", "2000000/9")]
    assert (part["unrounded"], part["result"]) == ("6500000/9", 722_222)


def test_text_shows_the_arithmetic_of_each_band(run, write_case):
    result = run("eval", write_case(case(MEDIUM_RETAILER, SOFTWARE_1M)), "--frame", "インボイス対応類型")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "インボイス枠（インボイス対応類型）: 対象 — 補助額 722,222円" in lines
    # never a fraction of a yen: a band's share that falls between two yen is "just over" (余) its
    # whole yen, and the sum is rounded down once
    assert "      666,666円余 × 3/4（小規模事業者に該当しないため） = 500,000円   (補助額 50万円 まで)" in lines
    assert "      333,333円余 × 2/3 = 222,222円余   (残りの部分)" in lines
    # the rounding with the rule that says so beside it (policies/2024 cites 公募要領 2-3 on every `round down`)
    assert "      = 722,222円 (円未満切り捨て) [IT導入補助金2025 公募要領・交付規程 2-3 ※ 補助額の１円未満は切り捨てとする。]" in lines


def test_english_text(run, write_case):
    result = run("eval", write_case(case(SMALL_RETAILER, SOFTWARE_1M)), "--frame", "インボイス対応類型", "--lang", "en")
    assert "invoice frame (invoice-compliance type): eligible — subsidy 750,000円" in result.stdout.splitlines()


def test_not_eligible_anywhere_exits_0_as_any_decision_and_1_with_fail(run, write_case):
    """After OPA's --fail: a decision made is exit 0 whatever it says (set -e scripts go on); --fail
    asks for exit 1 when no frame is eligible, the old default."""
    large = {"組織形態": "会社", "業種": "小売業", "資本金": 60_000_000, "従業員数": 51}
    result, d = decide(run, write_case, case(large, SOFTWARE_1M))
    assert result.exit_code == 0
    assert decide(run, write_case, case(large, SOFTWARE_1M), "--fail")[0].exit_code == 1
    assert decide(run, write_case, case(SMALL_RETAILER, SOFTWARE_1M), "--fail")[0].exit_code == 0  # some frame eligible
    assert d["best_frame"] is None
    reason = frame(d, "通常枠")["reasons"][0]
    assert reason["kind"] == "requirement" and reason["name"] == "中小企業"
    assert [(c["children"][0]["result"], c["op"], c["children"][1]["result"]) for c in reason["conditions"]] == [
        (60_000_000, "<=", 50_000_000), (51, "<=", 50)]


def test_unknown_frame_is_a_usage_error(run, write_case):
    path = write_case(case(SMALL_RETAILER, SOFTWARE_1M))
    result = run("eval", path, "--frame", "通常", "--lang", "en")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("unknown frame 通常 (did you mean 通常枠?); the policy's frames are: 通常枠, インボイス対応類型, 電子取引類型, "
                                     "複数社連携IT導入枠, セキュリティ対策推進枠")
    ja = run("eval", path, "--frame", "通常")
    assert (ja.exit_code, ja.stderr.strip()) == (2, "通常 という枠はありません（通常枠 のことですか？）。このポリシーの枠: 通常枠, インボイス対応類型, "
                                                    "電子取引類型, 複数社連携IT導入枠, セキュリティ対策推進枠")


def test_an_unknown_frame_named_by_the_case_is_a_bad_case(run, write_case):
    path = write_case({**case(SMALL_RETAILER, SOFTWARE_1M), "frame": "通常"})
    result = run("eval", path, "--lang", "en")
    assert result.exit_code == 3
    assert result.stderr.strip() == (f"invalid case: {path}: frame: unknown frame 通常 (did you mean 通常枠?); the policy's frames are: "
                                     "通常枠, インボイス対応類型, 電子取引類型, 複数社連携IT導入枠, セキュリティ対策推進枠")


def test_bad_policy_exits_4(run, write_case, tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "policy.rules").write_text('programme "x"\n  year\n', encoding="utf-8")
    path = write_case(case(SMALL_RETAILER, SOFTWARE_1M))
    result = run("eval", path, "--policy", tmp_path / "bad", "--lang", "en")
    assert result.exit_code == 4
    assert "policy.rules:2:7: error: syntax error: unexpected end of line; expected a number" in result.stderr
    ja = run("eval", path, "--policy", tmp_path / "bad")  # the policy's problems in the language of the command
    assert ja.exit_code == 4
    assert "policy.rules:2:7: エラー: 構文の誤り: 思いがけない行末があります。ここには数が来るはずです" in ja.stderr


def test_check_bundled_policy_is_clean(run):
    result = run("check", "--lang", "en", "--policy", ROOT / "policies" / "2024")
    assert (result.exit_code, result.stderr.strip()) == (0, "0 error(s), 0 warning(s)")


def test_internal_error_has_no_traceback(monkeypatch, capsys, write_case):
    import engine.cli as cli_module
    import engine.cli.decide as decide_module

    def broken(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(decide_module, "evaluate", broken)
    monkeypatch.setattr(sys, "argv", ["policy", "eval", str(write_case(case(SMALL_RETAILER, SOFTWARE_1M)))])
    with pytest.raises(SystemExit) as exc:
        cli_module.main()
    assert exc.value.code == 70
    assert capsys.readouterr().err == ("internal error: ZeroDivisionError: boom\n"
                                       "This is a bug in the engine; run again with POLICY_DEBUG=1 for details.\n")


def test_policy_command_runs_as_a_program(write_case):
    result = subprocess.run([sys.executable, "-m", "engine.cli", "eval", str(write_case(case(SMALL_RETAILER, SOFTWARE_1M))),
                             "--format", "json"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert frame(json.loads(result.stdout), "インボイス対応類型")["subsidy"] == 750_000
