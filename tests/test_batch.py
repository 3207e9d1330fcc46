"""policy batch: order, one record out per record in, bad records, CSV both ways, workers,
interruption and --resume — end to end through the CLI."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import EXAMPLES, POLICY_2024
from engine.evaluate.csvmap import case_to_row, row_to_case
from engine.compile.pipeline import load_policy

CASES = []
for path in sorted(EXAMPLES.glob("*.json")):
    case = json.loads(path.read_text(encoding="utf-8"))
    if any(field in json.dumps(case, ensure_ascii=False) for field in ("最低賃金近傍事業者", "中小企業アカウント割合")):
        continue  # a 2025 field (中小企業アカウント割合: rules-2024.md §7 C-7): not a 2024 case
    if set(case["expected"]) == {"2025"}:
        continue  # expected of 2025 only (a process or a field 2024 does not have)
    if case.get("申請日") == "2024-10-16":
        continue  # between the 2024 call's close and the 2025 call's opening: in no year (rules-2024.md §7 C-12)
    case.pop("description")
    expected = case.pop("expected")
    CASES.append((case, expected.get("2024", expected)))  # an expectation per year: 2024's (decided here under 2024)


def write_jsonl(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def write_csv(path, rows):
    """The rows as a CSV file whose header is every column any row has."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r}))
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def policy_cmd(*args, **kwargs):
    env = dict(os.environ, POLICY_CACHE="off")
    return subprocess.run([sys.executable, "-m", "engine.cli", *map(str, args)], capture_output=True, text=True, env=env, **kwargs)


def test_order_and_one_record_per_record_with_bad_ones_mixed_in(tmp_path, run):
    lines = [json.dumps(c, ensure_ascii=False) for c, _ in CASES[:20]]
    lines.insert(3, "{ this is not JSON")
    lines.insert(7, json.dumps({**CASES[0][0], "申請者": {**CASES[0][0]["申請者"], "業種": "製造"}}, ensure_ascii=False))
    source = tmp_path / "in.jsonl"
    write_jsonl(source, lines)
    result = run("batch", source, "-o", tmp_path / "out.jsonl", "--policy", POLICY_2024)  # the examples expect 2024
    assert result.exit_code == 0
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["line"] for r in out] == list(range(1, 23))
    assert out[3] == {"line": 4, "ok": False, "errors": [
        {"field": None, "message": "column 3: malformed JSON: Expecting property name enclosed in double quotes"}]}
    assert out[7]["ok"] is False and out[7]["errors"][0]["field"] == "申請者.業種"
    assert out[7]["errors"][0]["message"].startswith('got "製造", expected one of: 製造業')
    good = [r for r in out if r["ok"]]
    for record, (_, expected) in zip(good, CASES[:20]):
        got = {f["frame"]: {"status": f["status"], "subsidy": f["subsidy"]} for f in record["decision"]["frames"]}
        assert got == expected["frames"]
    assert result.stderr.splitlines()[:3] == ["読み込んだ件数: 22件", "判定: 20件", "エラー: 2件"]  # --lang ja, the default


def test_two_workers_and_trace_give_the_same_decisions(tmp_path, run):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [json.dumps(c, ensure_ascii=False) for c, _ in CASES] * 3)
    said_one = run("batch", source, "-o", tmp_path / "one.jsonl", "--lang", "en").stderr
    said_two = run("batch", source, "-o", tmp_path / "two.jsonl", "--workers", "2", "--lang", "en").stderr
    run("batch", source, "-o", tmp_path / "traced.jsonl", "--trace")
    one, two, traced = read_jsonl(tmp_path / "one.jsonl"), read_jsonl(tmp_path / "two.jsonl"), read_jsonl(tmp_path / "traced.jsonl")
    assert one == two
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    # the counts come from the workers a chunk at a time (more than one chunk here): they add up to the records written
    assert len(one) > 256 and said_one == said_two
    best = sum(next(f["subsidy"] for f in r["decision"]["frames"] if f["frame"] == r["decision"]["best_frame"])
               for r in one if r["ok"] and r["decision"]["best_frame"])
    assert f"total subsidy of each case's best frame: {best:,}円" in said_two.splitlines()
    assert said_two.splitlines()[:3] == [f"records read: {len(one):,}", f"decisions: {sum(r['ok'] for r in one):,}",
                                         f"errors: {sum(not r['ok'] for r in one):,}"]
    assert [{k: v for k, v in r["decision"].items() if k != "trace"} for r in traced] == [r["decision"] for r in one]
    assert traced[0]["decision"]["trace"]["format"] == "subsidy-decision/1"


