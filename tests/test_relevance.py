"""Which questions can still change a decision (engine/explain/relevance.py): exact sets on a small policy,
the questionnaire's plan, and soundness against the evaluator — no input the analysis leaves out
changes any frame's status or subsidy, checked over every completion on the small policy and on
samples of the examples under each bundled policy year (2023-2025)."""

from __future__ import annotations

import copy
import itertools
import json
import random

import pytest
from conftest import EXAMPLES, POLICY_2024

from engine.explain import relevance, relevance_plan
from engine.evaluate.case import read_case
from engine.language.diagnostics import CaseError
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import load_policy
from engine.serve.questions import questions

POLICY = """
input 申請者 "申請者":
  大企業: bool "大企業である"
  反社: bool, default false "反社会的勢力"
  国内: bool "国内で事業を営む"
  資本金: 円, optional "資本金"
  従業員数: 人 "従業員数"
  小規模: bool "小規模事業者"
  書類済: bool, default false "書類を出した"
  未使用: bool, default false "どこからも読まれない"

record 明細:
  金額: 円

input 経費: list of 明細 "経費"

input 電子 "電子取引":
  同意: bool "取引先の同意"

exclusion 大企業である "大企業である":
  source doc
  大企業

exclusion 反社である "反社会的勢力である":
  source doc
  反社

rule 国内事業者 "国内事業者":
  source doc
  国内

rule 中小 "中小企業":
  source doc
  any of:
    資本金 ≤ 3億円
    従業員数 ≤ 300人

rule 同意あり "同意がある":
  source doc
  同意

step 書類 "書類を出す":
  source doc
  書類済

frame A "A枠":
  source doc
  requires 国内事業者, 中小
  exclusions all
  steps 書類
  amount 本体 "本体":
    on total of 金額 in 経費
    rate 1/2
    round down
    at most 50万円 unless 小規模

frame B "B枠":
  source doc
  requires 国内事業者, 同意あり
  exclusions all
  amount 本体 "本体":
    on total of 金額 in 経費
    rate 2/3
    round down
"""

EVERY = {"申請者.大企業", "申請者.反社", "申請者.国内", "申請者.資本金", "申請者.従業員数", "申請者.小規模", "申請者.書類済", "経費", "電子.同意"}
ORDER = ["申請者.大企業", "申請者.反社", "申請者.国内", "申請者.資本金", "申請者.従業員数", "電子.同意", "申請者.小規模", "経費", "申請者.書類済"]


@pytest.fixture
def policy(write_policy):
    return load_policy(write_policy(POLICY)).policy


def knowing(policy, raw) -> relevance.Knowledge:
    return relevance_plan.read_partial(policy, raw)


def needed(policy, raw, frames=None):
    chosen = None if frames is None else [f for f in policy.frames if f.name in frames]
    return set(relevance.needed(policy, knowing(policy, raw), chosen))


def test_with_nothing_answered_every_input_a_frame_reads_is_needed(policy):
    assert needed(policy, {}) == EVERY  # 未使用 is read by nothing


def test_an_exclusion_that_applies_decides_every_frame(policy):
    assert needed(policy, {"申請者": {"大企業": True}}) == set()
    outcomes = relevance.outcomes(policy, knowing(policy, {"申請者": {"大企業": True}}))
    assert [(o.name, o.decided, o.status, o.subsidy) for o in outcomes] == [("A", True, "not_eligible", 0), ("B", True, "not_eligible", 0)]


def test_an_exclusion_that_does_not_apply_decides_nothing(policy):
    assert needed(policy, {"申請者": {"大企業": False}}) == EVERY - {"申請者.大企業"}


def test_a_failed_requirement_of_one_frame_leaves_the_others_questions(policy):
    # B needs 同意; without it B is decided, so only A's questions remain
    assert needed(policy, {"電子": {"同意": False}}) == {"申請者.大企業", "申請者.反社", "申請者.国内", "申請者.資本金", "申請者.従業員数",
                                                      "申請者.小規模", "申請者.書類済", "経費"}
    # a requirement both frames share decides both
    assert needed(policy, {"申請者": {"国内": False}}) == set()


def test_any_of_met_by_one_answer_needs_no_other(policy):
    base = {"申請者": {"大企業": False, "反社": False, "国内": True}, "電子": {"同意": True}}
    assert needed(policy, {**base, "申請者": {**base["申請者"], "資本金": 10_000_000}}) == {"申請者.小規模", "申請者.書類済", "経費"}
    # over the capital limit: the employees decide it
    assert needed(policy, {**base, "申請者": {**base["申請者"], "資本金": 500_000_000}}) == {"申請者.従業員数", "申請者.小規模", "申請者.書類済", "経費"}


def test_a_missing_optional_value_meets_no_comparison(policy):
    # 資本金 left empty is an answer (None): the employees still decide 中小; absent, it is open
    known = relevance.Knowledge(values={"申請者": {"資本金": None}}, known=frozenset({"申請者.資本金"}))
    assert set(relevance.needed(policy, known)) == EVERY - {"申請者.資本金"}
    assert relevance.Partial(policy, known).definition("中小") == relevance.Open(frozenset({"申請者.従業員数"}))


