"""A spreadsheet that cannot be read or written (engine/population/sheets.py's SheetProblem: openpyxl
missing, more rows than an .xlsx sheet holds) is said in the command's language, Japanese by default."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import EXAMPLES, POLICY_2024
from engine.population import sheets

CASE = EXAMPLES / "c1_cloud_fees_24_months_whole.json"
WRITING = {"ja": ".xlsx を書くには openpyxl が必要です: pip install 'subsidy-policy[xlsx]'\n",
           "en": "writing .xlsx needs openpyxl: pip install 'subsidy-policy[xlsx]'\n"}
READING = {"ja": ".xlsx を読むには openpyxl が必要です: pip install 'subsidy-policy[xlsx]'\n",
           "en": "reading .xlsx needs openpyxl: pip install 'subsidy-policy[xlsx]'\n"}


def _cases(path, n: int):
    case = json.loads(CASE.read_text(encoding="utf-8"))
    path.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for _ in range(n)), encoding="utf-8")
    return path


@pytest.fixture
def no_openpyxl(monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # `import openpyxl` raises ImportError


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_openpyxl_missing_is_said_in_the_commands_language(run, tmp_path, no_openpyxl, lang):
    cases = _cases(tmp_path / "in.jsonl", 1)
    (tmp_path / "in.xlsx").write_bytes(b"not read")
    for args, said in ((["batch", cases, "-o", tmp_path / "out.xlsx"], WRITING),
                       (["batch", tmp_path / "in.xlsx", "-o", tmp_path / "out.csv"], READING),
                       (["template", "-o", tmp_path / "t.xlsx", "--policy", POLICY_2024], WRITING)):
        result = run(*args, "--lang", lang)
        assert (result.exit_code, result.stderr) == (2, said[lang]), args
    pytest.importorskip("duckdb")
    result = run("population", cases, "-o", tmp_path / "d.xlsx", "--lang", lang)
    assert (result.exit_code, result.stderr) == (2, WRITING[lang])
    assert not (tmp_path / "d.xlsx").exists()


@pytest.mark.parametrize("lang, said", [
    ("ja", ".xlsx のシートに書けるのは見出しの下に2行までです。それより多いときは .csv か .parquet に書いてください。{out} は書いていません\n"),
    ("en", "an .xlsx sheet holds at most 2 rows under its header; write .csv or .parquet for more; {out} was not written\n"),
])
def test_a_batch_past_the_rows_of_an_xlsx_sheet_is_said_in_its_language(run, tmp_path, monkeypatch, lang, said):
    pytest.importorskip("openpyxl")
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 3)  # the header and 2 rows, as Excel's 1,048,576 would be
    out = tmp_path / "out.xlsx"
    result = run("batch", _cases(tmp_path / "in.jsonl", 3), "-o", out, "--lang", lang, "--workers", "1")
    assert (result.exit_code, result.stderr) == (2, said.format(out=out))
    assert not out.exists()


def test_a_sheet_past_its_rows_closes_what_it_streamed(tmp_path, monkeypatch):
    """The refused workbook's rows are closed when it is refused, not left open to the collector
    (which printed "Exception ignored in: <generator … _write_rows>" in a later test)."""
    pytest.importorskip("openpyxl")
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 3)
    sheet = sheets.XlsxSheet(tmp_path / "out.xlsx", ["id"], lang="ja")
    sheet.row([1])
    sheet.row([2])
    with pytest.raises(sheets.SheetProblem):
        sheet.row([3])
    assert sheet.sheet._rows is None or sheet.sheet._rows.gi_frame is None  # the row stream has ended
    assert not (tmp_path / "out.xlsx").exists()


@pytest.mark.parametrize("lang, said", [
    ("ja", "判定3件は .xlsx のシートに収まりません（見出しの下に2行まで）。.csv か .parquet に書いてください\n"),
    ("en", "3 decisions do not fit an .xlsx sheet (at most 2 rows under its header); write .csv or .parquet\n"),
])
def test_population_past_the_rows_of_an_xlsx_sheet_is_said_in_its_language(run, tmp_path, monkeypatch, lang, said):
    pytest.importorskip("openpyxl")
    pytest.importorskip("duckdb")
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 3)
    result = run("population", _cases(tmp_path / "in.jsonl", 3), "-o", tmp_path / "d.xlsx", "--lang", lang)
    assert (result.exit_code, result.stderr) == (2, said)
    assert not (tmp_path / "d.xlsx").exists()


def test_the_what_if_report_as_xlsx_without_openpyxl_is_said_in_japanese(run, tmp_path, no_openpyxl):
    pytest.importorskip("duckdb")
    policies = POLICY_2024.parent
    report = tmp_path / "r.xlsx"
    result = run("population", "--compare", policies / "2024", policies / "2025", _cases(tmp_path / "in.jsonl", 1), "-o", report)
    assert (result.exit_code, result.stderr) == (2, WRITING["ja"])
    assert not report.exists()
