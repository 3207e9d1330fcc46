"""Population-scale figures (issue 11): a synthetic population of N firms (default 3,364,891),
the whole 2024 policy as SQL on DuckDB, Parquet -> Parquet; the 2024 -> 2025 what-if report; and
the Python path (the fast form, one case at a time) on a sample, for comparison.

    python benchmarks/population.py [N]"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import case_table, population, population_compare, synth  # noqa: E402
from engine.case import read_case  # noqa: E402
from engine.fast import FastPolicy  # noqa: E402
from engine.pipeline import load_policy  # noqa: E402


def main(n: int) -> None:
    import pyarrow.parquet as pq

    old, new = load_policy(ROOT / "policies/2024").policy, load_policy(ROOT / "policies/2025").policy
    work = Path(tempfile.mkdtemp())
    firms = work / "firms.parquet"
    t = time.perf_counter()
    synth.generate([old, new], n, 7, firms)
    print(f"synth: {n:,} firms in {time.perf_counter() - t:.1f} s ({firms.stat().st_size / 2**20:.0f} MiB)")

    t = time.perf_counter()
    population.decide(old, str(firms), str(work / "decisions.parquet"), "duckdb", progress=False)
    took = time.perf_counter() - t
    print(f"DuckDB, whole 2024 policy, Parquet -> Parquet: {took:.1f} s ({n / took:,.0f} cases/s)")

    t = time.perf_counter()
    report = population_compare.compare(old, new, str(firms), "duckdb", progress=False)
    print(f"what-if 2024 -> 2025 on DuckDB: {time.perf_counter() - t:.1f} s; "
          f"total {report['total']['subsidy_before']:,} -> {report['total']['subsidy_after']:,} yen")

    sample = pq.read_table(firms).slice(0, 20_000).to_pylist()
    fast = FastPolicy(old)
    values = [read_case(old, case_table.from_row(r), also_known=frozenset({"最低賃金近傍事業者", "みなし同一法人の他社が申請"}))
              for r in sample]
    t = time.perf_counter()
    for v in values:
        fast.decide(v)
    per_case = (time.perf_counter() - t) / len(values)
    print(f"Python fast form, one case at a time: {1 / per_case:,.0f} cases/s -> {per_case * n:.0f} s for {n:,} "
          "(reading cases not counted)")
    print(f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3_364_891)
