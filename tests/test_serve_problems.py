"""Every error of the service is an RFC 9457 problem (`application/problem+json`): a stable `type`
and `code` per kind, `title` and `detail` in the request's `?lang=` (Japanese by default), the
`instance` it happened on, and the field errors as `{field, got, expected, message}`. One test per
kind, in process (Starlette's test client over the real application and the bundled policies); the
kinds made below the application (the header limits) and by real time limits are checked against a
real server in test_serve_limits.py and test_serve_isolation.py."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from conftest import EXAMPLES, ROOT
from engine import __version__
from engine.serve import app as app_module
from engine.serve.app import Settings, create_app
from engine.serve.log import DecisionLog
from engine.serve.problems import KINDS
from engine.serve.registry import Registry

SMALL = (EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8")
TESTED_ELSEWHERE = {"body_timeout": "test_serve_isolation.py", "decision_timeout": "test_serve_isolation.py",
                    "header_too_large": "test_serve_limits.py", "header_timeout": "test_serve_limits.py"}


@pytest.fixture(scope="module")
def registry():
    return Registry(ROOT / "policies")


@pytest.fixture(scope="module")
def client(registry):
    settings = Settings(registry, max_body=65536, max_batch=3, max_trace=2_000_000, request_timeout=None)
    return TestClient(create_app(settings), raise_server_exceptions=False)  # no lifespan: no SIGHUP handler off the main thread


def problem(response, code: str, status: int | None = None) -> dict:
    """The body of a problem answer, after checking what every problem carries."""
    kind = KINDS[code]
    assert response.status_code == (status or kind.status), response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-engine-version"] == __version__
    assert response.headers["content-language"] == ("en" if "lang=en" in str(response.url) else "ja")
    body = response.json()
    assert body["type"] == f"/problems/{code}" and body["code"] == code and body["status"] == response.status_code
    assert body["engine_version"] == __version__
    for e in body["errors"]:
        assert {"field", "got", "expected", "message"} <= set(e) <= {"field", "got", "expected", "message", "label", "code", "accepts"}, e
    return body


def test_not_utf8(client):
    body = problem(client.post("/v1/decide", content=b"\x90\x00"), "not_utf8")
    assert body["title"] == "本文が UTF-8 ではありません"
    assert body["detail"] == "UTF-8 のテキストではありません（0 バイト目が 0x90）。ケースは UTF-8 で送ってください"
    assert body["instance"] == "/v1/decide"
    body = problem(client.post("/v1/decide?lang=en", content=b"\x90\x00"), "not_utf8")
    assert (body["title"], body["detail"]) == ("The body is not UTF-8", "not UTF-8 text (byte 0x90 at offset 0); send the case as UTF-8")


def test_malformed_json(client):
    body = problem(client.post("/v1/decide?lang=en", content=b'{"a": '), "malformed_json")
    assert body["title"] == "The body is not valid JSON"
    assert body["errors"] == [{"field": None, "got": None, "expected": None, "message": "line 1 column 7: malformed JSON: Expecting value"}]


def test_bad_query(client):
    body = problem(client.post("/v1/decide?whatif=false", content=SMALL), "bad_query")
    assert body["title"] == "クエリパラメータが正しくありません"
    assert body["errors"] == [{"field": "?whatif", "got": None, "expected": "frame, form, lang, trace, what_if, year",
                               "message": "知らないクエリパラメータです（what_if のことですか？）。パラメータ: frame, form, lang, trace, what_if, year"}]
    assert body["detail"] == "?whatif: " + body["errors"][0]["message"]
    body = problem(client.post("/v1/decide?form=short&lang=en", content=SMALL), "bad_query")
    assert body["errors"] == [{"field": "?form", "got": "short", "expected": "full, summary",
                               "message": "got 'short', expected one of: full, summary"}]


def test_bad_batch(client):
    body = problem(client.post("/v1/batch?lang=en", json={"cases": 3}), "bad_batch")
    assert body["errors"] == [{"field": "cases", "got": None, "expected": "a JSON list of cases",
                               "message": 'expected a JSON list of cases, or an object {"cases": [...]}'}]


def test_no_route(client):
    body = problem(client.get("/v2/decide"), "no_route")
    assert body["detail"] == "/v2/decide というパスはありません。パスの一覧は /openapi.json と /docs にあります"
    assert body["instance"] == "/v2/decide"


def test_unknown_year_in_the_path_is_404_and_in_the_query_422(client):
    body = problem(client.get("/v1/schema/2030?lang=en"), "unknown_year", 404)
    assert body["errors"] == [{"field": "year", "got": "2030", "expected": "2023, 2024, 2025",
                               "message": "no policy year 2030; the years available are: 2023, 2024, 2025"}]
    assert body["years_available"] == [2023, 2024, 2025]
    body = problem(client.post("/v1/decide?year=2030", content=SMALL), "unknown_year", 422)
    assert body["title"] == "その年度の制度はありません"
    assert body["detail"] == "?year: 2030 年度の制度はありません。提供している年度: 2023, 2024, 2025"


def test_unknown_definition(client):
    body = problem(client.get("/v1/rules/ない?year=2024&lang=en"), "unknown_definition")
    assert body["errors"] == [{"field": "name", "got": "ない", "expected": None,
                               "message": "the 2024 policy has nothing named ない; /v1/rules lists everything"}]


def test_method_not_allowed(client):
    response = client.get("/v1/decide?lang=en")
    body = problem(response, "method_not_allowed")
    assert response.headers["allow"] == "POST"
    assert body["errors"] == [{"field": None, "got": "GET", "expected": "POST", "message": "/v1/decide takes POST, not GET"}]


def test_body_too_large(client):
    body = problem(client.post("/v1/decide", content=b"{" + b" " * 70000 + b"}"), "body_too_large")
    assert body["detail"] == "リクエスト本文が 65,536 バイトを超えています。1回に1件、またはバッチを小さくして送ってください"
    assert body["limit_bytes"] == 65536


def test_batch_too_large(client):
    case = json.loads(SMALL)
    body = problem(client.post("/v1/batch?lang=en", json=[case] * 4), "batch_too_large")
    assert body["detail"] == "cases: 4 cases; a batch holds at most 3" and body["limit_cases"] == 3


def test_trace_too_large(client):
    case = json.loads(SMALL)
    case["経費"] = case["経費"][:1] * 1000  # POLICY_MAX_ITEMS: a traced answer of about 3 MB
    body = problem(client.post("/v1/decide?trace=true", json=case), "trace_too_large")
    assert body["errors"][0]["field"] == "?trace" and "--max-trace" in body["detail"] and body["limit_bytes"] == 2_000_000
    assert body["policy"]["year"] == 2024


def test_invalid_case_lists_every_field_with_what_it_got_and_expected(client):
    case = {"申請者": {"組織形態": "会社", "業種": "製造業", "従業員数": 1.5, "資本金": "多い", "賃上げ特例": False}, "申請日": "2024-07-01"}
    body = problem(client.post("/v1/decide?lang=en", json=case), "invalid_case")
    assert body["title"] == "The case does not fit the policy"
    errors = {e["field"]: e for e in body["errors"]}
    count = {"type": "count", "minimum": 0, "maximum": 10 ** 15}
    assert errors["申請者.従業員数"] == {"field": "申請者.従業員数", "label": "申請者.従業員数", "code": "wrong_type", "got": "1.5",
                                    "expected": "a whole number (e.g. 12)", "accepts": count,
                                    "message": "got 1.5, expected a whole number (e.g. 12); fractions of a yen or a person are not allowed"}
    assert errors["申請者.資本金"] == {"field": "申請者.資本金", "label": "申請者.資本金", "code": "wrong_type", "got": '"多い"',
                                   "expected": "a whole number of yen (e.g. 500000)", "accepts": count | {"type": "yen"},
                                   "message": 'got "多い", expected a whole number of yen (e.g. 500000)'}
    assert errors["経費"] == {"field": "経費", "label": "経費", "code": "missing", "got": None, "expected": "a list of 経費明細",
                            "accepts": {"type": "list", "of": "経費明細", "max_items": 1000}, "message": "missing; expected a list of 経費明細"}
    assert body["detail"] == f"{len(errors)} problems: " + ", ".join(errors)
    assert body["policy"]["year"] == 2024
    ja = problem(client.post("/v1/decide", json=case), "invalid_case")
    assert ja["detail"] == f"{len(errors)} 件の問題があります: " + "、".join(e["label"] for e in ja["errors"])
    assert all(e["expected"] for e in ja["errors"]) and [e["expected"] for e in ja["errors"]][:3] == ["「経費の明細」のリスト", "円単位の整数（例: 500000）", "整数（例: 12）"]


def test_an_items_field_error_names_its_index_and_the_value_it_got(client):
    case = json.loads(SMALL)
    case["経費"] = [{"区分": "ソフトウェア", "金額": 1000}, {"区分": "ソフトウェア", "金額": "-1"}]
    body = problem(client.post("/v1/decide?lang=en", json=case), "invalid_case")
    assert body["errors"] == [{"field": "経費[1].金額", "label": "経費[1].金額", "code": "wrong_type", "got": '"-1"',
                               "expected": "a whole number of yen (e.g. 500000)", "accepts": {"type": "yen", "minimum": 0, "maximum": 10 ** 15},
                               "message": 'got "-1", expected a whole number of yen (e.g. 500000)'}]


def test_no_year_in_force(client):
    case = dict(json.loads(SMALL), 申請日="2025-03-01")  # between the 2024 and 2025 calls
    body = problem(client.post("/v1/decide", json=case), "no_year_in_force")
    assert body["title"] == "申請日に公募中の年度がありません"
    assert body["detail"].startswith("申請日がどの年度の公募期間にも入りません。各年度の期間: 2023: 2023-01-01..2024-02-15")


def test_unknown_frame(client):
    body = problem(client.post("/v1/decide?frame=通常", content=SMALL), "unknown_frame")
    assert body["errors"][0]["field"] == "?frame" and body["errors"][0]["got"] == "通常"
    assert body["errors"][0]["message"].startswith("枠 通常 はありません（通常枠 のことですか？）。この制度の枠: 通常枠、")


def test_internal_error_is_one_line_and_no_traceback(client, monkeypatch, capsys):
    def broken(*args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(app_module, "_decide_one", broken)
    body = problem(client.post("/v1/decide?lang=en", content=SMALL), "internal_error")
    assert body["detail"] == "internal error: ZeroDivisionError" and "Traceback" not in json.dumps(body)
    assert capsys.readouterr().err == "internal error on /v1/decide: ZeroDivisionError: a bug\n"


def test_log_unavailable(registry):
    settings = Settings(registry, log=DecisionLog("/dev/full"), request_timeout=None)
    c = TestClient(create_app(settings), raise_server_exceptions=False)
    response = c.post("/v1/decide", content=SMALL)
    body = problem(response, "log_unavailable")
    assert response.headers["retry-after"] == "10"
    assert body["title"] == "判定記録に書き込めません"
    assert body["detail"].startswith("判定記録に書き込めないため、判定を返していません（the decision log /dev/full cannot be written")


def test_a_failed_case_of_a_batch_is_a_problem_in_its_result(client):
    case = json.loads(SMALL)
    body = client.post("/v1/batch", json=[case, "x"]).json()
    failed = body["results"][1]
    assert (failed["index"], failed["ok"], failed["status"], failed["code"], failed["type"]) == (1, False, 422, "invalid_case", "/problems/invalid_case")
    assert failed["title"] == "ケースが制度の入力に合いません" and "instance" not in failed


def test_every_kind_is_tested():
    here = {name.removeprefix("test_") for name in globals() if name.startswith("test_")}
    untested = {code for code in KINDS if code not in TESTED_ELSEWHERE and not any(name.startswith(code) for name in here)}
    assert untested == set()
    for code, file in TESTED_ELSEWHERE.items():
        assert f'"{code}"' in (ROOT / "tests" / file).read_text(encoding="utf-8"), (code, file)


def test_the_pages_calls_answer_problems_too(client):
    body = problem(client.post("/page/relevant", json=[1]), "invalid_case")
    assert (body["detail"], body["instance"]) == ("ケース: リスト は使えません。ケースはJSONのオブジェクトで書いてください", "/page/relevant")
    body = problem(client.post("/page/check?lang=en", json={"frame": 3}), "invalid_case")
    assert body["errors"] == [{"field": "frame", "label": "frame", "code": "wrong_type", "got": "3", "expected": "the name of a frame or a list of names",
                               "accepts": {"type": "frame"}, "message": "got 3, expected the name of a frame or a list of names"}]


def test_every_kind_is_told_in_japanese_and_english():
    import re

    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    for kind in KINDS.values():
        for words in (kind.title, kind.description):
            assert japanese.search(words.ja) and not japanese.search(words.en.replace("ja, en", "")), (kind.code, words)
    assert len({k.title.ja for k in KINDS.values()}) == len({k.title.en for k in KINDS.values()}) == len(KINDS)
    assert all(re.fullmatch(r"[a-z0-9_]+", code) for code in KINDS)  # a code is its type's last segment, as it stands