def test_csv_mapping_both_ways_and_csv_batch(tmp_path, run):
    policy = load_policy(POLICY_2024).policy
    for case, _ in CASES:
        assert row_to_case(policy, case_to_row(policy, case)) == case or _same_after_defaults(policy, case)
    rows = [case_to_row(policy, c) for c, _ in CASES]
    source = write_csv(tmp_path / "in.csv", rows)
    result = run("batch", source, "-o", tmp_path / "out.csv", "--policy", POLICY_2024)
    assert result.exit_code == 0
    assert (tmp_path / "out.csv").read_bytes().startswith("\ufeffid,ok,errors,best_frame,best_subsidy,".encode())  # a BOM for Excel
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as f:
        labels, *out = list(csv.DictReader(f))  # under the names, a row of their labels (tests/test_sheet_headers.py)
    assert (labels["id"], labels["best_subsidy"]) == ("ID（入力の行）", "その補助額（円）")
    assert len(out) == len(CASES)
    words = {"eligible": "対象", "eligible_after_steps": "手続き完了後に対象", "not_eligible": "対象外"}
    for row, (_, expected) in zip(out, CASES):
        assert row["ok"] == "はい"
        for frame, want in expected["frames"].items():
            assert (row[f"{frame}.status"], int(row[f"{frame}.subsidy"])) == (words[want["status"]], want["subsidy"])


def _same_after_defaults(policy, case):
    from engine.evaluate.case import read_case

    return read_case(policy, row_to_case(policy, case_to_row(policy, case))) == read_case(policy, case)


def test_stdin_to_stdout(tmp_path):
    lines = "".join(json.dumps(c, ensure_ascii=False) + "\n" for c, _ in CASES[:3])
    result = policy_cmd("batch", "-", "-o", "-", input=lines)  # standard input and output default to JSON Lines
    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["line"] for x in result.stdout.splitlines()] == [1, 2, 3]
    assert result.stderr.splitlines()[0] == "読み込んだ件数: 3件"  # no progress bar: stderr is not a terminal


def test_killed_run_then_resume_loses_nothing_and_repeats_nothing(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [json.dumps(c, ensure_ascii=False) for c, _ in CASES] * 80)
    total = len(CASES) * 80
    full = tmp_path / "full.jsonl"
    assert policy_cmd("batch", source, "-o", full).returncode == 0
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "engine.cli", "batch", str(source), "-o", str(out)],
                               env=dict(os.environ, POLICY_CACHE="off"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 200_000):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with open(out, "ab") as f:
        f.write(b'{"line": 99999, "ok": tr')  # a torn last record, as a crash mid-write would leave
    partial = out.read_text(encoding="utf-8").count("\n")
    assert 0 < partial < total
    result = policy_cmd("batch", source, "-o", out, "--resume")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0] == f"読み込んだ件数: {total - partial:,}件（前回までの{partial:,}件に続けて）"
    assert out.read_text(encoding="utf-8") == full.read_text(encoding="utf-8")


