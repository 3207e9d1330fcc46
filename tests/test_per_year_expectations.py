"""`policy test` with one expectation per policy year: {"expected": {"2024": {...}, "2025": {...}}}
is judged under the year of the policy given, by the year its programme header states."""

from __future__ import annotations

import json

from conftest import EXAMPLES, ROOT

# undated, so that each year judges it within its own term
CASE = {k: v for k, v in json.loads((EXAMPLES / "seed_normal_1m_software.json").read_text(encoding="utf-8")).items()
        if k not in ("expected", "申請日")}
# 2025 gives a near-minimum-wage employer 2/3 in 通常枠 (policies/2025/changes.rules); 2024 has no such field
NEAR_MINIMUM_WAGE = {**CASE, "申請者": {**CASE["申請者"], "最低賃金近傍事業者": True}}
P2023, P2024, P2025 = (ROOT / "policies" / y for y in ("2023", "2024", "2025"))


def subsidy(run, policy, case_path) -> int:
    """What the year's policy gives the case in 通常枠 (from the eval JSON)."""
    result = run("eval", case_path, "--policy", policy, "--format", "json", "--frame", "通常枠")
    return json.loads(result.stdout)["frames"][0]["subsidy"]


def test_each_year_is_held_to_its_own_expectation(run, write_case):
    got = {"2024": subsidy(run, P2024, write_case(CASE, "plain.json")),
           "2025": subsidy(run, P2025, write_case(NEAR_MINIMUM_WAGE, "near.json"))}
    assert got["2024"] != got["2025"]  # the years really disagree on this case
    case = {**NEAR_MINIMUM_WAGE, "expected": {year: {"frames": {"通常枠": {"status": "eligible", "subsidy": got[year]}}} for year in got}}
    path = write_case(case)
    # --policy policies/2024 reads the case against 2024 alone, where 最低賃金近傍事業者 is no field
    # without --policy, a case whose expectation is given per year is judged under each year it names
    for folder, passed in ((None, 2), (P2025, 1)):
        result = run("test", "--lang", "en", path, *(("--policy", folder) if folder else ()))
        assert result.exit_code == 0, result.stdout
        assert result.stdout == f"{passed} passed, 0 failed\n"

    # 2024's figure expected of 2025 too: 2025 fails, with its own figure; 2024 passes
    wrong = {**NEAR_MINIMUM_WAGE, "expected": {"2024": {"frames": {"通常枠": {"subsidy": got["2024"]}}},
                                               "2025": {"frames": {"通常枠": {"subsidy": got["2024"]}}}}}
    path = write_case(wrong, "wrong.json")
    both = run("test", "--lang", "en", path)  # without --policy: judged under each year it names, 2024 passes and 2025 fails
    assert (both.exit_code, both.stdout.splitlines()[-1]) == (1, "1 passed, 1 failed")
    result = run("test", "--lang", "en", path, "--policy", P2025)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1] == f"  通常枠.subsidy: expected {got['2024']:,}円, got {got['2025']:,}円"


def test_a_year_the_expectation_does_not_name_has_no_expectation(run, write_case):
    """A case that expects things of other years only is said to be one, not taken for a case without expectations."""
    path = write_case({**CASE, "expected": {"2025": {"frames": {"通常枠": {"eligible": False}}}}})  # wrong for 2025
    result = run("test", "--lang", "en", path, "--policy", P2023)
    assert result.exit_code == 0
    assert result.stdout == (f"SKIP {path}: an example expected of 2025 only, skipped for 2023\n"
                             "0 passed, 0 failed, 1 expected of other years only (skipped)\n")
    ja = run("test", path, "--policy", P2023)
    assert (ja.exit_code, ja.stdout) == (0, f"省略 {path}: 2025年度だけに判定を期待する例のため、2023年度では省略しました\n"
                                            "0件一致、0件不一致、1件はほかの年度だけに判定を期待する例（省略）\n")
    report = json.loads(run("test", path, "--policy", P2023, "--format", "json").stdout)
    assert report["cases"][0]["outcome"] == "no_expectation" and report["cases"][0]["expected_of"] == ["2025"]
    none = write_case({k: v for k, v in CASE.items() if k != "expected"}, "none.json")
    assert run("test", "--lang", "en", none, "--policy", P2023).stdout == "0 passed, 0 failed, 1 without expectations\n"
    assert run("test", "--lang", "en", path, "--policy", P2025).exit_code == 1  # and under 2025 it is checked


def test_a_bad_expectation_names_its_year(run, write_case):
    path = write_case({**CASE, "expected": {"2024": {"frames": {"通常": {"eligible": True}}}}})
    result = run("test", "--lang", "en", path, "--policy", P2024)
    assert result.exit_code == 3
    assert "expected.2024.frames: unknown frame 通常" in result.stdout


def test_mixing_one_expectation_with_per_year_ones_is_refused(run, write_case):
    path = write_case({**CASE, "expected": {"2024": {"frames": {"通常枠": {"eligible": True}}}, "rules": {"中小企業": True}}})
    result = run("test", "--lang", "en", path, "--policy", P2024)
    assert result.exit_code == 3
    assert "either one expectation or one per year" in result.stdout


def test_a_plain_expectation_still_applies_to_every_year(run, write_case):
    path = write_case({**CASE, "expected": {"frames": {"通常枠": {"status": "eligible"}}}})
    for folder in (P2023, P2024, P2025):
        assert run("test", "--lang", "en", path, "--policy", folder).exit_code == 0
