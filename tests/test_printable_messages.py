"""Every message that may carry a case's own text is safe to print (issue 26, faults 2, 3, 4): a key
with a lone surrogate (`"\\ud800"` is valid JSON, not encodable as UTF-8) or a newline never stops
`policy batch`, never splits a CSV record in two (so `--resume` keeps exactly the records written),
and the service answers such a case 422 (or 200 when the key is one it ignores), never 500."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import EXAMPLES
from engine.language import diagnostics
from engine.language.diagnostics import CaseError
from engine.population import batch
from test_serve_support import logged_server

SMALL = EXAMPLES / "seed_invoice_small_1m.json"
HOSTILE = ['{"\\ud800": 1}', '{"a\\nb": 1}', '{"\\u0000\\r\\u2028": 2}', '{"\\udfff\\n": {"\\ud83d": 1}}']


def test_printable_leaves_one_line_of_valid_unicode():
    text = diagnostics.printable("a\nb\ud800c\x00\u2028\t\x1b[31m 日本")
    assert text == "a\\nb\\ud800c\\x00\\u2028\\t\\x1b[31m 日本"
    text.encode("utf-8")
    assert diagnostics.printable("経費明細: 金額 must be yen") == "経費明細: 金額 must be yen"


def test_a_case_error_is_printable_whatever_the_case_holds():
    error = CaseError(["\ud800: unknown field", "a\nb: unknown field"], "x\ny.json")
    str(error).encode("utf-8")
    assert len(str(error).splitlines()) == 2


@pytest.mark.parametrize("output", ["out.jsonl", "out.csv"])
def test_a_record_with_a_lone_surrogate_or_a_newline_in_a_key_never_stops_the_batch(tmp_path, run, output):
    cases = tmp_path / "in.jsonl"
    good = json.dumps(json.loads(SMALL.read_text(encoding="utf-8")), ensure_ascii=False)
    cases.write_text("\n".join([good, *HOSTILE, good]) + "\n", encoding="utf-8")
    result = run("batch", cases, "-o", tmp_path / output)
    assert result.exit_code == 0, result.output
    data = (tmp_path / output).read_text(encoding="utf-8-sig")
    if output.endswith(".csv"):
        labels, *records = csv.DictReader(io.StringIO(data))  # the names, then a row of their labels
        rows = [{**r, "ok": r["ok"] == "はい", "line": r["id"]} for r in records]
        assert len(data.splitlines()) == len(rows) + 2  # one physical line per record
    else:
        rows = [json.loads(line) for line in data.splitlines()]
    assert [r["ok"] for r in rows] == [True] + [False] * len(HOSTILE) + [True]
    assert [int(r["line"]) for r in rows] == list(range(1, len(HOSTILE) + 3))


def test_resume_counts_csv_records_not_lines():
    """A CSV cell may hold a newline (quoted): resume counts records, and cuts a torn one whole."""
    header = "line,ok,errors\n"
    one = '1,false,"a\nb: unknown field"\n'
    two = '2,false,"say ""x""\nand y"\n'
    data = (header + one + two).encode()
    assert len(batch.record_ends(data, "csv")) == 3
    torn = (header + one + '2,false,"say ""x""\n').encode()  # killed between the two lines of a record
    assert batch.record_ends(torn, "csv")[-1] == len((header + one).encode())


def test_resume_after_a_kill_inside_a_quoted_newline_keeps_every_record_once(tmp_path, run):
    cases = tmp_path / "in.jsonl"
    good = json.dumps(json.loads(SMALL.read_text(encoding="utf-8")), ensure_ascii=False)
    lines = [good if i % 3 else HOSTILE[i % len(HOSTILE)] for i in range(30)]
    cases.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = tmp_path / "whole.csv"
    assert run("batch", cases, "-o", whole).exit_code == 0
    expected = whole.read_bytes()
    ends = batch.record_ends(expected, "csv")
    for cut in (ends[5] - 3, ends[10] + 7, ends[-1] - 1):
        out = tmp_path / "cut.csv"
        out.write_bytes(expected[:cut] + b'9,false,"torn\n')  # a record cut inside its quoted cell
        result = run("batch", cases, "-o", out, "--resume")
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == expected


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--max-body", "65536")
    yield s
    s.stop()


@pytest.mark.parametrize("path", ["/v1/decide", "/v1/explain", "/page/check", "/page/result"])
@pytest.mark.parametrize("body", HOSTILE)
def test_the_service_answers_a_hostile_key_422_not_500(server, path, body):
    status, _, data = server.post(path, body.encode(), {"Content-Type": "application/json"})
    assert status == 422, data[:300]
    data.decode("utf-8")


def test_the_service_decides_a_valid_case_with_a_surrogate_where_it_is_ignored(server):
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    case["description"] = "\ud800 \n"
    body = json.dumps(case)  # ASCII, the surrogate as its escape
    status, _, data = server.post("/v1/decide", body.encode(), {"Content-Type": "application/json"})
    assert status == 200, data[:300]


def test_a_batch_with_a_hostile_case_answers_each_case(server):
    good = SMALL.read_text(encoding="utf-8")
    body = '{"cases": [' + good + ", " + HOSTILE[0] + ", " + HOSTILE[1] + ", " + good + "]}"
    status, _, data = server.post("/v1/batch", body.encode(), {"Content-Type": "application/json"})
    assert status == 200, data[:300]
    results = json.loads(data)["results"]
    assert [r.get("ok", "errors" not in r) for r in results][:1] and len(results) == 4
