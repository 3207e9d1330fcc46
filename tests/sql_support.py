"""Running a policy's SQL form over cases, and the tree evaluator's answer in the same shape."""

from __future__ import annotations

import json
from pathlib import Path

from engine.sql import case_table
from engine.authoring import corpus
from engine.evaluate.case import read_case
from engine.evaluate.evaluator import evaluate
from engine.evaluate.fast import summary
from engine.sql.query import summary_row, to_sql

ROOT = Path(__file__).resolve().parent.parent
OTHER_YEARS = frozenset({"最低賃金近傍事業者", "みなし同一法人の他社が申請"})


def examples():
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "examples").glob("*.json"))]


def corpus_cases(policy, n: int, seed: int) -> list[dict]:
    """Examples that fit the policy, then a boundary-heavy generated corpus, as read values."""
    values = []
    for raw in examples() + list(corpus.generate(policy, n, seed, seeds=examples())):
        raw = {k: v for k, v in raw.items() if k not in ("description", "expected", "frame")}
        try:
            values.append(read_case(policy, raw, also_known=OTHER_YEARS))
        except Exception:  # an example of another year's fields only
            continue
    return values


def arrow_table(policy, values):
    import pyarrow as pa

    rows = [case_table.to_row(policy, i, v) for i, v in enumerate(values)]
    return pa.Table.from_pylist(rows, schema=case_table.arrow_schema(policy))


def tree_row(policy, values: dict, check_dates: bool = True) -> dict:
    """The tree evaluator's decision in the SQL output's columns."""
    return summary_row(summary(evaluate(policy, values, check_dates=check_dates)))


def duckdb_rows(policy, values, check_dates: bool = True, fused: bool = False) -> list[dict]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET disabled_optimizers = 'in_clause'")
    con.register("cases", arrow_table(policy, values))
    cursor = con.execute(to_sql(policy, "duckdb", check_dates=check_dates, fused=fused) + ' ORDER BY "id"')
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r)) for r in cursor.fetchall()]


def mismatches(policy, values, rows, check_dates: bool = True) -> list[str]:
    out = []
    for row in rows:
        want = tree_row(policy, values[row["id"]], check_dates)
        got = {k: row[k] for k in want}
        if got != want:
            diff = {k: (got[k], want[k]) for k in want if got[k] != want[k]}
            out.append(f"case {row['id']}: (sql, tree) {diff}")
    return out
