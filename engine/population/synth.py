"""A seeded synthetic population of Japanese SMEs in the case-table layout (engine/sql/case_table.py),
for population-scale runs: `generate(policies, n, seed, out)`.

One row per firm, `id` 0…n−1; n defaults to 3,364,891, the number of 中小企業 in 2021 (中小機構,
令和3年経済センサス [C]). Each row is a firm *as if it applied*: who it is (calibrated to the published
counts in engine/population/synth_figures.py: CALIBRATION) and the IT purchase it would apply for (no
statistics exist; every assumption is in docs/population.md). The synthetic population is not the
applicants: OFFICIAL_APPLICATIONS_2024 holds the real 2024 counts to compare against.

Given several policy years the table holds the union of their fields, with values valid for every
one of them (enum members common to all), so each year's query reads the same file.

Generated inside DuckDB over range(n); every draw is a hash of (id, seed, draw name), never
random(), so the same seed gives the same rows whatever the number of threads."""

from __future__ import annotations

import json
import os
from pathlib import Path

from engine.sql import case_table
from engine.tree import nodes as tree
from engine.population.errors import word as run_word
from engine.population.synth_draws import EMITTED, Draws
from engine.population.synth_figures import CALIBRATION, OFFICIAL_APPLICATIONS_2024  # noqa: F401  (re-exported for reports)
from engine.population.synth_query import select

DEFAULT_N = 3_364_891
MAX_N = 1_000_000_000
MAX_SEED = 2**63 - 1
LIMITS_TABLE = "中小企業の範囲"
# the record fields the generator builds (a policy that changes them needs the generator changed too)
RECORDS = {(None, "経費"): ("区分", "金額", "利用月数"),
           ("複数社連携", "構成員一覧"): ("小規模事業者", "中小企業者", "ソフトウェア等費", "役務費", "インボイス機能数", "PC等費",
                                        "レジ等費", "分析ツールを導入", "SECURITY_ACTION宣言済")}


class SynthError(ValueError):
    """Bad arguments (n, seed, the output's kind); the message says which: `said(lang)` in a
    language of the catalogues (domain "population", keys synth.*), str() in English."""

    def __init__(self, key: str, /, **values):
        self.key, self.values = key, values
        super().__init__(run_word("en", key, **values))

    def said(self, lang: str) -> str:
        return run_word(lang, self.key, **self.values)


class PolicyMismatch(SynthError):
    """Policies the generator cannot serve together (a field typed differently, a missing enum
    member): a limit of engine/synth a policy's author meets, said in English."""

    def __init__(self, message: str):
        ValueError.__init__(self, message)

    def said(self, lang: str) -> str:
        return str(self)


def layout(policies: list[tree.Policy]) -> list:
    """[(group or None, [(field, DuckDB type, nullable)])]: the union of the policies' inputs, in the
    first policy's order, later years' additions after. A field typed differently by two years is an error."""
    groups: dict = {}
    for p in policies:
        for g in p.groups:
            fields = groups.setdefault(g.name, {})
            for f in g.fields:
                type_ = case_table.field_type(p, f)
                nullable = f.optional or f.default is not None
                if f.name in fields and fields[f.name][0] != type_:
                    raise PolicyMismatch(f"{g.name + '.' if g.name else ''}{f.name} has type {fields[f.name][0]} in one policy "
                                     f"and {type_} in {p.programme}; generate one population per policy")
                fields[f.name] = (type_, nullable and fields.get(f.name, (None, True))[1])
    return [(g, [(name, t, nullable) for name, (t, nullable) in fields.items()]) for g, fields in groups.items()]


def _field(policy: tree.Policy, group, name):
    for g in policy.groups:
        if g.name == group:
            for f in g.fields:
                if f.name == name:
                    return f
    return None


def _check(policies: list[tree.Policy]) -> dict:
    """Every emitted enum member valid for every policy; the records as built; one table of SME limits."""
    for (group, name), emitted in EMITTED.items():
        for p in policies:
            f = _field(p, group, name)
            if f is None:
                continue
            enum = f.type_name
            if f.kind == "list" and f.element == "record":
                enum = next(r.type_name for r in p.records[f.type_name].fields if r.name == "区分")
            valid = {m for m, _ in p.enums[enum].members}
            missing = [m for m in emitted if m not in valid]
            if missing:
                raise PolicyMismatch(f"{p.programme} does not declare {', '.join(missing)} in {enum}; the generator emits it for {name}")
    for (group, name), expected in RECORDS.items():
        for p in policies:
            f = _field(p, group, name)
            if f is not None and tuple(r.name for r in p.records[f.type_name].fields) != expected:
                raise PolicyMismatch(f"{p.programme}: the record of {name} has fields the generator does not build")
    tables = [p.tables.get(LIMITS_TABLE) for p in policies]
    if any(t is None for t in tables):
        raise PolicyMismatch(f"every policy needs the table {LIMITS_TABLE} (the SME limits by industry)")
    if any(t.rows != tables[0].rows for t in tables):
        raise PolicyMismatch(f"the policies disagree on {LIMITS_TABLE}; generate one population per policy")
    return tables[0].rows


def query(policies: list[tree.Policy], n: int, seed: int) -> str:
    """The SELECT producing the population (for a caller that wants it as a view rather than a file)."""
    n, seed = _validated(n, seed)
    if not policies:
        raise SynthError("synth.no_policy")
    limits = _check(policies)
    return select(layout(policies), Draws(seed), n, limits)


def _validated(n, seed) -> tuple[int, int]:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        raise SynthError("synth.n", most=f"{MAX_N:,}", n=n)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise SynthError("synth.seed", most=MAX_SEED, seed=seed)
    return n, seed


def generate(policies: list[tree.Policy], n: int = DEFAULT_N, seed: int = 0, out: str | os.PathLike = "population.parquet",
             threads: int | None = None) -> Path:
    """Write the population to `out`: Parquet, or JSON Lines of case JSON (what `policy batch` reads)
    when the name ends .jsonl. Raises SynthError for bad arguments, OSError when `out` cannot be written."""
    import duckdb

    sql = query(policies, n, seed)
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise SynthError("synth.csv")
    if suffix not in (".parquet", ".jsonl", ".ndjson") and not path.is_dir():  # a folder: the OS's words, below
        raise SynthError("synth.format", path=out) if str(out) else SynthError("synth.format_no_name")
    with open(path, "wb"):  # fails early, with the OS's reason, for a folder or an unwritable place
        pass
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    try:
        if threads is not None:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET preserve_insertion_order = true")
        if suffix in (".jsonl", ".ndjson"):
            _write_jsonl(con.execute(sql), path)
        else:  # the path goes to DuckDB as an argument, never into the SQL text
            con.sql(sql).write_parquet(str(path), compression="zstd")
    finally:
        con.close()
    return path


def _write_jsonl(cursor, path: Path) -> None:
    names = [d[0] for d in cursor.description]
    with open(path, "w", encoding="utf-8") as f:
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                f.write(json.dumps(case_table.from_row(dict(zip(names, row))), ensure_ascii=False) + "\n")
