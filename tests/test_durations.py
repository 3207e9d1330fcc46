"""Durations (issue 22, item 4): `申請日 - 3年`, `前回の交付決定日 + 6か月`, `申請日 + 30日`. A year or a
month on is the same day of the month, or the month's last day where it is shorter; a day is a
day; `≥` and `>` decide whether the edge counts. The tree, the fast form and the SQL form agree on a
corpus that meets each edge."""

from __future__ import annotations

import datetime
import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from engine.tree.dates import shift
from policy_support import load, policy_fixtures
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "期間"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  設立日: date "設立日"
  前回の交付決定日: date, optional "前回の交付決定日"

input 申請日: date "申請日"
input 経費: 円 "補助対象経費"

rule 創業3年以内 "申請日に設立から3年以内":
  source 要領 "創業枠"
  申請者.設立日 ≥ 申請日 - 3年

rule 前回から間隔 "前回の交付決定から6か月以上たっている":
  source 要領 "重複の制限"
  not 前回の交付決定日 is given or 申請日 ≥ 前回の交付決定日 + 6か月

rule 早期 "申請日が締切の30日前まで":
  source 要領 "早期申請"
  申請日 + 30日 ≤ 2024-12-31

frame 枠 "枠":
  source 要領 "補助率"
  requires 前回から間隔
  deadline "1次" 2024-12-31
  amount 補助 "補助":
    on 経費
    rate 2/3 if 創業3年以内 or 早期 else 1/2
    round down
"""

D = datetime.date


@pytest.mark.parametrize("day, amount, unit, expected", [
    (D(2024, 2, 29), 1, "年", D(2025, 2, 28)), (D(2024, 2, 29), -4, "年", D(2020, 2, 29)),
    (D(2024, 1, 31), 1, "か月", D(2024, 2, 29)), (D(2024, 3, 31), -1, "ヶ月", D(2024, 2, 29)),
    (D(2024, 8, 31), 6, "か月", D(2025, 2, 28)), (D(2024, 12, 1), 30, "日", D(2024, 12, 31)),
    (D(2024, 3, 1), -1, "日", D(2024, 2, 29)), (D(9999, 12, 1), 1, "か月", None), (None, 3, "年", None),
])
def test_a_date_moves_by_a_duration(day, amount, unit, expected):
    assert shift(day, amount, unit) == expected


folder, policy = policy_fixtures(POLICY, "durations")


def subsidy(policy, founded, applied, previous=None):
    applicant = {"設立日": founded, **({"前回の交付決定日": previous} if previous else {})}
    return evaluate(policy, read_case(policy, {"申請者": applicant, "申請日": applied, "経費": 300_000})).frames[0].subsidy


@pytest.mark.parametrize("founded, applied, previous, expected", [
    ("2021-12-10", "2024-12-10", None, 200_000),  # founded exactly 3 years before: `≥` counts the day
    ("2021-12-09", "2024-12-10", None, 150_000),  # a day more than 3 years
    ("2021-02-28", "2024-02-29", None, 200_000),  # 2024-02-29 - 3年 = 2021-02-28
    ("2020-01-01", "2024-12-01", None, 200_000),  # 12-01 + 30日 = 12-31 ≤ 締切: early
    ("2020-01-01", "2024-12-02", None, 150_000),
    ("2020-01-01", "2024-12-02", "2024-06-02", 150_000),  # 6か月 after 06-02 is 12-02: met on the day
    ("2020-01-01", "2024-12-02", "2024-06-03", 0),  # one day short
    ("2020-01-01", "2024-08-29", "2024-02-29", 200_000),  # 2024-02-29 + 6か月 = 2024-08-29 (and early)
    ("2020-01-01", "2024-08-28", "2024-02-29", 0),
])
def test_each_edge_counts_as_the_comparison_says(policy, founded, applied, previous, expected):
    assert subsidy(policy, founded, applied, previous) == expected


def test_the_explanation_shows_the_date_it_computed(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"設立日": "2020-01-01", "前回の交付決定日": "2024-06-03"}, "申請日": "2024-12-02",
                                "経費": 300_000}, ensure_ascii=False), encoding="utf-8")
    out = run("eval", case, "--policy", folder).stdout
    assert "申請日が2024年12月2日です（この値（2024年12月3日）以上である必要があります）" in out


def test_tree_fast_and_sql_agree_at_every_edge(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 600, seed=4)]
    assert sum(v["申請者"]["設立日"] == shift(v["申請日"], -3, "年") for v in values) >= 1  # the corpus meets the edge
    one = datetime.timedelta(days=1)
    for applied in (D(2024, 2, 29), D(2024, 3, 31), D(2024, 8, 31), D(2024, 12, 1), D(2024, 12, 31)):  # and every edge, by hand
        for d in (-one, 0 * one, one):
            values.append({"申請者": {"設立日": shift(applied, -3, "年") + d, "前回の交付決定日": shift(applied, -6, "か月") + d},
                           "申請日": applied, "経費": 300_000})
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


@pytest.mark.parametrize("body, message", [
    ("申請日 + 3 ≤ 2024-12-31", "error: cannot compute date + number"),
    ("申請日 - 申請日 ≤ 30日", "error: cannot compute date - date"),
    ("3年 + 申請日 ≤ 2024-12-31", "error: cannot compute a duration (年, か月, 日) + date"),
    ("経費 + 3年 ≥ 1円", "error: cannot compute 円 (yen) + a duration (年, か月, 日)"),
    ("申請日 + 101年 ≤ 2024-12-31", "error: duration 101年 is longer than a century; is it a typo?"),
    ("申請日 + 3年 × 2 ≤ 2024-12-31", "error: cannot compute a duration (年, か月, 日) × number"),
])
def test_what_a_date_cannot_take_is_an_error(tmp_path, body, message):
    text = POLICY.replace("  申請日 + 30日 ≤ 2024-12-31\n", f"  {body}\n")
    with pytest.raises(PolicyError) as error:
        load(tmp_path, text)
    assert message in str(error.value), str(error.value)


def test_an_editor_shows_a_duration_as_a_number():
    from test_textmate_grammar import tokenize

    tokens, unclassified = tokenize("  申請日 - 3年 ≤ 2024-12-31 + 30日")
    assert unclassified == [] and dict(tokens)["3年"] == dict(tokens)["30日"] == "constant.numeric.duration.policy-rules"


ROUNDS = """\
programme "回"
  year 2024
  applied on 申請日
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  設立日: date "設立日"

