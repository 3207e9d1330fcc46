"""Each construct of the DSL, evaluated end to end on a small policy, with exact results."""

from __future__ import annotations

import datetime
from fractions import Fraction

import pytest

from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.explain.unmet import unmet_conditions
from engine.compile.pipeline import load_policy

HEADER = """\
programme "Construct test"
  title "Every construct once"
  year 2024
  in force 2024-02-16 .. 2024-10-15
  applied on 申請日
  source doc "The test document"
"""

INPUTS = """
enum 業種 "業種" en "industry":
  製造業 "製造業" en "manufacturing"
  小売業

enum 区分:
  ソフト
  PC
  EC

input 申請者 "申請者":
  業種: 業種, fixed "業種"
  資本金: 円, optional "資本金"
  従業員数: 人 "従業員数"
  小規模: bool, default false "小規模"
  持株比率: ratio, default 0 "持株比率"
  機能: list of 区分, optional "機能"

record 明細:
  区分: 区分
  金額: 円

input 経費: list of 明細 "経費"
input 申請日: date, optional "申請日"
"""

RULES = """
table 範囲 "範囲" by 業種:
  source doc "table"
  | 業種   | 資本金上限 | 従業員上限 |
  | 製造業 | 3億円      | 300人      |
  | 小売業 | 5,000万円  | 50人       |

rule 中小企業 "中小企業":
  source doc "sme"
  any of:
    資本金 ≤ 範囲.資本金上限
    従業員数 ≤ 範囲.従業員上限

rule ソフトあり "ソフトあり":
  source doc
  any 経費 where 区分 is ソフト

value 機能数 "機能数":
  source doc
  number of 機能 among {ソフト, PC}

exclusion 大株主 "大株主":
  source doc
  持株比率 ≥ 1/2

exclusion 大企業並み "大企業並み":
  source doc
  not 中小企業

step 書類 "書類を出す":
  source doc
  申請日 is given
"""

FRAMES = """
frame 通常 "通常":
  source doc
  requires 中小企業, ソフトあり
  exclusions all
  steps 書類
  covers 経費 where 区分 in {ソフト, PC}
  deadline "1次" 2024-03-15
  deadline "2次" 2024-10-15
  amount ソフト分 "ソフト":
    on total of 金額 in 経費 where 区分 is ソフト
    rate 4/5 if 小規模 else 3/4 until the subsidy reaches 50万円
    then rate 2/3
    round down
    at most 350万円
    at most 50万円 unless 機能数 ≥ 2
  amount PC分 "PC":
    on total of 金額 in 経費 where 区分 is PC
    rate 1/2
    round down
    at most 10万円
  at least 5万円

frame 段階 "費用の段階":
  source doc
  exclusions none
  amount 全体 "全体":
    on total of 金額 in 経費
    rate 1/2 until the cost reaches 100万円
    then rate 1/3
    round down
"""


@pytest.fixture
def policy(write_policy):
    return load_policy(write_policy(INPUTS + RULES + FRAMES, header=HEADER)).policy


def decide(policy, **case):
    case.setdefault("申請者", {"業種": "製造業", "資本金": 30_000_000, "従業員数": 100})
    case.setdefault("経費", [])
    return evaluate(policy, read_case(policy, case))


def frame(decision, name):
    return next(f for f in decision.frames if f.name == name)


def test_header(policy):
    assert (policy.programme, policy.title, policy.year) == ("Construct test", "Every construct once", 2024)
    assert policy.in_force == (datetime.date(2024, 2, 16), datetime.date(2024, 10, 15))
    assert policy.sources == (("doc", "The test document"),)
    assert policy.applied_on.path == ("申請日",)


def test_typed_inputs(policy):
    fields = {f.name: f for g in policy.groups for f in g.fields}
    assert (fields["資本金"].kind, fields["資本金"].optional) == ("yen", True)
    assert fields["従業員数"].kind == "count"
    assert (fields["小規模"].kind, fields["小規模"].default) == ("bool", False)
    assert fields["持株比率"].kind == "ratio"
    assert (fields["業種"].kind, fields["業種"].fixed) == ("enum", True)
    assert (fields["機能"].kind, fields["機能"].element) == ("list", "enum")
    assert (fields["経費"].kind, fields["経費"].element, fields["経費"].type_name) == ("list", "record", "明細")
    assert fields["申請日"].kind == "date"
    assert policy.enums["業種"].members[0] == ("製造業", policy.enums["業種"].members[0][1])
    assert policy.enums["業種"].members[0][1].en == "manufacturing"


def test_table_lookup_and_capital_or_employees(policy):
    d = decide(policy, 申請者={"業種": "小売業", "資本金": 60_000_000, "従業員数": 50}, 経費=[{"区分": "ソフト", "金額": 100_000}])
    sme = frame(d, "通常").requirements[0]
    assert sme.result is True
    left, right = sme.children[0].children
    assert (left.result, right.result) == (False, True)  # over on capital, within on employees
    assert right.children[1].result == 50 and right.children[1].fact("key") == "小売業"


def test_sole_proprietor_without_capital(policy):
    d = decide(policy, 申請者={"業種": "小売業", "従業員数": 51}, 経費=[{"区分": "ソフト", "金額": 100_000}])
    sme = frame(d, "通常").requirements[0]
    assert sme.result is False
    conditions = unmet_conditions(sme)
    assert [c.children[0].result for c in conditions] == [None, 51]  # capital missing, employees over


