"""`policy batch`: every case of a file (JSON Lines, CSV, .xlsx) decided into another, with progress and a summary."""

from __future__ import annotations

import csv
import io
import signal
import sys
from pathlib import Path

import click

from engine.language.diagnostics import CaseError, PolicyError
from engine.compile.pipeline import load_policy
from engine.language.resources import DEFAULT_YEAR
from engine.language.resources import policies_root as bundled_policies
from engine.evaluate.selection import fields_of_years, policy_folders
from engine.cli.common import EXIT_OK, EXIT_USAGE, EXIT_BAD_CASE, EXIT_BAD_POLICY, _case_message, _fail, cli, _sibling_fields
from engine.cli.words import word
from engine.i18n.system import os_reason


@cli.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(allow_dash=True))
@click.option("-o", "--output", "output_path", required=True, type=click.Path(allow_dash=True), help="Output file, or - for standard output.")
@click.option("--policy", "policy_dir", type=click.Path(), default=None, help="Policy folder. Default: for each case, the bundled year in force on its 申請日 (2024 when undated); the output names it.")
@click.option("--trace", is_flag=True, help="Add each case's full explained decision (slower: the tree evaluator).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--input-format", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None, help="Default: from INPUT's extension.")
@click.option("--output-format", type=click.Choice(["jsonl", "csv", "xlsx"]), default=None, help="Default: from OUTPUT's extension.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: keep OUTPUT's whole records and skip their inputs.")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="ja", show_default=True,
              help="Language of the summary on standard error and of CSV and .xlsx statuses, reasons and steps "
                   "(JSON Lines keeps codes).")
@click.option("--bom/--no-bom", default=True, show_default=True, help="Begin a CSV output with a UTF-8 BOM (for Excel).")
@click.option("--headers", type=click.Choice(["both", "names", "labels"]), default="both", show_default=True,
              help="A CSV output's header rows: the column names (for programs), then their labels in --lang (for people; "
                   "a second row, skipped when the file is read back); or one of the two.")
@click.option("--engine", type=click.Choice(["auto", "rows", "sql"]), default="auto", show_default=True,
              help="rows: case by case in Python; sql: JSON Lines decided by the policy's SQL form on DuckDB, the same "
                   "records (needs the population extra and --policy); auto: sql for a JSON Lines file of 4 MB or more when it can.")
