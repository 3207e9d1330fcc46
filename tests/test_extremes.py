"""`smaller of (a, b, …)` and `larger of (a, b, …)` with any number of values (issue: limits that
refer to other amounts — "the larger of 1/4 of the cost and 10万円, at most 100万円")."""

from __future__ import annotations

import pytest

from engine.compile.pipeline import load_policy
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from sql_support import duckdb_rows, mismatches

POLICY = """\
programme "Extremes"
  year 2024
  source doc "the guidelines"

input 申請者 "申請者":
  費用: 円 "費用"
  控除: 円, default 0 "控除"

value 基準額 "基準額":
  source doc "費用の1/4と10万円の大きい方、ただし100万円と（費用 − 控除）のうち小さい方まで"
  smaller of (larger of (費用 × 1/4, 10万円, 控除), 100万円, 費用 - 控除 + 1円)

frame 枠 "枠":
  source doc "枠"
  amount 補助 "補助":
    source doc "1/2"
    on 基準額
    rate 1/2
    round down
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("extremes")
    (folder / "policy.rules").write_text(POLICY, encoding="utf-8")
    return load_policy(folder, use_cache=False).policy


@pytest.mark.parametrize("cost, deduction, base", [
    (0, 0, 1), (100, 0, 101), (400_000, 0, 100_000), (400_004, 0, 100_001), (4_000_000, 0, 1_000_000),
    (5_000_000, 4_900_000, 100_001), (2_000_000, 600_000, 600_000),
])
def test_the_largest_and_the_smallest_of_several_values(policy, cost, deduction, base):
    d = evaluate(policy, read_case(policy, {"申請者": {"費用": cost, "控除": deduction}}))
    assert d.frames[0].amount.parts[0].base == base


def test_tree_fast_and_sql_agree(policy):
    values = [read_case(policy, {"申請者": {"費用": c, "控除": d}})
              for c in (0, 1, 399_999, 400_000, 400_003, 4_000_000, 4_000_004, 10**12) for d in (0, 1, 100_000, 10**12)]
    fast = FastPolicy(policy)
    assert all(fast.decide(v) == summary(evaluate(policy, v)) for v in values)
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_values_of_different_types_are_refused(tmp_path):
    (tmp_path / "policy.rules").write_text(POLICY.replace("larger of (費用 × 1/4, 10万円, 控除)", "larger of (費用, 3人)"), encoding="utf-8")
    with pytest.raises(PolicyError) as error:
        load_policy(tmp_path, use_cache=False)
    assert "error: `larger of` needs values of one ordered type: 円 (yen) vs 人 (count)" in str(error.value)
