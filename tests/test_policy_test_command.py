"""policy test: expected decisions in case files, readable mismatches, and coverage."""

from __future__ import annotations

import pytest

import json

from conftest import EXAMPLES, ROOT

CASE = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))


def with_expected(expected):
    return {**{k: v for k, v in CASE.items() if k != "expected"}, "expected": expected}


def test_examples_meet_their_expectations_and_cover_the_2024_policy(run, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("test", "--lang", "en", "examples", "--coverage")
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    # two examples are expected of 2025 only (a process and a field 2024 does not have): without
    # --policy they are judged under 2025, the year their expectation names, and pass there
    assert lines[0] == f"{len(list(EXAMPLES.glob('*.json')))} passed, 0 failed"
    # rules-2024.md §7 C-2 adds rule 小規模事業者の従業員規模; C-4 the rules 代表事業者が対象 and
    # 代表事業者がまちづくり会社等 and the step 構成員のSECURITY_ACTION (77); C-1 removes the three
    # "at most 2 years of fees" rules, the fees now being capped, not refused (74)
    assert lines[2].startswith("coverage by ") and lines[2].endswith(": 74/74 (100.0%)")
    assert "not reached:" not in lines


def test_mismatches_are_listed_readably(run, write_case):
    case = with_expected({"frames": {"インボイス対応類型": {"status": "eligible", "subsidy": 800_000},
                                      "通常枠": {"eligible": False}},
                          "rules": {"小規模事業者": False, "中小企業": True}})
    path = write_case(case)
    result = run("test", "--lang", "en", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"FAIL {path}",
        "  インボイス対応類型.subsidy: expected 800,000円, got 750,000円",
        "  通常枠.eligible: expected false, got true",
        "  rule 小規模事業者: expected false, got true",
        "0 passed, 1 failed",
    ]


def test_bad_expectation_and_missing_expectation(run, write_case):
    bad = write_case(with_expected({"frames": {"通常": {"subsidy": 1}}}), "bad.json")
    none = write_case({k: v for k, v in CASE.items() if k != "expected"}, "none.json")
    result = run("test", "--lang", "en", bad, none)
    assert result.exit_code == 3
    assert result.stdout.splitlines() == [
        f"ERROR {bad}: expected.frames: unknown frame 通常 (did you mean 通常枠?); the policy's frames are: 通常枠, "
        "インボイス対応類型, 電子取引類型, 複数社連携IT導入枠, セキュリティ対策推進枠",
        "0 passed, 0 failed, 1 invalid, 1 without expectations",
    ]


@pytest.mark.parametrize("expected, message", [
    ({"frames": {"通常枠": {"status": "ok"}}},
     'expected.frames.通常枠.status: got "ok", expected one of: eligible, eligible_after_steps, not_eligible'),
    ({"frames": {"通常枠": {"subsidy": "500000"}}}, 'expected.frames.通常枠.subsidy: got "500000", expected a whole number of yen'),
    ({"frames": {"通常枠": {"subsidyy": 500000}}},
     "expected.frames.通常枠.subsidyy: unknown (did you mean subsidy?); expected any of status, eligible, subsidy"),
    ({"frames": None}, '"expected" names nothing to check; give "frames" and/or "rules"'),
    ({}, '"expected" names nothing to check; give "frames" and/or "rules"'),
], ids=["status", "subsidy as text", "misspelt key", "frames null", "empty"])
def test_an_expectation_that_cannot_be_checked_is_invalid_not_failed(run, write_case, expected, message):
    """A wrong expectation is the test's own fault (exit 3, invalid), never a failed or a passed test."""
    path = write_case(with_expected(expected), "bad.json")
    result = run("test", "--lang", "en", path)
    assert (result.exit_code, result.stdout.splitlines()) == (3, [f"ERROR {path}: {message}", "0 passed, 0 failed, 1 invalid"])


def test_coverage_of_a_small_policy(write_policy, write_case, run, tmp_path, monkeypatch):
    folder = write_policy("""
input 申請者:
  従業員数: 人
  小規模: bool, default false

rule 中小企業 "中小企業":
  source doc
  従業員数 ≤ 300人

frame F "枠":
  source doc
  requires 中小企業
  amount A "A":
    on 100万円
    rate 4/5 if 小規模 else 3/4 until the subsidy reaches 50万円
    then rate 2/3
    round down
    at most 60万円
  at least 5万円
""")
    write_case({"申請者": {"従業員数": 10}, "expected": {"frames": {"F": {"subsidy": 600_000}}}}, "a.json")
    monkeypatch.chdir(tmp_path)
    result = run("test", "--lang", "en", "a.json", "--policy", "policy", "--coverage")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "1 passed, 0 failed",
        "",
        "coverage by 1 cases: 3/5 (60.0%)",
        "  policy.rules: 3/5 (60.0%)",
        "not reached:",
        "  policy.rules:9: rule 中小企業 (needs: true and false)",
        "  policy.rules:22: floor of F (needs: met and unmet)",
    ]


