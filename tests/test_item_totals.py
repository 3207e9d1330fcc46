"""`total of (…) in LIST`: a value per item, added up exactly (rules-2024.md §7 C-1: fees for more
than 24 months count 24 months of their cost, 金額 × 24 / 利用月数, exact until the amount's one
rounding). The tree, the fast form and the SQL form agree on every case of a boundary corpus."""

from __future__ import annotations

from fractions import Fraction

import pytest

from engine.compile.pipeline import load_policy
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from policy_support import load, policy_fixtures
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "Item totals"
  year 2024
  source doc "the guidelines"

enum 区分:
  ソフトウェア
  オプション
  PC

record 明細:
  区分: 区分 "区分"
  金額: 円 "金額"
  利用月数: か月, default 0 "利用月数（0: 一括）"

input 経費: list of 明細 "経費"
input 小規模: bool, default false "小規模"

value 対象経費 "補助対象経費（利用料は最大2年分、オプションは1年分）":
  source doc "最大２年分の費用を補助対象とする; オプションは最大１年分"
  total of (金額 × 24か月 ÷ 利用月数 if 利用月数 > 24か月 else 金額) in 経費 where 区分 is ソフトウェア + total of (金額 × 12か月 ÷ 利用月数 if 利用月数 > 12か月 else 金額) in 経費 where 区分 is オプション

frame 枠 "枠":
  source doc "枠"
  amount ソフト "ソフトウェア":
    source doc "4/5 or 3/4 until 50万円, then 2/3"
    on 対象経費
    rate 4/5 if 小規模 else 3/4 until the subsidy reaches 50万円
    then rate 2/3
    round down
    at most 350万円
"""


folder, policy = policy_fixtures(POLICY, "items")


def decide(policy, items, small=False):
    values = read_case(policy, {"経費": items, "小規模": small})
    return evaluate(policy, values)


def test_36_months_count_24_exactly(policy):
    # 1,200,000円 for 36 months → 800,000円 eligible; a 中小: ⌊(6·800,000 + 500,000)/9⌋ = 588,888 (catalogue C-1)
    d = decide(policy, [{"区分": "ソフトウェア", "金額": 1_200_000, "利用月数": 36}])
    assert d.frames[0].subsidy == 588_888
    assert d.frames[0].amount.parts[0].base == 800_000


@pytest.mark.parametrize("months, eligible", [(0, 1_000_000), (24, 1_000_000), (25, Fraction(24_000_000, 25)), (36, Fraction(2_000_000, 3))])
def test_the_boundary_at_24_months(policy, months, eligible):
    d = decide(policy, [{"区分": "ソフトウェア", "金額": 1_000_000, "利用月数": months}])
    assert d.frames[0].amount.parts[0].base == eligible


def test_fractions_of_a_yen_are_added_before_the_one_rounding(policy):
    # two lines of 100円 for 36 months: 66 2/3 + 66 2/3 = 133 1/3 (rounding each first would lose 2/3円)
    d = decide(policy, [{"区分": "ソフトウェア", "金額": 100, "利用月数": 36}] * 2 + [{"区分": "オプション", "金額": 100, "利用月数": 18}])
    assert d.frames[0].amount.parts[0].base == Fraction(400, 3) + Fraction(200, 3)
    assert d.frames[0].subsidy == 150  # ⌊200 × 3/4⌋


def test_tree_fast_and_sql_agree(policy):
    amounts = [0, 1, 99, 100, 101, 666_666, 666_667, 1_200_000, 4_999_999]
    months = [0, 1, 12, 13, 24, 25, 36, 37, 120]
    cases = []
    for i, a in enumerate(amounts):
        for j, m in enumerate(months):
            items = [{"区分": "ソフトウェア", "金額": a, "利用月数": m}, {"区分": "オプション", "金額": amounts[-1 - i], "利用月数": months[-1 - j]},
                     {"区分": "PC", "金額": 5, "利用月数": 7}]
            cases.append(read_case(policy, {"経費": items[: 1 + (i + j) % 3], "小規模": (i + j) % 2 == 0}))
    cases.append(read_case(policy, {"経費": []}))
    # two and three lines of one 区分 (the SQL form folds two or more, takes one line as it is)
    for k in range(len(months) - 2):
        lines = [{"区分": "ソフトウェア", "金額": amounts[k + n], "利用月数": months[k + n]} for n in range(3)]
        cases.append(read_case(policy, {"経費": lines[:2]}))
        cases.append(read_case(policy, {"経費": lines + [{"区分": "オプション", "金額": 7, "利用月数": months[k]}] * 2}))
    fast = FastPolicy(policy)
    for values in cases:
        assert fast.decide(values) == summary(evaluate(policy, values))
    assert mismatches(policy, cases, duckdb_rows(policy, cases)) == []


@pytest.mark.parametrize("body, message", [
    ("total of (金額 ÷ 区分) in 経費", "cannot compute"),
    ("total of (利用月数 > 24か月) in 経費", "`total of (…)` adds yen or counts; this is"),
])
def test_a_total_of_something_that_is_not_an_amount_is_refused(tmp_path, body, message):
    text = POLICY.replace("total of (金額 × 24か月 ÷ 利用月数 if 利用月数 > 24か月 else 金額) in 経費 where 区分 is ソフトウェア + "
                          "total of (金額 × 12か月 ÷ 利用月数 if 利用月数 > 12か月 else 金額) in 経費 where 区分 is オプション", body)
    with pytest.raises(PolicyError) as error:
        load(tmp_path, text)
    assert message in str(error.value)


def test_the_cost_at_which_the_cap_is_reached_sees_through_the_per_item_total(policy):
    """A named value of per-item totals still gives the what-if "cap reached at 金額 …": e = 金額 × 24/36,
    500,000 + (e − 666,666 2/3) × 2/3 = 3,500,000 at e = 5,166,666 2/3, i.e. 金額 = 7,750,000."""
    from engine.explain.counterfactual import what_if

    values = read_case(policy, {"経費": [{"区分": "ソフトウェア", "金額": 1_200_000, "利用月数": 36}]})
    offers = what_if(policy, values, evaluate(policy, values)).frames[0].what_if
    assert [(w.kind, [(c.path, c.old, c.new) for c in w.changes], w.subsidy) for w in offers] == [
        ("cap_reached", [(("経費", 0, "金額"), 1_200_000, 7_750_000)], 3_500_000)]


# ---------------------------------------------------------------- `at most` on an input (the months' bound)
def _bounded(tmp_path, line):
    text = POLICY.replace('  利用月数: か月, default 0 "利用月数（0: 一括）"', line)
    return load(tmp_path, text)


def test_a_bounded_count_refuses_a_larger_answer_everywhere(tmp_path):
    """The reader, the case's JSON Schema and the SQL checks of a population run refuse 121か月 alike."""
    import jsonschema

    from engine.authoring.schema import case_schema
    from engine.language.diagnostics import CaseError

    policy = _bounded(tmp_path, '  利用月数: か月, fixed, default 0, at most 120か月 "利用月数（0: 一括）"')
    at_bound = {"経費": [{"区分": "ソフトウェア", "金額": 1_200_000, "利用月数": 120}]}
    assert summary(evaluate(policy, read_case(policy, at_bound)))["frames"][0]["subsidy"] == 180_000  # 240,000 × 3/4
    over = {"経費": [{"区分": "ソフトウェア", "金額": 1_200_000, "利用月数": 121}]}
    with pytest.raises(CaseError) as error:
        read_case(policy, over)
    assert error.value.problems == ["経費[0].利用月数: got 121, expected at most 120 (the policy's bound for this field)"]
    schema = case_schema(policy)
    jsonschema.validate(at_bound, schema)
    with pytest.raises(jsonschema.ValidationError, match="121 is greater than the maximum of 120"):
        jsonschema.validate(over, schema)


