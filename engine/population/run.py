"""Population-scale runs: the policy's SQL form over a table of cases, on DuckDB (embedded, the
default) or Spark (local[*], or a cluster through Spark's own settings).

Cases come as Parquet in the case-table layout (engine/sql/case_table.py), or as JSON Lines / CSV
(read and checked case by case like `policy batch`, then handed over as Parquet). The query is
generated as a SELECT; files are read and written through each engine's own API."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from engine.population.errors import PopulationError, word as run_word
from engine.i18n.system import os_reason
from engine.population.sheets import SheetProblem  # noqa: F401 - raised by decide, caught by its callers
from engine.population.outputs import atomic_output  # noqa: F401  (population's output, and the CLI's)
from engine.sql import case_table
from engine.tree import nodes as tree
from engine.evaluate.case import CaseError, parse_json, parse_json_line, read_case
from engine.sql.case_checks import check_values
from engine.sql.query import compile_query

ENGINES = ("duckdb", "spark")
OUTPUT_FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
MAX_SHOWN_PROBLEMS = 10


def output_format(path: str, lang: str = "en") -> str:
    fmt = OUTPUT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise PopulationError(run_word(lang, "run.output_format", path=path))
    return fmt


# ---------------------------------------------------------------- reading cases
def union_schema(policies: list[tree.Policy]):
    """The case table of several policy years: every field any of them declares."""
    import pyarrow as pa

    merged: dict = {}
    for p in policies:
        for field in case_table.arrow_schema(p):
            if field.name not in merged:
                merged[field.name] = field
            elif pa.types.is_struct(field.type):
                known = {f.name: f for f in merged[field.name].type}
                known.update({f.name: f for f in field.type if f.name not in known})
                merged[field.name] = pa.field(field.name, pa.struct(list(known.values())))
    return pa.schema(list(merged.values()))


def _records(path: Path, policies: list[tree.Policy], also_known: frozenset[str] = frozenset(), lang: str = "en"):
    """(where, id, record, kind) for each case: a CSV row ("csv"), a line of JSON Lines ("line"), or a
    case of a `.json` file holding one JSON document, a case or an array of cases ("parsed"). The
    id is the case's line number (as `policy batch` reports it), or its place in the array from 1."""
    from engine.population.batch import csv_records, json_lines

    if path.suffix.lower() in (".csv", ".xlsx"):  # a row's id is its line (its row in the sheet)
        from engine.population.sheets import open_csv, xlsx_records

        try:
            if path.suffix.lower() == ".xlsx":
                rows = xlsx_records(str(path), policies, also_known, lang)
            else:
                stream = open_csv(str(path), lang)
                rows = csv_records(stream, policies, also_known, lang)
        except CaseError as exc:
            raise CaseError(exc.problems, str(path)) from None
        try:
            for number, row in rows:
                yield run_word(lang, "run.row" if path.suffix.lower() == ".xlsx" else "run.line", n=number), number, row, "csv"
        finally:
            if path.suffix.lower() == ".csv":
                stream.close()
        return
    document = _one_document(path, lang) if path.suffix.lower() == ".json" else None
    if document is not None:
        for k, raw in enumerate(document, 1):
            yield run_word(lang, "run.case", n=k) if len(document) > 1 else run_word(lang, "run.the_case"), k, raw, "parsed"
        return
    with open(path, "rb") as stream:
        for number, line in json_lines(stream):
            yield run_word(lang, "run.line", n=number), number, line, "line"