def test_tier_on_the_subsidy_small(policy):
    d = decide(policy, 申請者={"業種": "小売業", "従業員数": 5, "小規模": True, "機能": ["ソフト", "PC"]},
               経費=[{"区分": "ソフト", "金額": 1_000_000}], 申請日="2024-03-01")
    f = frame(d, "通常")
    soft = f.amount.parts[0]
    assert [(b.cost, b.rate, b.subsidy) for b in soft.bands] == [
        (625_000, Fraction(4, 5), 500_000),
        (375_000, Fraction(2, 3), 250_000),
    ]
    assert (soft.result, f.subsidy, f.status) == (750_000, 750_000, "eligible")
    assert f.deadline.round == "1次"


def test_tier_on_the_subsidy_medium_rounds_down(policy):
    d = decide(policy, 申請者={"業種": "製造業", "従業員数": 100, "機能": ["ソフト", "PC"]},
               経費=[{"区分": "ソフト", "金額": 1_000_000}], 申請日="2024-03-01")
    soft = frame(d, "通常").amount.parts[0]
    assert soft.bands[0].cost == Fraction(2_000_000, 3)
    assert soft.unrounded == Fraction(6_500_000, 9)
    assert soft.result == 722_222


def test_conditional_cap_and_parts_summed(policy):
    d = decide(policy, 申請者={"業種": "製造業", "従業員数": 100, "機能": ["ソフト"]},
               経費=[{"区分": "ソフト", "金額": 1_000_000}, {"区分": "PC", "金額": 300_000}], 申請日="2024-03-01")
    f = frame(d, "通常")
    soft, pc = f.amount.parts
    assert [(c.limit, c.active, c.binding) for c in soft.caps] == [(3_500_000, True, False), (500_000, True, True)]
    assert (soft.result, pc.result, f.subsidy) == (500_000, 100_000, 600_000)
    assert pc.caps[0].binding


def test_tier_on_the_cost(policy):
    d = decide(policy, 経費=[{"区分": "ソフト", "金額": 1_300_001}])
    whole = frame(d, "段階").amount.parts[0]
    assert [(b.cost, b.subsidy) for b in whole.bands] == [(1_000_000, 500_000), (300_001, Fraction(300_001, 3))]
    assert whole.result == 600_000


def test_floor_and_uncovered_items(policy):
    d = decide(policy, 経費=[{"区分": "ソフト", "金額": 66_666}, {"区分": "EC", "金額": 10}], 申請日="2024-03-01")
    f = frame(d, "通常")
    assert f.amount.result == 49_999
    assert f.status == "not_eligible" and f.subsidy == 0
    assert [(r.kind, dict(r.facts)) for r in f.reasons] == [("floor", {"amount": 49_999, "floor": 50_000})]
    assert [(u.index, dict(u.values)) for u in f.uncovered] == [(1, {"区分": "EC", "金額": 10})]


def test_every_exclusion_is_listed(policy):
    d = decide(policy, 申請者={"業種": "小売業", "資本金": 60_000_000, "従業員数": 51, "持株比率": "1/2"},
               経費=[{"区分": "ソフト", "金額": 1_000_000}])
    f = frame(d, "通常")
    assert [(r.kind, r.name) for r in f.reasons] == [("requirement", "中小企業"), ("exclusion", "大株主"), ("exclusion", "大企業並み")]
    assert frame(d, "段階").reasons == ()  # `exclusions none`


def test_steps_make_eligible_once_done(policy):
    d = decide(policy, 経費=[{"区分": "ソフト", "金額": 200_000}])
    f = frame(d, "通常")
    assert f.status == "eligible_after_steps"
    assert [t.name for t in f.pending_steps] == ["書類"]
    assert f.subsidy == 150_000


def test_deadline_passed(policy):
    d = decide(policy, 経費=[{"区分": "ソフト", "金額": 200_000}], 申請日="2024-10-16")
    f = frame(d, "通常")
    assert [(r.kind, dict(r.facts)) for r in f.reasons] == [
        ("deadline", {"applied_on": datetime.date(2024, 10, 16), "last_deadline": datetime.date(2024, 10, 15)})
    ]


def test_best_frame(policy):
    d = decide(policy, 経費=[{"区分": "ソフト", "金額": 200_000}], 申請日="2024-03-01")
    assert d.best_frame == "通常"  # 150,000 against 段階's 100,000


def test_include_makes_a_folder(write_policy):
    folder = write_policy('include "inputs.rules"\ninclude "rules.rules"\ninclude "frames.rules"\n', header=HEADER,
                          inputs=INPUTS, rules=RULES, frames=FRAMES)
    policy = load_policy(folder).policy
    assert [f.name for f in policy.frames] == ["通常", "段階"]
    assert policy.definitions["中小企業"].origin.file == "rules.rules"


def test_cases_block_and_if_expression(write_policy):
    body = INPUTS + """
rule R "r":
  source doc
  cases:
    when 業種 is 製造業: 従業員数 ≤ 300人
    otherwise: 従業員数 ≤ 50人

value V "v":
  source doc
  (1 if R else 0) + 2
"""
    policy = load_policy(write_policy(body, header=HEADER)).policy
    from engine.evaluate.evaluator import _Evaluation

    run = _Evaluation(policy, read_case(policy, {"申請者": {"業種": "小売業", "従業員数": 51}, "経費": []}))
    r = run.definition("R")
    assert r.result is False and r.children[0].fact("branch") == "otherwise"
    assert run.definition("V").result == 2
