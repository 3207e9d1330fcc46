"""The SQL form equals the tree evaluator (DuckDB here, Spark in test_sql_spark.py), and the
exact-arithmetic traps of SQL engines are handled."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot

from engine.compile.pipeline import load_policy
from engine.sql.query import compile_query, to_sql
from sql_support import ROOT, corpus_cases, duckdb_rows, mismatches

YEARS = ("2023", "2024", "2025")


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("fused", [False, True], ids=["a step per rule", "fused"])
def test_duckdb_equals_the_tree_on_examples_and_a_boundary_corpus(year, fused):
    policy = load_policy(ROOT / "policies" / year).policy
    values = corpus_cases(policy, 1500, seed=int(year))
    assert len(values) > 1500
    rows = duckdb_rows(policy, values, fused=fused)
    assert len(rows) == len(values)
    assert mismatches(policy, values, rows) == []


def test_fused_steps_follow_the_dependencies_and_keep_every_citation():
    """The fused form (what a population run executes) is as deep as the longest chain of rules
    reading rules, and every rule's comment survives on its column."""
    from engine.sql.query import compile_query

    policy = load_policy(ROOT / "policies" / "2024").policy
    steps = compile_query(policy, fused=True).args["with_"].expressions
    # rules-2024.md §7 C-2: 小規模事業者 (会社・個人事業主 only) now reads 小規模事業者の従業員規模, one step deeper;
    # §7 C-4 adds the representative's rules and the members' SECURITY ACTION step; C-7 the value 電子取引の按分割合;
    # C-1 the eligible-cost values (eligible_costs.rules, included second) in place of three month rules;
    # on DuckDB each of their five totals of fractions is folded once, in a step before its value (issue 25)
    assert [s.alias for s in steps][:4] == ["inputs", "folds: 補助対象のソフトウェア費 … and 43 more",
                                            "value: 補助対象のソフトウェア費 … and 13 more", "rule: 小規模事業者 … and 7 more"]
    # the best frame is read from each frame's granted subsidy, a step of its own (issue 25)
    assert len(steps) == 17 < len(compile_query(policy).args["with_"].expressions) == 105
    text = to_sql(policy, fused=True)
    for d in policy.definitions.values():
        assert f"/* {d.kind} {d.name} ({d.origin})" in text


def test_duckdb_equals_the_tree_with_dates_unchecked():
    policy = load_policy(ROOT / "policies" / "2024").policy
    values = corpus_cases(policy, 300, seed=5)
    assert mismatches(policy, values, duckdb_rows(policy, values, check_dates=False), check_dates=False) == []


def test_every_construct_of_the_language(write_policy):
    """Tiers on the cost, optional inputs, tables, counts: the constructs test policy."""
    from test_constructs import FRAMES, HEADER, INPUTS, RULES

    policy = load_policy(write_policy(INPUTS + RULES + FRAMES, header=HEADER)).policy
    values = corpus_cases(policy, 1500, seed=11)
    assert mismatches(policy, values, duckdb_rows(policy, values)) == []


def test_seed_figures_in_sql():
    """The seeds' worked examples: 500,000円 (通常枠) and 750,000円 (インボイス対応類型, 小規模)."""
    import json

    from engine.evaluate.case import read_case

    policy = load_policy(ROOT / "policies" / "2024").policy
    cases = [json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
             for name in ("seed_normal_1m_software.json", "seed_invoice_small_1m.json")]
    values = [read_case(policy, {k: v for k, v in c.items() if k not in ("description", "expected")}) for c in cases]
    rows = duckdb_rows(policy, values)
    assert rows[0]["通常枠.subsidy"] == 500_000
    assert rows[1]["インボイス対応類型.subsidy"] == 750_000


TIERED = """
input 申請者 "申請者":
  小規模: bool "小規模"
input 費用: 円 "費用"
input 控除: 円, default 0 "控除"

value 差引 "差引":
  source doc
  費用 - 控除

frame 枠 "枠":
  source doc
  exclusions none
  amount 補助 "補助":
    on 費用
    rate 4/5 if 小規模 else 3/4 until the subsidy reaches 3億円
    then rate 2/3
    round down
  amount 差引分 "差引分":
    on 差引
    rate 1/3
    round down
"""


def _one(policy, case):
    from engine.evaluate.case import read_case

    return duckdb_rows(policy, [read_case(policy, case)])[0]


def test_products_beyond_64_bits_stay_exact(write_policy):
    """Cross-multiplied tiers form products past 2^63: in BIGINT the query fails, in the wide type
    it gives the tree's exact figure."""
    from engine.evaluate.case import read_case
    from sql_support import tree_row

    policy = load_policy(write_policy(TIERED.replace("rate 4/5 if", "rate 99/100 if").replace("then rate 2/3", "then rate 97/99"))).policy
    case = read_case(policy, {"申請者": {"小規模": True}, "費用": 10**15})
    row = duckdb_rows(policy, [case])[0]
    limit = 300_000_000
    from fractions import Fraction
    import math

    first_band_cost = Fraction(limit * 100, 99)  # ends mid-yen
    by_hand = math.floor(limit + (10**15 - first_band_cost) * Fraction(97, 99)) + 10**15 // 3
    assert row["枠.subsidy"] == by_hand == tree_row(policy, case)["枠.subsidy"]
    con = duckdb.connect()
    con.register("cases", __import__("sql_support").arrow_table(policy, [case]))
    with pytest.raises(duckdb.OutOfRangeException):
        con.execute(to_sql(policy, "duckdb").replace("INT128", "BIGINT")).fetchall()