def batch_command(input_path, output_path, policy_dir, trace, workers, input_format, output_format, resume, lang, bom, headers,
                  engine) -> None:
    """Evaluate every case of INPUT (JSON Lines, CSV or .xlsx) into OUTPUT, one record per case, in order."""
    from engine.population import batch, columnar, sheets

    input_format = input_format or _format_of(input_path, "input", lang)
    output_format = output_format or _format_of(output_path, "output", lang)
    if resume and output_path == "-":
        _fail(word(lang, "batch.resume_needs_file"), EXIT_USAGE)
    if "xlsx" in (input_format, output_format) and "-" in (input_path, output_path):
        _fail(word(lang, "batch.xlsx_files"), EXIT_USAGE)
    if output_format == "xlsx" and (resume or trace):
        _fail(word(lang, "batch.xlsx_whole", option="resume" if resume else "trace"), EXIT_USAGE)
    try:
        if policy_dir:
            policies, default = {Path(policy_dir).name: load_policy(policy_dir).policy}, None
        else:  # the bundled years: each record under the year in force on its 申請日
            policies = {f.name: load_policy(f).policy for f in policy_folders(bundled_policies())}
            default = DEFAULT_YEAR
    except PolicyError as exc:
        _fail(exc.said(lang), EXIT_BAD_POLICY)
    try:
        if input_format == "jsonl":  # read as bytes: a line that is not UTF-8 is one bad record, not a crash
            source = sys.stdin.buffer if input_path == "-" else open(input_path, "rb")
    except OSError as exc:
        _fail(word(lang, "file.unreadable", path=input_path, reason=os_reason(lang, exc)), EXIT_BAD_CASE)
    try:  # a CSV header is checked before any output is written
        also = _sibling_fields(policy_dir) if policy_dir else fields_of_years(bundled_policies())  # a corpus for several years
        if input_format == "jsonl":
            records = batch.json_lines(source)
        elif input_format == "csv":  # UTF-8 (with or without a BOM) or CP932, whichever decodes the whole file
            records = batch.csv_records(sheets.open_csv(input_path, lang), list(policies.values()), also, lang)
        else:
            records = sheets.xlsx_records(input_path, list(policies.values()), also, lang)
    except CaseError as exc:
        _fail(_case_message(exc if exc.file else CaseError(exc.problems, input_path), lang), EXIT_BAD_CASE)
    except sheets.SheetProblem as exc:
        _fail(str(exc), EXIT_USAGE)
    use_sql, why_not = columnar.chosen(engine, policies, trace, input_format, output_format, input_path)
    if engine == "sql" and not use_sql:
        _fail(word(lang, f"engine.{why_not}"), EXIT_USAGE)
    done = batch.whole_records(Path(output_path), output_format) if resume else 0
    header = batch.csv_header(policies, trace)
    words = batch.Words(policies, lang)
    sheet = None
    if output_path == "-":
        out = sys.stdout
    else:
        try:
            had_header = resume and output_format == "csv" and Path(output_path).exists() and Path(output_path).stat().st_size > 0
            if output_format == "xlsx":
                sheet = sheets.XlsxSheet(output_path, [words.header(c) for c in header], lang=lang)
                out = io.StringIO()  # nothing goes here: the workbook takes each record's cells
            else:
                # a lone surrogate can stand only inside a JSON string, where its backslash escape is its JSON spelling
                out = open(output_path, "a" if resume else "w", encoding="utf-8", newline="", errors="backslashreplace")
        except OSError as exc:
            _fail(word(lang, "file.unwritable", path=output_path, reason=os_reason(lang, exc)), EXIT_USAGE)
        except sheets.SheetProblem as exc:
            _fail(str(exc), EXIT_USAGE)
    if output_format == "csv" and done == 0 and not (output_path != "-" and had_header):
        out.write(sheets.csv_head(sheets.header_rows(header, words.header, headers), bom))
    for _ in range(0 if use_sql else done):  # the records an earlier run already wrote (the columnar path skips its own)
        next(records, None)
    total = _count_records(input_path, input_format) if input_path != "-" and sys.stderr.isatty() else None
    progress = _Progress(total, done, lang) if sys.stderr.isatty() else None
    summary = batch.Summary()
    numeric = {c for c in header if c in ("id", "best_subsidy") or c.endswith(".subsidy")}
    # Ctrl-C is noted and acted on between chunks: a chunk's records and their count are taken
    # together, so the count said on interruption is the number of records written
    interrupted: list = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    try:
        decided = (columnar.decide_all(policies, source, output_format, also, default, lang, done, workers) if use_sql else
                   batch.decide_all(policies, records, trace, "jsonl" if input_format == "jsonl" else "csv", workers,
                                    output_format, also, default, lang))
        raw = getattr(out, "buffer", None)  # the row path's chunks come as UTF-8 bytes, the columnar path's as text
        for text, counts in decided:
            if sheet is None:
                if isinstance(text, bytes) and raw is not None:
                    out.flush()  # anything written as text (the CSV header) first
                    raw.write(text)  # a chunk's records, whole lines
                else:
                    out.write(text if isinstance(text, str) else text.decode("utf-8"))
            else:  # the chunk's CSV lines, cell by cell into the workbook (amounts as numbers)
                for cells in csv.reader(io.StringIO(text if isinstance(text, str) else text.decode("utf-8"))):
                    sheet.row([int(c) if n in numeric and c.isdigit() else c for n, c in zip(header, cells)])
            summary.merge(counts)
            if progress:
                out.flush()
                progress.show(summary.read)
            if interrupted:
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        out.flush()
        if sheet is not None:
            sheet.discard()  # an interrupted .xlsx is not written
        click.echo("\n" + word(lang, "batch.interrupted_sheet" if sheet else "batch.interrupted", n=done + summary.read), err=True)
        sys.exit(130)
    except sheets.SheetProblem as exc:
        _fail(word(lang, "batch.not_written", problem=exc, path=output_path), EXIT_USAGE)
    finally:
        signal.signal(signal.SIGINT, previous)
        out.flush()
        if out is not sys.stdout:
            out.close()
    if sheet is not None:
        try:
            sheet.close()
        except OSError as exc:
            _fail(word(lang, "file.unwritable", path=output_path, reason=os_reason(lang, exc)), EXIT_USAGE)
    if progress:
        progress.done()
    click.echo(_batch_summary(summary, done, lang), err=True)
    sys.exit(EXIT_OK)


def _format_of(path: str, what: str, lang: str = "en") -> str:
    if path == "-":
        return "jsonl"  # standard input and output carry JSON Lines unless --input/--output-format says csv
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".xlsx"):
        return suffix[1:]
    _fail(word(lang, "batch.format_of", what=what, path=path), EXIT_USAGE)


def _count_records(path: str, input_format: str) -> int | None:
    try:
        with open(path, "rb") as f:
            lines = sum(1 for line in f if line.strip())
    except OSError:
        return None
    return lines - 1 if input_format == "csv" else lines


class _Progress:
    """records done, rate and time left, on one terminal line (only when stderr is a terminal)."""

    def __init__(self, total, skipped, lang: str = "ja"):
        import time

        self.time, self.start, self.total, self.skipped, self.lang = time, time.monotonic(), total, skipped, lang

    def show(self, done: int) -> None:
        elapsed = max(self.time.monotonic() - self.start, 1e-9)
        rate = done / elapsed
        left = ""
        if self.total:
            remaining = max(self.total - self.skipped - done, 0)
            left = word(self.lang, "batch.left", s=remaining / rate) if rate else ""
        click.echo("\r" + word(self.lang, "batch.progress", n=self.skipped + done, rate=rate) + left + "   ", err=True, nl=False)

    def done(self) -> None:
        click.echo("", err=True)


def _batch_summary(summary, skipped: int, lang: str = "ja") -> str:
    lines = [word(lang, "batch.read", n=summary.read) + (word(lang, "batch.resumed", n=skipped) if skipped else ""),
             word(lang, "batch.decisions", n=summary.decisions), word(lang, "batch.errors", n=summary.errors)]
    for frame, count in summary.eligible.items():
        lines.append(word(lang, "batch.eligible", frame=frame, n=count, yen=summary.subsidy[frame]))
    lines.append(word(lang, "batch.best", yen=summary.best_total))
    return "\n".join(lines)
