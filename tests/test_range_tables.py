"""Tables keyed by a number (issue 22, item 2): rows by bands of the key (`≤ 5人`, `6人 .. 20人`,
`≥ 51人`), checked to follow each other without a gap or an overlap and to cover every value. The
tree, the fast form and the SQL form read the same row at every band edge."""

from __future__ import annotations

import json

import pytest

from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import FastPolicy, summary
from engine.language.diagnostics import PolicyError
from engine.language.fmt import format_text
from policy_support import load, policy_fixtures
from sql_support import duckdb_rows, mismatches

TABLE = """\
table 規模別上限 "従業員規模別の補助上限" by 従業員数:
  source 要領 "補助上限額（従業員規模別）"
  | 従業員数     | 補助上限 | 補助率 | 経費上限  |
  | ≤ 5人        | 100万円  | 2/3    | 500万円   |
  | 6人 .. 20人  | 250万円  | 2/3    | 1,000万円 |
  | 21人 .. 50人 | 350万円  | 1/2    | 1,500万円 |
  | ≥ 51人       | 450万円  | 1/2    | 2,000万円 |
"""

POLICY = """\
programme "規模別の上限"
  year 2024
  source 要領 "例示の補助金 公募要領"

input 申請者 "申請者":
  従業員数: 人 "従業員数"
  課税所得: 円, signed "課税所得"

input 経費: 円 "補助対象経費"

""" + TABLE + """
table 所得区分 "所得に応じた加算" by 課税所得:
  source 要領 "赤字の事業者への加算"
  | 課税所得         | 加算   |
  | < 0円            | 50万円 |
  | 0円 .. 1,000万円 | 10万円 |
  | > 1,000万円      | 0円    |

rule 経費の範囲 "補助対象経費が規模別の上限以下":
  source 要領 "補助対象経費の上限"
  経費 ≤ 規模別上限.経費上限

frame 枠 "枠":
  source 要領 "補助率"
  requires 経費の範囲
  amount 補助 "補助":
    on 経費
    rate 規模別上限.補助率
    round down
    at most 規模別上限.補助上限 + 所得区分.加算
"""



folder, policy = policy_fixtures(POLICY, "ranges")


def subsidy(policy, employees, income, cost):
    values = read_case(policy, {"申請者": {"従業員数": employees, "課税所得": income}, "経費": cost})
    return evaluate(policy, values).frames[0].subsidy


@pytest.mark.parametrize("employees, income, expected", [
    (0, 0, 1_100_000), (5, 0, 1_100_000), (6, 0, 2_600_000), (20, -1, 3_000_000), (21, 10_000_000, 3_600_000),
    (50, 10_000_001, 3_500_000), (51, -5_000_000, 5_000_000), (10_000, 10_000_001, 4_500_000),
])
def test_each_band_edge_reads_its_row(policy, employees, income, expected):
    cost = {0: 1_800_000, 5: 1_800_000}.get(employees, 10_000_000)
    assert subsidy(policy, employees, income, cost) == expected


def test_the_explanation_names_the_band_it_read(policy, folder, tmp_path, run):
    case = tmp_path / "case.json"
    case.write_text(json.dumps({"申請者": {"従業員数": 21, "課税所得": -1}, "経費": 16_000_000}, ensure_ascii=False), encoding="utf-8")
    out = run("eval", case, "--policy", folder).stdout
    assert "補助対象経費が1,600万円です（従業員規模別の補助上限（21人 .. 50人）の経費上限（1,500万円）以下である必要があります）" in out
    assert "「補助対象経費」を1,600万円から1,500万円にすると対象になります（補助額 4,000,000円）" in out


def test_tree_fast_and_sql_agree_at_every_band_edge(policy):
    raws = list(corpus.generate(policy, 600, seed=2))
    values = [read_case(policy, raw) for raw in raws]
    assert {5, 6, 20, 21, 50, 51} <= {v["申請者"]["従業員数"] for v in values}  # the corpus sits on each edge
    fast = FastPolicy(policy)
    for v in values:
        assert fast.decide(v) == summary(evaluate(policy, v))
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