def test_a_cap_the_amount_cannot_reach_needs_no_answer_to_its_condition(policy):
    base = {"申請者": {"大企業": False, "反社": False, "国内": True, "資本金": 10_000_000, "書類済": True}, "電子": {"同意": True}}
    assert needed(policy, {**base, "経費": [{"金額": 600_000}]}) == set()  # 300,000円 < 500,000円: 小規模 changes nothing
    assert needed(policy, {**base, "経費": [{"金額": 2_000_000}]}) == {"申請者.小規模"}  # 1,000,000円 or capped at 500,000円
    outcomes = relevance.outcomes(policy, knowing(policy, {**base, "経費": [{"金額": 600_000}]}))
    assert [(o.name, o.status, o.subsidy) for o in outcomes] == [("A", "eligible", 300_000), ("B", "eligible", 400_000)]


def test_a_frame_not_asked_for_makes_its_own_questions_moot(policy):
    assert needed(policy, {}, frames={"A"}) == EVERY - {"電子.同意"}
    assert needed(policy, {}, frames={"B"}) == {"申請者.大企業", "申請者.反社", "申請者.国内", "電子.同意", "経費"}


def test_steps_matter_only_while_the_frame_may_be_granted(policy):
    base = {"申請者": {"大企業": False, "反社": False, "国内": True, "資本金": 10_000_000, "小規模": True}, "電子": {"同意": False}}
    assert needed(policy, {**base, "経費": [{"金額": 600_000}]}) == {"申請者.書類済"}
    assert needed(policy, {**base, "経費": []}) == set()  # nothing to grant: not eligible, whatever the steps


def test_the_plan_asks_in_order_and_stops_at_a_deciding_answer(policy):
    p = relevance_plan.plan(policy, {"申請者": {"大企業": True}}, ORDER)
    assert p.asked == ("申請者.大企業",)
    assert p.not_asked == tuple(ORDER[1:])
    p = relevance_plan.plan(policy, {"申請者": {"大企業": False, "反社": False, "国内": True, "資本金": 10_000_000}}, ORDER)
    assert p.asked == ("申請者.大企業", "申請者.反社", "申請者.国内", "申請者.資本金", "電子.同意", "申請者.小規模", "経費", "申請者.書類済")
    assert p.not_asked == ("申請者.従業員数",)


def test_answers_to_questions_not_asked_count_for_nothing(policy):
    # both exclusions apply: the first is asked (it hides the rest); the second, not asked, hides nothing
    p = relevance_plan.plan(policy, {"申請者": {"大企業": True, "反社": True}}, ORDER)
    assert p.asked == ("申請者.大企業",)
    # turning the first back: the second is asked again and its answer counts
    p = relevance_plan.plan(policy, {"申請者": {"大企業": False, "反社": True}}, ORDER)
    assert p.asked == ("申請者.大企業", "申請者.反社")
    # 従業員数 given but not asked (資本金 decided 中小) does not count either
    p = relevance_plan.plan(policy, {"申請者": {"資本金": 10_000_000, "従業員数": 5}}, ORDER)
    assert "申請者.従業員数" not in p.asked


def test_the_chosen_frame_limits_the_plan(policy):
    p = relevance_plan.plan(policy, {"frame": "A枠"}, ORDER)
    assert p.frames == ("A",) and p.not_asked == ("電子.同意",)


def test_complete_fills_only_required_questions_not_asked(policy):
    raw = {"申請者": {"大企業": True}}
    p = relevance_plan.plan(policy, raw, ORDER)
    done = relevance_plan.complete(policy, raw, frozenset(p.not_asked))
    assert done == {"申請者": {"大企業": True, "国内": False, "従業員数": 0, "小規模": False}, "経費": [], "電子": {"同意": False}}
    assert raw == {"申請者": {"大企業": True}}  # not changed in place
    assert relevance_plan.placeholders(policy, raw, frozenset(p.not_asked)) == {
        "申請者.国内": False, "申請者.従業員数": 0, "申請者.小規模": False, "経費": [], "電子.同意": False}
    read_case(policy, done)  # the case reader takes it


# ---------------------------------------------------------------- soundness, by enumeration
def _small_cases():
    for big, anti, home, small, agree, done in itertools.product((False, True), repeat=6):
        for employees, capital, costs in itertools.product((10, 500), (None, 100_000_000, 500_000_000), ([], [600_000], [2_000_000])):
            person = {"大企業": big, "反社": anti, "国内": home, "従業員数": employees, "小規模": small, "書類済": done}
            if capital is not None:
                person["資本金"] = capital
            yield {"申請者": person, "電子": {"同意": agree}, "経費": [{"金額": c} for c in costs]}


def _get(raw, path):
    group, _, field = path.rpartition(".")
    holder = raw.get(group, {}) if group else raw
    return holder.get(field)


def _outcome(policy, raw, frames=None):
    return tuple((f.name, f.status, f.subsidy) for f in evaluate(policy, read_case(policy, raw), frames).frames)