def _one_document(path: Path, lang: str = "en") -> list | None:
    """The cases of a `.json` file that is one JSON document (an object, or an array of them);
    None when it is JSON Lines instead (it is not one document, and its first line is one case).
    A file that is neither gets the document's own error, which is the likelier intent."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return None  # JSON Lines reports the line that is not UTF-8
    try:
        document = parse_json(text, lang=lang)
    except CaseError as exc:
        first = next((line for line in text.splitlines() if line.strip()), "")
        try:
            parse_json(first, lang=lang)
        except CaseError:
            raise CaseError([run_word(lang, "run.not_one_document", problem=exc.problems[0])], str(path)) from None
        return None
    return document if isinstance(document, list) else [document]


def cases_to_parquet(path: Path, policies: list[tree.Policy], out: Path, also_known: frozenset[str] = frozenset(),
                     lang: str = "en") -> int:
    """JSON Lines, a JSON document or CSV -> Parquet in the union layout; every case is checked against every
    policy (fields another year declares, or `also_known`, are not typos). Raises CaseError listing the first
    problems with their line numbers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from engine.evaluate.case import field_names
    from engine.evaluate.csvmap import row_to_case

    schema = union_schema(policies)
    from engine.evaluate.case_words import word
    from engine.population.batch import TooLarge

    names = [field_names(p) for p in policies]
    problems: list[str] = []
    writer = pq.ParquetWriter(out, schema)
    rows: list = []
    count = 0
    try:
        for where, number, record, kind in _records(path, policies, also_known, lang):
            try:
                if isinstance(record, TooLarge):  # a record too large to read
                    raise CaseError([word(lang, "record.too_big", most=f"{record.limit:,}")])
                if isinstance(record, Exception):
                    raise CaseError([run_word(lang, "run.not_utf8", reason=record.reason)])
                raw = {"csv": lambda: row_to_case(policies[0], record), "line": lambda: parse_json_line(record, lang),
                       "parsed": lambda: record}[kind]()
                row: dict = {}
                for i, p in enumerate(policies):
                    also = frozenset().union(also_known, *(n for j, n in enumerate(names) if j != i))
                    if kind == "csv" and i:  # a CSV column names a field of one year's layout: read it again,
                        reading = row_to_case(p, record)  # groups merged field by field, so no year's group
                        _merge(reading, raw)  # hides a field only the other declares
                        raw = reading
                    _merge(row, case_table.to_row(p, number, read_case(p, raw, also_known=also, lang=lang)))
            except CaseError as exc:
                problems += [run_word(lang, "run.at", where=where, problem=m) for m in exc.problems]
                if len(problems) >= MAX_SHOWN_PROBLEMS:
                    break
                continue
            rows.append(row)
            count += 1
            if len(rows) == 50_000:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, schema=schema))
    finally:
        writer.close()
    if problems:
        raise CaseError(problems[:MAX_SHOWN_PROBLEMS], str(path))
    return count


def _merge(into: dict, row: dict) -> None:
    for k, v in row.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            into[k].update({kk: vv for kk, vv in v.items() if kk not in into[k] or vv is not None})
        elif k not in into or v is not None:
            into[k] = v


def check_ids(runner, path: str, lang: str = "en") -> None:
    """Every case needs its own id: the output is keyed by it, and Spark's form aggregates lists by it."""
    row = runner.rows("SELECT COUNT(*) AS n, COUNT(id) AS given, COUNT(DISTINCT id) AS distinct_ids FROM cases")[0]
    n, given, distinct = (int(row[k]) for k in ("n", "given", "distinct_ids"))
    problems = []
    if given < n:
        problems.append(run_word(lang, "run.no_id", n=n - given))
    if distinct < given:
        problems.append(run_word(lang, "run.shared_id", n=given - distinct))
    if problems:
        raise CaseError(problems, path)


class Source:
    """The cases as a Parquet file (converted to a temporary one when they are JSON Lines or CSV)."""

    def __init__(self, path: str, policies: list[tree.Policy], also_known: frozenset[str] = frozenset(), lang: str = "en"):
        p = Path(path)
        if p.is_dir():
            raise CaseError([run_word(lang, "run.folder", path=path)])
        if not p.is_file():
            raise CaseError([run_word(lang, "run.no_such_file", path=path)])  # as `policy eval` and `batch`: exit 3
        self.temp = None
        if p.suffix.lower() in (".jsonl", ".ndjson", ".json", ".csv", ".xlsx"):
            handle, name = tempfile.mkstemp(suffix=".parquet")
            os.close(handle)
            self.temp = Path(name)
            try:
                cases_to_parquet(p, policies, self.temp, also_known, lang)
            except BaseException:  # a refused case or header: the half-written copy goes too
                self.temp.unlink(missing_ok=True)
                raise
            self.parquet = self.temp
        elif p.suffix.lower() == ".parquet":
            self.parquet = p
        else:
            raise PopulationError(run_word(lang, "run.input_format", path=path))
        self.check_layout(policies, lang)

    def check_layout(self, policies, lang: str = "en"):
        """Every column and field the policies read must be in the file, with a type that holds it."""
        import pyarrow.parquet as pq

        try:
            have = pq.read_schema(self.parquet)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise CaseError([run_word(lang, "run.not_parquet", reason=str(exc).splitlines()[0])], str(self.parquet)) from None
        want = union_schema(policies)
        problems = []
        for field in want:
            if field.name not in have.names:
                problems.append(run_word(lang, "run.column_missing", path=field.name, type=field.type))
                continue
            got = have.field(field.name).type
            problems += _type_problems(field.name, got, field.type, lang)
        if problems:
            raise CaseError(problems[:MAX_SHOWN_PROBLEMS], str(self.parquet))

    def close(self):
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)