input 申請日: date, optional "申請日"
input 経費: 円 "補助対象経費"

rule 創業 "申請する回の締切の3年前以降に設立":
  source 要領 "創業枠"
  deadline of 枠 is given and 申請者.設立日 ≥ deadline of 枠 - 3年

rule 開始後設立 "申請する回の開始より前に設立":
  source 要領 "設立"
  申請者.設立日 < opening of 枠

frame 枠 "枠":
  source 要領 "補助率"
  earlier rounds unknown
  deadline "1次" 2024-06-30
  deadline "2次" 2024-09-30 opens 2024-07-15
  deadline "3次" 2024-12-27 opens 2024-10-01
  amount 補助 "補助":
    on 経費
    rate 2/3 if 創業 and 開始後設立 else 1/2
    round down
"""


@pytest.fixture(scope="module")
def rounds_policy(tmp_path_factory):
    return load(tmp_path_factory.mktemp("rounds") / "policy", ROUNDS)


@pytest.mark.parametrize("founded, applied, expected", [
    ("2021-09-30", "2024-08-01", 200_000),  # 2次 closes 2024-09-30: founded exactly 3 years before it
    ("2021-09-29", "2024-08-01", 150_000),
    ("2024-07-15", "2024-08-01", 150_000),  # not founded before 2次 opened
    ("2021-12-27", "2024-12-27", 200_000),  # 3次, on its last day
    ("2022-01-01", "2024-06-30", 150_000),  # 1次: its opening and earlier rounds unknown, so no opening date
    ("2022-01-01", "2024-07-01", 0),  # between 1次 and 2次: in no round (not eligible), and no dates
])
def test_the_round_of_the_application_as_dates(rounds_policy, founded, applied, expected):
    values = read_case(rounds_policy, {"申請者": {"設立日": founded}, "申請日": applied, "経費": 300_000})
    assert evaluate(rounds_policy, values).frames[0].subsidy == expected


def test_the_round_dates_agree_in_every_form(rounds_policy):
    values = [read_case(rounds_policy, raw) for raw in corpus.generate(rounds_policy, 400, seed=6)]
    for applied in ("2024-06-30", "2024-07-14", "2024-07-15", "2024-09-30", "2024-10-01", "2024-12-28", None):
        for founded in ("2021-06-30", "2021-06-29", "2021-09-30", "2021-12-27", "2024-07-14", "2024-09-30"):
            values.append(read_case(rounds_policy, {"申請者": {"設立日": founded}, "経費": 300_000,
                                                    **({"申請日": applied} if applied else {})}))
    fast = FastPolicy(rounds_policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(rounds_policy, v))
    assert mismatches(rounds_policy, values, duckdb_rows(rounds_policy, values)) == []


@pytest.mark.parametrize("old, new, message", [
    ("deadline of 枠 is given and 申請者.設立日 ≥ deadline of 枠 - 3年", "申請者.設立日 ≥ deadline of 枠 - 3年",
     "error: arithmetic on an optional value that may be missing"),
    ("申請者.設立日 < opening of 枠", "申請者.設立日 < opening of 柊", "error: opening of 柊: no frame 柊"),
    ("  applied on 申請日\n", "", "error: deadline of 枠 needs the programme's `applied on` (the application date)"),
])
def test_what_the_round_dates_need(tmp_path, old, new, message):
    with pytest.raises(PolicyError) as error:
        load(tmp_path, ROUNDS.replace(old, new))
    assert message in str(error.value), str(error.value)
