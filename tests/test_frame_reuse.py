"""Reuse within one policy (issue 22, item 5): `frame B "…" like A:` is frame A with the lines B
states, as `amend frame` changes a base year's frame — so five frames that share their
requirements and amounts state them once. The tree, the fast form and the SQL form agree."""

from __future__ import annotations

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, policy_fixtures, write
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "派生"
  year 2024
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  従業員数: 人 "従業員数"
  小規模: bool, default false "小規模"

input ソフト費: 円 "ソフトウェア費"
input ハード費: 円 "ハードウェア費"

rule 中小 "中小企業":
  source 要領 "対象者"
  従業員数 ≤ 300人

rule 小規模事業者 "小規模事業者である":
  source 要領 "小規模"
  小規模

frame 通常 "通常枠":
  source 要領 "通常枠"
  requires 中小
  amount ソフト "ソフトウェア":
    on ソフト費
    rate 1/2
    round down
    at most 150万円
  amount ハード "ハードウェア":
    on ハード費
    rate 1/2
    round down
    at most 10万円

frame 小規模枠 "小規模枠" like 通常:
  source 要領 "小規模枠: 補助率2/3"
  requires 中小, 小規模事業者
  amount ソフト:
    rate 2/3
  remove amount ハード

frame 大型 "大型枠" like 小規模枠:
  source 要領 "大型枠"
  requires 中小
  amount ソフト:
    at most 450万円
"""


folder, policy = policy_fixtures(POLICY, "reuse")


def test_a_frame_like_another_takes_its_lines_and_changes_those_it_states(policy):
    values = read_case(policy, {"申請者": {"従業員数": 5, "小規模": True}, "ソフト費": 3_000_000, "ハード費": 300_000})
    frames = {f.name: f for f in evaluate(policy, values).frames}
    assert frames["通常"].subsidy == 1_500_000 + 100_000
    assert frames["小規模枠"].subsidy == 1_500_000  # 2/3 of 300万 capped at 通常's 150万; no ハード
    assert frames["大型"].subsidy == 2_000_000  # 小規模枠's rate, its own cap
    by_name = {f.name: f for f in policy.frames}
    assert by_name["小規模枠"].requires == ("中小", "小規模事業者") and by_name["大型"].requires == ("中小",)
    assert [p.name for p in by_name["大型"].amount.parts] == ["ソフト"] and by_name["大型"].label.ja == "大型枠"
    assert by_name["大型"].cite.detail == "大型枠"


def test_tree_fast_and_sql_agree(policy):
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 300, seed=5)]
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


@pytest.mark.parametrize("old, new, message", [
    ("like 小規模枠:", "like 小規模:", "error: frame 大型 is like 小規模, but this policy has no frame 小規模"),
    ("like 通常:", "like 大型:", "error: frames are like each other in a circle: 小規模枠 -> 大型 -> 小規模枠"),
])
def test_a_frame_like_one_that_is_not_there_is_an_error(tmp_path, old, new, message):
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", POLICY.replace(old, new))
    assert message in str(error.value), str(error.value)


def test_like_reaches_across_included_files_and_years(tmp_path):
    base = write(tmp_path / "2024", POLICY.split("frame 小規模枠")[0])
    write(base, "frame 小規模枠 \"小規模枠\" like 通常:\n  source 要領\n  amount ソフト:\n    rate 2/3\n", "more.rules")
    (base / "policy.rules").write_text(POLICY.split("frame 小規模枠")[0] + 'include "more.rules"\n', encoding="utf-8")
    nxt = write(tmp_path / "2025", 'extends "../2024"\n\nprogramme "派生"\n  year 2025\n\n'
                                    'amend frame 小規模枠:\n  amount ソフト:\n    at most 200万円\n\n'
                                    'frame 次 "次の枠" like 小規模枠:\n  source 要領\n  remove amount ハード\n')
    policy = load(nxt)
    values = read_case(policy, {"申請者": {"従業員数": 5}, "ソフト費": 6_000_000, "ハード費": 300_000})
    frames = {f.name: f.subsidy for f in evaluate(policy, values).frames}
    assert frames == {"通常": 1_600_000, "小規模枠": 2_100_000, "次": 2_000_000}


def test_fmt_keeps_like():
    assert format_text(POLICY) == POLICY
