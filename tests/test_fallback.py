"""`X or 0円` (issue 22, item 4): an optional value with a stated fallback — X where the case gives
it, the literal where it does not — usable anywhere a value is (arithmetic, a cost, a cap, a date
comparison, a value per list item). The checker refuses it after a condition and a fallback of
another type, the explanation says when the fallback stood in, what-ifs see through it, and the
tree, the fast form and the SQL form agree on a boundary corpus."""

from __future__ import annotations

import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.explain import relevance
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, policy_fixtures, write
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "任意の入力の代わりの値"
  year 2024
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  従業員数: 人 "従業員数"
  出資者数: 人, optional "出資者数"
  控除額: 円, optional "控除額"
  希望上限: 円, optional "希望する上限額"
  設立日: date, optional "設立日"

record 明細 "経費の明細":
  金額: 円 "金額"
  値引: 円, optional "値引"

input 経費: list of 明細 "経費"

rule 少人数 "従業員と出資者が合わせて20人以下":
  source 要領 "対象者"
  (出資者数 or 1人) + 従業員数 ≤ 20人

rule 出資者 "出資者が10人以下":
  source 要領 "対象者"
  (出資者数 or 1人) ≤ 10人

rule 新しい "2020年以降の設立":
  source 要領 "対象者"
  (設立日 or 2024-01-01) ≥ 2020-01-01

value 対象経費 "値引後の経費":
  source 要領 "値引"
  total of (larger of (金額 - (値引 or 0円), 0円)) in 経費

frame 枠 "枠":
  source 要領 "補助率"
  requires 少人数, 出資者, 新しい
  amount 補助 "補助":
    on larger of (対象経費 - (控除額 or 0), 0円)
    rate 1/2
    round down
    at most 希望上限 or 100万円
