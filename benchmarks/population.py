"""Population-scale figures (issue 11): a synthetic population of N firms (default 3,364,891);
the whole 2024 policy as SQL on DuckDB, Parquet -> Parquet, beside a hand-written DuckDB query of
the same rules (benchmarks/handwritten.sql) and, with --spark, the same query on Spark local; the
2024 -> 2025 what-if report; and the Python path (the fast form, one case at a time) on a sample.

Every run's output is compared with the generated DuckDB output on every firm (hand-written,
Spark), and the generated output with the tree evaluator itself on a sample spread over the file
(--tree-sample, default 20,000); with --verify-all, every firm against the fast form (which the
tests hold equal to the tree on every example and boundary corpus), on all cores. Prints figures;
asserts nothing about speed. The figures also replace this script's section of
benchmarks/RESULTS.md (with the date, machine and versions), unless --no-write is given.

    python benchmarks/population.py [N] [--spark] [--tree-sample K] [--verify-all] [--no-write]
    python benchmarks/population.py --verify FIRMS.parquet DECISIONS.parquet   # that check alone
    python benchmarks/population.py --floor FIRMS.parquet                      # where the DuckDB time goes"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import results  # noqa: E402

from engine.sql import case_table
from engine.population import run as population, compare as population_compare
from engine.population import synth  # noqa: E402
from engine.evaluate.case import read_case  # noqa: E402
from engine.evaluate.evaluator import evaluate  # noqa: E402
from engine.evaluate.fast import FastPolicy, summary  # noqa: E402
from engine.compile.pipeline import load_policy  # noqa: E402
from engine.sql.query import summary_row  # noqa: E402

OTHER_YEARS = frozenset({"最低賃金近傍事業者", "みなし同一法人の他社が申請"})


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def differing(a: Path, b: Path) -> int:
    """Firms whose decision differs in any column between two decision files (joined on id)."""
    import duckdb

    con = duckdb.connect()
    columns = [c for c in con.sql(f"SELECT * FROM '{a}' LIMIT 0").columns if c != "id"]
    unequal = " OR ".join(f'x."{c}"::VARCHAR IS DISTINCT FROM y."{c}"::VARCHAR' for c in columns)
    missing = con.sql(f"SELECT (SELECT count(*) FROM '{a}') - (SELECT count(*) FROM '{a}' JOIN '{b}' USING (id))").fetchall()[0][0]
    return missing + con.sql(f"SELECT count(*) FROM '{a}' x JOIN '{b}' y USING (id) WHERE {unequal}").fetchall()[0][0]


def tree_mismatches(policy, decisions: Path, firms: Path, k: int) -> tuple[int, int]:
    """The tree evaluator on k firms spread over the file, against the SQL output."""
    import duckdb

    con = duckdb.connect()
    n = con.sql(f"SELECT count(*) FROM '{firms}'").fetchall()[0][0]
    step = max(1, n // k)
    sample = con.sql(f"SELECT f.*, d.* EXCLUDE (id) FROM '{firms}' f JOIN '{decisions}' d USING (id) "
                     f"WHERE f.id % {step} = 0 ORDER BY f.id")
    names, rows = sample.columns, sample.fetchall()
    firm_columns = con.sql(f"SELECT * FROM '{firms}' LIMIT 0").columns
    wrong = 0
    for row in rows:
        record = dict(zip(names, row))
        values = read_case(policy, case_table.from_row({c: record[c] for c in firm_columns}), also_known=OTHER_YEARS)
        if _differs(record, summary_row(summary(evaluate(policy, values)))):
            wrong += 1
    return wrong, len(rows)


def _differs(got: dict, expected: dict) -> bool:
    """Whether a row of the SQL output differs from the expected one in any column."""
    return any(got.get(k) != v for k, v in expected.items())


def _fast_chunk(args) -> int:
    """Firms of one row group whose SQL decision differs from the fast form's."""
    joined, group, firm_columns = args
    import pyarrow.parquet as pq

    policy = load_policy(ROOT / "policies/2024").policy
    fast = FastPolicy(policy)
    wrong = 0
    for row in pq.ParquetFile(joined).read_row_group(group).to_pylist():
        values = read_case(policy, case_table.from_row({c: row[c] for c in firm_columns}), also_known=OTHER_YEARS)
        if _differs(row, summary_row(fast.decide(values))):
            wrong += 1
    return wrong