def test_ctrl_c_leaves_whole_records(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, [json.dumps(c, ensure_ascii=False) for c, _ in CASES] * 80)
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "engine.cli", "batch", str(source), "-o", str(out)],
                               env=dict(os.environ, POLICY_CACHE="off"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (not out.exists() or out.stat().st_size < 100_000):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    text = out.read_text(encoding="utf-8")
    assert text.endswith("\n")
    done = text.count("\n")
    assert f"{done:,}件で中断しました。続けるには --resume を付けて再実行してください" in err
    assert [json.loads(x)["line"] for x in text.splitlines()] == list(range(1, done + 1))


def test_unknown_format_is_a_usage_error(run, tmp_path):
    result = run("batch", tmp_path / "in.txt", "-o", tmp_path / "out.jsonl", "--lang", "en")
    assert (result.exit_code, result.stderr.strip()) == (2, f"cannot tell the input format of {tmp_path / 'in.txt'}; use --input-format jsonl|csv|xlsx")
    ja = run("batch", tmp_path / "in.txt", "-o", tmp_path / "out.jsonl")
    assert (ja.exit_code, ja.stderr.strip()) == (2, f"{tmp_path / 'in.txt'} の形式がわかりません。--input-format jsonl|csv|xlsx を指定してください")


def test_a_csv_header_no_input_reads_is_refused_before_any_output(tmp_path, run):
    """A misspelt column would silently leave its input out (a capital left out can turn an SME
    into a non-SME): the header is checked first, for batch and population alike."""
    policy = load_policy(POLICY_2024).policy
    rows = [case_to_row(policy, c) for c, _ in CASES[:3]]
    source = write_csv(tmp_path / "in.csv", rows)
    text = source.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    source.write_text(header.replace("申請者.資本金", "申請者.資本").replace("経費[0].金額", "経費[0].金") + ",申請者.業種\n" + rest,
                      encoding="utf-8")
    expected = ["column 申請者.資本: no input has this path (did you mean 申請者.資本金?)",  # in the header's order
                "column 経費[0].金: 経費 items have no field 金 (did you mean 金額?); they have: 利用月数, 区分, 金額",
                "column 申請者.業種: given twice; give each column once"]
    for command in (["batch", "--lang", "en", source, "-o", tmp_path / "out.csv"],
                    ["population", "--lang", "en", source, "-o", tmp_path / "out.parquet"]):
        result = run(*command)
        assert result.exit_code == 3, result.output
        assert result.stderr == "invalid case:\n" + "".join(f"{source}: {e}\n" for e in expected)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.parquet").exists()


def test_a_csv_headers_problems_are_said_in_japanese_by_default_naming_the_fields_by_their_labels(tmp_path, run):
    policy = load_policy(POLICY_2024).policy
    source = write_csv(tmp_path / "in.csv", [case_to_row(policy, c) for c, _ in CASES[:3]])
    header, rest = source.read_text(encoding="utf-8").split("\n", 1)
    source.write_text(header.replace("申請者.資本金", "申請者.資本").replace("経費[0].金額", "経費[0].金") + ",申請者.業種\n" + rest,
                      encoding="utf-8")
    expected = ["列 申請者.資本（「申請者」の「資本」）: この列名の入力項目はありません（「申請者.資本金」のことですか？）",
                "列 経費[0].金（「経費（税抜）」1件目の「金」）: 「経費（税抜）」の各件にこの項目はありません"
                "（「経費[0].金額」のことですか？）。使える項目名: 利用月数、区分、金額",
                "列 申請者.業種（「申請者」の「主たる業種」）が2回あります。各列は1回だけにしてください"]
    for command in (["batch", source, "-o", tmp_path / "out.csv"], ["population", source, "-o", tmp_path / "out.parquet"]):
        result = run(*command)
        assert result.exit_code == 3, result.output
        assert result.stderr == "ケースに誤りがあります:\n" + "".join(f"{source}: {e}\n" for e in expected)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "out.parquet").exists()


def test_a_csv_that_cannot_be_read_is_refused_in_the_runs_language(tmp_path, run):
    missing = tmp_path / "none.csv"
    for lang, said in (("ja", f"ケースに誤りがあります: {missing}: {missing} を読めません: そのファイルまたはフォルダはありません\n"),
                       ("en", f"invalid case: {missing}: cannot read {missing}: No such file or directory\n")):
        result = run("batch", missing, "-o", tmp_path / "out.csv", "--lang", lang)
        assert (result.exit_code, result.stderr) == (3, said), lang