def _type_problems(path: str, got, want, lang: str = "en") -> list[str]:
    import pyarrow as pa

    if pa.types.is_struct(want):
        if not pa.types.is_struct(got):
            return [run_word(lang, "run.column_type", path=path, got=got, type=want)]
        have = {f.name: f.type for f in got}
        out = []
        for f in want:
            if f.name not in have:
                out.append(run_word(lang, "run.column_missing", path=f"{path}.{f.name}", type=f.type))
            else:
                out += _type_problems(f"{path}.{f.name}", have[f.name], f.type, lang)
        return out
    if pa.types.is_list(want):
        if not (pa.types.is_list(got) or pa.types.is_large_list(got)):
            return [run_word(lang, "run.column_type", path=path, got=got, type=want)]
        return _type_problems(f"{path}[]", got.value_type, want.value_type, lang)
    exact_enough = (pa.types.is_integer(want) and pa.types.is_integer(got)) or (
        pa.types.is_string(want) and (pa.types.is_string(got) or pa.types.is_large_string(got))) or got == want
    return [] if exact_enough else [run_word(lang, "run.column_type", path=path, got=got, type=want)]


# ---------------------------------------------------------------- one policy over the cases
def decide(policy: tree.Policy, cases: str, out: str, engine: str = "duckdb", frames=None, progress=None,
           check_dates: bool = True, also_known: frozenset[str] = frozenset(), lang: str = "ja", bom: bool = True,
           headers: str = "both") -> int:
    """Decisions for every case, one row per case ordered by id (for JSON Lines and CSV cases, the
    input's order), written to `out`: Parquet (codes, for programs), or CSV / .xlsx (statuses,
    reasons and steps in words, in `lang`; a CSV begins with a BOM unless `bom` is off, and its
    header rows are the column names and their labels, or one of them: `headers`); returns
    the number of cases. `also_known`: input names other policy years declare, which a case may
    carry (as a synthetic population written for two years does), read as unused rather than as typos."""
    from engine.population.engines import narrow_first
    from engine.population.sheets import write_decisions

    fmt = output_format(out, lang)
    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise PopulationError(run_word(lang, "run.no_folder", path=out, folder=out_path.parent))
    writable(out_path, cases, lang)
    with cases_on(engine, cases, [policy], progress, also_known, lang) as runner:
        def run(query):
            relation = runner.ordered(runner.relation(query), "id")
            with atomic_output(out_path) as temp:
                if fmt == "parquet":
                    runner.write(relation, temp, fmt)
                    return
                handle, name = tempfile.mkstemp(suffix=".parquet")  # the ordered decisions, turned into the sheet
                os.close(handle)
                try:
                    runner.write(relation, Path(name), "parquet")
                    write_decisions(Path(name), temp, fmt, policy, lang, bom, headers)
                finally:
                    Path(name).unlink(missing_ok=True)

        narrow_first(runner, lambda integer: compile_query(policy, runner.dialect, frames, check_dates, integer=integer, fused=True), run)
        return runner.rows("SELECT COUNT(*) AS n FROM cases")[0]["n"]


def writable(out: Path, cases: str, lang: str = "en") -> None:
    """Refuse, before any work, an output that is the cases file itself or cannot be written."""
    if Path(cases).exists() and out.exists() and os.path.samefile(cases, out):
        raise PopulationError(run_word(lang, "run.same_file", path=out))
    existed = out.exists()
    try:
        with open(out, "ab"):
            pass
    except OSError as exc:
        raise PopulationError(run_word(lang, "run.unwritable", path=out, reason=os_reason(lang, exc))) from None
    if not existed:
        out.unlink()


@contextlib.contextmanager
def cases_on(engine: str, cases: str, policies: list[tree.Policy], progress=None, also_known: frozenset[str] = frozenset(),
             lang: str = "en"):
    """An engine with the cases read, checked (layout, ids) and registered as the table `cases`;
    the engine and any converted copy of the cases are closed after."""
    from engine.population.engines import open_engine

    source = Source(cases, policies, also_known, lang)
    try:
        runner = open_engine(engine, progress, lang)
        try:
            runner.register_cases(source.parquet)
            check_ids(runner, str(source.parquet), lang)
            if source.temp is None:  # converted cases were read case by case already
                check_values(runner, policies, str(source.parquet), lang=lang)
            yield runner
        except Exception as exc:
            if runner.interrupted(exc):  # Ctrl-C (or SIGTERM) while a query ran: an interruption, not a bug
                raise KeyboardInterrupt from None
            if runner.unreadable(exc):  # damaged Parquet pages are bad input, not an engine bug
                first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise CaseError([run_word(lang, "run.damaged", path=cases, first=first)]) from None
            raise
        finally:
            runner.close()
    finally:
        source.close()
