"""`policy batch`: many cases in (JSON Lines or CSV), one record out per case, in input order,
streaming (memory does not grow with the input), on one or more worker processes.

* a bad record gives an error record naming its line, the field and what was wrong; it never stops
  the batch;
* every output record is written whole (one write of one line), so an interrupted run leaves whole
  records only; `resume` counts them, drops a torn last line, and continues after them;
* without a trace, decisions come from the fast form (engine/evaluate/fast.py); with one, from the tree."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import deque
from multiprocessing import get_context
from multiprocessing.pool import Pool
from pathlib import Path

import attrs

from engine.explain import json_text, render_json
from engine.evaluate.case import parse_json_line, read_case
from engine.evaluate.case_words import word
from engine.evaluate.csvmap import row_to_case
from engine.explain.render_sheet import Words, columns
from engine.language.diagnostics import CaseError
from engine.population.sheets import checked_rows

CHUNK = 256  # records per task
TRACED_CHUNK = 16  # with traces (about 180 KB and tens of ms a record), so that Ctrl-C, acted on between chunks, is soon
WINDOW = 8  # tasks in flight per worker: bounds memory whatever the input size


@attrs.define
class Summary:
    read: int = 0
    decisions: int = 0
    errors: int = 0
    eligible: dict = attrs.field(factory=dict)  # frame -> count
    subsidy: dict = attrs.field(factory=dict)  # frame -> total yen
    best_total: int = 0  # the sum over cases of their best frame's subsidy

    def merge(self, other: "Summary") -> None:
        """Add another part of the batch's counts (a worker's chunk) to these."""
        self.read += other.read
        self.decisions += other.decisions
        self.errors += other.errors
        self.best_total += other.best_total
        for frame, count in other.eligible.items():
            self.eligible[frame] = self.eligible.get(frame, 0) + count
        for frame, yen in other.subsidy.items():
            self.subsidy[frame] = self.subsidy.get(frame, 0) + yen

    def add(self, record: dict) -> None:
        self.read += 1
        if not record["ok"]:
            self.errors += 1
            return
        self.decisions += 1
        decision = record["decision"]
        for f in decision["frames"]:
            if f["status"] != "not_eligible":
                self.eligible[f["frame"]] = self.eligible.get(f["frame"], 0) + 1
                self.subsidy[f["frame"]] = self.subsidy.get(f["frame"], 0) + f["subsidy"]
        best = decision.get("best_frame")
        if best:
            self.best_total += next(f["subsidy"] for f in decision["frames"] if f["frame"] == best)


# ---------------------------------------------------------------- reading records
@attrs.frozen
class TooLarge:
    """A line past the case size limit, skipped unread: its record says so in the batch's language."""

    limit: int


def json_lines(stream):
    """(line number, text) for every non-blank line; a line that is not UTF-8 comes as bytes and
    gives an error record."""
    from engine.evaluate.case import max_case_bytes

    limit = max_case_bytes()
    number = 0
    while True:
        line = stream.readline(limit + 1)  # never more than the limit in memory, however long the line
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n" if isinstance(line, bytes) else "\n"):
            while line and not line.endswith(b"\n" if isinstance(line, bytes) else "\n"):  # skip the rest of this record
                line = stream.readline(limit + 1)
            yield number, TooLarge(limit)
            continue
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                yield number, exc
                continue
        if line.strip():
            yield number, line


def csv_records(stream, policies=(), also_known: frozenset = frozenset(), lang: str = "en"):
    """(line number, row dict) for every CSV row after the header. With `policies`, the header is
    checked first (csvmap.column_problems; `also_known`: other years' input names): CaseError in
    `lang` before any row is read."""
    reader = csv.DictReader(stream)
    return checked_rows(reader.fieldnames, ((reader.line_num, row) for row in reader), policies, also_known, lang)


# ---------------------------------------------------------------- evaluating (in a worker)
_STATE: dict = {}


