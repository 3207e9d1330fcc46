"""Optional inputs in arithmetic (issue 22, item 3): a condition that tests `X is given` makes X
present in what it guards — the conditions after it in an `and`/`all of`, a `when X is given:`
branch, `A if X is given else B`, a cap's `when X is given` — and nowhere else. Where the test
fails, every evaluator reads the guarded arithmetic as missing (a comparison with it is false),
and the tree, the fast form and the SQL form agree on a boundary corpus."""

from __future__ import annotations

import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from policy_support import load, policy_fixtures
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "任意の入力"
  year 2024
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  従業員数: 人 "従業員数"
  資本金: 円, optional "資本金"
  賃金の引上げ額: 円, optional "事業場内最低賃金の引上げ額"
  前年の最低賃金: 円, optional "前年の事業場内最低賃金"
  今年の最低賃金: 円 "事業場内最低賃金"

record 明細 "経費の明細":
  金額: 円 "金額"
  利用月数: か月, optional "利用料の月数"

input 経費: list of 明細 "経費"

rule 賃上げ "事業場内最低賃金を50円以上引き上げた":
  source 要領 "賃上げ特例"
  前年の最低賃金 is given and 今年の最低賃金 ≥ 前年の最低賃金 + 50円

rule 資本金の要件 "資本金が従業員1人当たり1,000万円以下":
  source 要領 "対象者"
  cases:
    when 資本金 is given: 資本金 ÷ larger of (従業員数, 1人) ≤ 1,000万円
    otherwise: true

value 月額 "月額換算の経費":
  source 要領 "月額"
  total of (金額 ÷ 利用月数 if 利用月数 is given and 利用月数 > 0か月 else 金額) in 経費

frame 枠 "枠":
  source 要領 "補助率"
  requires 資本金の要件
  amount 補助 "補助":
    on 月額
    rate 3/4 if 賃上げ else 1/2
    round down
    at most 賃金の引上げ額 × 1,000 when 賃金の引上げ額 is given
    at most smaller of (round down (資本金 ÷ 2), 500万円) when 資本金 is given and 資本金 > 0円
"""



folder, policy = policy_fixtures(POLICY, "narrowing")


def decide(policy, applicant, items):
    values = read_case(policy, {"申請者": {"従業員数": 3, "今年の最低賃金": 1000, **applicant}, "経費": items})
    return evaluate(policy, values)


@pytest.mark.parametrize("applicant, items, subsidy", [
    ({}, [{"金額": 1_200_000, "利用月数": 12}, {"金額": 100_000}], 100_000),  # nothing optional given: 1/2, no cap
    ({"前年の最低賃金": 950}, [{"金額": 400_000}], 300_000),  # raised by 50円: 3/4
    ({"前年の最低賃金": 951}, [{"金額": 400_000}], 200_000),  # by 49円: 1/2
    ({"賃金の引上げ額": 60}, [{"金額": 400_000}], 60_000),  # the cap 60 × 1,000 applies only when given
    ({"資本金": 30_000_001}, [{"金額": 400_000}], 0),  # 30,000,001 ÷ 3 > 1,000万円: not eligible
    ({"資本金": 301}, [{"金額": 400_000, "利用月数": 0}], 150),  # ⌊301 ÷ 2⌋ = 150 caps it; 0 months: the whole 金額
])
def test_each_guard_reads_the_value_only_where_it_is_given(policy, applicant, items, subsidy):
    assert decide(policy, applicant, items).frames[0].subsidy == subsidy


def test_tree_fast_and_sql_agree_with_values_missing_and_given(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 600, seed=3)]
    assert sum(v["申請者"]["資本金"] is None for v in values) > 60 and sum(v["申請者"]["資本金"] is not None for v in values) > 60
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_the_explanation_of_a_cap_off_for_a_missing_value(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"従業員数": 3, "今年の最低賃金": 1000}, "経費": [{"金額": 200_000}]}, ensure_ascii=False),
                    encoding="utf-8")
    out = run("eval", case, "--policy", folder).stdout
    assert "事業場内最低賃金の引上げ額が未入力のため、上限未入力はかかりません" in out


HELP = ("help: say what stands for it when it is not given: `(前年の最低賃金 or 0円)`; "
        "or give the input the value a missing answer stands for, e.g. `前年の最低賃金: 円, default 0円`; or test it first, in the "
        "same condition: `前年の最低賃金 is given and …` (also `not 前年の最低賃金 is given or …`, `when 前年の最低賃金 is given:` in `cases:`, `… if 前年の最低賃金 is given "
        "else …`, or a cap's `when 前年の最低賃金 is given`)")


@pytest.mark.parametrize("guarded, column", [
    ("今年の最低賃金 ≥ 前年の最低賃金 + 50円", 13),  # no guard
    ("前年の最低賃金 is given or 今年の最低賃金 ≥ 前年の最低賃金 + 50円", 33),  # `or` proves nothing
    ("(前年の最低賃金 is given and 今年の最低賃金 > 0円) or 今年の最低賃金 ≥ 前年の最低賃金 + 50円", 52),  # not past its `and`
    ("not 前年の最低賃金 is given and 今年の最低賃金 ≥ 前年の最低賃金 + 50円", 38),  # `not` proves the opposite
    ("今年の最低賃金 ≥ 前年の最低賃金 + 50円 and 前年の最低賃金 is given", 13),  # the test comes first
])
def test_arithmetic_outside_a_guard_is_refused_and_says_how_to_guard_it(tmp_path, guarded, column):
    text = POLICY.replace("  前年の最低賃金 is given and 今年の最低賃金 ≥ 前年の最低賃金 + 50円\n", f"  {guarded}\n")
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    lines = str(error.value).splitlines()
    assert lines[0].endswith(f"policy.rules:20:{column}: error: arithmetic on an optional value that may be missing"), lines[0]
    assert f"  {HELP}" in lines


def test_an_unless_cap_does_not_guard_its_limit(tmp_path):
    text = POLICY.replace("when 賃金の引上げ額 is given", "unless 賃金の引上げ額 is given")
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    assert "error: arithmetic on an optional value that may be missing" in str(error.value)


def test_a_bare_number_scales_an_amount(tmp_path):
    """`資本金 ÷ 2` and `賃金の引上げ額 × 1,000` are yen (a bare number is a factor); they were yen ÷ yen."""
    assert "資本金 ÷ 2" in POLICY and "賃金の引上げ額 × 1,000" in POLICY
    caps = load(tmp_path / "p", POLICY).frames[0].amount.parts[0].caps
    assert [c.limit.kind for c in caps] == ["yen", "yen"]


def test_the_pages_relevance_analysis_agrees_with_the_tree(policy):
    """What /page/relevant decides from some of the answers is what the whole case gets."""
    import random

    from engine.explain import relevance, relevance_plan

    rnd = random.Random(22)
    checked = 0
    paths = [path for _, _, path in relevance_plan.question_paths(policy)]
    for raw in corpus.generate(policy, 200, seed=4):
        values = read_case(policy, raw)
        frame = evaluate(policy, values).frames[0]
        known = frozenset(p for p in paths if rnd.random() < 0.6)  # answered, a missing optional value included
        partial = {"経費": values["経費"], "申請者": {k: v for k, v in values["申請者"].items() if f"申請者.{k}" in known}}
        for outcome in relevance.outcomes(policy, relevance.Knowledge(values=partial, known=known)):
            if outcome.decided:
                checked += 1
                assert (outcome.status, outcome.subsidy) == (frame.status, frame.subsidy), (raw, partial)
    assert checked > 20
