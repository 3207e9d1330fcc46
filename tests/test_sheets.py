"""Spreadsheets as Excel users have them: CSV saved by Excel on Japanese Windows (CP932) or as
「CSV UTF-8」 (a BOM, CRLF, TRUE/FALSE, 1,000,000, 100万円, 2024/7/1), .xlsx in and out; batch and
population write the same columns, in words, with a BOM."""

from __future__ import annotations

import csv
import io
import json

import pytest

from browser_support import browser_only
from conftest import ROOT

openpyxl = pytest.importorskip("openpyxl")
pytest.importorskip("duckdb")

POLICY_2024 = ROOT / "policies" / "2024"
# the seed example (750,000円 under インボイス対応類型) as Excel users type it
HEADER = ["申請者.組織形態", "申請者.業種", "申請者.資本金", "申請者.従業員数", "申請要件.国内で事業を営む", "申請要件.最低賃金以上",
          "申請要件.gBizIDプライム取得済", "申請要件.SECURITY_ACTION宣言済", "申請要件.みらデジ経営チェック実施済",
          "申請要件.労働生産性計画策定済", "ITツール.プロセス", "ITツール.インボイス機能", "経費[0].区分", "経費[0].金額", "申請日"]
EXCEL_ROWS = [
    ["会社", "小売業", "10,000,000", "5", "TRUE", "TRUE", "TRUE", "TRUE", "TRUE", "TRUE",
     "会計・財務・経営|決済・債権債務・資金回収管理", "会計|受発注", "ソフトウェア", "1,000,000", "2024/7/1"],
    ["会社", "小売業", "1000万円", "５人", "はい", "はい", "はい", "FALSE", "True", "true",
     "会計・財務・経営|決済・債権債務・資金回収管理", "会計|受発注", "ソフトウェア", "100万円", "2024-07-01"],
    ["会社", "小売業", "1,000", "5", "TRUE", "TRUE", "TRUE", "TRUE", "TRUE", "TRUE",
     "会計・財務・経営", "会計", "ソフトウェア", "62.55万円", "2024/07/01"],
]


