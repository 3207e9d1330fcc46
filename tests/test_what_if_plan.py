"""What a what-if search works out once per policy (engine/explain/what_if_plan.py): the places in
the case each rule reads, through the rules it names, and so which rules keep the decision's value
when a what-if changes some places — the verification then looks those up instead of deciding them
again. A rule holding a node the plan does not know reads "anything" and is always decided again."""

from __future__ import annotations

import attrs
import pytest

from conftest import ROOT
from engine.compile.pipeline import load_policy
from engine.explain.what_if_plan import Plan
from engine.tree import nodes as tree
from policy_support import policy_fixtures

ROUND_OF = """\
programme "回"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請日: date, optional "申請日"
input 経費: 円 "補助対象経費"

rule 追加公募 "追加公募での申請":
  source 要領 "追加公募の特例"
  round of 枠 is "追加公募"

frame 枠 "枠":
  source 要領 "補助率"
  requires 追加公募
  deadline "1次" 2024-06-30
  deadline "追加公募" 2024-12-27 opens 2024-10-01
  amount 補助 "補助":
    on 経費
    rate 1/2
    round down
"""

folder, policy = policy_fixtures(ROUND_OF, "what_if_plan")


@pytest.fixture(scope="module")
def plan_2024():
    return Plan(load_policy(ROOT / "policies" / "2024").policy)


def test_a_rule_reads_its_inputs_and_those_of_the_rules_it_names(plan_2024):
    assert plan_2024.reads("旅館業の小規模事業者判定") == {("申請者", "従業員数")}
    # 中小企業等 names みなし大企業, which reads the capital relations
    assert ("資本関係", "大企業の持株比率合計") in plan_2024.reads("中小企業等")
    assert plan_2024.reads("ソフトウェアを含む") == {("経費",)}  # a list is read whole


def test_the_rules_a_change_leaves_standing(plan_2024):
    employees = plan_2024.standing([("申請者", "従業員数")])
    assert "中小企業" not in employees and "小規模事業者" not in employees
    assert "国内事業者" in employees and "ソフトウェアを含む" in employees
    # an expense's amount: every rule reading the expenses is decided again, whatever the item
    expense = plan_2024.standing([("経費", 3, "金額")])
    assert "ソフトウェアを含む" not in expense and "連携経費の総額" not in expense
    assert "中小企業" in expense
    assert plan_2024.standing([("経費", 0, "金額")]) == expense
    both = plan_2024.standing([("申請者", "従業員数"), ("経費", 0, "金額")])
    assert set(both) == set(employees) & set(expense)


def test_the_round_of_the_application_reads_the_application_date(policy):
    plan = Plan(policy)
    assert plan.reads("追加公募") == {("申請日",)}
    assert "追加公募" not in plan.standing([("申請日",)])
    assert "追加公募" in plan.standing([("経費",)])


def test_a_node_the_plan_does_not_know_may_read_anything(policy):
    @attrs.frozen
    class Unknown:  # a node kind added to the tree later, with no Input under it
        origin: object = None

    rule = policy.definitions["追加公募"]
    body = tree.Not(operand=Unknown(), kind="bool", origin=rule.origin)
    odd = attrs.evolve(policy, definitions={**policy.definitions, "追加公募": attrs.evolve(rule, body=body)})
    plan = Plan(odd)
    assert plan.reads("追加公募") is None
    assert "追加公募" not in plan.standing([("経費",)])
