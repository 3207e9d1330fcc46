"""A CSV written by `batch` or `population` is headed as `policy template` heads its sheet: the
column names (for programs), then a row of their labels in --lang (for people, as the .xlsx's
headers); `--headers names|labels` writes one of the two. The labels row is never taken for a
record: `batch --resume` counts past it."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import ROOT
from test_sheets import EXCEL_ROWS, HEADER, excel_csv

pytest.importorskip("duckdb")
POLICY_2024 = ROOT / "policies" / "2024"
NAMES = ["id", "ok", "errors", "best_frame", "best_subsidy", "通常枠.status", "通常枠.subsidy", "通常枠.reasons", "通常枠.pending_steps",
         "インボイス対応類型.status", "インボイス対応類型.subsidy"]
LABELS_JA = ["ID（入力の行）", "判定できた", "入力の誤り", "補助額が最も大きい枠", "その補助額（円）", "通常枠: 判定", "通常枠: 補助額（円）",
             "通常枠: 対象外の理由", "通常枠: 残りの手続き", "インボイス枠（インボイス対応類型）: 判定", "インボイス枠（インボイス対応類型）: 補助額（円）"]


def rows(path) -> list[list[str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_batch_writes_the_names_then_their_labels(tmp_path, run):
    source = excel_csv(tmp_path / "in.csv", "utf-8-sig")
    out = tmp_path / "out.csv"
    assert run("batch", source, "-o", out, "--policy", POLICY_2024).exit_code == 0
    names, labels, *records = rows(out)
    assert names[:len(NAMES)] == NAMES and labels[:len(LABELS_JA)] == LABELS_JA
    assert len(labels) == len(names) and [r[0] for r in records] == ["2", "3", "4"]
    assert [r[names.index("インボイス対応類型.subsidy")] for r in records] == ["750000", "750000", "500000"]
    assert run("batch", source, "-o", out, "--policy", POLICY_2024, "--lang", "en").exit_code == 0
    assert rows(out)[1][:7] == ["ID (input line)", "decided", "input errors", "frame with the highest subsidy", "its subsidy (yen)",
                                "normal frame: status", "normal frame: subsidy (yen)"]


@pytest.mark.parametrize("headers", ["names", "labels"])
def test_one_header_row_when_asked(tmp_path, run, headers):
    source = excel_csv(tmp_path / "in.csv", "utf-8-sig")
    out = tmp_path / "out.csv"
    assert run("batch", source, "-o", out, "--policy", POLICY_2024, "--headers", headers).exit_code == 0
    head, *records = rows(out)
    assert head[:len(NAMES)] == (NAMES if headers == "names" else LABELS_JA)
    assert [r[0] for r in records] == ["2", "3", "4"]


@pytest.mark.parametrize("headers, kept", [("both", 3), ("labels", 2), ("names", 2)])
def test_resume_counts_past_the_header_rows(tmp_path, run, headers, kept):
    source = excel_csv(tmp_path / "in.csv", "utf-8-sig", EXCEL_ROWS * 2)
    out = tmp_path / "out.csv"
    assert run("batch", source, "-o", out, "--policy", POLICY_2024, "--headers", headers).exit_code == 0
    full = out.read_text(encoding="utf-8")
    out.write_text("".join(full.splitlines(keepends=True)[:kept]), encoding="utf-8")  # the header rows and one record survived
    assert run("batch", source, "-o", out, "--policy", POLICY_2024, "--headers", headers, "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8") == full


def test_population_writes_the_same_two_rows(tmp_path, run):
    source = excel_csv(tmp_path / "in.csv", "utf-8-sig")
    out = tmp_path / "out.csv"
    assert run("population", source, "-o", out, "--policy", POLICY_2024).exit_code == 0
    names, labels, *records = rows(out)
    assert names[0] == "id" and labels[0] == "ID（入力の行）" and len(labels) == len(names)
    assert labels[names.index("インボイス対応類型.subsidy")] == "インボイス枠（インボイス対応類型）: 補助額（円）"
    assert [r[names.index("インボイス対応類型.subsidy")] for r in records] == ["750000", "750000", "500000"]
    assert run("population", source, "-o", out, "--policy", POLICY_2024, "--headers", "names").exit_code == 0
    assert [r[0] for r in rows(out)] == ["id", "2", "3", "4"]