def excel_csv(path, encoding: str, rows=EXCEL_ROWS):
    """Rows as Excel writes a CSV: CRLF line ends; 「CSV UTF-8」 begins with a BOM."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def read_csv(path) -> list[dict]:
    """The records of a CSV `batch` or `population` wrote, under its two header rows (names, labels)."""
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    labels, *records = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    assert labels["id"] in ("ID（入力の行）", "ID (input line)"), labels  # tests/test_sheet_headers.py
    return records


def jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


EXPECTED = [  # (インボイス対応類型 status, subsidy, pending steps) per row above
    ("eligible", 750_000, []),
    ("eligible_after_steps", 750_000, ["SECURITY_ACTION"]),  # SECURITY ACTION not yet declared: FALSE
    ("eligible", 500_000, []),  # 62.55万円 = 625,500円 of software with one invoice function: its 50万円 cap
]


@pytest.mark.parametrize("encoding", ["cp932", "utf-8-sig", "utf-8"])
def test_an_excel_csv_in_cp932_or_utf8_with_excel_values_is_decided_as_the_json_case(tmp_path, run, encoding):
    source = excel_csv(tmp_path / "in.csv", encoding)
    result = run("batch", source, "-o", tmp_path / "out.jsonl", "--policy", POLICY_2024)
    assert result.exit_code == 0, result.output
    out = jsonl(tmp_path / "out.jsonl")
    assert [r["line"] for r in out] == [2, 3, 4]
    got = [next((f["status"], f["subsidy"], f["pending_steps"]) for f in r["decision"]["frames"] if f["frame"] == "インボイス対応類型")
           for r in out]
    assert got == EXPECTED
    assert [r["decision"]["frames"][0]["subsidy"] for r in out] == [500_000, 500_000, 312_750]  # 通常枠: 625,500円 × 1/2
    seed = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    assert {f["frame"]: {"status": f["status"], "subsidy": f["subsidy"]} for f in out[0]["decision"]["frames"]} == \
        seed["expected"]["frames"]
    result = run("population", source, "-o", tmp_path / "out.csv", "--policy", POLICY_2024)
    assert result.exit_code == 0, result.output
    rows = read_csv(tmp_path / "out.csv")
    assert [(r["id"], r["インボイス対応類型.subsidy"], r["通常枠.subsidy"]) for r in rows] == \
        [("2", "750000", "500000"), ("3", "750000", "500000"), ("4", "500000", "312750")]


def test_a_fraction_of_a_yen_and_a_word_are_the_case_readers_errors(tmp_path, run):
    rows = [EXCEL_ROWS[0][:13] + ["0.00001万円", "2024/7/1"], EXCEL_ROWS[0][:4] + ["yes"] + EXCEL_ROWS[0][5:]]
    source = excel_csv(tmp_path / "in.csv", "cp932", rows)
    assert run("batch", source, "-o", tmp_path / "out.jsonl", "--policy", POLICY_2024).exit_code == 0
    assert [r["errors"] for r in jsonl(tmp_path / "out.jsonl")] == [
        [{"field": "経費[0].金額", "message": 'got "0.00001万円", expected a whole number of yen (e.g. 500000)'}],
        [{"field": "申請要件.国内で事業を営む", "message": 'got "yes", expected true or false'}]]


def test_a_file_neither_utf8_nor_cp932_is_refused_naming_both(tmp_path, run):
    source = tmp_path / "in.csv"
    source.write_bytes(",".join(HEADER).encode("cp932") + b"\r\n\x85\x40,\x82\xff\r\n")
    bad = len(",".join(HEADER).encode("cp932")) + 2  # the header is CP932: UTF-8 fails on its first byte, CP932 on the row
    message = (f"invalid case: {source}: neither UTF-8 nor CP932 text; tried UTF-8 (byte 0 does not fit) and "
               f"CP932 (Shift_JIS) (byte {bad:,} does not fit); save it from Excel as 「CSV UTF-8 (コンマ区切り)」\n")
    for command in ("batch", "population"):
        result = run(command, "--lang", "en", source, "-o", tmp_path / "out.csv", "--policy", POLICY_2024)
        assert (result.exit_code, result.stderr) == (3, message), command
    assert not (tmp_path / "out.csv").exists()


def test_a_file_neither_utf8_nor_cp932_is_refused_in_japanese_by_default(tmp_path, run):
    source = tmp_path / "in.csv"
    source.write_bytes(",".join(HEADER).encode("cp932") + b"\r\n\x85\x40,\x82\xff\r\n")
    bad = len(",".join(HEADER).encode("cp932")) + 2
    message = (f"ケースに誤りがあります: {source}: UTF-8 でも CP932 でもないテキストです（試した文字コード: "
               f"UTF-8（位置 0 のバイトが合いません）、CP932 (Shift_JIS)（位置 {bad:,} のバイトが合いません））。"
               "Excel で「CSV UTF-8 (コンマ区切り)」として保存してください\n")
    for command in ("batch", "population"):
        result = run(command, source, "-o", tmp_path / "out.csv", "--policy", POLICY_2024)
        assert (result.exit_code, result.stderr) == (3, message), command
    assert not (tmp_path / "out.csv").exists()


def test_batch_and_population_write_the_same_columns_and_cells(tmp_path, run):
    source = excel_csv(tmp_path / "in.csv", "cp932")
    assert run("batch", source, "-o", tmp_path / "b.csv", "--policy", POLICY_2024).exit_code == 0
    assert run("population", source, "-o", tmp_path / "p.csv", "--policy", POLICY_2024).exit_code == 0
    batch, population = read_csv(tmp_path / "b.csv"), read_csv(tmp_path / "p.csv")
    assert list(batch[0])[:5] == ["id", "ok", "errors", "best_frame", "best_subsidy"]
    assert [c for c in batch[0] if c not in ("ok", "errors")] == list(population[0])
    assert [{k: v for k, v in r.items() if k not in ("ok", "errors")} for r in batch] == population
    first = population[1]
    assert (first["best_frame"], first["best_subsidy"], first["インボイス対応類型.status"],
            first["インボイス対応類型.pending_steps"]) == ("インボイス枠（インボイス対応類型）", "750000", "手続き完了後に対象",
                                                          "IPA「SECURITY ACTION」の★一つ星又は★★二つ星を宣言する")
    assert first["電子取引類型.reasons"] == ("取引先が適格請求書発行事業者であり、対象外の事業者でなく同意している ／ "
                                          "インボイス対応の受発注ソフトの利用料を含む")


def test_english_words_and_no_bom(tmp_path, run):
    source = excel_csv(tmp_path / "in.csv", "utf-8-sig")
    assert run("batch", source, "-o", tmp_path / "b.csv", "--policy", POLICY_2024, "--lang", "en", "--no-bom").exit_code == 0
    data = (tmp_path / "b.csv").read_text(encoding="utf-8")
    assert data.startswith("id,ok,")
    labels, _, row = list(csv.DictReader(io.StringIO(data)))[:3]
    assert (labels["id"], labels["ok"]) == ("ID (input line)", "decided")
    assert (row["ok"], row["インボイス対応類型.status"], row["電子取引類型.status"]) == ("yes", "eligible once the steps are done", "not eligible")


def test_an_xlsx_headers_misspelt_column_is_refused_in_the_runs_language(tmp_path, run):
    book = openpyxl.Workbook()
    book.active.append([c.replace("申請者.資本金", "申請者.資本") for c in HEADER])
    book.active.append(EXCEL_ROWS[1])
    book.save(tmp_path / "in.xlsx")
    said = {"ja": "列 申請者.資本（「申請者」の「資本」）: この列名の入力項目はありません（「申請者.資本金」のことですか？）",
            "en": "column 申請者.資本: no input has this path (did you mean 申請者.資本金?)"}
    for command in ("batch", "population"):
        for lang, head in (("ja", "ケースに誤りがあります"), ("en", "invalid case")):
            result = run(command, tmp_path / "in.xlsx", "-o", tmp_path / "out.csv", "--policy", POLICY_2024, "--lang", lang)
            assert (result.exit_code, result.stderr) == (3, f"{head}: {tmp_path / 'in.xlsx'}: {said[lang]}\n"), (command, lang)
    assert not (tmp_path / "out.csv").exists()


def test_xlsx_in_and_out(tmp_path, run):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    import datetime

    # what Excel stores: numbers as numbers, TRUE as a boolean, a date as a date
    sheet.append(["会社", "小売業", 10_000_000, 5, True, True, True, True, True, True,
                  "会計・財務・経営|決済・債権債務・資金回収管理", "会計|受発注", "ソフトウェア", 1_000_000, datetime.datetime(2024, 7, 1)])
    sheet.append([None] * len(HEADER))  # an empty row is skipped
    sheet.append(EXCEL_ROWS[1])  # text cells, as typed
    book.save(tmp_path / "in.xlsx")
    result = run("batch", tmp_path / "in.xlsx", "-o", tmp_path / "out.xlsx", "--policy", POLICY_2024)
    assert result.exit_code == 0, result.output
    out = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    header = [c.value for c in out[1]]
    assert header[:7] == ["ID（入力の行）", "判定できた", "入力の誤り", "補助額が最も大きい枠", "その補助額（円）",
                          "通常枠: 判定", "通常枠: 補助額（円）"]
    assert "インボイス枠（インボイス対応類型）: 残りの手続き" in header
    rows = [dict(zip(header, (c.value for c in row))) for row in out.iter_rows(min_row=2)]
    assert [(r["ID（入力の行）"], r["判定できた"], r["その補助額（円）"], r["インボイス枠（インボイス対応類型）: 判定"]) for r in rows] == \
        [(2, "はい", 750_000, "対象"), (4, "はい", 750_000, "手続き完了後に対象")]
    assert out.freeze_panes == "A2"
    result = run("population", tmp_path / "in.xlsx", "-o", tmp_path / "p.xlsx", "--policy", POLICY_2024, "--lang", "en")
    assert result.exit_code == 0, result.output
    p = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    assert [c.value for c in p[1]][:3] == ["ID (input line)", "frame with the highest subsidy", "its subsidy (yen)"]
    assert [[c.value for c in row][:3] for row in p.iter_rows(min_row=2)] == \
        [[2, "invoice frame (invoice-compliance type)", 750_000], [4, "invoice frame (invoice-compliance type)", 750_000]]


def test_xlsx_output_refuses_resume_and_trace(tmp_path, run):
    source = excel_csv(tmp_path / "in.csv", "cp932")
    result = run("batch", source, "-o", tmp_path / "out.xlsx", "--trace", "--lang", "en")
    assert (result.exit_code, result.stderr.strip()) == (2, "--trace does not go with .xlsx output (a workbook is written whole at the end, "
                                                             "and a traced decision is larger than a cell); write .jsonl or .csv")
    result = run("batch", source, "-o", tmp_path / "out.xlsx", "--resume", "--lang", "en")
    assert result.exit_code == 2 and result.stderr.startswith("--resume does not go with .xlsx output")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    result = run("batch", tmp_path / "bad.xlsx", "-o", tmp_path / "out.jsonl", "--lang", "en")
    assert result.exit_code == 3 and result.stderr == f"invalid case: {tmp_path / 'bad.xlsx'}: not a readable .xlsx workbook (BadZipFile: File is not a zip file)\n"
    for command in ("batch", "population"):  # in Japanese by default
        result = run(command, tmp_path / "bad.xlsx", "-o", tmp_path / "out.csv")
        assert (result.exit_code, result.stderr) == (3, f"ケースに誤りがあります: {tmp_path / 'bad.xlsx'}: 読める .xlsx ブックではありません"
                                                        "（BadZipFile: File is not a zip file）\n"), command


# entries a person types: the self-check page and a spreadsheet cell read each the same way
ENTRIES = ["１００万円", "62.5万", "1億2,000万500円", "149万9,999円", "10,000,000", "3億円", "1,000,000円", "0.00001万",
           "abc", "1万2", "万", "12.5", "５００，０００", "1 000"]


def test_amounts_are_read_as_the_page_reads_them_without_a_browser():
    from engine.language.literals import LiteralProblem, entered_yen

    def read(text):
        try:
            return entered_yen(text)
        except LiteralProblem:
            return "refused"

    assert [read(t) for t in ENTRIES] == [1_000_000, 625_000, 120_000_500, 1_499_999, 10_000_000, 300_000_000, 1_000_000,
                                          "refused", "refused", 10_002, "refused", "refused", 500_000, 1000]


@browser_only
def test_the_page_and_the_sheet_reader_agree_on_every_entry(tmp_path):
    """The page's parseYen (JavaScript, in Chromium) and entered_yen (Python) on the same entries."""
    from browser_support import start_chromium
    from test_serve_support import Server

    from engine.language.literals import LiteralProblem, entered_yen

    server = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    browser = start_chromium(tmp_path / "profile", 800, 600)
    try:
        browser.get(server.url + "/?year=2024")
        for text in ENTRIES:
            page = browser.execute_script("return window.policyPage.parseYen(arguments[0])", text)
            try:
                ours = {"value": entered_yen(text)}
            except LiteralProblem:
                ours = "refused"
            assert (page if "value" in page else "refused") == ours, text
    finally:
        browser.quit()
        server.stop()