def _init(policies: dict, default: str | None, trace: bool, input_format: str, output_format: str,
          also_known: frozenset = frozenset(), lang: str = "ja") -> None:
    """`policies`: {year name: policy}. With more than one, each record is decided under the year in
    force on its date (an undated one under `default`), and its record says which."""
    from engine.evaluate.fast import FastPolicy

    _STATE.update(policies=policies, default=default, choose=len(policies) > 1,
                  fast=None if trace else {name: FastPolicy(p) for name, p in policies.items()}, trace=trace,
                  input_format=input_format, output_format=output_format, header=csv_header(policies, trace),
                  also_known=also_known, words=Words(policies, lang),
                  # a record's errors: in words for a sheet's people (CSV, .xlsx), in English beside the
                  # field paths in JSON Lines, which keeps codes for programs
                  lang="en" if output_format == "jsonl" else lang)


def _worker_init(parent: int, *args) -> None:
    """A worker process: it ends, quietly, as soon as the batch's main process does (a SIGKILL of
    the main process left workers printing BrokenPipeError tracebacks as they tried to hand back
    their results); Ctrl-C is the main process's to handle (it stops the pool)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with(parent)
    _init(*args)


def _die_with(parent: int) -> None:
    """Ask Linux to send this process SIGTERM when its parent dies (PR_SET_PDEATHSIG); elsewhere, a
    watcher thread notices the parent is gone. Either way the worker exits without a traceback."""
    import signal
    import threading
    import time

    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, int(signal.SIGTERM), 0, 0, 0) == 0:  # PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before the request was made
                os._exit(0)
            return
    except (OSError, AttributeError):
        pass

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def _year_of(raw) -> tuple[str, bool]:
    """The year a record is decided under, and whether it is the default (the record gives no date);
    raises CaseError when no year's term holds its date."""
    from engine.evaluate.selection import NoDate, choose_year

    try:
        return choose_year(list(_STATE["policies"].items()), raw, lang=_STATE.get("lang", "en"))[0], False
    except NoDate:
        if _STATE["default"] is None:
            raise
        return _STATE["default"], True


def _dating_case(policies: dict, row: dict) -> dict:
    """The parts of a CSV row that date it, as a case (the date column holds the same path in every year)."""
    raw: dict = {}
    for p in policies.values():
        if p.applied_on:
            column = ".".join(p.applied_on.path)
            if row.get(column):
                node = raw
                for key in p.applied_on.path[:-1]:
                    node = node.setdefault(key, {})
                node[p.applied_on.path[-1]] = row[column]
    return raw


def _problems(exc: CaseError, labels: bool = False) -> list[dict]:
    """Each problem as {field, message}; JSON syntax errors and whole-record problems have no field.
    `labels`: add each field as the message's language names it ({field, label, message}), for a
    page that shows the label and keeps the path to find the input."""
    out = []
    for p, detail in zip(exc.problems, exc.details):
        if detail is not None:  # the reader said which field and what, apart
            field, named, message = detail
            out.append({"field": field, **({"label": named} if labels else {}), "message": message if field else p})
            continue
        field, _, message = p.partition(": ")
        if not message or field.startswith(("line ", "column ")) or field in ("the case", "malformed JSON"):
            out.append({"field": None, "message": p})
        else:
            out.append({"field": field, "message": message})
    return out


