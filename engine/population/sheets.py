"""Spreadsheets in and out, for `policy batch`, `policy population` and `policy template`.

In: CSV as Excel saves it (UTF-8 with or without a BOM, or CP932 on Japanese Windows: strict UTF-8
is tried over the whole file first, then CP932; a file neither decodes is refused naming both) and
.xlsx (openpyxl, the `xlsx` extra): the first sheet, a header row, one case per row. Cells are read
as engine.evaluate.csvmap reads them.

Out: CSV with a UTF-8 BOM (Excel otherwise opens UTF-8 as the ANSI code page) unless told not to,
and .xlsx with the headers in the policy's words (engine.explain.render_sheet). A CSV's header is the
column names (for programs) and under them a row of their labels (for people), as `policy template`
writes its sheet; `headers` picks one of the two alone. A labels row is skipped when a file is read
back (as input, or by `batch --resume`)."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import sys
import tempfile
from pathlib import Path

from engine.evaluate.case_words import word as case_word
from engine.population.errors import word as run_word
from engine.i18n.system import os_reason
from engine.evaluate.csvmap import column_problems
from engine.language.diagnostics import CaseError

CSV_ENCODINGS = ("utf-8-sig", "cp932")  # tried in this order, each over the whole file
_NAMES = {"utf-8-sig": "UTF-8", "cp932": "CP932 (Shift_JIS)"}
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, the header row included
BOM = "\ufeff"
HEADERS = ("both", "names", "labels")  # a CSV's header rows: names then labels, or one of them


def header_rows(names: list[str], label_of, headers: str = "both") -> list[list[str]]:
    """A CSV's header rows for columns `names`: their names, their labels (`label_of(name)`), or both."""
    if headers not in HEADERS:
        raise ValueError(f"headers: got {headers!r}, expected one of: {', '.join(HEADERS)}")
    rows = []
    if headers in ("both", "names"):
        rows.append(list(names))
    if headers in ("both", "labels"):
        rows.append([label_of(n) for n in names])
    return rows


