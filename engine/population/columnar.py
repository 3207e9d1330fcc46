"""`policy batch`'s columnar path: JSON Lines decided by the policy's SQL form on DuckDB, a block
of lines at a time, writing byte for byte the records the row path (engine/population/batch.py)
writes, in input order.

Per block: the lines are split and decoded here and handed to DuckDB as they are; DuckDB parses
them and takes into the case table the ones it can prove plain (engine/population/certain_sql.py);
the rest are parsed by orjson and a strict reader (engine/population/certain.py) takes the ones the
case reader would certainly read to the same values into the case table too (Arrow); the policy's
query decides the table on DuckDB (exact, held equal to the tree evaluator by the SQL tests); every
other line — malformed, refused, or merely written in a way neither reader is sure of (a ratio as
"50%", an amount as 1.0) — goes through the row path's own `_decide`, so its record is the row
path's. With workers, that Python reading is done in them.

Records are formatted from a template per distinct decision shape (best frame, each frame's status,
reasons and steps): the row path's formatter is run once per shape with marker amounts, and only the
line number and the amounts are put in per record, by DuckDB. A template is used only after it has
been seen to give the formatter's own text for a second set of markers. The summary's counts are
DuckDB's totals per shape."""

from __future__ import annotations

import os
import re

from engine.population import batch
from engine.population.batch import Summary
from engine.population.columnar_lines import Block, blocks

# lines read per block: DuckDB plans its queries once a block (about 0.3 CPU-s in all), so a block
# holds tens of thousands of cases; made into Arrow ROWS_PER_BATCH at a time (a case's dict is large)
BLOCK_BYTES = 32 << 20
ROWS_PER_BATCH = 8192
AUTO_BYTES = 4 << 20  # `--engine auto` takes the columnar path for an input file at least this large
_RS, _US = "\x1e", "\x1f"  # separators of a decision's shape (never in a policy's names: checked)


def available() -> bool:
    """Whether DuckDB, pyarrow (the `population` extra) and orjson are installed."""
    try:
        import duckdb  # noqa: F401
        import orjson  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def why_not(policies: dict, trace: bool, input_format: str, output_format: str) -> str | None:
    """Why the columnar path cannot run this batch, as a reason key the command line words (None
    when it can): trace, formats, one_year, control_character, not_installed."""
    if trace:
        return "trace"
    if input_format != "jsonl" or output_format not in ("jsonl", "csv"):
        return "formats"
    if len(policies) != 1:
        return "one_year"
    if any(_RS in n or _US in n for n in _names(next(iter(policies.values())))):
        return "control_character"
    if not available():
        return "not_installed"
    return None


def chosen(engine: str, policies: dict, trace: bool, input_format: str, output_format: str, input_path: str) -> tuple[bool, str | None]:
    """(take the columnar path, why not when `engine` is "sql" and it cannot). "auto" takes it for a
    JSON Lines file of AUTO_BYTES or more whenever it can, and otherwise the row path, silently."""
    if engine == "rows":
        return False, None
    if engine == "auto":
        try:
            if input_path == "-" or input_format != "jsonl" or os.path.getsize(input_path) < AUTO_BYTES:
                return False, None
        except OSError:
            return False, None
    reason = why_not(policies, trace, input_format, output_format)
    return reason is None, reason


def _names(policy) -> list[str]:
    names = [f.name for f in policy.frames]
    for f in policy.frames:
        names += list(f.steps)
    names += [str(d) for d in policy.definitions]  # rule and amount names: the reasons name them
    return names