def verify_all(firms: Path, decisions: Path) -> tuple[int, int]:
    """Every firm's SQL decision against the fast form: firms and decisions joined on id into row
    groups of 50,000 (DuckDB), each checked in a process of its own, on every core."""
    import multiprocessing
    import os

    import duckdb
    import pyarrow.parquet as pq

    joined = decisions.with_name(decisions.stem + ".joined.parquet")
    con = duckdb.connect()
    firm_columns = con.sql(f"SELECT * FROM '{firms}' LIMIT 0").columns
    missing = con.sql(f"SELECT count(*) FROM '{firms}' f ANTI JOIN '{decisions}' d USING (id)").fetchall()[0][0]
    con.execute(f"COPY (SELECT f.*, d.* EXCLUDE (id) FROM '{firms}' f JOIN '{decisions}' d USING (id)) "
                f"TO '{joined}' (ROW_GROUP_SIZE 50000)")
    groups = pq.ParquetFile(joined).num_row_groups
    with multiprocessing.get_context("fork").Pool(os.cpu_count() or 1) as pool:
        wrong = sum(pool.map(_fast_chunk, [(str(joined), g, firm_columns) for g in range(groups)]))
    joined.unlink()
    return wrong + missing, pq.read_metadata(firms).num_rows


def floor(policy, firms: Path) -> None:
    """Where the DuckDB time goes, and what no query of these rules avoids: reading the inputs the
    policy reads, the measures over lists (the sums and counts over 経費 and 構成員一覧, each a
    lambda per firm), and writing the decisions; beside them the whole query with its result kept
    in memory. Each is a query of its own over the same file."""
    import duckdb
    from sqlglot import exp

    from engine.sql.query import NARROW, compile_query

    query = compile_query(policy, "duckdb", None, True, integer=NARROW, fused=True)
    ctes = query.args["with_"].expressions
    con = duckdb.connect()
    con.execute("SET disabled_optimizers = 'in_clause'")
    con.read_parquet(str(firms)).create_view("cases")

    def both(run) -> tuple[float, float]:
        """Wall seconds and CPU-seconds (every thread of this process) of `run()`: on a shared
        machine the CPU is the steadier figure."""
        c, t = time.process_time(), time.perf_counter()
        run()
        return time.perf_counter() - t, time.process_time() - c

    def counted(steps: list, columns: list[str]) -> tuple[float, float]:
        """Seconds to compute `columns` of the last of `steps` for every firm (COUNT needs each value)."""
        counts = ", ".join(f'COUNT("{c}")' for c in columns)
        sql = f'WITH {", ".join(s.sql(dialect="duckdb") for s in steps)} SELECT {counts} FROM "{steps[-1].alias}"'
        return both(lambda: con.execute(sql).fetchall())

    rules = ctes[:next(i for i, c in enumerate(ctes) if c.args.get("materialized"))]  # before the naming of reasons
    inputs = [e.alias_or_name for e in rules[0].this.expressions]
    over_lists = [e.alias_or_name for c in rules[1:] for e in c.this.expressions[1:] if e.find(exp.Lambda)]
    read = counted(rules[:1], inputs)
    lists = tuple(a - b for a, b in zip(counted(rules, over_lists), read))
    whole = both(lambda: con.execute(f"CREATE TEMP TABLE decisions AS {query.sql(dialect='duckdb')}"))
    out = firms.with_name("floor.parquet")
    write = both(lambda: con.execute(f"COPY decisions TO '{out}'"))
    out.unlink()
    show = lambda p: f"{p[0]:.1f} s ({p[1]:.2f} CPU-s)"  # noqa: E731
    print(f"  where the time goes: reading the {len(inputs)} inputs {show(read)}; the {len(over_lists)} measures over "
          f"lists {show(lists)} more; the whole query into memory {show(whole)}; writing its decisions to Parquet "
          f"{show(write)}. Reading, the list measures and writing alone: {show(tuple(map(sum, zip(read, lists, write))))}")


def timed(label: str, n: int, run) -> float:
    c, t = cpu(), time.perf_counter()
    result = run()
    took = time.perf_counter() - t
    print(f"{label}: {took:.1f} s ({n / took:,.0f} cases/s; {cpu() - c:.1f} CPU-s)", flush=True)
    return result


