"""Rounds of a call (rules-2024.md §7 C-8): a round opens as well as closes, closes at a time of day,
cites where its dates come from, and a date before the first known round is "round unknown", never
guessed. The same answer from the tree, the fast form and the SQL form, date by date."""

from __future__ import annotations

import datetime

import pytest

from engine.compile.pipeline import load_policy
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy
from engine.explain import render_text
from engine.explain.counterfactual import what_if
from engine.language.diagnostics import PolicyError
from sql_support import duckdb_rows, mismatches, tree_row

HEADER = """\
programme "Rounds"
  year 2024
  in force 2024-02-16 .. 2024-10-15
  applied on 申請日
  source schedule "the call's schedule"

input 申請日: date, optional "申請日"
input 経費: 円 "経費"

"""

FRAMES = """
frame 通常 "通常枠":
  source schedule "通常枠"
  deadline "5次" 2024-07-19 17:00
  deadline "6次" 2024-08-23 17:00
  deadline "追加公募" 2024-10-15 17:00 opens 2024-09-20 9:30 source schedule "追加公募 2024-09-20 9:30 – 2024-10-15 17:00"
  amount 補助 "補助":
    source schedule "1/2"
    on 経費
    rate 1/2
    round down

frame 類型 "インボイス":
  source schedule "rounds 1–6 not found"
  earlier rounds unknown
  deadline "7次" 2024-06-19 17:00
  deadline "8次" 2024-07-03 17:00
  amount 補助 "補助":
    source schedule "1/2"
    on 経費
    rate 1/2
    round down
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rounds")
    (folder / "policy.rules").write_text(HEADER + FRAMES, encoding="utf-8")
    return load_policy(folder, use_cache=False).policy


def decide(policy, day):
    values = read_case(policy, {"申請日": day, "経費": 100_000})
    return {f.name: f for f in evaluate(policy, values).frames}


@pytest.mark.parametrize("day, status, reasons, round_", [
    ("2024-08-23", "eligible", [], "6次"),  # the last day of 6次 (17:00 is the applicant's to meet)
    ("2024-08-24", "not_eligible", ["between_rounds"], None),  # 6次 closed, 追加公募 not open
    ("2024-09-19", "not_eligible", ["between_rounds"], None),
    ("2024-09-20", "eligible", [], "追加公募"),  # opening day
    ("2024-10-15", "eligible", [], "追加公募"),
    ("2024-10-16", "not_eligible", ["deadline"], None),  # after the last round
])
def test_a_round_opens_and_closes(policy, day, status, reasons, round_):
    f = decide(policy, day)["通常"]
    assert (f.status, [r.kind for r in f.reasons], f.deadline.round) == (status, reasons, round_)


def test_the_reason_names_the_next_round_and_its_opening(policy):
    f = decide(policy, "2024-09-19")["通常"]
    (reason,) = f.reasons
    assert dict(reason.facts) == {"applied_on": datetime.date(2024, 9, 19), "round": "追加公募", "opens": datetime.date(2024, 9, 20)}
    assert reason.cite.detail == "追加公募 2024-09-20 9:30 – 2024-10-15 17:00"
    text = render_text.decision(what_if(policy, read_case(policy, {"申請日": "2024-09-19", "経費": 100_000}),
                                        evaluate(policy, read_case(policy, {"申請日": "2024-09-19", "経費": 100_000}))))
    # the source's title is an English note of the test's own: a reader gets the passage alone
    assert "  ✗ 申請日 2024年9月19日 はどの回の受付期間にも入りません（次の追加公募の受付開始は 2024年9月20日） [追加公募 2024-09-20 9:30 – 2024-10-15 17:00]" in text
    assert "結果を変える変更" not in text.split("インボイス")[0]  # a date is never offered as a change


def test_a_round_shows_its_closing_time(policy):
    text = render_text.decision(evaluate(policy, read_case(policy, {"申請日": "2024-10-01", "経費": 100_000})))
    assert " 締切: 申請日 2024年10月1日 → 追加公募 (締切 2024年10月15日 17:00)" in text.splitlines()


def test_before_the_first_known_round_the_round_is_unknown_not_guessed(policy):
    f = decide(policy, "2024-03-01")["類型"]
    assert (f.status, f.reasons, f.deadline.round, f.deadline.unknown) == ("eligible", (), None, True)
    text = render_text.decision(evaluate(policy, read_case(policy, {"申請日": "2024-03-01", "経費": 100_000})))
    assert " 締切: 申請日 2024年3月1日 → 回次不明（この日を含む回の日程は公表資料で確認できません）" in text.splitlines()
    assert decide(policy, "2024-06-20")["類型"].deadline.round == "8次"
    assert [r.kind for r in decide(policy, "2024-07-04")["類型"].reasons] == ["deadline"]


def test_tree_fast_and_sql_agree_on_every_day_of_the_term(policy):
    days = [datetime.date(2024, 2, 14) + datetime.timedelta(days=k) for k in range(0, 250)]
    values = [read_case(policy, {"申請日": d.isoformat(), "経費": 100_000}) for d in days]
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == {**tree_row_fast(policy, v)}
    rows = duckdb_rows(policy, values)
    assert mismatches(policy, values, rows) == []
    assert sum(1 for v in values if "between_rounds" in str(tree_row(policy, v))) == 27  # 2024-08-24 .. 09-19


def tree_row_fast(policy, values):
    from engine.evaluate.fast import summary

    return summary(evaluate(policy, values))


@pytest.mark.parametrize("line, message", [
    ('deadline "追加公募" 2024-10-15 17:00 opens 2024-10-16', "round 追加公募 of frame 通常 opens on 2024-10-16, after it closes on 2024-10-15"),
    ('deadline "追加公募" 2024-10-15 opens 2024-08-01', "round 追加公募 of frame 通常 opens on 2024-08-01, before round 6次 closes on 2024-08-23; rounds must not overlap"),
    ('deadline "追加公募" 2024-10-15 25:00', "25:00 is not a time of day (HH:MM, 0:00 to 23:59)"),
    ('deadline "追加公募" 2024-10-15 source nowhere "x"', "unknown source nowhere"),
])
def test_round_mistakes_are_policy_errors(tmp_path, line, message):
    body = FRAMES.replace('deadline "追加公募" 2024-10-15 17:00 opens 2024-09-20 9:30 source schedule "追加公募 2024-09-20 9:30 – 2024-10-15 17:00"', line)
    (tmp_path / "policy.rules").write_text(HEADER + body, encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(tmp_path, use_cache=False)
    assert message in str(error.value)


def test_fmt_keeps_rounds_as_written(tmp_path):
    from engine.language.fmt import format_text

    text = HEADER + FRAMES.lstrip("\n")  # one blank line between blocks, as fmt writes
    assert format_text(text) == text