def test_no_input_left_out_changes_any_outcome_on_the_small_policy(policy):
    cases = list(_small_cases())
    outcome = {json.dumps(c, sort_keys=True): _outcome(policy, c) for c in cases}
    rnd = random.Random(12)
    for _ in range(400):
        case = rnd.choice(cases)
        known_paths = [p for p in sorted(EVERY) if rnd.random() < 0.5]
        raw: dict = {}
        for p in known_paths:
            group, _, field = p.rpartition(".")
            value = _get(case, p)
            if value is not None:
                (raw.setdefault(group, {}) if group else raw)[field] = value
        k = relevance_plan.read_partial(policy, raw)
        fixed = set(k.known) | set(relevance.needed(policy, k))
        mine = outcome[json.dumps(case, sort_keys=True)]
        for other in cases:  # every completion that agrees on the known and the needed inputs
            if all(_get(other, p) == _get(case, p) for p in fixed):
                assert outcome[json.dumps(other, sort_keys=True)] == mine, (raw, sorted(fixed), other)
        for o, (name, status, subsidy) in zip(relevance.outcomes(policy, k), mine):
            if o.decided:
                assert (o.name, o.status, o.subsidy) == (name, status, subsidy)


@pytest.mark.parametrize("year", ["2023", "2024", "2025"])
def test_no_input_left_out_changes_any_outcome_on_the_examples(year):
    policy = load_policy(POLICY_2024.parent / year, use_cache=False).policy
    cases = []
    for path in sorted(EXAMPLES.glob("*.json")):
        raw = json.loads(path.read_text(encoding="utf-8"))
        raw.pop("expected", None)
        raw.pop("description", None)
        try:
            read_case(policy, raw)
        except CaseError:  # another year's example
            continue
        cases.append(raw)
    assert len(cases) > 100
    paths = [p for _, _, p in relevance_plan.question_paths(policy)]
    order = [q.path for q in questions(policy)]

    def put(raw, path, value):
        group, _, field = path.rpartition(".")
        holder = raw.setdefault(group, {}) if group else raw
        if value is None:
            holder.pop(field, None)
        else:
            holder[field] = copy.deepcopy(value)

    rnd = random.Random(int(year))
    swapped = 0
    for _ in range(150):
        a, b = rnd.choice(cases), rnd.choice(cases)
        share = rnd.choice((0.3, 0.6, 0.9))
        partial: dict = {}
        for p in paths:
            if rnd.random() < share and _get(a, p) is not None:
                put(partial, p, _get(a, p))
        k = relevance_plan.read_partial(policy, partial)
        need = relevance.needed(policy, k)
        mixed = copy.deepcopy(a)
        for p in paths:
            if p not in k.known and p not in need:
                put(mixed, p, _get(b, p))
                swapped += 1
        assert _outcome(policy, mixed) == _outcome(policy, a), (sorted(k.known), sorted(need))
        # and the plan's final answers leave out only what cannot matter
        plan = relevance_plan.plan(policy, a, order)
        filled = relevance_plan.complete(policy, {k: v for k, v in a.items()}, frozenset(plan.not_asked))
        mixed = copy.deepcopy(a)
        for p in plan.not_asked:
            put(mixed, p, _get(b, p) if _get(b, p) is not None else _get(filled, p))
        assert _outcome(policy, mixed) == _outcome(policy, a), plan.not_asked
    assert swapped > 300


DATED = """\
programme "Dated test"
  year 2024
  in force 2024-02-16 .. 2024-10-15
  applied on 申請日
  source doc "The test document"

input 申請者 "申請者":
  小規模: bool "小規模事業者"

record 明細:
  金額: 円

input 経費: list of 明細 "経費"
input 申請日: date, optional "申請日"

frame A "A枠":
  source doc
  exclusions none
  deadline "1次" 2024-03-15
  amount 本体 "本体":
    on total of 金額 in 経費
    rate 4/5 if 小規模 else 1/2
    round down
"""


def test_the_application_date_and_a_conditional_rate(write_policy):
    policy = load_policy(write_policy("", header=DATED)).policy
    assert needed(policy, {}) == {"申請日", "申請者.小規模", "経費"}
    assert needed(policy, {"申請日": "2024-02-15"}) == set()  # before the call opens
    assert needed(policy, {"申請日": "2024-03-16"}) == set()  # after the last round of A
    assert needed(policy, {"申請日": "2024-03-15"}) == {"申請者.小規模", "経費"}
    # no date given (an answer: None) is never a reason
    none = relevance.Knowledge(values={"申請日": None}, known=frozenset({"申請日"}))
    assert set(relevance.needed(policy, none)) == {"申請者.小規模", "経費"}
    assert needed(policy, {"経費": [{"金額": 100_000}]}) == {"申請日", "申請者.小規模"}  # 80,000円 or 50,000円
    assert needed(policy, {"経費": []}) == set()  # nothing to grant at either rate
    outcome = relevance.outcomes(policy, knowing(policy, {"申請日": "2024-03-01", "経費": [{"金額": 100_000}], "申請者": {"小規模": True}}))
    assert [(o.status, o.subsidy) for o in outcome] == [("eligible", 80_000)]