# ---------------------------------------------------------------- deciding a block
class Columnar:
    """The policy's SQL form on an in-process DuckDB, with the row path's formatter and reader."""

    def __init__(self, policies: dict, output_format: str, also_known: frozenset, default: str | None, lang: str):
        import duckdb

        from engine.sql.query import NARROW, compile_query

        (self.year, self.policy), = policies.items()
        self.output_format = output_format
        batch._init(policies, default, False, "jsonl", output_format, also_known, lang)  # the row path's state, for the rest
        self.header, self.words = batch._STATE["header"], batch._STATE["words"]
        self.frames = [f.name for f in self.policy.frames]
        self.con = duckdb.connect()
        self.con.execute("SET disabled_optimizers = 'in_clause'")  # as `policy population` (engines.DuckDB)
        self.con.execute("SET enable_progress_bar = false")
        self.overflow = (duckdb.OutOfRangeException, duckdb.ConversionException)
        # money in BIGINT first; the wide type, compiled only when needed, for a block where BIGINT overflows
        self.queries = [lambda integer=integer: compile_query(self.policy, "duckdb", None, True, integer=integer, fused=True).sql(dialect="duckdb")
                        for integer in (NARROW, None)]
        shape = ["coalesce(CAST(best_frame AS VARCHAR), '')"]
        for f in self.frames:
            q = '"' + f.replace('"', '""')
            shape += [f'CAST({q}.status" AS VARCHAR)', f"array_to_string({q}.reasons\", chr(31))",
                      f"array_to_string({q}.pending_steps\", chr(31))"]
        self.shape_sql = f"concat_ws(chr(30), {', '.join(shape)})"
        self.subsidy_sql = ", ".join('"' + f.replace('"', '""') + '.subsidy"' for f in self.frames)
        self.templates: dict = {}
        subsidies = ['"' + f.replace('"', '""') + '.subsidy"' for f in self.frames]
        self.sums_sql = ", ".join(f"sum({c})" for c in subsidies) + f", count(*) FILTER (WHERE {' OR '.join(c + ' IS NULL' for c in subsidies)})"
        values = ["CAST(id AS VARCHAR)"] + [f"CAST({c} AS VARCHAR)" for c in subsidies]
        # a record's text: its template's pieces with the line and amounts between them; when every
        # template has them once each and in that order (the usual case), without a list per record
        self.text_sql = ("pieces[1] || array_to_string(list_transform(generate_series(1, len(places)), "
                         f"lambda i: [{', '.join(values)}][places[i]] || pieces[i + 1]), '')")
        self.text_in_order_sql = "pieces[1] || " + " || ".join(f"{v} || pieces[{k + 2}]" for k, v in enumerate(values))
        from engine.population.certain_sql import Unsupported, checked_sql
        from engine.sql.case_table import columns, create_table_sql

        self.con.execute(create_table_sql(self.policy, "cases").replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
        self.columns = ", ".join('"' + c.replace('"', '""') + '"' for c, _ in columns(self.policy))
        try:
            self.checked = checked_sql(self.policy)
        except Unsupported:  # every line read in Python
            self.checked = None

    def close(self) -> None:
        self.con.close()

    def decide(self, block: "Block", read) -> tuple[str, Summary]:
        """A block's output records, in input order, and their counts. DuckDB reads the lines it can
        prove plain (certain_sql); `read` reads the rest as `read_part` does, given lists of lines
        (in this process or in workers), and gives what `read_part` gave for each list."""
        import pyarrow as pa

        con = self.con
        con.execute("DELETE FROM cases")
        sure = False
        if self.checked is not None and block.texts:
            # the lines DuckDB can prove plain go straight into the case table; the rest by number
            con.register("raw", pa.table({"id": pa.array(block.numbers, pa.int64()), "line": pa.array(block.texts, pa.string())}))
            try:
                con.execute(f"INSERT INTO cases SELECT {self.columns} FROM ({self.checked}) WHERE ok")
                unsure = con.execute("SELECT id FROM raw ANTI JOIN cases USING (id) ORDER BY id").fetchall()
            finally:
                con.unregister("raw")
            rest = block.entries([n for n, in unsure])
            sure = len(unsure) < len(block.texts)
        else:
            rest = block.entries(None)
        parts = read(rest) if rest else []
        tables = [t for t, _ in parts if t is not None]
        odd = sorted((entry for _, part in parts for entry in part), key=lambda e: e[0])
        if not (tables or sure):
            return "".join(line for _, line, _ in odd), self._counts([], odd)
        if tables:
            con.register("read_here", pa.concat_tables(tables) if len(tables) > 1 else tables[0])
            try:
                con.execute(f"INSERT INTO cases SELECT {self.columns} FROM read_here")
            finally:
                con.unregister("read_here")
        for i in range(len(self.queries)):
            if callable(self.queries[i]):
                self.queries[i] = self.queries[i]()
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE decided AS SELECT id, {self.shape_sql} AS shape, {self.subsidy_sql} FROM ({self.queries[i]})")
                break
            except self.overflow:
                if i == len(self.queries) - 1:
                    raise
        groups = con.execute(f"SELECT shape, min(id), count(*), {self.sums_sql} FROM decided GROUP BY shape").fetchall()
        counts = self._counts([g[:-1] for g in groups], odd)
        if all(self.template(g[0])[0] is not None and not g[-1] for g in groups):  # a NULL amount: formatted in Python
            text_sql = self.text_in_order_sql if self._register_templates([g[0] for g in groups]) else self.text_sql
            if not odd:
                text, = con.execute(f"SELECT string_agg({text_sql}, '' ORDER BY id) FROM decided JOIN templates USING (shape)").fetchall()[0]
                return text, counts
            rows = con.execute(f"SELECT id, {text_sql} FROM decided JOIN templates USING (shape) ORDER BY id").fetchall()
            return "".join(_merged(rows, odd)), counts
        rows = con.execute("SELECT * FROM decided ORDER BY id").fetchall()
        made = [(r[0], self.text(r[0], r[1], r[2:])) for r in rows]
        return "".join(_merged(made, odd)), counts

    def text(self, number: int, shape: str, subsidies) -> str:
        template = self.template(shape)[0]
        if template is not None:
            return template.format(number, *subsidies)
        return batch.format_record(self.record(number, shape, subsidies), self.output_format, self.header, self.words)

    def _counts(self, groups, odd) -> Summary:
        """The block's counts from DuckDB's per-shape totals and the other lines' own, added in the
        order of each one's first line, so that frames enter the summary in the row path's order."""
        parts = [(first, shape, n, sums) for shape, first, n, *sums in groups] + [(number, None, one, None) for number, _, one in odd]
        parts.sort(key=lambda p: p[0])
        counts = Summary()
        for _, shape, n, sums in parts:
            if shape is None:
                counts.merge(n)
                continue
            _, eligible, best = self.template(shape)
            counts.read += n
            counts.decisions += n
            for k in eligible:
                frame = self.frames[k]
                counts.eligible[frame] = counts.eligible.get(frame, 0) + n
                counts.subsidy[frame] = counts.subsidy.get(frame, 0) + int(sums[k])
            if best is not None:
                counts.best_total += int(sums[best])
        return counts

    def _register_templates(self, shapes) -> bool:
        """The table `templates` (shape, pieces, places): a record's text is pieces[1], then per
        place the value it names (0 the line, k the k-th frame's subsidy) and the next piece."""
        import string

        import pyarrow as pa

        pieces, places = [], []
        for shape in shapes:
            text, where = [], []
            for literal, field, _, _ in string.Formatter().parse(self.template(shape)[0]):
                if len(text) == len(where):  # a piece begins (the first, or after a value)
                    text.append(literal)
                else:  # the text went on after an escaped brace
                    text[-1] += literal
                if field is not None:
                    where.append(int(field) + 1)
            if len(text) == len(where):
                text.append("")
            pieces.append(text)
            places.append(where)
        self.con.register("templates_arrow", pa.table({"shape": pa.array(shapes, pa.string()), "pieces": pa.array(pieces, pa.list_(pa.string())),
                                                        "places": pa.array(places, pa.list_(pa.int32()))}))
        try:
            self.con.execute("CREATE OR REPLACE TEMP TABLE templates AS SELECT * FROM templates_arrow")
        finally:
            self.con.unregister("templates_arrow")
        return all(where == list(range(1, len(self.frames) + 2)) for where in places)  # each value once, in order

    def record(self, number, shape: str, subsidies) -> dict:
        """The record the row path writes for a case of this shape, line number and amounts."""
        parts = shape.split(_RS)
        best = parts[0] or None
        frames = []
        for k, name in enumerate(self.frames):
            status, reasons, steps = parts[1 + 3 * k:4 + 3 * k]
            frames.append({"frame": name, "status": status, "subsidy": subsidies[k],
                           "reasons": [_reason(r) for r in reasons.split(_US)] if reasons else [],
                           "pending_steps": steps.split(_US) if steps else []})
        return {"line": number, "ok": True, "decision": {"best_frame": best, "frames": frames}}

    def template(self, shape: str):
        """(format string or None, indexes of the frames granted, index of the best frame or None)."""
        known = self.templates.get(shape)
        if known is not None:
            return known
        record = self.record(0, shape, [0] * len(self.frames))
        eligible = tuple(k for k, f in enumerate(record["decision"]["frames"]) if f["status"] != "not_eligible")
        best = next((k for k, f in enumerate(record["decision"]["frames"]) if f["frame"] == record["decision"]["best_frame"]), None)
        template = self._template(shape)
        self.templates[shape] = known = (template, eligible, best)
        return known

    def _template(self, shape: str) -> str | None:
        n = len(self.frames)
        markers = [7_340_000_000_001 + k for k in range(n + 1)]

        def text(values):
            return batch.format_record(self.record(values[0], shape, values[1:]), self.output_format, self.header, self.words)

        made = text(markers).replace("{", "{{").replace("}", "}}")
        for k, m in enumerate(markers):
            made = re.sub(rf"(?<![0-9]){m}(?![0-9])", "{" + str(k) + "}", made)
        check = [8_120_000_000_003 + 7 * k for k in range(n + 1)]
        try:
            return made if made.format(*check) == text(check) else None
        except (IndexError, KeyError, ValueError):
            return None


def _reason(code: str) -> list:
    kind, _, name = code.partition(":")
    return [kind, name or None]


# ---------------------------------------------------------------- reading a part of a block (here or in a worker)
_PART: dict = {}


def _part_init(policies: dict, output_format: str, also_known: frozenset, default: str | None, lang: str, parent: int | None = None) -> None:
    """The reader of this process; the row path's state (batch._STATE) is the one Columnar set up
    before, here or in the main process a worker is forked from."""
    from engine.population.certain import CertainReader
    from engine.sql.case_table import arrow_schema

    if parent is not None:  # a worker: quiet on Ctrl-C (the main process's to handle), gone with the main process
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
        batch._die_with(parent)
    policy = next(iter(policies.values()))
    _PART.update(reader=CertainReader(policy, also_known), schema=arrow_schema(policy), output_format=output_format)


def read_part(part):
    """(the case table of the lines read for DuckDB, or None; (line, record text, counts) of every
    other line, decided by the row path's own reader and evaluator)."""
    import pyarrow as pa

    read, rows, odd, batches = _PART["reader"].row, [], [], []
    state = batch._STATE
    for number, item, text in part:
        row = read(number, text) if text is not None else None
        if row is not None:
            rows.append(row)
            if len(rows) == ROWS_PER_BATCH:
                batches.append(pa.Table.from_pylist(rows, schema=_PART["schema"]))
                rows = []
            continue
        record = batch._decide(number, item)
        one = Summary()
        one.add(record)
        odd.append((number, batch.format_record(record, _PART["output_format"], state["header"], state["words"]), one))
    if rows:
        batches.append(pa.Table.from_pylist(rows, schema=_PART["schema"]))
    return (pa.concat_tables(batches) if len(batches) > 1 else batches[0] if batches else None), odd


def _merged(rows, odd):
    """The texts of (line, text) `rows` and (line, text, counts) `odd`, both in line order, merged."""
    k = 0
    for number, text in rows:
        while k < len(odd) and odd[k][0] < number:
            yield odd[k][1]
            k += 1
        yield text
    for entry in odd[k:]:
        yield entry[1]


def _split(block, n: int) -> list:
    size = -(-len(block) // n)
    return [block[i:i + size] for i in range(0, len(block), size)]


def decide_all(policies: dict, stream, output_format: str, also_known: frozenset = frozenset(), default: str | None = None,
               lang: str = "ja", skip: int = 0, workers: int = 1):
    """(output text, Summary) per block of the JSON Lines `stream` (binary), in input order: the
    records `batch.decide_all` gives for the same lines, decided on DuckDB. DuckDB reads the plain
    lines itself, on every core; with `workers` > 1 the other lines are read (parsed, checked, made
    into Arrow, or decided by the row path) in that many processes."""
    runner = Columnar(policies, output_format, also_known, default, lang)
    try:
        if workers <= 1:
            _part_init(policies, output_format, also_known, default, lang)
            for block in blocks(stream, skip, BLOCK_BYTES):
                yield runner.decide(block, lambda rest: [read_part(rest)])
            return
        from multiprocessing import get_context

        with get_context("fork").Pool(workers, initializer=_part_init,
                                      initargs=(policies, output_format, also_known, default, lang, os.getpid())) as pool:
            for block in blocks(stream, skip, BLOCK_BYTES):
                yield runner.decide(block, lambda rest: pool.map(read_part, _split(rest, workers)))
    finally:
        runner.close()