def test_a_csv_row_with_more_cells_than_the_header_is_an_error_of_its_line(tmp_path, run):
    policy = load_policy(POLICY_2024).policy
    source = write_csv(tmp_path / "in.csv", [case_to_row(policy, c) for c, _ in CASES[:2]])
    lines = source.read_text(encoding="utf-8").splitlines()
    source.write_text("\n".join([lines[0], lines[1] + ",x,y", lines[2]]) + "\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "out.jsonl")
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["ok"] for r in out] == [False, True]
    assert out[0]["errors"] == [{"field": None, "message": "2 cell(s) more than the header has columns"}]
    # a trailing comma's unnamed column is fine while empty; a value in it is an error of its line
    source.write_text("\n".join([lines[0] + ",", lines[1] + ",", lines[2] + ",x"]) + "\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "out.jsonl")
    out = read_jsonl(tmp_path / "out.jsonl")
    assert [r["ok"] for r in out] == [True, False]
    assert out[1]["errors"] == [{"field": None, "message": "got 'x' in a column with no name; name the column or leave its cells empty"}]


def test_csv_resume_keeps_one_header(tmp_path, run):
    policy = load_policy(POLICY_2024).policy
    rows = [case_to_row(policy, c) for c, _ in CASES[:4]]
    source = write_csv(tmp_path / "in.csv", rows)
    out = tmp_path / "out.csv"
    run("batch", source, "-o", out)
    full = out.read_text(encoding="utf-8")
    out.write_text("".join(full.splitlines(keepends=True)[:2]), encoding="utf-8")  # only the header rows (names, labels) survived
    assert run("batch", source, "-o", out, "--resume").exit_code == 0
    assert out.read_text(encoding="utf-8") == full


def test_a_sheet_says_each_records_errors_in_its_language_and_json_lines_keeps_english(tmp_path, run):
    """An office reads the CSV's errors column: in --lang's words (Japanese by default), as its statuses.
    JSON Lines, for programs, keeps the English beside the field paths, as it keeps status codes."""
    lines = [json.dumps(CASES[0][0], ensure_ascii=False), "{ this is not JSON",
             json.dumps({**CASES[0][0], "申請者": {**CASES[0][0]["申請者"], "業種": "製造"}}, ensure_ascii=False)]
    source = tmp_path / "in.jsonl"
    write_jsonl(source, lines)

    def errors(lang: str | None, out: str) -> list[str]:
        result = run("batch", source, "-o", tmp_path / out, "--policy", POLICY_2024, "--no-bom", *(("--lang", lang) if lang else ()))
        assert result.exit_code == 0, result.output
        if out.endswith(".jsonl"):
            return [e["message"] for r in read_jsonl(tmp_path / out) for e in r.get("errors", [])]
        rows = list(csv.DictReader((tmp_path / out).read_text(encoding="utf-8").splitlines()))[1:]  # after the labels row
        return [r["errors"] for r in rows if r["errors"]]

    bad_json = "Expecting property name enclosed in double quotes"
    members = ("製造業、建設業、運輸業、卸売業、サービス業（ソフトウェア業・情報処理サービス業・旅館業・娯楽業を除く）、サービス業のうち娯楽業、"
               "小売業、ゴム製品製造業（自動車又は航空機用タイヤ及びチューブ製造業並びに工業用ベルト製造業を除く）、"
               "ソフトウェア業又は情報処理サービス業、旅館業、その他の業種（上記以外）")
    assert errors(None, "ja.csv") == [f"3列目: JSONの書き方に誤りがあります（{bad_json}）",
                                      f'申請者.業種: "製造" は選択肢にありません（「製造業」のことですか？）。次から選んでください: {members}']
    en = errors("en", "en.csv")
    assert en[0] == f"column 3: malformed JSON: {bad_json}"
    assert en[1].startswith('申請者.業種: got "製造", expected one of: 製造業, 建設業'), en
    assert errors(None, "out.jsonl") == [en[0], en[1].removeprefix("申請者.業種: ")]
