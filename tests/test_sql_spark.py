"""The SQL form on Spark local mode. PySpark comes with the test extra; Spark needs Java, which
.ci/run installs (Debian's default-jre-headless) where it is missing; elsewhere, without Java, these
tests are skipped with the reason (in CI they never are).

The whole 2024 policy on a smaller corpus than DuckDB's (Spark runs the query a checkpointed
segment at a time: its analyzer runs out of memory on the whole chain at once), and a small policy
with what matters most for exactness: a tier on the subsidy, a conditional rate, subtraction,
products past 2^63."""

from __future__ import annotations

import os
import shutil

import pyarrow.parquet as pq
import pytest

from engine.evaluate.case import read_case
from engine.compile.pipeline import load_policy
from engine.population.engines import open_engine
from engine.sql.query import to_sql
from policy_support import load
from sql_support import ROOT, arrow_table, corpus_cases, mismatches
from test_sql import TIERED


pytestmark = pytest.mark.skipif(not (shutil.which("java") or os.environ.get("JAVA_HOME")) and not os.environ.get("CI"),
                                reason="Spark needs Java: install Debian's default-jre-headless (or set JAVA_HOME)")


@pytest.fixture(scope="module")
def spark():
    return open_engine("spark", progress=False)


def test_spark_runs_with_ansi_mode_on(spark):
    assert spark.spark.conf.get("spark.sql.ansi.enabled") == "true"


def test_spark_equals_the_tree_on_a_tiered_policy(spark, tmp_path, write_policy):
    policy = load_policy(write_policy(TIERED.replace("rate 4/5 if", "rate 99/100 if"))).policy
    amounts = [0, 1, 2, 3, 4, 99, 100, 101, 303_030_303, 303_030_304, 10**15]
    values = [read_case(policy, {"申請者": {"小規模": small}, "費用": cost, "控除": deduction})
              for small in (True, False) for cost in amounts for deduction in (0, 1, 10, min(cost + 7, 10**15))]
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = spark.rows(to_sql(policy, "spark"))
    assert len(rows) == len(values) == 88
    assert mismatches(policy, values, rows) == []


def test_spark_adds_a_value_per_item_exactly(spark, tmp_path, write_policy):
    """`total of (…)`: each item's fraction folded into the sum (catalogue C-1's 金額 × 24 / 利用月数)."""
    from test_item_totals import POLICY

    folder = write_policy("", header=POLICY)
    policy = load_policy(folder).policy
    months = [0, 12, 13, 24, 25, 36, 37, 120]
    values = [read_case(policy, {"経費": [{"区分": "ソフトウェア", "金額": a, "利用月数": m},
                                           {"区分": "オプション", "金額": a + 1, "利用月数": months[-1 - i]}][: 1 + i % 2],
                                 "小規模": i % 3 == 0})
              for i, m in enumerate(months) for a in (0, 100, 1_200_000, 4_999_999)]
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = spark.rows(to_sql(policy, "spark"))
    assert len(rows) == len(values) == 32
    assert mismatches(policy, values, rows) == []


def test_spark_reads_the_round_of_the_application(spark, tmp_path, write_policy):
    """`round of 枠 is "追加公募"`, `is not`, `in {…}`: the round a date falls in (or none), by its name."""
    from engine.authoring import corpus
    from test_round_of_application import POLICY

    policy = load_policy(write_policy("", header=POLICY)).policy
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 120, seed=9)]
    values += [read_case(policy, {"経費": 300_000, "賃上げ": True, "申請日": d})
               for d in ("2024-06-30", "2024-07-14", "2024-07-15", "2024-10-01", "2024-12-27", "2024-12-28")]
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = spark.rows(to_sql(policy, "spark"))
    assert len(rows) == len(values)
    assert mismatches(policy, values, rows) == []


def test_spark_lists_the_overdue_steps(spark, tmp_path, write_policy):
    """A step's own due date (a day, or the round's deadline less 7 days) and `F.overdue_steps`."""
    from engine.authoring import corpus
    from test_step_due_dates import POLICY

    policy = load_policy(write_policy("", header=POLICY)).policy
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 150, seed=5)]
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = spark.rows(to_sql(policy, "spark"))
    assert len(rows) == len(values) and any(r["枠.overdue_steps"] for r in rows)
    assert mismatches(policy, values, rows) == []


@pytest.mark.parametrize("integer", [None, "BIGINT"])
def test_spark_equals_the_tree_on_the_whole_2024_policy(spark, tmp_path, integer):
    """Examples and a boundary corpus, every frame, in the wide type; the examples in the narrow one
    that a population run tries first (ANSI mode: an overflow raises, not wraps, and the run retries
    in the wide type). Since §7 C-1 an eligible cost may be a fraction (金額 × 24 / 利用月数): the
    corpus's 10^15 amounts times its denominators pass 2^63, as tests/test_sql.py shows on DuckDB."""
    from engine.sql.query import compile_query

    policy = load_policy(ROOT / "policies" / "2024").policy
    values = corpus_cases(policy, 300 if integer is None else 0, seed=2024)
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = [r.asDict(recursive=True) for r in spark.relation(compile_query(policy, "spark", integer=integer)).collect()]
    assert len(rows) == len(values) > (300 if integer is None else 150)
    assert mismatches(policy, values, rows) == []