def test_a_template_has_the_columns_labels_and_drop_downs_and_reads_back_once_filled(tmp_path, run):
    from openpyxl.utils import range_boundaries

    from engine.compile.pipeline import load_policy

    policy = load_policy(POLICY_2024).policy
    result = run("template", "-o", tmp_path / "cases.xlsx", "--policy", POLICY_2024, "--items", "2")
    assert (result.exit_code, result.stderr) == (0, f"57列 → {tmp_path / 'cases.xlsx'}\n")
    book = openpyxl.load_workbook(tmp_path / "cases.xlsx")
    assert book.sheetnames == ["申請", "選択肢"] and book["選択肢"].sheet_state == "hidden"
    sheet = book["申請"]
    keys, labels = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert keys[:4] == ["申請者.組織形態", "申請者.業種", "申請者.資本金", "申請者.従業員数"]
    assert "経費[1].金額" in keys and "経費[2].金額" not in keys
    assert labels[1] == "申請者 › 主たる業種"
    assert labels[keys.index("経費[1].金額")] == "経費（税抜） 2件目 › 金額（税抜）"
    assert sheet["C1"].comment.text == "申請者 › 資本金\n円（1,000,000 や 100万円 でも可）; 空欄可"
    assert sheet.freeze_panes == "A3"
    # a drop-down on every enum and yes/no column, listing the policy's members
    lists = {}
    for check in sheet.data_validations.dataValidation:
        where, cells = check.formula1.split("!")
        first, _, last = cells.replace("$", "").partition(":")
        column = [c[0].value for c in book["選択肢"][f"{first}:{last}"]]
        for ref in str(check.sqref).split():
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            assert (min_row, max_row) == (3, 1_048_576)
            for n in range(min_col, max_col + 1):
                lists[keys[n - 1]] = column
    fields = {(f"{g.name}.{f.name}" if g.name else f.name): f for g in policy.groups for f in g.fields}
    item_fields = {f.name: f for f in policy.records["経費明細"].fields}
    wanted = {}
    for key in keys:
        f = fields.get(key) or item_fields.get(key.split(".")[-1]) or {f.name: f for f in policy.records["構成員"].fields}[key.split(".")[-1]]
        if f.kind == "bool":
            wanted[key] = ["はい", "いいえ"]
        elif f.kind == "enum" or (f.kind == "list" and f.element == "enum"):
            wanted[key] = [name for name, _ in policy.enums[f.type_name].members]
    assert lists == wanted and len(wanted) == 36  # 28 yes/no, 6 enum and 2 enum-list columns, items included
    assert lists["申請者.業種"][:2] == [name for name, _ in policy.enums["業種"].members][:2]
    # filled in as a person would (row 3), it is read back by batch: the labels row is skipped
    values = dict(zip(HEADER, EXCEL_ROWS[1]))
    for key, value in values.items():
        sheet.cell(row=3, column=keys.index(key) + 1, value=value)
    book.save(tmp_path / "filled.xlsx")
    assert run("batch", tmp_path / "filled.xlsx", "-o", tmp_path / "out.jsonl", "--policy", POLICY_2024).exit_code == 0
    (record,) = jsonl(tmp_path / "out.jsonl")
    assert record["line"] == 3 and record["decision"]["best_frame"] == "インボイス対応類型"
    assert [(f["status"], f["subsidy"]) for f in record["decision"]["frames"]][:2] == \
        [("eligible_after_steps", 500_000), ("eligible_after_steps", 750_000)]
    # the CSV template: the same header and labels; filled, read back the same
    assert run("template", "-o", tmp_path / "cases.csv", "--policy", POLICY_2024, "--items", "2").exit_code == 0
    head, words = list(csv.reader(io.StringIO((tmp_path / "cases.csv").read_text(encoding="utf-8-sig"))))
    assert (head, words) == (keys, labels)
    with open(tmp_path / "cases.csv", "a", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerow([values.get(k, "") for k in keys])
    assert run("batch", tmp_path / "cases.csv", "-o", tmp_path / "out2.jsonl", "--policy", POLICY_2024).exit_code == 0
    assert jsonl(tmp_path / "out2.jsonl") == [record]


def test_a_template_says_a_broken_policy_and_an_unwritable_file_in_its_language(tmp_path, run):
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "policy.rules").write_text('programme "x"\n  year 2024\nrule 中小企業 "x":\n  資本金 ≤ 1円\n', encoding="utf-8")
    result = run("template", "-o", tmp_path / "cases.csv", "--policy", folder)
    assert result.exit_code == 4
    assert f"{folder / 'policy.rules'}:4:3: エラー: 資本金 という名前はありません" in result.stderr
    result = run("template", "-o", tmp_path / "cases.csv", "--policy", folder, "--lang", "en")
    assert result.exit_code == 4 and f"{folder / 'policy.rules'}:4:3: error: unknown name 資本金" in result.stderr
    result = run("template", "-o", tmp_path / "no" / "cases.csv", "--policy", POLICY_2024)
    assert result.exit_code == 2
    assert f"{tmp_path / 'no' / 'cases.csv'} に書けません: そのファイルまたはフォルダはありません" in result.stderr