def _decide(number: int, record) -> dict:
    lang = _STATE.get("lang", "en")
    if isinstance(record, UnicodeDecodeError):
        return {"line": number, "ok": False, "errors": [{"field": None, "message": word(lang, "record.not_utf8")}]}
    if isinstance(record, TooLarge):  # refused before it was read whole
        return {"line": number, "ok": False, "errors": [{"field": None, "message": word(lang, "record.too_big", most=f"{record.limit:,}")}]}
    if isinstance(record, CaseError):
        return {"line": number, "ok": False, "errors": _problems(record)}
    policies = _STATE["policies"]
    year, by_default = next(iter(policies)), False
    try:
        if _STATE["input_format"] == "jsonl":
            raw = parse_json_line(record, lang)
            year, by_default = _year_of(raw) if _STATE["choose"] else (year, False)
        else:
            year, by_default = _year_of(_dating_case(policies, record)) if _STATE["choose"] else (year, False)
            raw = row_to_case(policies[year], record, lang)
        values = read_case(policies[year], raw, also_known=_STATE["also_known"], lang=lang)
    except CaseError as exc:
        return {"line": number, "ok": False, "errors": _problems(exc)}
    said = ({"policy": year, **({"policy_by_default": True} if by_default else {})} if _STATE["choose"] else {})
    if _STATE["trace"]:  # the tree evaluator: the same summary, plus the full explained decision
        from engine.evaluate.evaluator import evaluate
        from engine.evaluate.fast import summary

        decision = evaluate(policies[year], values)
        return {"line": number, "ok": True, **said, "decision": {**summary(decision), "trace": render_json.decision(decision)}}
    return {"line": number, "ok": True, **said, "decision": _STATE["fast"][year].decide(values)}


def _decide_chunk(chunk) -> tuple[bytes, Summary]:
    """A chunk's output lines, formatted, encoded and joined in the worker, and its counts: one
    bytes object and one small object cross between processes per chunk, never a record's dict
    (pickling every decision back to the main process, and unpickling it there, made two workers
    slower than one), nor a str (its UTF-8 decoded by unpickling and encoded again by the writer:
    with traces, 168 KiB a record)."""
    lines, counts = [], Summary()
    output_format, header = _STATE["output_format"], _STATE["header"]
    for number, record in chunk:
        result = _decide(number, record)
        lines.append(record_line(result, output_format, header, _STATE["words"]))
        counts.add(result)
    return b"".join(lines), counts


class _QuietPool(Pool):
    """A Pool whose worker-keeping thread wakes when a worker ends or the pool changes, not whenever
    results are waiting to be read: the standard Pool also waits on its results pipe there, and
    while a traced chunk (about 2.5 MB) was passing through it, that thread spun, checking its
    workers, for about 0.3 ms of the main process's CPU per traced record, more than reading the
    records. That wake-up serves replacing a worker after `maxtasksperchild` tasks, which the batch
    does not ask for; a worker that ends is still noticed by its own sentinel."""

    def _get_sentinels(self):
        return [self._change_notifier._reader]


def _chunks(records, size: int):
    chunk = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def decide_all(policies: dict, records, trace: bool, input_format: str, workers: int, output_format: str = "jsonl",
               also_known: frozenset = frozenset(), default: str | None = None, lang: str = "ja"):
    """(output bytes, Summary) for each chunk of records, in input order: the bytes are the chunk's
    output records, whole lines in UTF-8; the Summary its counts. `records` is consumed lazily, a bounded
    window at a time. `policies`: {year name: policy}, one or a folder's years chosen between by
    each record's date. `also_known`: input names other policy years declare, read as unused rather
    than as typos."""
    if workers <= 1:
        _init(policies, default, trace, input_format, output_format, also_known, lang)
        for chunk in _chunks(records, TRACED_CHUNK if trace else CHUNK):
            yield _decide_chunk(chunk)
        return
    with _QuietPool(workers, initializer=_worker_init, context=get_context("fork"),
                    initargs=(os.getpid(), policies, default, trace, input_format, output_format, also_known, lang)) as pool:
        pending: deque = deque()
        for chunk in _chunks(records, TRACED_CHUNK if trace else CHUNK):
            pending.append(pool.apply_async(_decide_chunk, (chunk,)))
            if len(pending) >= WINDOW * workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


# ---------------------------------------------------------------- writing records
def csv_header(policies: dict, trace: bool = False) -> list[str]:
    """The columns for one policy, or for several years (a `policy` column and every year's frames):
    those of `policy population`'s decisions, plus ok, errors and, with a trace, trace (render_sheet.columns)."""
    return [c for c in columns(list(policies.values()), batch=True) if trace or c != "trace"]


