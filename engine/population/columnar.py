"""`policy batch`'s columnar path: JSON Lines decided by the policy's SQL form on DuckDB, a block
of lines at a time, writing byte for byte the records the row path (engine/population/batch.py)
writes, in input order.

Per block: the lines are split and decoded here; orjson parses them and a strict reader
(engine/population/certain.py) takes the ones the case reader would certainly read to the same
values into the case table (Arrow), which the policy's query decides on DuckDB (exact, held equal
to the tree evaluator by the SQL tests); every other line — malformed, refused, or merely written
in a way the strict reader leaves alone (a ratio as "50%", an amount as 1.0) — goes through the row
path's own `_decide`, so its record is the row path's. With workers, the reading is done in them.

Records are formatted from a template per distinct decision shape (best frame, each frame's status,
reasons and steps): the row path's formatter is run once per shape with marker amounts, and only the
line number and the amounts are put in per record. A template is used only after it has been seen to
give the formatter's own text for a second set of markers."""

from __future__ import annotations

import os
import re

from engine.population import batch
from engine.population.batch import Summary

# lines read per block: DuckDB plans the policy's query once a block (about 0.17 CPU-s), so a block
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


# ---------------------------------------------------------------- lines, as the row path reads them
def blocks(stream, skip: int = 0):
    """Lists of (line number, item, text) per block of the binary `stream`: `text` the decoded line
    (with its newline) for DuckDB to try, or None; `item` what the row path's reader
    (batch.json_lines) would hand `_decide` — the same text, or the error of a line too large or not
    UTF-8. Blank lines give nothing, as there; the first `skip` records are passed over (--resume)."""
    from engine.evaluate.case import max_case_bytes

    limit = max_case_bytes()
    number, rest, seen = 0, b"", 0
    while True:
        data = stream.read(BLOCK_BYTES)
        if data:
            data = rest + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            data, rest = data[:cut], data[cut:]
        else:
            data, rest = rest, b""
            if not data:
                return
        try:  # the whole block at once; per line only when some line is not UTF-8
            pieces = data.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            pieces = data.split(b"\n")
        last_ended = not pieces[-1]
        if last_ended:  # the block ended with a newline
            pieces.pop()
        out = []
        final = len(pieces) - 1
        for k, piece in enumerate(pieces):
            number += 1
            ended = k < final or last_ended
            # a str's UTF-8 takes at most 4 bytes a character: only a long line is measured
            if len(piece) * (4 if isinstance(piece, str) else 1) > limit and len(_bytes(piece)) > limit:
                item = next(iter(batch.json_lines(_One(_bytes(piece) + (b"\n" if ended else b"")))))[1]
                text = None
            else:
                if isinstance(piece, bytes):
                    try:
                        piece = piece.decode("utf-8-sig" if number == 1 else "utf-8")
                    except UnicodeDecodeError as exc:
                        seen += 1
                        if seen > skip:
                            out.append((number, exc, None))
                        continue
                elif number == 1 and piece.startswith("\ufeff"):  # the first line is read as utf-8-sig
                    piece = piece[1:]
                if not piece.strip():
                    continue
                item = text = piece + "\n" if ended else piece
            seen += 1
            if seen > skip:
                out.append((number, item, text))
        if out:
            yield out


def _bytes(piece) -> bytes:
    return piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else piece


class _One:
    """One line as a stream, for the row path's reader (its handling of a line too large)."""

    def __init__(self, data: bytes):
        import io

        self._io = io.BytesIO(data)

    def readline(self, size: int = -1) -> bytes:
        return self._io.readline(size)


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

    def close(self) -> None:
        self.con.close()

    def decide(self, block, parts) -> tuple[str, Summary]:
        """A block's output records, in input order, and their counts; `parts`: what `read_part` gave
        for the block's parts (in this process or in workers)."""
        import pyarrow as pa

        tables = [t for t, _ in parts if t is not None]
        left = {number: done for _, odd in parts for number, *done in odd}
        decided: dict = {}
        if tables:
            self.con.register("cases", pa.concat_tables(tables) if len(tables) > 1 else tables[0])
            try:
                for i in range(len(self.queries)):
                    if callable(self.queries[i]):
                        self.queries[i] = self.queries[i]()
                    query = self.queries[i]
                    try:
                        rows = self.con.execute(f"SELECT id, {self.shape_sql}, {self.subsidy_sql} FROM ({query})").fetchall()
                        break
                    except self.overflow:
                        if i == len(self.queries) - 1:
                            raise
                decided = {r[0]: r for r in rows}
            finally:
                self.con.unregister("cases")
        text, counts = [], Summary()
        for number, item, _ in block:
            row = decided.get(number)
            if row is None:  # decided by the row path's reader and evaluator in read_part
                line, one = left[number]
                text.append(line)
                counts.merge(one)
                continue
            template, eligible, best = self.template(row[1])
            subsidies = row[2:]
            text.append(template.format(number, *subsidies) if template is not None else
                        batch.format_record(self.record(number, row[1], subsidies), self.output_format, self.header, self.words))
            counts.read += 1
            counts.decisions += 1
            for k in eligible:
                frame = self.frames[k]
                counts.eligible[frame] = counts.eligible.get(frame, 0) + 1
                counts.subsidy[frame] = counts.subsidy.get(frame, 0) + subsidies[k]
            if best is not None:
                counts.best_total += subsidies[best]
        return "".join(text), counts

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


def _split(block, n: int) -> list:
    size = -(-len(block) // n)
    return [block[i:i + size] for i in range(0, len(block), size)]


def decide_all(policies: dict, stream, output_format: str, also_known: frozenset = frozenset(), default: str | None = None,
               lang: str = "ja", skip: int = 0, workers: int = 1):
    """(output text, Summary) per block of the JSON Lines `stream` (binary), in input order: the
    records `batch.decide_all` gives for the same lines, decided on DuckDB. With `workers` > 1 the
    lines are read (parsed, checked, made into Arrow) in that many processes, a block ahead of DuckDB."""
    runner = Columnar(policies, output_format, also_known, default, lang)
    try:
        if workers <= 1:
            _part_init(policies, output_format, also_known, default, lang)
            for block in blocks(stream, skip):
                yield runner.decide(block, [read_part(block)])
            return
        from multiprocessing import get_context

        with get_context("fork").Pool(workers, initializer=_part_init,
                                      initargs=(policies, output_format, also_known, default, lang, os.getpid())) as pool:
            pending = None
            for block in blocks(stream, skip):
                ahead = (block, pool.map_async(read_part, _split(block, workers)))
                if pending is not None:
                    yield runner.decide(pending[0], pending[1].get())
                pending = ahead
            if pending is not None:
                yield runner.decide(pending[0], pending[1].get())
    finally:
        runner.close()