def main(n: int, spark: bool, tree_sample: int, everything: bool) -> None:
    import duckdb

    old, new = load_policy(ROOT / "policies/2024").policy, load_policy(ROOT / "policies/2025").policy
    work = Path(tempfile.mkdtemp())
    firms = work / "firms.parquet"
    t = time.perf_counter()
    synth.generate([old, new], n, 7, firms)
    print(f"synth: {n:,} firms in {time.perf_counter() - t:.1f} s ({firms.stat().st_size / 2**20:.0f} MiB)")

    generated = work / "decisions.parquet"
    timed("DuckDB, generated query, whole 2024 policy, Parquet -> Parquet", n,
          lambda: population.decide(old, str(firms), str(generated), "duckdb", progress=False))
    floor(old, firms)

    hand = work / "hand.parquet"
    con = duckdb.connect()
    con.execute("SET disabled_optimizers = 'in_clause'")
    con.read_parquet(str(firms)).create_view("cases")
    query = (ROOT / "benchmarks" / "handwritten.sql").read_text(encoding="utf-8")
    timed("DuckDB, hand-written query (benchmarks/handwritten.sql), Parquet -> Parquet", n,
          lambda: con.sql(query).write_parquet(str(hand)))
    print(f"  firms whose decision differs, hand-written vs generated: {differing(generated, hand):,}")

    wrong, checked = tree_mismatches(old, generated, firms, tree_sample)
    print(f"  generated vs the tree evaluator on {checked:,} firms spread over the file: {wrong} mismatches")
    if everything:
        t = time.perf_counter()
        wrong, checked = verify_all(firms, generated)
        print(f"  generated vs the fast form on every firm ({checked:,}, {time.perf_counter() - t:.0f} s): {wrong} mismatches")

    if spark:
        from engine.population.engines import open_engine

        t = time.perf_counter()
        open_engine("spark", progress=False)
        print(f"Spark session start (local[*]): {time.perf_counter() - t:.1f} s")
        on_spark = work / "spark.parquet"
        timed("Spark local, generated query, whole 2024 policy, Parquet -> Parquet", n,
              lambda: population.decide(old, str(firms), str(on_spark), "spark", progress=False))
        print(f"  firms whose decision differs, Spark vs DuckDB: {differing(generated, on_spark):,}")

    report = timed("what-if 2024 -> 2025 on DuckDB (both policies, every breakdown)", n,
                   lambda: population_compare.compare(old, new, str(firms), "duckdb", progress=False))
    print(f"  total {report['total']['subsidy_before']:,} -> {report['total']['subsidy_after']:,} yen")

    import pyarrow.parquet as pq

    sample = pq.read_table(firms).slice(0, 20_000).to_pylist()
    fast = FastPolicy(old)
    values = [read_case(old, case_table.from_row(r), also_known=OTHER_YEARS) for r in sample]
    t = time.perf_counter()
    for v in values:
        fast.decide(v)
    per_case = (time.perf_counter() - t) / len(values)
    print(f"Python fast form, one case at a time: {1 / per_case:,.0f} cases/s -> {per_case * n:.0f} s for {n:,} "
          "(reading cases not counted)")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=3_364_891)
    parser.add_argument("--spark", action="store_true")
    parser.add_argument("--tree-sample", type=int, default=20_000)
    parser.add_argument("--verify-all", action="store_true")
    parser.add_argument("--verify", nargs=2, metavar=("FIRMS", "DECISIONS"))
    parser.add_argument("--floor", metavar="FIRMS", help="only where the DuckDB time goes, on this file of firms")
    parser.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/RESULTS.md alone")
    args = parser.parse_args()
    if args.floor:
        floor(load_policy(ROOT / "policies/2024").policy, Path(args.floor))
    elif args.verify:
        wrong, checked = verify_all(Path(args.verify[0]), Path(args.verify[1]))
        print(f"{checked:,} firms: {wrong} whose SQL decision differs from the fast form")
    else:
        with results.record("population.py", f"Population scale: {args.n:,} synthetic firms (benchmarks/population.py)",
                            write=not args.no_write):
            main(args.n, args.spark, args.tree_sample, args.verify_all)