def test_spark_equals_the_tree_on_every_construct_of_the_language(spark, tmp_path, write_policy):
    """The constructs test policy (totals, counts and any/all over lists, with and without
    conditions, optional inputs, tables): on Spark, measures over a list of records are aggregated
    per case (engine/sql/lists.py), so every one of them meets cases with no list, an empty one and
    several items here."""
    from engine.sql.query import compile_query
    from test_constructs import FRAMES, HEADER, INPUTS, RULES

    policy = load_policy(write_policy(INPUTS + RULES + FRAMES, header=HEADER)).policy
    assert "LATERAL VIEW OUTER" in compile_query(policy, "spark").sql(dialect="spark")
    values = corpus_cases(policy, 300, seed=11)
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = [r.asDict(recursive=True) for r in spark.relation(compile_query(policy, "spark", fused=True)).collect()]
    assert len(rows) == len(values)
    assert mismatches(policy, values, rows) == []


def test_spark_makes_the_case_readers_value_checks_as_duckdb_does(spark, tmp_path):
    """engine/sql/case_checks.py's one pass, in Spark's dialect (FILTER, SIZE, lambdas over list
    items): the same words, id and count as on DuckDB."""
    import duckdb

    from engine.sql import case_checks
    from engine.language.diagnostics import CaseError
    from engine.population.engines import open_engine as engine
    from sql_support import corpus_cases

    policy = load_policy(ROOT / "policies" / "2024").policy
    path, bad = tmp_path / "cases.parquet", tmp_path / "bad.parquet"
    pq.write_table(arrow_table(policy, corpus_cases(policy, 30, seed=5)), path)
    con = duckdb.connect()
    con.execute(f"CREATE TABLE u AS SELECT * FROM '{path}'")
    con.execute("UPDATE u SET 申請者 = struct_update(申請者, 資本金 := -5) WHERE id IN (3, 4)")
    con.execute("UPDATE u SET 経費 = [{'区分': 'ソフト', '金額': 100, '利用月数': NULL}] WHERE id = 7")
    con.execute(f"COPY u TO '{bad}'")
    spark.register_cases(path)
    case_checks.check_values(spark, [policy], str(path))  # a valid file: nothing to say
    messages, japanese = [], []
    for runner in (spark, engine("duckdb")):
        runner.register_cases(bad)
        for lang, said in (("en", messages), ("ja", japanese)):
            with pytest.raises(CaseError) as exc:
                case_checks.check_values(runner, [policy], str(bad), lang=lang)
            said.append(exc.value.problems)
    assert messages[0] == messages[1] and japanese[0] == japanese[1]
    assert messages[0][0] == ("申請者.資本金: got -5, expected a whole number of yen (e.g. 500000); it must not be negative "
                              "(case id 3, and 1 more case)")
    assert messages[0][1].startswith('経費[…].区分: got "ソフト", expected one of: ソフトウェア,') and messages[0][1].endswith("(case id 7)")
    assert japanese[0][0] == ("「申請者」の「資本金」: -5 は負の数です。0以上の円単位の整数（例: 500000）で入力してください"
                              "（ケース id 3。同じ誤りのケースがほかに1件）")
    assert japanese[0][1].startswith('「経費（税抜）」1件目の「経費の区分」: "ソフト" は選択肢にありません') and japanese[0][1].endswith("（ケース id 7）")


@pytest.mark.parametrize("module", ["test_signed_amounts", "test_range_tables", "test_optional_narrowing", "test_durations",
                                    "test_durations:ROUNDS", "test_frame_reuse", "test_fallback", "test_amount_like"])
def test_spark_equals_the_tree_on_the_new_constructs(spark, tmp_path, module):
    """Signed amounts (⌊…⌋ of a loss), tables keyed by a number (every band edge), optional values
    narrowed by `is given` (missing where the test fails) and given a fallback (`X or 0円`), on a
    boundary corpus of each."""
    import importlib

    from engine.authoring import corpus

    name, _, attr = module.partition(":")
    policy = load(tmp_path / "policy", getattr(importlib.import_module(name), attr or "POLICY"))
    values = [read_case(policy, raw) for raw in corpus.generate(policy, 150, seed=22)]
    path = tmp_path / "cases.parquet"
    pq.write_table(arrow_table(policy, values), path)
    spark.register_cases(path)
    rows = spark.rows(to_sql(policy, "spark"))
    assert len(rows) == len(values)
    assert mismatches(policy, values, rows) == []
