"""policy batch --engine sql (the columnar path, engine/population/columnar.py) writes byte for
byte what the row path writes — decisions and error records, in input order, JSON Lines and CSV —
and --engine auto takes it only for a large enough file, and never without DuckDB."""

from __future__ import annotations

import json
import sys

import pytest

from conftest import EXAMPLES, POLICY_2024
from engine.population import columnar

pytest.importorskip("duckdb")
pytest.importorskip("orjson")



def _examples() -> list[str]:
    """Every example as a line: as it is (description and expected, which the reader ignores), and bare."""
    lines = []
    for path in sorted(EXAMPLES.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        lines.append(json.dumps(case, ensure_ascii=False))
        bare = {k: v for k, v in case.items() if k not in ("description", "expected")}
        lines.append(json.dumps(bare, ensure_ascii=False, separators=(",", ":")))
    return lines


def _mixed() -> bytes:
    """Valid lines among every kind of line the columnar reader must leave to the case reader."""
    good = json.loads((EXAMPLES / "c1_two_fees_summed_exactly.json").read_text(encoding="utf-8"))
    good = {k: v for k, v in good.items() if k not in ("description", "expected")}

    def case(**changes) -> str:
        return json.dumps({**good, **changes}, ensure_ascii=False)

    applicant = good["申請者"]
    lines = [
        "\ufeff" + case(),  # a BOM before the first line
        case(),
        "",  # blank lines are no records
        "   \t",
        "{ this is not JSON",
        case()[:-1] + ",}",  # a trailing comma: DuckDB's parser and orjson differ from Python's here
        case()[:-1] + ', "申請日": "2024-07-02"}',  # a repeated key
        case(申請者={**applicant, "資本金": float("nan")}),  # NaN: Python's json takes it, the case reader refuses it
        case(申請者={**applicant, "資本金": 10000000.0}),  # an integral amount written as a decimal: read as 10000000
        case(申請者={**applicant, "資本金": "1000万円"}),
        case(申請者={**applicant, "業種": "製造"}),  # not a member: the error suggests 製造業
        case(申請者={**applicant, "資本金": -1}),
        case(申請者={**applicant, "資本金": True}),
        case(申請者={**applicant, "従業員数": None}),  # a required input as null
        case(申請者={k: v for k, v in applicant.items() if k != "業種"}),  # and left out
        case(申請日="2024-7-1"),
        case(申請日="2024-02-30"),
        case(資本関係={"最大大企業株主の持株比率": "50%"}),  # a ratio the reader reads and the columnar path leaves to it
        case(資本関係={"最大大企業株主の持株比率": "1/3", "大企業の持株比率合計": 1}),
        case(資本関係={"最大大企業株主の持株比率": "4/3"}),
        case(経費=[]),
        case(経費=[{"区分": "ソフトウェア", "金額": 100000, "未知": 1}]),
        case(経費=[{"区分": "ソフトウェア", "金額": 100000}, "item"]),
        case(経費={"区分": "ソフトウェア"}),
        case(申請者={**applicant, "最低賃金近傍事業者": True}),  # a field of 2025: unused under 2024, not a typo
        case(申請者={**applicant, "最低賃金近傍事業者": {"nested": {"a": 1}}}).replace('"a": 1', '"a": 1, "a": 0'),  # repeated inside
        case(未知の項目=1),
        case(frame="通常枠"),
        case(frame=3),
        case(description='a note with ": inside'),
        case(expected={"frames": {}}),
        "[1, 2]",
        '"a string"',
        case(申請者={**applicant, "資本金": 10**16}),
        case(申請者={**applicant, "資本金": 10**30}),
        case().replace("サービス業", "\\ud800"),  # a lone surrogate, escaped
    ]
    data = "\n".join(lines).encode("utf-8") + b"\n\xff\xfe not UTF-8\n" + case().encode("utf-8")  # and no last newline
    return data


def _both(run, tmp_path, data: bytes, fmt: str, *options) -> tuple[bytes, str]:
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    out = {}
    for engine in ("rows", "sql"):
        target = tmp_path / f"{engine}.{fmt}"
        result = run("batch", source, "-o", target, "--policy", POLICY_2024, "--engine", engine, *options)
        assert result.exit_code == 0, result.output
        out[engine] = (target.read_bytes(), result.stderr)
    assert out["sql"] == out["rows"]
    return out["rows"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_every_example_gives_the_same_bytes_both_ways(run, tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(columnar, "ROWS_PER_BATCH", 7)  # the cases made into Arrow a few at a time, joined again
    text, summary = _both(run, tmp_path, "\n".join(_examples()).encode("utf-8") + b"\n", fmt)
    assert text.count(b"\n") == 2 * len(list(EXAMPLES.glob("*.json"))) + 2 * (fmt == "csv")  # a CSV: the names row, the labels row
    assert "判定: " in summary  # the summaries on standard error were compared whole


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_valid_and_invalid_lines_mixed_give_the_same_bytes_both_ways(run, tmp_path, fmt, monkeypatch):
    monkeypatch.setenv("POLICY_MAX_CASE_BYTES", "4000")  # a line past it is its own error record
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 1500)  # many blocks: lines cut across reads, joined again
    data = json.dumps({"description": "x" * 5000}).encode() + b"\n" + _mixed()
    text, _ = _both(run, tmp_path, data, fmt, "--lang", "en")
    if fmt == "jsonl":
        records = [json.loads(line) for line in text.decode("utf-8").splitlines()]
        assert [r["line"] for r in records] == sorted(r["line"] for r in records)
        assert sum(r["ok"] for r in records) >= 8 and sum(not r["ok"] for r in records) >= 20


def test_two_workers_give_the_same_bytes(run, tmp_path, monkeypatch):
    monkeypatch.setattr(columnar, "BLOCK_BYTES", 4000)  # several blocks, each read by both workers a block ahead
    _both(run, tmp_path, _mixed(), "jsonl", "--workers", "2")


@pytest.mark.parametrize("block_bytes", [32 << 20, 4000])
def test_resume_continues_the_columnar_path_where_it_stopped(run, tmp_path, monkeypatch, block_bytes):
    monkeypatch.setattr(columnar, "BLOCK_BYTES", block_bytes)  # 4000: records passed over in the first blocks, read by DuckDB after
    lines = _examples()[:30]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = tmp_path / "whole.jsonl"
    assert run("batch", source, "-o", whole, "--policy", POLICY_2024, "--engine", "rows").exit_code == 0
    part = tmp_path / "part.jsonl"
    kept = whole.read_bytes().split(b"\n")
    part.write_bytes(b"\n".join(kept[:12]) + b"\n" + kept[12][:20])  # 12 whole records and a torn one
    result = run("batch", source, "-o", part, "--policy", POLICY_2024, "--engine", "sql", "--resume")
    assert result.exit_code == 0, result.output
    assert part.read_bytes() == whole.read_bytes()


def test_auto_takes_the_columnar_path_for_a_large_file_only(run, tmp_path, monkeypatch):
    taken = []
    real = columnar.decide_all

    def spy(*args, **kwargs):
        taken.append(True)
        return real(*args, **kwargs)

    monkeypatch.setattr(columnar, "decide_all", spy)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(_examples()[:6]) + "\n", encoding="utf-8")
    assert run("batch", source, "-o", tmp_path / "a.jsonl", "--policy", POLICY_2024).exit_code == 0
    assert taken == []  # smaller than AUTO_BYTES
    monkeypatch.setattr(columnar, "AUTO_BYTES", 1)
    assert run("batch", source, "-o", tmp_path / "b.jsonl", "--policy", POLICY_2024).exit_code == 0
    assert taken == [True]
    assert run("batch", source, "-o", tmp_path / "c.jsonl").exit_code == 0  # the bundled years chosen per case: rows
    assert run("batch", source, "-o", tmp_path / "d.jsonl", "--policy", POLICY_2024, "--trace").exit_code == 0
    assert taken == [True]
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_without_duckdb_auto_falls_back_to_rows_and_sql_is_refused(run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # `import duckdb` now raises ImportError
    monkeypatch.setattr(columnar, "AUTO_BYTES", 1)
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(_examples()[:4]) + "\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "a.jsonl", "--policy", POLICY_2024)
    assert result.exit_code == 0, result.output
    assert len((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    result = run("batch", source, "-o", tmp_path / "b.jsonl", "--policy", POLICY_2024, "--engine", "sql", "--lang", "en")
    assert result.exit_code == 2
    assert "--engine sql: DuckDB, pyarrow and orjson are not all installed (pip install 'subsidy-policy[population]')" in result.stderr
    assert not (tmp_path / "b.jsonl").exists()


def test_sql_is_refused_where_it_cannot_run(run, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(_examples()[:2]) + "\n", encoding="utf-8")
    result = run("batch", source, "-o", tmp_path / "a.jsonl", "--engine", "sql", "--lang", "en")
    assert result.exit_code == 2
    assert "--engine sql: it decides under one policy year (give --policy)" in result.stderr
    result = run("batch", source, "-o", tmp_path / "a.jsonl", "--engine", "sql", "--policy", POLICY_2024, "--trace", "--lang", "en")
    assert result.exit_code == 2
    assert "--engine sql: --trace needs the tree evaluator" in result.stderr
    result = run("batch", source, "-o", tmp_path / "a.jsonl", "--engine", "sql", "--policy", POLICY_2024, "--trace")
    assert result.exit_code == 2
    assert "--engine sql: --trace を使う場合は" in result.stderr  # Japanese by default, as every usage error of batch


def test_the_columnar_reader_takes_plain_cases_and_leaves_the_rest_to_the_case_reader():
    """What the equality above rests on: the lines DuckDB decides are read as the case reader reads
    them (the same values), and every line it is unsure of is left to that reader."""
    from engine.compile.pipeline import load_policy
    from engine.evaluate.case import CaseError, field_names, parse_json_line, read_case
    from engine.population.certain import CertainReader
    from engine.sql import case_table

    policy = load_policy(POLICY_2024).policy
    also = field_names(load_policy(POLICY_2024.parent / "2025").policy)
    reader = CertainReader(policy, also)
    lines = _mixed().decode("utf-8", "replace").lstrip("\ufeff").split("\n") + _examples()
    taken = 0
    for number, line in enumerate(lines, 1):
        row = reader.row(number, line)
        if row is None:
            continue
        taken += 1
        expected = case_table.to_row(policy, number, read_case(policy, parse_json_line(line), also_known=also))
        assert row == expected, line
    assert taken >= 150
    left = ['{"申請日": "2024-07-01", "申請日": "2024-07-01"}', '{"申請日": "2024-07-01",}', '{"description": "a\\": b"}']
    assert [reader.row(1, line) for line in left] == [None, None, None]
    with pytest.raises(CaseError):
        read_case(policy, parse_json_line(left[0]))


def _adversarial() -> list[str]:
    """Lines written to catch DuckDB's JSON reader taking what Python's refuses, or reading it otherwise."""
    good = json.loads((EXAMPLES / "c1_two_fees_summed_exactly.json").read_text(encoding="utf-8"))
    good = {k: v for k, v in good.items() if k not in ("description", "expected")}
    applicant, fees = good["申請者"], good["経費"]
    compact = json.dumps(good, ensure_ascii=False, separators=(",", ":"))
    plain = json.dumps(good, ensure_ascii=False)

    def case(**changes) -> str:
        return json.dumps({**good, **changes}, ensure_ascii=False)

    def money(value) -> str:  # the capital written as the raw JSON text `value`
        return case(申請者={**applicant, "資本金": 7}).replace('"資本金": 7', '"資本金": ' + value)

    lines = [plain, compact, plain.replace(", ", ",\t"), plain + "\r", " " + plain + " ", json.dumps(good),  # \u escapes
             "", "   ", "{}", "[]", "5", '"text"', "null", plain + " x", plain + plain, "[" + plain + "]",
             plain[:-1] + ",}", plain[:-1] + ', "申請日": "2024-07-02"}', plain.replace('"経費": [', '"経費": [{"区分": "役務", "金額": 1},', 1),
             plain.replace('"申請者":', '"申請者" :'), plain.replace('"申請者":', '"申請者"\t:'), plain[:-1] + ', "未知": 1}',
             plain[:-1] + ', "申請者": ' + json.dumps(applicant, ensure_ascii=False) + "}", plain[:-1] + ', "description": "x"}',
             plain[:-1] + ', "frame": "通常枠"}', plain.replace('"申請日": ', '"申請日": null, "x": ', 1), "\ufeff" + plain,
             plain.replace("ソフトウェア", "\\u30bd\\u30d5\\u30c8\\u30a6\\u30a7\\u30a2"), plain.replace("ソフトウェア", "ソフト\\\"ウェア"),
             case(申請者=[applicant]), case(申請者=5), case(申請者="x"), case(申請者=None), case(申請者={}),
             case(経費=fees[0]), case(経費="x"), case(経費=None), case(経費=[None]), case(経費=[fees[0], 5]), case(経費=[[fees[0]]]),
             case(経費=[{**fees[0], "金額": None}]), case(経費=[{**fees[0], "余分": 1}]), case(経費=[{"区分": fees[0]["区分"]}]),
             case(申請者={**applicant, "業種": ":x"}), case(申請者={**applicant, "業種": "製造業 "}), case(申請者={**applicant, "業種": ["製造業"]}),
             case(申請者={**applicant, "資本金": None}), case(申請者={**applicant, "従業員数": None}),
             case(申請者={k: v for k, v in applicant.items() if k != "業種"}),
             case(申請日="2024-02-29"), case(申請日="2023-02-29"), case(申請日="0000-01-01"), case(申請日="2024-1-01"),
             case(申請日="2024-01-01T00:00"), case(申請日=" 2024-01-01"), case(申請日=20240101),
             case(資本関係={}), case(資本関係=5), case(資本関係=[]), case(資本関係="x"), case(資本関係=None), case(資本関係={"": 1})]
    for value in ["0", "-0", "-1", "1", "007", "1.0", "1e3", "1E3", "1000.5", "10000000.0", "1000000000000000", "1000000000000001",
                  "10000000000000000", "9223372036854775807", "9223372036854775808", "18446744073709551616", "1" + "0" * 30,
                  "true", "false", '"1000"', "NaN", "Infinity", "-Infinity", "[1]", "{}", "{\"a\": 1}"]:
        lines.append(money(value))
    for ratio in [0, 1, 2, "0", "1", "1/3", "2/6", "0/5", "5/0", "4/3", "3/3", "50%", " 1/3", "1/3 ", "1 / 3", 0.5, 1.0, True,
                  "1" * 16 + "/" + "2" * 16, "0x1", "１/３"]:
        lines.append(case(資本関係={"最大大企業株主の持株比率": ratio}))
    return lines


@pytest.mark.parametrize("newline", ["", "\n"])
def test_duckdb_takes_only_lines_the_strict_reader_takes_and_reads_them_the_same(newline):
    """What the SQL reader (certain_sql) rests on: every line DuckDB decides itself is one the Python
    strict reader (certain.py) also takes, to the same cells; and it does take plain lines."""
    import duckdb
    import pyarrow as pa

    from engine.compile.pipeline import load_policy
    from engine.population.certain import CertainReader
    from engine.population.certain_sql import checked_sql

    policy = load_policy(POLICY_2024).policy
    reader = CertainReader(policy)
    lines = _adversarial() + _mixed().decode("utf-8", "replace").split("\n") + _examples()
    con = duckdb.connect()
    con.register("raw", pa.table({"id": pa.array(range(1, len(lines) + 1), pa.int64()),
                                  "line": pa.array([line + newline for line in lines], pa.string())}))
    result = con.execute(f"SELECT * FROM ({checked_sql(policy)}) WHERE ok ORDER BY id")
    names = [d[0] for d in result.description]
    taken = [dict(zip(names, row)) for row in result.fetchall()]
    for row in taken:
        line = lines[row.pop("ok") and row["id"] - 1]
        assert reader.row(row["id"], line + newline) == row, line
    numbers = {row["id"] for row in taken}
    # of the adversarial lines: plain, compact, tabs, \r, spaces; a date that exists; an amount of 0,
    # -0, 1 or 10**15; an empty group; a ratio of 0, 1, "0", "1", "1/3", "2/6", "0/5" or "3/3"
    assert sorted(n for n in numbers if n <= len(_adversarial())) == [1, 2, 3, 4, 5, 19, 50, 57, 63, 64, 66, 73, 89, 90, 92, 93, 94, 95, 96, 99]
    assert len(numbers) >= 150  # and the examples without a description


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_adversarial_lines_give_the_same_bytes_both_ways(run, tmp_path, fmt):
    """The lines above as a file: those DuckDB reads and those it leaves to Python, in input order."""
    _both(run, tmp_path, "\n".join(_adversarial()).encode("utf-8") + b"\n", fmt, "--lang", "en")


def test_plain_lines_are_read_by_duckdb_and_only_the_others_in_python(run, tmp_path, monkeypatch):
    """The equality above is of DuckDB's reading, not of Python's: the bare examples (no description)
    are decided from DuckDB's reading, but for the few written with something it leaves to Python (a
    field of another year, a ratio as "60%", a null)."""
    in_python = []
    real = columnar.read_part

    def spy(part):
        in_python.extend(number for number, _, _ in part)
        return real(part)

    monkeypatch.setattr(columnar, "read_part", spy)
    lines = _examples()
    _both(run, tmp_path, "\n".join(lines).encode("utf-8") + b"\n", "jsonl")
    described = {n for n, line in enumerate(lines, 1) if '"description"' in line}
    bare = len(lines) - len(described)
    assert described <= set(in_python)
    assert 0 < len(set(in_python) - described) * 20 < bare
