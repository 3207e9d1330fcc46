"""Per-row sources in a table (issue 22, item 6): `| 製造業 | 3億円 | source 法 "第2条第1項第1号"` — a
row that comes from another document than the table cites it, the checker checks its key, the
explanation shows it beside the value read from that row, and `policy fmt` keeps it after the row."""

from __future__ import annotations

import json

import pytest

from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, write

POLICY = """\
programme "行ごとの出典"
  year 2024
  source 要領 "例示の補助金 公募要領"
  source 法 "中小企業基本法"

enum 業種:
  製造業
  小売業

input 申請者 "申請者":
  業種: 業種, fixed "業種"
  資本金: 円 "資本金"

table 範囲 "中小企業者の範囲" by 業種:
  source 要領 "対象者の表"
  | 業種   | 資本金上限 |
  | 製造業 | 3億円      | source 法 "第2条第1項第1号"
  | 小売業 | 5,000万円  |

rule 中小 "中小企業":
  source 要領 "対象者"
  資本金 ≤ 範囲.資本金上限

frame 枠 "枠":
  source 要領
  requires 中小
  amount 補助 "補助":
    on 資本金
    rate 1/2
    round down
"""


@pytest.fixture
def folder(tmp_path):
    return write(tmp_path / "policy", POLICY)


@pytest.mark.parametrize("industry, capital, line", [
    ("製造業", 400_000_000, "資本金が4億円です（中小企業者の範囲（製造業 [法 第2条第1項第1号]）の資本金上限（3億円）以下である必要があります）"),
    ("小売業", 60_000_000, "資本金が6,000万円です（中小企業者の範囲（小売業）の資本金上限（5,000万円）以下である必要があります）"),
])
def test_the_reason_cites_the_row_it_read(folder, tmp_path, run, industry, capital, line):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"業種": industry, "資本金": capital}}, ensure_ascii=False), encoding="utf-8")
    assert line in run("eval", case, "--policy", folder).stdout


def test_json_gives_the_rows_source(folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"業種": "製造業", "資本金": 1}}, ensure_ascii=False), encoding="utf-8")
    assert '"detail": "第2条第1項第1号"' in run("eval", case, "--policy", folder, "--format", "json", "--trace").stdout


def test_a_rows_source_must_be_declared(folder):
    with pytest.raises(PolicyError) as error:
        load(folder, POLICY.replace('source 法 "第2条', 'source 方 "第2条'))
    assert "policy.rules:17:22: error: unknown source 方" in str(error.value)


def test_fmt_keeps_the_source_after_the_row():
    messy = POLICY.replace("  | 製造業 | 3億円      | source 法 \"第2条第1項第1号\"", "  |製造業|3億円|   source  法 \"第2条第1項第1号\"")
    assert messy != POLICY and format_text(messy) == POLICY