def csv_head(rows: list[list[str]], bom: bool = True) -> str:
    """The start of a CSV file: the BOM (unless off) and the header rows, quoted as CSV quotes."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for row in rows:
        writer.writerow(row)
    return (BOM if bom else "") + text.getvalue()


class SheetProblem(Exception):
    """A spreadsheet that cannot be read or written: openpyxl missing, more rows than .xlsx holds (the
    message says why, in the command's language)."""


def needs_openpyxl(lang: str = "en", reading: bool = False):
    """openpyxl, or a SheetProblem in `lang` saying how to install it."""
    try:
        import openpyxl
    except ImportError:
        raise SheetProblem(run_word(lang, "sheet.openpyxl_reading" if reading else "sheet.openpyxl_writing")) from None
    return openpyxl


# ---------------------------------------------------------------- reading
def _first_bad_byte(binary, encoding: str) -> int | None:
    """Where `encoding` fails to decode the stream (strictly, chunk by chunk), or None if it never does."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    binary.seek(0)
    while True:
        chunk = binary.read(1 << 20)
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            return offset + exc.start
        if not chunk:
            return None
        offset += len(chunk)


def open_csv(path: str, lang: str = "en"):
    """The CSV file (or standard input, `-`) as text in the encoding that decodes all of it; a file
    that cannot be read or decoded is a CaseError in `lang`."""
    if path == "-":
        binary = tempfile.SpooledTemporaryFile(max_size=64 << 20)
        binary.write(sys.stdin.buffer.read())
    else:
        try:
            binary = open(path, "rb")
        except OSError as exc:
            raise CaseError([case_word(lang, "file.unreadable", file=path, reason=os_reason(lang, exc))]) from None
    tried = []
    for encoding in CSV_ENCODINGS:
        bad = _first_bad_byte(binary, encoding)
        if bad is None:
            binary.seek(0)
            return io.TextIOWrapper(binary, encoding=encoding, newline="")
        tried.append(case_word(lang, "file.encoding_tried", encoding=_NAMES[encoding], byte=f"{bad:,}"))
    binary.close()
    raise CaseError([case_word(lang, "file.neither_encoding", tried=case_word(lang, "list.and").join(tried))], path)


def checked_rows(header: list[str] | None, rows, policies=(), also_known: frozenset = frozenset(), lang: str = "en"):
    """The rows after the header is checked (csvmap.column_problems): CaseError in `lang` before any row is
    read. A first row that repeats the columns' labels (as `policy template` writes it) is skipped."""
    if policies:
        problems = column_problems(list(policies), header, also_known, lang)
        if problems:
            raise CaseError(problems)
        return _without_labels(rows, _labels(policies))
    return rows


def _labels(policies) -> dict:
    """column -> the words `policy template` writes under it, in either language."""
    from engine.evaluate.csvmap import layout
    from engine.explain.render_sheet import input_label

    out: dict = {}
    for policy in policies:
        for column, group, field, index, item in layout(policy, items=_MOST_ITEMS):
            out.setdefault(column, set()).update(input_label(group, field, index, item, lang) for lang in ("ja", "en"))
    return out


_MOST_ITEMS = 100  # a template's list columns go no further


def _without_labels(rows, labels: dict):
    first = True
    for number, row in rows:
        if first:
            first = False
            cells = {k: (v or "").strip() for k, v in row.items() if k is not None and (v or "").strip()}
            if cells and all(v in labels.get(k, ()) for k, v in cells.items()):
                continue
        yield number, row


def _cell_text(value) -> str:
    """An .xlsx cell as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_records(path: str, policies=(), also_known: frozenset = frozenset(), lang: str = "en"):
    """(row number, row dict) for every row under the header of the workbook's first sheet; rows
    wholly empty are skipped. The header is checked as a CSV header is; its problems, and a file
    that cannot be read, are a CaseError in `lang`."""
    openpyxl = needs_openpyxl(lang, reading=True)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except OSError as exc:
        raise CaseError([case_word(lang, "file.unreadable", file=path, reason=os_reason(lang, exc))]) from None
    except Exception as exc:  # a damaged or non-xlsx file: openpyxl raises zipfile's and its own errors
        raise CaseError([case_word(lang, "file.not_xlsx", reason=f"{type(exc).__name__}: {exc}")], path) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    first = next(rows, None)
    header = [_cell_text(v) for v in first or ()]
    while header and header[-1] == "":
        header.pop()

    def records():
        try:
            for number, values in enumerate(rows, 2):
                cells = [_cell_text(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                row = dict(zip(header, cells))
                if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                    row[None] = cells[len(header):]
                yield number, row
        finally:
            book.close()

    return checked_rows(header, records(), policies, also_known, lang)


# ---------------------------------------------------------------- writing
class CsvSheet:
    """Rows of cells to a CSV file, with a BOM first unless `bom` is off (or the file is appended to);
    `header`: one row, or several (names and labels: header_rows)."""

    def __init__(self, path: str | Path, header: list | None, bom: bool = True, append: bool = False):
        self.file = open(path, "a" if append else "w", encoding="utf-8", newline="", errors="backslashreplace")
        self.writer = csv.writer(self.file, lineterminator="\n")
        if bom and not append:
            self.file.write(BOM)
        rows = [] if header is None else header if header and isinstance(header[0], list) else [header]
        for row in rows:
            self.writer.writerow(row)

    def row(self, cells: list) -> None:
        self.writer.writerow(cells)

    def close(self) -> None:
        self.file.close()


class XlsxSheet:
    """Rows of cells to an .xlsx workbook (written whole by close(); openpyxl's write-only mode keeps
    the rows on disk, not in memory): a bold, frozen header row, columns sized to their headers.
    A SheetProblem (openpyxl missing, too many rows) says why in `lang`."""

    def __init__(self, path: str | Path, header: list[str], title: str = "判定結果", lang: str = "en"):
        openpyxl = needs_openpyxl(lang)
        self.lang = lang
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self.path, self.count = Path(path), 0
        self.book = openpyxl.Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title)
        self.sheet.freeze_panes = "A2"
        for i, text in enumerate(header, 1):
            self.sheet.column_dimensions[get_column_letter(i)].width = min(max(10, 2 * len(str(text))), 60)
        bold = Font(bold=True)
        cells = []
        for text in header:
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.font = bold
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, cells: list) -> None:
        self.count += 1
        if self.count >= XLSX_MAX_ROWS:
            self.discard()
            raise SheetProblem(run_word(self.lang, "sheet.too_many_rows", most=f"{XLSX_MAX_ROWS - 1:,}"))
        self.sheet.append(cells)

    def close(self) -> None:
        self.book.save(self.path)

    def discard(self) -> None:
        """Stop without writing the workbook (too many rows, or the batch interrupted): the rows
        streamed to openpyxl's temporary file are closed, not left to the collector (which warned)."""
        self.sheet.close()


def open_sheet(path: str | Path, fmt: str, header: list, bom: bool = True, append: bool = False, lang: str = "en"):
    return XlsxSheet(path, header, lang=lang) if fmt == "xlsx" else CsvSheet(path, None if append else header, bom, append)


def write_decisions(parquet: Path, out: Path, fmt: str, policy, lang: str = "ja", bom: bool = True, headers: str = "both") -> None:
    """`policy population`'s decisions (Parquet, in the columns engine.sql.query.output_columns
    names) as CSV or .xlsx, in words; the rows in the file's order. A CSV's header: `headers`."""
    import pyarrow.parquet as pq

    from engine.explain.render_sheet import Words, columns

    source = pq.ParquetFile(parquet)
    names = [c for c in columns([policy], batch=False) if c in source.schema_arrow.names]
    if fmt == "xlsx" and source.metadata.num_rows >= XLSX_MAX_ROWS:
        raise SheetProblem(run_word(lang, "sheet.too_many_decisions", n=f"{source.metadata.num_rows:,}", most=f"{XLSX_MAX_ROWS - 1:,}"))
    words = Words([policy], lang)
    sheet = open_sheet(out, fmt, [words.header(c) for c in names] if fmt == "xlsx" else header_rows(names, words.header, headers), bom, lang=lang)
    try:
        for batch in source.iter_batches(batch_size=20_000, columns=names):
            for row in batch.to_pylist():
                sheet.row(words.cells(row, names))
    finally:
        sheet.close()


def write_template(policy, out: Path, fmt: str, lang: str = "ja", items: int = 5, bom: bool = True) -> int:
    """A blank sheet of cases for `policy`: the header (the columns `policy batch` reads), a row of
    the columns' labels (skipped when read back) and, in .xlsx, a comment on each header cell saying
    what it takes and a drop-down list on every enum and yes/no column (members from the policy).
    Returns the number of columns."""
    from engine.evaluate.csvmap import layout
    from engine.explain.render_sheet import bool_choices, input_hint, input_label

    columns = layout(policy, items)
    keys = [c[0] for c in columns]
    labels = [input_label(g, f, i, item, lang) for _, g, f, i, item in columns]
    if fmt == "csv":
        sheet = CsvSheet(out, keys, bom)
        sheet.row(labels)
        sheet.close()
        return len(keys)
    openpyxl = needs_openpyxl(lang)
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "申請" if lang == "ja" else "cases"
    choices = book.create_sheet("選択肢" if lang == "ja" else "choices")
    choices.sheet_state = "hidden"
    sheet.append(keys)
    sheet.append(labels)
    lists: dict = {}  # the members' names -> their column on the hidden sheet
    for n, (key, group, field, index, item) in enumerate(columns, 1):
        field = item or field
        letter = get_column_letter(n)
        head = sheet.cell(row=1, column=n)
        head.font = Font(bold=True)
        head.comment = Comment(f"{labels[n - 1]}\n{input_hint(field, lang)}", "policy template", width=320, height=120)
        sheet.cell(row=2, column=n).alignment = Alignment(wrap_text=True, vertical="top")
        sheet.cell(row=2, column=n).fill = PatternFill("solid", fgColor="EEEEEE")
        sheet.column_dimensions[letter].width = max(14, min(2 * len(key), 40))
        if field.kind == "bool":
            members = tuple(bool_choices(lang))
        elif field.kind == "enum" or (field.kind == "list" and field.element == "enum"):
            members = tuple(name for name, _ in policy.enums[field.type_name].members)
        else:
            if field.kind == "ratio":  # text, or Excel reads 1/3 as a date
                for row in range(3, 1003):
                    sheet.cell(row=row, column=n).number_format = "@"
            continue
        if members not in lists:
            lists[members] = get_column_letter(len(lists) + 1)
            for r, member in enumerate(members, 1):
                choices[f"{lists[members]}{r}"] = member
        where = f"{quote_sheetname(choices.title)}!${lists[members]}$1:${lists[members]}${len(members)}"
        several = field.kind == "list"  # a list of members: pick one, or type several joined by |
        check = DataValidation(type="list", formula1=where, allow_blank=True, showErrorMessage=not several)
        check.error = "一覧にない値です" if lang == "ja" else "not in the list"
        sheet.add_data_validation(check)
        check.add(f"{letter}3:{letter}{XLSX_MAX_ROWS}")
    sheet.freeze_panes = "A3"
    book.save(out)
    return len(keys)