"""



folder, policy = policy_fixtures(POLICY, "fallback")


def decide(policy, applicant, items):
    return evaluate(policy, read_case(policy, {"申請者": {"従業員数": 3, **applicant}, "経費": items}))


@pytest.mark.parametrize("applicant, items, status, subsidy", [
    ({}, [{"金額": 400_000}], "eligible", 200_000),  # nothing optional given: every fallback stands in
    ({"控除額": 100_000}, [{"金額": 400_000, "値引": 50_000}], "eligible", 125_000),  # (400,000 − 50,000 − 100,000) ÷ 2
    ({}, [{"金額": 4_000_000}], "eligible", 1_000_000),  # the cap's fallback 100万円
    ({"希望上限": 30_000}, [{"金額": 400_000}], "eligible", 30_000),  # the cap as given
    ({"従業員数": 19}, [{"金額": 400_000}], "eligible", 200_000),  # 1人 stands for the 出資者数: 20人
    ({"従業員数": 19, "出資者数": 2}, [{"金額": 400_000}], "not_eligible", 0),  # 21人
    ({"設立日": "2019-12-31"}, [{"金額": 400_000}], "not_eligible", 0),
    ({}, [{"金額": 100, "値引": 300}, {"金額": 1_001}], "eligible", 500),  # per item: ⌊(0 + 1,001) ÷ 2⌋
])
def test_the_value_where_given_and_the_fallback_where_not(policy, applicant, items, status, subsidy):
    frame = decide(policy, applicant, items).frames[0]
    assert (frame.status, frame.subsidy) == (status, subsidy)


def test_tree_fast_and_sql_agree_with_values_missing_and_given(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 600, seed=5)]
    assert sum(v["申請者"]["控除額"] is None for v in values) > 60 and sum(v["申請者"]["控除額"] is not None for v in values) > 60
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_the_closures_agree_with_the_generated_code(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 200, seed=8)]
    closures, generated = FastPolicy(policy, generate=False), FastPolicy(policy)
    for v in values:
        assert closures.decide(v) == generated.decide(v)


def test_the_explanation_says_when_the_fallback_stood_in(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"従業員数": 30, "出資者数": 2}, "経費": [{"金額": 400_000}]}, ensure_ascii=False),
                    encoding="utf-8")
    out = run("eval", case, "--policy", folder).stdout
    assert "上限100万円（= 希望する上限額（未入力のため100万円））（達していません）" in out
    case.write_text(json.dumps({"申請者": {"従業員数": 30}, "経費": [{"金額": 400_000}]}, ensure_ascii=False), encoding="utf-8")
    lines = run("eval", case, "--policy", folder).stdout.splitlines()
    assert "      出資者数（未入力のため1人） + 従業員数（30人）が31人です（20人以下である必要があります）" in lines  # the count takes its limit's unit
    lines = run("eval", case, "--policy", folder, "--lang", "en").stdout.splitlines()
    assert "      出資者数 (1人, as it is not given) + 従業員数 (30人) is 31人; it must be at most 20人" in lines


def test_a_what_if_changes_the_value_behind_a_fallback(policy):
    values = read_case(policy, {"申請者": {"従業員数": 3, "出資者数": 12}, "経費": [{"金額": 400_000}]})
    decided = what_if(policy, values, evaluate(policy, values))
    offers = [[(c.path, c.old, c.new) for c in w.changes] for w in decided.frames[0].what_if]
    assert offers == [[(("申請者", "出資者数"), 12, 10)]], offers


def test_an_open_value_behind_a_fallback_is_asked_and_a_missing_one_decides(policy):
    known = relevance.Knowledge(values={"申請者": {"従業員数": 3}, "経費": [{"金額": 400_000}]},
                                known=frozenset({"申請者.従業員数", "経費"}))
    assert {"申請者.出資者数", "申請者.設立日", "申請者.控除額", "申請者.希望上限"} <= relevance.needed(policy, known)
    # 出資者数 left empty: its fallback 1人 + 30人 fails 少人数, which decides the frame whatever else is answered
    known = relevance.Knowledge(values={"申請者": {"従業員数": 30, "出資者数": None}}, known=frozenset({"申請者.従業員数", "申請者.出資者数"}))
    assert relevance.needed(policy, known) == frozenset()


@pytest.mark.parametrize("body, message, help", [
    ("(設立日 or 2024-01-01) ≥ 2020-01-01", None, None),
    ("設立日 or 2024-01-01 ≥ 2020-01-01",
     "error: each condition of `or`/`any of` must be true/false, but this is date", None),
    ("従業員数 ≤ 出資者数 or 1人 + 20人",
     "error: each condition of `or`/`any of` must be true/false, but this is 人 (count)",
     "help: a value for when an optional one is not given follows it after `or`, in parentheses inside arithmetic: "
     "`(前年の最低賃金 or 0円) + 50円`"),
    ("(出資者数 or 1円) + 従業員数 ≤ 20人",
     "error: the value after `or` must be 人 (count) like the one before it, but 1円 is 円 (yen)", None),
    ("従業員数 + 出資者数 ≤ 20人 or 0人",
     "error: `or 0人` gives a value for when one is not given, but what comes before it is a condition",
     "help: put the value and its fallback in parentheses: `今年の最低賃金 ≥ (前年の最低賃金 or 0円) + 50円`"),
])
def test_the_checker_says_how_to_write_a_fallback(tmp_path, body, message, help):
    text = POLICY.replace("  (設立日 or 2024-01-01) ≥ 2020-01-01\n", f"  {body}\n")
    if message is None:
        load(tmp_path / "p", text)
        return
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    lines = str(error.value).splitlines()
    assert lines[0].endswith(message), lines[0]
    assert ":28:" in lines[0].split(": error")[0], lines[0]  # the rule's condition line
    if help is not None:
        assert f"  {help}" in lines


def test_a_fallback_on_a_value_always_given_is_a_warning(tmp_path, run):
    folder = write(tmp_path / "p", POLICY.replace("(出資者数 or 1人)", "(従業員数 or 1人)"))
    result = run("check", "--lang", "en", folder)
    assert result.exit_code == 0
    assert "warning: `or 1人` after a value that is always given: 1人 is never used" in result.output


def test_arithmetic_on_an_optional_value_suggests_a_fallback(tmp_path):
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", POLICY.replace("(出資者数 or 1人)", "出資者数"))
    assert "  help: say what stands for it when it is not given: `(出資者数 or 0人)`; or give the input" in str(error.value)


def test_fmt_keeps_a_fallback():
    assert format_text(POLICY) == POLICY


def test_the_json_trace_says_whether_the_fallback_was_used(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"従業員数": 3, "設立日": "2021-04-01"}, "経費": [{"金額": 400_000}]}, ensure_ascii=False),
                    encoding="utf-8")
    out = run("eval", case, "--policy", folder, "--format", "json", "--trace").stdout
    requirements = {t["name"]: t for t in json.loads(out)["frames"][0]["requirements"]}

    def fallbacks(t):
        return ([(t["used"], t["result"])] if "used" in t else []) + [f for c in t.get("children", ()) for f in fallbacks(c)]

    assert fallbacks(requirements["少人数"]) == [(True, 1)]  # 出資者数 not given: 1人 stood in
    assert fallbacks(requirements["新しい"]) == [(False, "2021-04-01")]  # 設立日 given


@pytest.mark.parametrize("cost, message", [
    ("控除額", "error: the cost of amount 補助 of frame 枠 uses an optional value that may be missing; compare it or test `is given`"),
    ("round down (控除額)", "error: round down of an optional value that may be missing; test `is given` first"),
    ("smaller of (対象経費, 控除額)", "error: `smaller of` an optional value that may be missing; test `is given` first"),
])
def test_every_refused_use_of_an_optional_value_suggests_a_fallback(tmp_path, cost, message):
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", POLICY.replace("on larger of (対象経費 - (控除額 or 0), 0円)", f"on {cost}"))
    lines = str(error.value).splitlines()
    assert lines[0].endswith(f"policy.rules:38:8: {message}"), lines[0]
    assert lines[3].startswith("  help: say what stands for it when it is not given: `(控除額 or 0円)`; or give the input"), lines[3]


def test_coverage_asks_for_a_case_with_the_value_given_and_one_without(folder, tmp_path, run):
    cases = tmp_path / "cases"
    cases.mkdir()
    (cases / "a.json").write_text(json.dumps({"申請者": {"従業員数": 3, "出資者数": 2}, "経費": [{"金額": 400_000}],
                                              "expected": {"frames": {"枠": {"subsidy": 200_000}}}}, ensure_ascii=False), encoding="utf-8")
    (cases / "b.json").write_text(json.dumps({"申請者": {"従業員数": 3}, "経費": [{"金額": 400_000, "値引": 1_000}],
                                              "expected": {"frames": {"枠": {"subsidy": 199_500}}}}, ensure_ascii=False), encoding="utf-8")
    result = run("test", "--lang", "en", cases, "--policy", folder, "--coverage")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # 出資者数 (lines 20 and 24) was given in one case and not in the other; 値引 (line 34) too; the rest only missing
    assert lines[2:4] == ["coverage by 2 cases: 3/10 (30.0%)", "  policy.rules: 3/10 (30.0%)"]
    assert [line for line in lines if "given and not given" in line] == [
        "  policy.rules:28: `設立日 or 2024-01-01` (needs: given and not given)",
        "  policy.rules:38: `控除額 or 0` (needs: given and not given)",
        "  policy.rules:41: `希望上限 or 100万円` (needs: given and not given)",
    ]