def test_floor_of_a_negative_amount_is_the_floor_not_truncation(write_policy):
    """DuckDB's // truncates toward zero: ⌊−7/3⌋ must be −3, not −2 (Python's floor)."""
    policy = load_policy(write_policy(TIERED)).policy
    row = _one(policy, {"申請者": {"小規模": False}, "費用": 3, "控除": 10})
    # 補助: ⌊3·3/4⌋ = 2; 差引分: ⌊(3 − 10)/3⌋ = ⌊−7/3⌋ = −3
    assert row["枠.subsidy"] == 0  # 2 − 3 < 0: nothing granted
    assert row["枠.reasons"] == ["no_subsidy:枠"]
    con = duckdb.connect()
    assert con.execute("SELECT (-7) // 3").fetchone()[0] == -2  # the trap itself


def test_no_float_division_and_no_32_bit_literal_products():
    for year in YEARS:
        policy = load_policy(ROOT / "policies" / year).policy
        for dialect in ("duckdb", "spark"):
            tree = sqlglot.parse_one(to_sql(policy, dialect), read=dialect)
            assert not list(tree.find_all(sqlglot.exp.Div)), "a / on integers is a double in DuckDB and Spark"
            for mul in tree.find_all(sqlglot.exp.Mul):
                literals = [isinstance(side, sqlglot.exp.Literal) for side in (mul.this, mul.expression)]
                assert not all(literals), f"{mul.sql(dialect)}: two literals multiplied in the database"
    con = duckdb.connect()
    with pytest.raises(duckdb.OutOfRangeException):
        con.execute("SELECT 300000000 * 10")  # why: literals are 32-bit in DuckDB


def test_wide_types_per_dialect():
    policy = load_policy(ROOT / "policies" / "2024").policy
    assert "CAST(\"cases\".\"申請者\".\"資本金\" AS INT128)" in to_sql(policy, "duckdb")
    assert "CAST(`cases`.`申請者`.`資本金` AS DECIMAL(38, 0))" in to_sql(policy, "spark")


def test_the_query_reads_as_named_steps_with_citations():
    policy = load_policy(ROOT / "policies" / "2024").policy
    text = to_sql(policy, "duckdb")
    assert text.startswith('WITH "inputs" /* one column per input, named by its path; defaults applied */ AS (')
    assert '"rule: 中小企業" /* rule 中小企業 (applicants.rules:' in text
    assert '"frame: インボイス対応類型" /* frame インボイス対応類型 (frame_invoice.rules:' in text
    assert "source 公募要領" in text


def test_a_comment_cannot_end_early(write_policy):
    policy = load_policy(write_policy(TIERED.replace('source doc\n  費用 - 控除', 'source doc "x */ DROP TABLE cases; /*"\n  費用 - 控除'))).policy
    text = to_sql(policy, "duckdb")
    assert "x * / DROP TABLE cases; / *" in text  # the comment stays one comment
    assert duckdb.connect().execute(f"CREATE TABLE cases AS SELECT 0 AS id, {{'小規模': true}} AS 申請者, 1::BIGINT AS 費用, 0::BIGINT AS 控除; {text}")


def test_a_population_run_tries_bigint_and_redoes_an_overflow_in_the_wide_type(write_policy, tmp_path):
    """`policy population` computes in BIGINT first (half the cost); the case above overflows it,
    DuckDB raises, and the run is redone in HUGEINT: the file holds the exact figure, and a small
    case run alone never needs the wide form."""
    import pyarrow.parquet as pq
    from engine.population import run as population
    from engine.evaluate.case import read_case
    from engine.population.engines import DuckDB, narrow_first
    from sql_support import arrow_table, tree_row

    policy = load_policy(write_policy(TIERED.replace("rate 4/5 if", "rate 99/100 if").replace("then rate 2/3", "then rate 97/99"))).policy
    big = read_case(policy, {"申請者": {"小規模": True}, "費用": 10**15})
    small = read_case(policy, {"申請者": {"小規模": True}, "費用": 1_000_000})
    for case, tried in ((big, ["BIGINT", None]), (small, ["BIGINT"])):
        cases = tmp_path / "cases.parquet"
        pq.write_table(arrow_table(policy, [case]), cases)
        out = tmp_path / "out.parquet"
        population.decide(policy, str(cases), str(out))
        assert pq.read_table(out).to_pylist()[0]["枠.subsidy"] == tree_row(policy, case)["枠.subsidy"]
        runner, seen = DuckDB(), []
        runner.register_cases(cases)

        def build(integer):
            seen.append(integer)
            return compile_query(policy, "duckdb", integer=integer)

        narrow_first(runner, build, lambda q: runner.rows(q.sql("duckdb")))
        assert seen == tried