ROWS = ("  | ≤ 5人        | 100万円  | 2/3    | 500万円   |\n  | 6人 .. 20人  | 250万円  | 2/3    | 1,000万円 |\n"
        "  | 21人 .. 50人 | 350万円  | 1/2    | 1,500万円 |\n  | ≥ 51人       | 450万円  | 1/2    | 2,000万円 |\n")


@pytest.mark.parametrize("rows, messages", [
    (ROWS.replace("6人 .. 20人 ", "7人 .. 20人 ").replace("21人 .. 50人", "20人 .. 50人").replace("≥ 51人 ", "≥ 55人 "), [
        "policy.rules:15:5: error: table 規模別上限 has no row for 6人, between bands ≤ 5人 and 7人 .. 20人 (the rows at lines 14 and 15)",
        "policy.rules:16:5: error: bands 7人 .. 20人 and 20人 .. 50人 of table 規模別上限 overlap: 20人 is in both (the rows at lines 15 and 16)",
        "policy.rules:17:5: error: table 規模別上限 has no row for 51人 .. 54人, between bands 20人 .. 50人 and ≥ 55人 (the rows at lines 16 and 17)"]),
    (ROWS.replace("≤ 5人   ", "1人 .. 5人").replace("≥ 51人  ", "51人 .. 99人"), [
        "policy.rules:14:5: error: table 規模別上限 has no row for 0人: its first band starts at 1人",
        "policy.rules:17:5: error: table 規模別上限 has no row above 99人: its last band ends there"]),
    (ROWS.replace("≤ 5人   ", "5円 .. 5人").replace("6人 .. 20人 ", "20人 .. 6人 "), [
        "policy.rules:14:5: error: band 5円 .. 5人 of table 規模別上限: 5円 is not a count (人, 件 …), as its key is",
        "policy.rules:15:5: error: band 20人 .. 6人 of table 規模別上限 holds no value: 20人 is above 6人"]),
    (ROWS.replace("≤ 5人   ", "製造業  "), [
        "policy.rules:14:5: error: table 規模別上限 is keyed by a number: write this row's band as `≤ 5人`, `6人 .. 20人` or `≥ 51人`, not 製造業"]),
])
def test_gaps_overlaps_and_open_ends_are_errors_at_their_rows(tmp_path, rows, messages):
    text = POLICY.replace(ROWS, rows)
    assert text != POLICY
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    found = [line.split("/")[-1] for line in str(error.value).splitlines() if ": error: " in line]
    assert found == messages


def test_a_signed_key_needs_a_first_band_open_below(tmp_path):
    text = POLICY.replace("  | < 0円            | 50万円 |\n  | 0円 .. 1,000万円 | 10万円 |", "  | 0円 .. 1,000万円 | 10万円 |")
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    assert "error: table 所得区分 has no row for any value below it: its first band starts at 0円" in str(error.value)
    assert "help: start the first band with `≤` (or at 0)" in str(error.value)


def test_a_band_in_a_table_keyed_by_an_enum_is_an_error(tmp_path):
    text = POLICY.replace("  従業員数: 人 \"従業員数\"\n", "  従業員数: 人 \"従業員数\"\n  業種: 業種 \"業種\"\n").replace(
        "input 経費", "enum 業種:\n  製造業\n  小売業\n\ntable 業種別 \"業種別\" by 業種:\n  source 要領\n  | 業種 | 上限 |\n  | 製造業 | 1円 |\n"
        "  | ≤ 5人 | 2円 |\n\ninput 経費")
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    assert "error: table 業種別 is keyed by 業種: a row starts with a member, not the band ≤ 5人" in str(error.value)


def test_a_table_keyed_by_an_optional_input_gives_an_optional_cell(tmp_path):
    text = POLICY.replace('課税所得: 円, signed "課税所得"', '課税所得: 円, signed, optional "課税所得"')
    with pytest.raises(PolicyError) as error:
        load(tmp_path / "p", text)
    assert "error: arithmetic on an optional value that may be missing" in str(error.value)


def test_fmt_spaces_the_bands_and_keeps_their_meaning():
    text = POLICY.replace("| ≤ 5人        |", "|<=5人|").replace("| 6人 .. 20人  |", "| 6人..20人 |")
    assert format_text(text) == POLICY
