"""`policy population`: decisions and the what-if report, their figures checked against the tree
evaluator on a synthetic sample."""

from __future__ import annotations

import json
from fractions import Fraction

import pyarrow.parquet as pq
import pytest

from engine.sql import case_table
from engine.population import synth
from engine.evaluate.case import read_case
from engine.evaluate.decision import NOT_ELIGIBLE
from engine.evaluate.evaluator import evaluate
from engine.compile.pipeline import load_policy
from engine.population.compare import compare
from sql_support import ROOT, OTHER_YEARS

OLD, NEW = ROOT / "policies" / "2024", ROOT / "policies" / "2025"


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    path = tmp_path_factory.mktemp("pop") / "firms.parquet"
    synth.generate([load_policy(OLD).policy, load_policy(NEW).policy], 1200, 42, path)
    return path


def _tree_figures(policy, rows):
    """Per firm: best subsidy, best frame, and per frame (status, subsidy), from the tree."""
    out = []
    for row in rows:
        values = read_case(policy, case_table.from_row(row), also_known=OTHER_YEARS)
        d = evaluate(policy, values, check_dates=False)
        best = next((f.subsidy for f in d.frames if f.name == d.best_frame), 0)
        out.append((d.best_frame, best, {f.name: (f.status, f.subsidy) for f in d.frames}, values))
    return out


def test_the_report_equals_the_tree_on_every_firm(population):
    old, new = load_policy(OLD).policy, load_policy(NEW).policy
    report = compare(old, new, str(population))
    rows = pq.read_table(population).to_pylist()
    before, after = _tree_figures(old, rows), _tree_figures(new, rows)
    assert report["cases"] == len(rows) == 1200
    for frame in report["frames"]:
        name = frame["frame"]
        assert frame["eligible_before"] == sum(1 for b in before if b[2][name][0] != NOT_ELIGIBLE)
        assert frame["eligible_after"] == sum(1 for a in after if a[2][name][0] != NOT_ELIGIBLE)
        assert frame["subsidy_before"] == sum(b[2][name][1] for b in before)
        assert frame["subsidy_after"] == sum(a[2][name][1] for a in after)
        # gains and losses apart, frame by frame (not the best frame)
        moves = [a[2][name][1] - b[2][name][1] for b, a in zip(before, after)]
        assert (frame["gainers"], frame["gained"]) == (sum(1 for m in moves if m > 0), sum(m for m in moves if m > 0))
        assert (frame["losers"], frame["lost"]) == (sum(1 for m in moves if m < 0), -sum(m for m in moves if m < 0))
    changes = [a[1] - b[1] for b, a in zip(before, after)]
    for bin_ in report["distribution"]:  # each firm in the bin its change falls in
        inside = [c for c in changes if (bin_["low"] is None or c >= bin_["low"]) and (bin_["high"] is None or c <= bin_["high"])]
        assert (bin_["firms"], bin_["change"]) == (len(inside), sum(inside))
    assert sum(b["firms"] for b in report["distribution"]) == 1200
    national = report["national"]  # ×3,364,891/1,200, each figure rounded once
    assert (national["firms"], national["sample"], national["factor"]) == (3_364_891, 1200, "3364891/1200")
    assert national["total"]["subsidy_after"] == round(Fraction(sum(a[1] for a in after) * 3_364_891, 1200))
    assert [f["eligible_before"] for f in national["frames"]] == [round(Fraction(f["eligible_before"] * 3_364_891, 1200))
                                                                  for f in report["frames"]]
    assert compare(old, new, str(population), national=0)["national"] is None
    total = report["total"]
    assert total["subsidy_before"] == sum(b[1] for b in before)
    assert total["subsidy_after"] == sum(a[1] for a in after)
    assert total["gainers"] == sum(1 for b, a in zip(before, after) if a[1] > b[1])
    assert total["losers"] == sum(1 for b, a in zip(before, after) if a[1] < b[1])
    assert total["gainers"] + total["losers"] > 0  # 2025 changes rates: someone moves
    industries = {g["group"]: g for g in report["by_industry"]}
    for name, group in industries.items():
        members = [i for i, b in enumerate(before) if b[3]["申請者"]["業種"] == name]
        assert group["cases"] == len(members)
        assert group["difference"] == sum(after[i][1] - before[i][1] for i in members)
    assert sum(g["cases"] for g in report["by_size"]) == 1200
    assert {g["group"] for g in report["by_size"]} <= {"小規模事業者", "中小企業", "その他（中小企業に該当しない）"}