def test_malformed_expectations_are_invalid_not_a_crash(run, write_case):
    for expected, message in (({"frames": [1]}, "expected.frames and expected.rules must be objects keyed by frame and rule names"),
                              ({"rules": {"中小企業": "no"}}, 'expected.rules.中小企業: expected true or false, got "no"')):
        path = write_case(with_expected(expected))
        result = run("test", "--lang", "en", path)
        assert result.exit_code == 3 and f"ERROR {path}: {message}" in result.stdout



def test_an_expectation_or_a_case_that_cannot_be_read_is_told_in_japanese_by_default(run, write_case):
    """policy test's own refusals follow --lang like its results: the expectation's problems are
    authoring words, the case reader's are its own (in the same words eval uses)."""
    bad = write_case(with_expected({"frames": {"通常": {"subsidy": 1}, "通常枠": {"status": "ok"}},
                                    "rules": {"中小企業": "no"}}), "bad.json")
    wrong = write_case({**with_expected({"frames": {"通常枠": {"eligible": True}}}),
                        "申請者": {**CASE["申請者"], "従業員数": "多い"}}, "wrong.json")
    result = run("test", bad, wrong)
    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"エラー {bad}: expected.frames: 通常 という枠はありません（「通常枠」のことですか？）。このポリシーの枠: 通常枠, "
        "インボイス対応類型, 電子取引類型, 複数社連携IT導入枠, セキュリティ対策推進枠; "
        'expected.frames.通常枠.status: "ok" が書かれていますが、次のいずれか（eligible, eligible_after_steps, not_eligible）にしてください; '
        'expected.rules.中小企業: "no" が書かれていますが、true か false にしてください')
    assert lines[1] == f'エラー {wrong}: 「申請者」の「従業員数」: "多い" は使えません。整数（例: 12）で入力してください'
    assert lines[2] == "0件一致、0件不一致、2件は読めません"


NEIGHBOURS = {
    "mine": 'programme "p"\n  year 2024\n  source doc "d"\n\ninput 費用: 円 "費用"\n\nframe 枠 "枠":\n  source doc\n'
            '  amount 補助 "補助":\n    on 費用\n    rate 1/2\n    round down\n',
    "other": 'programme "q"\n  year 2025\n  source doc "d"\n\ninput 費用: 円 "費用"\ninput 別の項目: 円 "別の項目"\n\n'
             'frame 枠 "枠":\n  source doc\n  amount 補助 "補助":\n    on 費用 + 別の項目\n    rate 1/2\n    round down\n',
    "broken": 'programme "r"\n  year 2025\n  source doc "d"\n\nrule R "r":\n  source doc\n  未定義 > 1円\n',
}


@pytest.fixture
def neighbours(tmp_path):
    for name, text in NEIGHBOURS.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "policy.rules").write_text(text, encoding="utf-8")
    return tmp_path


def test_a_broken_folder_beside_the_policy_is_not_loaded(run, neighbours):
    """issue 22: `policy test --policy DIR` loaded the folders next to DIR as other years and failed with their errors (exit 4)."""
    case = neighbours / "case.json"
    case.write_text(json.dumps({"費用": 1000, "expected": {"frames": {"枠": {"subsidy": 500}}}}, ensure_ascii=False), encoding="utf-8")
    result = run("test", "--lang", "en", case, "--policy", neighbours / "mine")
    assert (result.exit_code, result.stdout) == (0, "1 passed, 0 failed\n"), result.stdout + result.stderr
    assert run("eval", case, "--policy", neighbours / "mine").exit_code == 0


def test_a_field_only_a_neighbour_declares_is_refused_as_eval_refuses_it(run, neighbours):
    """issue 22: `test` accepted a field only a neighbouring folder declares, which `eval` refuses."""
    case = neighbours / "case.json"
    case.write_text(json.dumps({"費用": 1000, "別の項目": 5, "expected": {"frames": {"枠": {"subsidy": 500}}}}, ensure_ascii=False),
                    encoding="utf-8")
    tested, evaluated = run("test", "--lang", "en", case, "--policy", neighbours / "mine"), run("eval", case, "--policy", neighbours / "mine")
    assert tested.exit_code == evaluated.exit_code == 3
    assert "別の項目: unknown field; expected one of: 費用" in tested.stdout, tested.stdout
    assert "「別の項目」: この項目はありません。使える項目名: 費用" in evaluated.stderr, evaluated.stderr