@pytest.mark.parametrize("line, message", [
    ('  利用月数: bool, default false, at most 120か月 "x"', "only an amount (円) or a count takes an upper bound"),
    ('  利用月数: か月, default 0, at most 120円 "x"', "at most 120円 of 利用月数 is 円 (yen), but 利用月数 is 人 (count)"),
    ('  利用月数: か月, default 130か月, at most 120か月 "x"', "default 130か月 of 利用月数 is above its bound, at most 120か月"),
])
def test_a_bound_that_does_not_fit_its_field_is_refused(tmp_path, line, message):
    with pytest.raises(PolicyError) as error:
        _bounded(tmp_path, line)
    assert message in str(error.value)


def test_a_number_before_a_comma_is_not_a_grouped_number(tmp_path):
    """`default 0, at most …`: the comma ends the 0 (only `1,000` groups digits)."""
    policy = _bounded(tmp_path, '  利用月数: か月, default 0, at most 120か月 "利用月数（0: 一括）"')
    field = policy.records["明細"].fields[2]
    assert (field.default, field.maximum) == (0, 120)


def test_the_bundled_policy_never_offers_fewer_months():
    """§7 C-1: 利用月数 is fixed, so no what-if offers "shorten the term" (it would only lower the fee);
    the offers for 1,200,000円 over 36か月 move the amount only, to the cap 金額 × 24/36 × 1/2 = 1,499,999."""
    import json

    from conftest import EXAMPLES, POLICY_2024
    from engine.explain.counterfactual import what_if

    policy = load_policy(POLICY_2024).policy
    raw = json.loads((EXAMPLES / "c1_cloud_fees_36_months_capped.json").read_text(encoding="utf-8"))
    values = read_case(policy, raw, also_known=frozenset({"expected", "description"}))
    frames = {f.name: f for f in what_if(policy, values, evaluate(policy, values)).frames}
    offers = [(w.kind, [(c.path, c.old, c.new) for c in w.changes], w.subsidy) for w in frames["通常枠"].what_if]
    assert offers == [("cap_reached", [(("経費", 0, "金額"), 1_200_000, 4_499_997)], 1_499_999)]
    assert not any("利用月数" in c.path for f in frames.values() for w in f.what_if for c in w.changes)