def test_cli_population_writes_decisions_and_the_report(population, tmp_path, run):
    out = tmp_path / "decisions.parquet"
    result = run("population", "--lang", "en", str(population), "-o", str(out))
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.num_rows == 1200
    assert table.column_names[:3] == ["id", "best_frame", "best_subsidy"]
    report = tmp_path / "report.json"
    result = run("population", "--lang", "en", "--compare", str(OLD), str(NEW), str(population), "-o", str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text(encoding="utf-8"))["format"] == "subsidy-population-compare/1"
    result = run("population", "--lang", "en", "--compare", str(OLD), str(NEW), str(population), "-o", str(report), "--budget", "１億円",
                 "--national", "12000")
    assert result.exit_code == 0, result.output
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert (figures["budget"], figures["national"]["firms"], figures["national"]["factor"]) == (100_000_000, 12_000, "10/1")
    result = run("population", "--lang", "en", "--compare", str(OLD), str(NEW), str(population), "-o", str(tmp_path / "report.xlsx"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.xlsx").read_bytes()[:2] == b"PK"  # a workbook (its sheets: test_population_report.py)
    for args, message in ((["--budget", "たくさん"], "--budget: not an amount: 'たくさん' (e.g. 1,000,000 or 100万円)"),
                          (["--budget", "0円"], "--budget: '0円' is no amount above 0円 (e.g. 2000億円)")):
        result = run("population", "--lang", "en", "--compare", str(OLD), str(NEW), str(population), *args)
        assert (result.exit_code, result.stderr.strip()) == (2, message)
    result = run("population", "--lang", "en", str(population), "-o", str(out), "--budget", "1億円")
    assert (result.exit_code, result.stderr.strip()) == (2, "--budget is for the --compare report")


def test_the_change_is_attributed_to_each_clause_firm_by_firm(population, tmp_path):
    """Each changed clause's share is what taking it back alone changes, checked against the tree on
    every firm; what is left over is the changes acting together, so the shares add up to the total."""
    from engine.compile.pipeline import compile_items
    from engine.language import changes

    old, new = load_policy(OLD).policy, load_policy(NEW).policy
    report = compare(old, new, str(population), folders=(str(OLD), str(NEW)))
    rows = pq.read_table(population).to_pylist()
    after = _tree_figures(new, rows)
    a, b = changes.load_items(OLD), changes.load_items(NEW)
    by_where = {(x["where"], x["clause"]): x for x in report["attribution"]}
    rate = by_where[("frame 通常枠 › amount ソフトウェア等", "rate")]
    assert (rate["how"], rate["old"], rate["new"]) == ("revert", ["rate 1/2"], ["rate 2/3 if 最低賃金近傍 else 1/2"])
    clause = next(c for d in changes.compare(a, b) for c in d.clauses if (c.where(), c.keyword) == ("frame 通常枠 › amount ソフトウェア等", "rate"))
    variant = compile_items(changes.with_clause(b, a, clause), {**a.sources, **b.sources}, {**a.inside, **b.inside})
    without = _tree_figures(variant, rows)
    assert rate["difference"] == sum(n[1] - v[1] for n, v in zip(after, without)) > 0
    assert (rate["gainers"], rate["losers"]) == (sum(n[1] > v[1] for n, v in zip(after, without)), 0)
    assert sum(x["difference"] for x in report["attribution"]) + report["interaction"] == report["total"]["difference"]


def test_one_changed_cap_accounts_for_the_whole_change(population, tmp_path):
    import shutil

    edited = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", edited)
    rules = edited / "2024" / "frame_normal.rules"
    rules.write_text(rules.read_text(encoding="utf-8").replace("at most 450万円", "at most 400万円"), encoding="utf-8")
    old, new = load_policy(OLD).policy, load_policy(edited / "2024").policy
    report = compare(old, new, str(population), folders=(str(OLD), str(edited / "2024")))
    (only,) = report["attribution"]
    assert (only["where"], only["clause"], only["old"], only["new"]) == ("frame 通常枠 › amount ソフトウェア等", "at most",
                                                                        ["at most 450万円"], ["at most 400万円"])
    assert only["difference"] == report["total"]["difference"] < 0 and only["losers"] == report["total"]["losers"] > 0
    assert report["interaction"] == 0


def test_cli_population_csv_and_jsonl_in(tmp_path, run):
    cases = tmp_path / "cases.jsonl"
    seed = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    seed = {k: v for k, v in seed.items() if k not in ("description", "expected")}
    cases.write_text(json.dumps(seed, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "d.csv"
    result = run("population", str(cases), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "インボイス対応類型.subsidy" in text.splitlines()[0]
    assert "インボイス枠（インボイス対応類型）: 補助額（円）" in text.splitlines()[1]  # the labels row under the names
    assert ",750000," in text.splitlines()[2]
    cases.write_text("\n" + json.dumps(seed, ensure_ascii=False) + "\n\n" + json.dumps(seed, ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("population", str(cases), "-o", str(out)).exit_code == 0
    ids = [int(line.split(",")[0]) for line in out.read_text(encoding="utf-8-sig").splitlines()[2:]]
    assert ids == [2, 4]  # a case's id is its line number, as `policy batch` reports it; rows in that order


def test_cli_population_reads_a_json_case_or_an_array_of_them(tmp_path, run):
    """A `.json` file holding one case (as `policy eval` takes it, notes included) or an array of
    cases is read as that document; a problem names the case by its place in the array."""
    example = ROOT / "examples" / "seed_invoice_small_1m.json"
    out = tmp_path / "d.csv"
    result = run("population", "--lang", "en", str(example), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert ",750000," in out.read_text(encoding="utf-8").splitlines()[2]
    seed = json.loads(example.read_text(encoding="utf-8"))
    bad = json.loads(json.dumps(seed))
    bad["申請者"]["資本金"] = "abc"
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps([seed, seed], ensure_ascii=False, indent=1), encoding="utf-8")
    result = run("population", str(cases), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert [line.split(",")[:3] for line in out.read_text(encoding="utf-8-sig").splitlines()[2:]] == \
        [["1", "インボイス枠（インボイス対応類型）", "750000"], ["2", "インボイス枠（インボイス対応類型）", "750000"]]  # ids: places in the array, from 1
    cases.write_text(json.dumps([seed, bad], ensure_ascii=False, indent=1), encoding="utf-8")
    result = run("population", "--lang", "en", str(cases), "-o", str(out))
    assert result.exit_code == 3
    assert 'cases.json: case 2: 申請者.資本金: got "abc", expected a whole number of yen (e.g. 500000)' in result.output
    result = run("population", str(cases), "-o", str(out))  # --lang ja, the default: the place and the problem in Japanese
    assert result.exit_code == 3
    assert result.output == (f'ケースに誤りがあります: {cases}: 2件目のケース: 「申請者」の「資本金」: "abc" は使えません。'
                             "円単位の整数（例: 500000）で入力してください\n")
    cases.write_text('{\n "申請者": {,\n}', encoding="utf-8")
    result = run("population", "--lang", "en", str(cases), "-o", str(out))
    assert result.exit_code == 3
    assert ("cases.json: not one JSON document (a case, or an array of cases) nor JSON Lines (a case per line): "
            "line 2 column 10: malformed JSON: Expecting property name enclosed in double quotes") in result.output


def test_a_synthetic_population_as_json_lines_is_read_by_batch_and_population(tmp_path, run):
    """`policy synth` writes for 2024 and 2025, so its cases carry 2025's inputs: the 2024 policy
    reads them as another year's (unused), as a Parquet file's extra columns, not as typos."""
    cases = tmp_path / "firms.jsonl"
    assert run("synth", "--n", "200", "--seed", "5", "-o", str(cases)).exit_code == 0
    assert "最低賃金近傍事業者" in cases.read_text(encoding="utf-8")
    result = run("population", str(cases), "-o", str(tmp_path / "d.csv"))
    assert result.exit_code == 0, result.output
    result = run("batch", str(cases), "-o", str(tmp_path / "b.jsonl"), "--lang", "en")
    assert result.exit_code == 0 and "errors: 0" in result.stderr, result.output
    records = (tmp_path / "b.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(records) == 200 and all(json.loads(r)["ok"] for r in records)


def test_a_csv_written_for_two_years_is_read_whole_by_each(tmp_path, run):
    """A CSV whose columns span two years: under one year the other year's columns are left alone
    (not refused as misspelt), a trailing comma's unnamed column too; with --compare each year
    reads its own fields, a group's fields merged rather than one year's group hiding the other's."""
    import pyarrow.parquet as pq

    from engine.evaluate.csvmap import case_to_row
    from engine.population.run import cases_to_parquet

    new = load_policy(NEW).policy
    case = json.loads((ROOT / "examples" / "year2025_near_minimum_wage.json").read_text(encoding="utf-8"))
    case = {k: v for k, v in case.items() if k not in ("description", "expected")}
    row = case_to_row(new, case)
    assert row["申請者.最低賃金近傍事業者"] == "true"
    source = tmp_path / "cases.csv"
    source.write_text(",".join(row) + ",\n" + ",".join(row.values()) + ",\n", encoding="utf-8")
    result = run("batch", str(source), "-o", str(tmp_path / "b.jsonl"), "--lang", "en")  # the 2024 policy
    assert result.exit_code == 0 and "errors: 0" in result.stderr, result.output
    converted = tmp_path / "both.parquet"
    cases_to_parquet(source, [load_policy(OLD).policy, new], converted)
    assert pq.read_table(converted).to_pylist()[0]["申請者"]["最低賃金近傍事業者"] is True
    firms = tmp_path / "firms.jsonl"
    assert run("synth", "--n", "50", "--seed", "2", "-o", str(firms)).exit_code == 0
    result = run("population", "--compare", str(ROOT / "policies" / "2023"), str(OLD), str(firms))
    assert result.exit_code == 0, result.output


def test_cli_population_bad_input(tmp_path, run, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))  # the converted copy is made here
    (tmp_path / "temp").mkdir()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"申請者": {"業種": "製造", "従業員数": 3}}\n', encoding="utf-8")
    result = run("population", "--lang", "en", str(bad), "-o", str(tmp_path / "d.parquet"))
    assert result.exit_code == 3
    assert "line 1: 申請者.業種: got \"製造\", expected one of:" in result.output
    assert list((tmp_path / "temp").iterdir()) == []  # no half-written copy left behind
    result = run("population", "--lang", "en", str(tmp_path / "none.parquet"), "-o", str(tmp_path / "d.parquet"))
    assert result.exit_code == 3 and f"invalid case: no such file {tmp_path / 'none.parquet'}" in result.output
    result = run("population", "--lang", "en", str(bad), "-o", str(tmp_path / "d.txt"))
    assert result.exit_code == 2 and "the decisions are written as Parquet (.parquet), CSV (.csv) or Excel (.xlsx)" in result.output
    wrong = tmp_path / "wrong.parquet"
    pq.write_table(__import__("pyarrow").table({"id": [1]}), wrong)
    result = run("population", "--lang", "en", str(wrong), "-o", str(tmp_path / "d.parquet"))
    assert result.exit_code == 3 and "column 申請者: missing; expected struct<" in result.output


def test_cli_population_refuses_what_it_cannot_do_before_any_work(population, tmp_path, run):
    same = tmp_path / "same.parquet"
    same.write_bytes(population.read_bytes())
    for args, code, message in (
            ([str(same), "-o", str(same)], 2, f"-o {same} is the cases file itself; write to another file"),
            ([str(population), "-o", "/proc/d.parquet"], 2, "cannot write /proc/d.parquet: No such file or directory"),
            ([str(tmp_path), "-o", str(tmp_path / "d.parquet")], 3,
             f"invalid case: {tmp_path} is a folder; give a file of cases (.parquet, .jsonl, .json, .csv or .xlsx)"),
            ([str(population), "-o", str(tmp_path / "d.parquet"), "--format", "json"], 2,
             "--format is for the --compare report; the decisions' format is -o's extension (.parquet, .csv or .xlsx)"),
            (["--compare", str(OLD), str(NEW), str(population), "--frame", "通常枠"], 2,
             "--frame does not go with --compare: the report covers every frame of both policies"),
            (["--compare", str(population), str(OLD), str(NEW)], 2,
             f"--compare takes OLD_POLICY NEW_POLICY CASES, policy folders first; {population} is a file"),
            (["--compare", str(OLD), str(NEW), str(same), "-o", str(same), "--format", "json"], 2,
             f"-o {same} is the cases file itself; write to another file"),
            (["--compare", str(OLD), str(NEW), str(population), "-o", "/proc/r.txt"], 2,
             "cannot write /proc/r.txt: No such file or directory"),
            (["--compare", str(OLD), str(NEW), str(population), "-o", str(tmp_path / "r.xml")], 2,
             f"cannot tell the report's format from {tmp_path / 'r.xml'}: name it .txt, .json, .html or .xlsx, or give --format")):
        result = run("population", "--lang", "en", *args)
        assert (result.exit_code, result.stderr.strip()) == (code, message), args
    assert same.read_bytes() == population.read_bytes()  # the cases are untouched
    for content, reason in ((b"", "Parquet file size is 0 bytes"), (b"garbage\n", "Parquet magic bytes not found in footer.")):
        broken = tmp_path / "broken.parquet"
        broken.write_bytes(content)
        result = run("population", "--lang", "en", str(broken), "-o", str(tmp_path / "d.parquet"))
        assert result.exit_code == 3 and result.stderr.startswith(f"invalid case: {broken}: not a readable Parquet file ({reason}")


@pytest.mark.parametrize("change, message", [
    ("UPDATE u SET 申請者 = struct_update(申請者, 資本金 := -5) WHERE id IN (3, 7, 9)",
     "申請者.資本金: got -5, expected a whole number of yen (e.g. 500000); it must not be negative (case id 3, and 2 more cases)"),
    ("UPDATE u SET 申請者 = struct_update(申請者, 業種 := '製造') WHERE id = 11",
     "申請者.業種: got \"製造\", expected one of: 製造業, 建設業, 運輸業, 卸売業, サービス業, 娯楽業, 小売業, ゴム製品製造業, "
     "ソフトウェア業・情報処理サービス業, 旅館業, その他の業種 (did you mean 製造業?) (case id 11)"),
    ("UPDATE u SET 申請者 = NULL WHERE id = 12",
     "申請者.従業員数: missing; expected a whole number (e.g. 12) (case id 12)"),
    ("UPDATE u SET 経費 = [{'区分': 'ソフト', '金額': 100, '利用月数': NULL}] WHERE id = 13",
     "経費[…].区分: got \"ソフト\", expected one of: ソフトウェア, オプション, 役務, PC等, レジ等, 受発注クラウド利用料, "
     "お助け隊サービス利用料, 消費動向等分析経費, 事務費・専門家費, ECサイト制作, その他ハードウェア (did you mean ソフトウェア?) (case id 13)"),
    ("UPDATE u SET 経費 = [{'区分': 'ソフトウェア', '金額': 9000000000000000000, '利用月数': NULL}] WHERE id = 14",
     "経費[…].金額: got 9000000000000000000, which is larger than 1,000,000,000,000,000; is it a typo? (case id 14)"),
    ("UPDATE u SET 資本関係 = struct_update(資本関係, 最大大企業株主の持株比率 := {'num': 1, 'den': 0}) WHERE id = 15",
     "資本関係.最大大企業株主の持株比率: got 1/0, expected a ratio: \"1/2\", \"50%\" or a number from 0 to 1 (case id 15)"),
    ("UPDATE u SET 資本関係 = struct_update(資本関係, 最大大企業株主の持株比率 := {'num': 3, 'den': NULL}) WHERE id = 16",
     "資本関係.最大大企業株主の持株比率: got 3/null, expected a ratio: \"1/2\", \"50%\" or a number from 0 to 1 (case id 16)"),
], ids=["negative", "not a member", "missing", "item not a member", "absurd item", "ratio", "half a ratio"])
def test_cli_population_refuses_a_value_the_case_reader_refuses(population, tmp_path, run, change, message):
    """A Parquet file gets the case reader's checks too (it is not read case by case): a value a
    JSON case would be refused for stops the run, with the case reader's words, the case's id and
    how many cases share the problem — not a decision made from it."""
    import duckdb

    bad = tmp_path / "bad.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE u AS SELECT * FROM '{population}'")
    con.execute(change)
    con.execute(f"COPY u TO '{bad}'")
    out = tmp_path / "d.parquet"
    result = run("population", "--lang", "en", str(bad), "-o", str(out))
    assert result.exit_code == 3 and f"{bad}: {message}" in result.stderr, result.stderr
    assert not out.exists()


@pytest.mark.parametrize("change, message", [
    ("UPDATE u SET 申請者 = struct_update(申請者, 資本金 := -5) WHERE id IN (3, 7, 9)",
     "「申請者」の「資本金」: -5 は負の数です。0以上の円単位の整数（例: 500000）で入力してください（ケース id 3。同じ誤りのケースがほかに2件）"),
    ("UPDATE u SET 申請者 = struct_update(申請者, 資本金 := -5) WHERE id IN (3, 7)",
     "「申請者」の「資本金」: -5 は負の数です。0以上の円単位の整数（例: 500000）で入力してください（ケース id 3。同じ誤りのケースがほかに1件）"),
    ("UPDATE u SET 申請者 = NULL WHERE id = 12",
     "「申請者」の「従業員数」: 未入力です。整数（例: 12）で入力してください（ケース id 12）"),
    ("UPDATE u SET 経費 = [{'区分': 'ソフトウェア', '金額': 100, '利用月数': NULL}, "
     "{'区分': 'ソフトウェア', '金額': 9000000000000000000, '利用月数': NULL}] WHERE id = 14",
     "「経費（税抜）」2件目の「金額（税抜）」: 9000000000000000000 は大きすぎます（1,000,000,000,000,000まで）。桁を確かめてください（ケース id 14）"),
    ("UPDATE u SET 資本関係 = struct_update(資本関係, 最大大企業株主の持株比率 := {'num': 1, 'den': 0}) WHERE id = 15",
     "「資本関係・役員（みなし大企業の判定）」の「同一の大企業が所有する株式・出資の比率（中小企業投資育成株式会社・投資事業有限責任組合は"
     "大企業に含めない）」: 1/0 は使えません。割合（「1/2」「50%」または0から1までの数）で入力してください（ケース id 15）"),
], ids=["negative", "one more", "missing", "absurd second item", "ratio"])
def test_cli_population_says_a_refused_value_in_japanese_by_default(population, tmp_path, run, change, message):
    """The value checks of a Parquet file speak as the case reader does in Japanese: the field by its
    labels (a list's item by its place in the first failing case), the problem, the case's id and how
    many more cases share it."""
    import duckdb

    bad = tmp_path / "bad.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE u AS SELECT * FROM '{population}'")
    con.execute(change)
    con.execute(f"COPY u TO '{bad}'")
    result = run("population", str(bad), "-o", str(tmp_path / "d.parquet"))
    assert result.exit_code == 3 and f"{bad}: {message}\n" in result.stderr, result.stderr
    assert result.stderr.startswith("ケースに誤りがあります:")


def test_cli_population_says_a_text_in_a_number_column_in_its_language(population, tmp_path, run):
    import duckdb

    bad = tmp_path / "text.parquet"
    con = duckdb.connect()
    con.execute(f"CREATE TABLE u AS SELECT * REPLACE (struct_update(申請者, 資本金 := 'たくさん') AS 申請者) FROM '{population}'")
    con.execute(f"COPY u TO '{bad}'")
    for lang, said in (("ja", f"ケースに誤りがあります: {bad}: 列 申請者.資本金: 型が string です。int64 にしてください\n"),
                       ("en", f"invalid case: {bad}: column 申請者.資本金: got string, expected int64\n")):
        result = run("population", str(bad), "-o", str(tmp_path / "d.parquet"), "--lang", lang)
        assert (result.exit_code, result.stderr) == (3, said), lang


RECORD_POLICY = """programme "T"
  title "t"
  year 2024
  in force 2024-02-16 .. 2024-10-15
  applied on 申請日
  source doc "d"

enum 区分:
  ソフト
  PC

record 明細:
  区分: 区分
  金額: 円
  機能: list of 区分, optional
  比率: ratio, optional

input 経費: list of 明細 "経費"
input 申請日: date, optional "申請日"

rule ソフトあり "ソフトあり":
  source doc
  any 経費 where 区分 is ソフト

frame 通常 "通常":
  source doc
  requires ソフトあり
  exclusions none
  amount A "A":
    on total of 金額 in 経費 where 区分 is ソフト
    rate 1/2
    round down
"""


def test_the_value_checks_reach_into_a_records_own_list_and_ratio(tmp_path, run):
    """A record's list of members and its ratio are checked item by item (a nested pass); a valid
    file is decided as before."""
    import pyarrow as pa

    from engine.sql.case_table import arrow_schema

    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "policy.rules").write_text(RECORD_POLICY, encoding="utf-8")
    schema = arrow_schema(load_policy(folder).policy)
    for items, code, message in (
            ([{"区分": "ソフト", "金額": 100, "機能": ["PC"], "比率": {"num": 1, "den": 2}}], 0, None),
            ([{"区分": "ソフト", "金額": 100, "機能": ["PC", "XX"], "比率": None}], 3,
             '経費[…].機能: got "XX", expected one of: ソフト, PC (case id 1)'),
            ([{"区分": "ソフト", "金額": 100, "機能": None, "比率": {"num": 3, "den": 2}}], 3,
             '経費[…].比率: got 3/2, expected a ratio: "1/2", "50%" or a number from 0 to 1 (case id 1)')):
        cases = tmp_path / "cases.parquet"
        pq.write_table(pa.Table.from_pylist([{"id": 1, "経費": items, "申請日": None}], schema=schema), cases)
        result = run("population", "--lang", "en", str(cases), "-o", str(tmp_path / "d.csv"), "--policy", str(folder))
        assert result.exit_code == code, result.output
        if message:
            assert f"{cases}: {message}" in result.stderr


def test_cli_population_needs_a_distinct_id_per_case(population, tmp_path, run):
    """The output is keyed by id (and Spark's form aggregates lists by it): a repeated or missing id is refused."""
    import pyarrow as pa

    firms = pq.read_table(population).slice(0, 4)
    ids = firms.column("id").to_pylist()
    for given, message in (([ids[0], ids[0], ids[2], ids[3]], "column id: 1 id(s) given to more than one case"),
                           ([ids[0], None, None, ids[3]], "column id: 2 case(s) without an id")):
        path = tmp_path / "cases.parquet"
        pq.write_table(firms.set_column(0, "id", pa.array(given, pa.int64())), path)
        result = run("population", "--lang", "en", str(path), "-o", str(tmp_path / "d.parquet"))
        assert result.exit_code == 3 and message in result.output, result.output


def test_cli_sql(run):
    result = run("sql", "--lang", "en", "--dialect", "spark", "--frame", "通常枠")
    assert result.exit_code == 0
    assert "`通常枠.subsidy`" in result.output and "インボイス対応類型.subsidy" not in result.output
    result = run("sql", "--lang", "en", "--frame", "通常")
    assert result.exit_code == 2 and "no frame '通常' (did you mean 通常枠?); the frames are: 通常枠," in result.output
    assert run("sql", "--lang", "en", "--dialect", "Spark", "--frame", "通常枠").output == run("sql", "--lang", "en", "--dialect", "spark", "--frame", "通常枠").output
    result = run("sql", "--lang", "en", "--dialect", "tsql")
    assert result.exit_code == 2 and result.stderr == (
        "refusing --dialect tsql: sqlglot writes an integer division in tsql as CAST(CAST(a AS FLOAT) / b AS BIGINT), which is "
        "not exact integer arithmetic (a float or a rounded decimal quotient); the query must be exact to the yen (duckdb and "
        "spark are tested against the tree evaluator)\n")
    # §7 C-1's per-item totals (金額 × 24 ÷ 利用月数) fold a list: written for DuckDB and Spark only
    result = run("sql", "--lang", "en", "--dialect", "mysql")
    assert result.exit_code == 4 and result.stderr == ("the SQL form cannot write this policy exactly: eligible_costs.rules:8: "
                                                       "a total of a value per item is written for DuckDB and Spark only\n")
    result = run("sql", "--lang", "en", "--dialect", "oracle2")
    assert result.exit_code == 2 and "unknown dialect 'oracle2'; sqlglot writes: athena, bigquery," in result.output
    readable, fused = run("sql", "--lang", "en").output, run("sql", "--lang", "en", "--fused").output
    assert '"rule: 中小企業" /* rule 中小企業 (applicants.rules:' in readable
    # rules-2024.md §7 C-2, C-4, C-7 add rules and a value beside 中小企業 in its step; C-1 the eligible costs' folds
    # (each total of fractions folded once on DuckDB, issue 25), first
    assert '"folds: 補助対象のソフトウェア費 … and 43 more" /* folds: 補助対象のソフトウェア費; ' in fused and "/* rule 中小企業 (applicants.rules:" in fused


def test_a_list_past_max_items_is_refused_in_parquet_as_in_json_lines(tmp_path, run, monkeypatch):
    """POLICY_MAX_ITEMS bounds the population path as it bounds a case: a Parquet case whose list (or
    an item's own list of members) holds more items is refused with the case reader's words, as the
    same case in JSON Lines is; a file within the limit is decided."""
    import pyarrow as pa

    from engine.sql.case_table import arrow_schema

    monkeypatch.setenv("POLICY_MAX_ITEMS", "2")
    folder = tmp_path / "policy"
    folder.mkdir()
    (folder / "policy.rules").write_text(RECORD_POLICY, encoding="utf-8")
    schema = arrow_schema(load_policy(folder).policy)
    item = {"区分": "ソフト", "金額": 100, "機能": None, "比率": None}
    for items, code, message in (
            ([item, item], 0, None),
            ([item, item, item], 3, "経費: 3 items; a list holds at most 2 (POLICY_MAX_ITEMS) (case id 1)"),
            ([{**item, "機能": ["PC", "PC", "ソフト"]}], 3, "経費[…].機能: 3 items; a list holds at most 2 (POLICY_MAX_ITEMS) (case id 1)")):
        cases = tmp_path / "cases.parquet"
        pq.write_table(pa.Table.from_pylist([{"id": 1, "経費": items, "申請日": None}], schema=schema), cases)
        result = run("population", "--lang", "en", str(cases), "-o", str(tmp_path / "d.csv"), "--policy", str(folder))
        assert result.exit_code == code, result.output
        if message:
            assert f"{cases}: {message}" in result.stderr, result.stderr
    lines = tmp_path / "cases.jsonl"
    lines.write_text(json.dumps({"経費": [item] * 3}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = run("population", "--lang", "en", str(lines), "-o", str(tmp_path / "d.csv"), "--policy", str(folder))
    assert result.exit_code == 3
    assert f"{lines}: line 1: 経費: 3 items; a list holds at most 2 (POLICY_MAX_ITEMS)" in result.stderr, result.stderr


def test_the_population_commands_say_their_refusals_in_japanese_by_default(tmp_path, run):
    """population, synth and sql speak --lang (Japanese unless asked for English) in their own
    refusals too, not only in the report's words."""
    result = run("population", str(tmp_path), "-o", str(tmp_path / "d.parquet"))
    assert (result.exit_code, result.stderr) == (
        3, f"ケースに誤りがあります: {tmp_path} はフォルダです。ケースのファイル（.parquet、.jsonl、.json、.csv、.xlsx）を指定してください\n")
    result = run("population", "--compare", str(OLD), str(NEW))
    assert (result.exit_code, result.stderr) == (2, "--compare には OLD_POLICY NEW_POLICY CASES の三つを指定してください\n")
    result = run("population", str(tmp_path / "none.jsonl"), "-o", str(tmp_path / "d.txt"))
    assert (result.exit_code, result.stderr) == (
        2, f"{tmp_path / 'd.txt'}: 判定結果は Parquet（.parquet）、CSV（.csv）、Excel（.xlsx）のいずれかで書き出します\n")
    result = run("synth", "--n", "0", "-o", str(tmp_path / "p.parquet"))
    assert (result.exit_code, result.stderr) == (2, "事業者の数は 1 から 1,000,000,000 までの整数にしてください（指定: 0）\n")
    result = run("sql", "--dialect", "oracle2")
    assert result.exit_code == 2 and result.stderr.startswith("'oracle2' という SQL の方言はありません。sqlglot が書ける方言: ")