def csv_row(record: dict) -> dict:
    """A record as a row of the sheet's columns (reasons as `kind:name`, as the SQL form gives them)."""
    row = {"id": record["line"], "ok": record["ok"]}
    if not record["ok"]:
        row["errors"] = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in record["errors"])
        return row
    decision = record["decision"]
    if "policy" in record:
        row["policy"] = record["policy"]
    row["best_frame"] = decision["best_frame"]
    row["best_subsidy"] = 0
    for f in decision["frames"]:
        row[f"{f['frame']}.status"] = f["status"]
        row[f"{f['frame']}.subsidy"] = f["subsidy"]
        row[f"{f['frame']}.reasons"] = [f"{kind}:{name}" if name else kind for kind, name in f["reasons"]]
        row[f"{f['frame']}.pending_steps"] = list(f["pending_steps"])
        if "overdue_steps" in f:
            row[f"{f['frame']}.overdue_steps"] = list(f["overdue_steps"])
        if f["frame"] == decision["best_frame"]:
            row["best_subsidy"] = f["subsidy"]
    if "trace" in decision:
        row["trace"] = json.dumps(decision["trace"], ensure_ascii=False)
    return row


def record_line(record: dict, output_format: str, header: list[str], words: Words) -> bytes:
    """A record's output line in UTF-8: JSON as is (machine-readable; compact, as the service
    answers, and with orjson when installed: json_text.compact), CSV in words (statuses, reasons,
    steps). A lone surrogate, which only a JSON string can hold, is written as its backslash escape."""
    if output_format == "jsonl":
        return json_text.compact(record) + b"\n"
    return _csv_line(record, header, words).encode("utf-8", "backslashreplace")


def format_record(record: dict, output_format: str, header: list[str], words: Words) -> str:
    """record_line's text (the columnar path's templates are made from it): the same bytes once
    encoded as the batch's output is."""
    if output_format == "jsonl":
        return json_text.compact(record).decode("utf-8") + "\n"
    return _csv_line(record, header, words)


def _csv_line(record: dict, header: list[str], words: Words) -> str:
    # CSV, and for .xlsx the same line: the main process reads its cells back into the workbook
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(words.cells(csv_row(record), header))
    return buffer.getvalue()


_CSV_SYNTAX = re.compile(rb'["\n]')


def record_ends(data: bytes, output_format: str) -> list[int]:
    """The offset just after each whole record in `data` (the CSV header counts as one). A JSON
    Lines record is one line; a CSV record ends at a newline outside quotes, so a quoted cell that
    holds a newline does not end it (a `""` inside a quoted cell toggles twice: no change)."""
    if output_format != "csv":
        return [m.end() for m in re.finditer(rb"\n", data)]
    ends, quoted = [], False
    for m in _CSV_SYNTAX.finditer(data):
        if m.group() == b'"':
            quoted = not quoted
        elif not quoted:
            ends.append(m.end())
    return ends


def whole_records(path: Path, output_format: str) -> int:
    """How many whole records an earlier run left in `path` (records, not lines: a CSV cell may
    hold a newline; a CSV's header rows are not records: the names, and a row of labels under
    them, told apart from a record by its first cell, which in a record is the row's number);
    a torn last record is cut off."""
    if not path.exists():
        return 0
    data = path.read_bytes()
    ends = record_ends(data, output_format)
    end = ends[-1] if ends else 0
    if end != len(data):
        with open(path, "r+b") as out:
            out.truncate(end)
            os.fsync(out.fileno())
    if output_format != "csv":
        return len(ends)
    head = 1
    if len(ends) >= 2:
        second = data[ends[0]:ends[1]].decode("utf-8", "replace")
        first_cell = next(csv.reader([second.rstrip("\r\n")]), [""])
        head += not (first_cell and first_cell[0].isdigit())  # the labels row
    return max(0, len(ends) - head)
