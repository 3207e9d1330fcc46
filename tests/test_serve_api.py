"""`policy serve` against a real server process on localhost: the decisions equal the CLI's, bad
requests get the CLI's messages with their field paths and exact status codes, and every response
names the policy year, its content hash and the engine version."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import quote
import sys
import time

import pytest

from conftest import EXAMPLES, ROOT
from engine import __version__
from test_serve_support import logged_server

SMALL = EXAMPLES / "seed_invoice_small_1m.json"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = logged_server(tmp_path_factory, "--max-body", "65536")
    yield s
    s.stop()


def cli_json(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "engine.cli", "eval", *args, "--format", "json", "--policies", "policies"],
                         cwd=ROOT, capture_output=True, text=True)
    return json.loads(out.stdout)


def hash_of(server, year: int) -> str:
    _, _, body = server.get("/v1/policies")
    return next(y["content_hash"] for y in json.loads(body)["years"] if y["year"] == year)


def test_decide_gives_the_cli_decision_and_names_year_hash_engine(server):
    status, headers, body = server.post_json("/v1/decide", SMALL.read_text(encoding="utf-8"))
    assert status == 200
    assert headers["X-Policy-Year"] == "2024" and headers["X-Engine-Version"] == __version__
    assert headers["X-Policy-Content-Hash"] == hash_of(server, 2024) == body["policy"]["content_hash"]
    assert headers["X-Decision-Id"] == body["decision_id"]
    assert body["policy"]["year"] == 2024 and body["engine_version"] == __version__
    assert {f["frame"]: f["subsidy"] for f in body["frames"]}["インボイス対応類型"] == 750000
    assert body["selected_policy"]["chosen_by"] == {"field": "申請日", "date": "2024-07-01"}
    cli = cli_json(str(SMALL), "--no-trace")
    strip = lambda d: {k: v for k, v in d.items() if k not in ("decision_id", "policy", "selected_policy")}  # noqa: E731
    assert strip(body) == strip(cli)


def test_trace_and_lang_are_query_parameters(server):
    _, _, body = server.post_json("/v1/decide?trace=true&lang=en", SMALL.read_text(encoding="utf-8"))
    cli = cli_json(str(SMALL), "--trace", "--lang", "en")
    strip = lambda d: {k: v for k, v in d.items() if k not in ("decision_id", "policy", "selected_policy")}  # noqa: E731
    assert strip(body) == strip(cli)
    assert body["frames"][1]["label"] == "invoice frame (invoice-compliance type)"


def test_the_summary_form_is_the_fast_forms_answer(server):
    _, _, body = server.post_json("/v1/decide?form=summary", (EXAMPLES / "seed_normal_1m_software.json").read_text(encoding="utf-8"))
    assert body["format"] == "subsidy-decision-summary/2" and body["best_frame"] == "通常枠"
    assert body["frames"][0] == {"frame": "通常枠", "status": "eligible", "subsidy": 500000, "reasons": [], "pending_steps": []}
    assert body["frames"][1]["reasons"] == [{"kind": "requirement", "name": "インボイス対応の機能", "label": "会計・受発注・決済のうち1機能以上を有する",
                                             "source": {"key": "公募要領", "title": "IT導入補助金2024 公募要領（脚注の逐語引用: kagetu-net.com, mis-medical.jp; rules-2024.md §3）",
                                                        "detail": "※2 会計・受発注・決済のうち1機能以上を有することが機能要件"}}]


def test_the_year_is_picked_by_date_or_pinned(server):
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    case["申請日"] = "2025-03-31"  # rules-2024.md §7 C-12: the 2025 call's first day (2025-03-01 is in no call)
    _, headers, body = server.post_json("/v1/decide?form=summary", case)
    assert headers["X-Policy-Year"] == "2025" and body["policy"]["year"] == 2025
    _, headers, body = server.post_json("/v1/decide?form=summary&year=2024", case)
    assert body["policy"]["year"] == 2024 and body["selected_policy"]["chosen_by"] == {"pinned": "2024"}


def test_an_unknown_year_gets_422_with_the_years_available(server):
    status, _, body = server.post_json("/v1/decide?year=2030&lang=en", SMALL.read_text(encoding="utf-8"))
    assert status == 422 and body["code"] == "unknown_year"
    assert body["errors"] == [{"field": "?year", "got": "2030", "expected": "2023, 2024, 2025",
                               "message": "no policy year 2030; the years available are: 2023, 2024, 2025"}]
    assert body["years_available"] == [2023, 2024, 2025]
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    case["申請日"] = "2031-01-01"
    status, _, body = server.post_json("/v1/decide?lang=en", case)
    assert status == 422 and body["code"] == "no_year_in_force"
    assert body["detail"] == ("no policy year is in force on the case's application date; years: "
                              "2023: 2023-01-01..2024-02-15; 2024: 2024-02-16..2024-10-15; 2025: 2025-03-31..2025-12-31")  # §7 C-12
    status, _, body = server.post_json("/v1/decide", case)
    assert body["detail"] == ("申請日がどの年度の公募期間にも入りません。各年度の期間: "
                              "2023: 2023-01-01..2024-02-15; 2024: 2024-02-16..2024-10-15; 2025: 2025-03-31..2025-12-31")


def test_a_case_that_does_not_fit_gets_422_naming_each_field_with_the_cli_message(server, tmp_path):
    case = {"申請者": {"組織形態": "会社", "業種": "製造", "従業員": 3, "資本金": -5}, "申請日": "2024-07-01"}
    status, headers, body = server.post_json("/v1/decide?lang=en", case)
    assert status == 422 and headers["X-Policy-Year"] == "2024"
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert all(e["label"] == e["field"] for e in body["errors"])  # English names a field by its path
    assert {e["field"]: (e["got"], e["expected"]) for e in body["errors"]} == {
        "申請者.業種": ('"製造"', "one of: 製造業, 建設業, 運輸業, 卸売業, サービス業, 娯楽業, 小売業, ゴム製品製造業, "
                              "ソフトウェア業・情報処理サービス業, 旅館業, その他の業種"),
        "申請者.従業員": ("3", "one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"),  # an unknown field: the value it was given
        "申請要件": (None, "an object with fields 国内で事業を営む, 最低賃金以上, 他の補助金と重複しない, 役務費用が著しく高額, "
                          "gBizIDプライム取得済, SECURITY_ACTION宣言済, みらデジ経営チェック実施済, 労働生産性計画策定済, 賃上げ計画策定済"),
        "申請者.資本金": ("-5", "a whole number of yen (e.g. 500000), at least 0"),
        "申請者.従業員数": (None, "a whole number (e.g. 12)"),
        "経費": (None, "a list of 経費明細"),
    }
    assert fields["申請者.業種"] == ("got \"製造\", expected one of: 製造業, 建設業, 運輸業, 卸売業, サービス業, 娯楽業, 小売業, ゴム製品製造業, "
                                  "ソフトウェア業・情報処理サービス業, 旅館業, その他の業種 (did you mean 製造業?)")
    assert fields["申請者.従業員"] == "unknown field (did you mean 従業員数?); expected one of: 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"
    assert fields["申請者.資本金"] == "got -5, expected a whole number of yen (e.g. 500000); it must not be negative"
    assert fields["経費"] == "missing; expected a list of 経費明細"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "eval", str(path), "--policies", "policies", "--lang", "en"],
                         cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 3
    for field, message in fields.items():
        assert f"{path}: {field}: {message}" in cli.stderr


def test_in_japanese_a_case_that_does_not_fit_names_fields_by_label_and_choices_by_their_on_screen_text(server, tmp_path):
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    case["申請者"]["資本金"] = -5
    case["経費"][0]["区分"] = None
    del case["申請要件"]["国内で事業を営む"]
    status, _, body = server.post_json("/v1/decide?lang=ja", case)
    assert status == 422
    errors = {e["field"]: (e["label"], e["message"]) for e in body["errors"]}
    assert errors["申請者.資本金"] == ("「申請者」の「資本金」", "-5 は負の数です。0以上の円単位の整数（例: 500000）で入力してください")
    assert errors["申請要件.国内で事業を営む"] == ("「申請要件と手続き」の「日本国内で事業を営む法人又は個人である」",
                                                "未入力です。「はい」か「いいえ」を選んでください")
    label, message = errors["経費[0].区分"]
    assert label == "「経費（税抜）」1件目の「経費の区分」"
    assert message.startswith("未入力です。次から選んでください: ソフトウェア（クラウド利用料を含む）、") and "PC・タブレット・プリンター" in message
    assert "PC等" not in message and "true" not in message
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "eval", str(path)], cwd=ROOT, capture_output=True, text=True)
    assert cli.returncode == 3 and cli.stderr.startswith(f"ケースに誤りがあります:\n{path}: ")
    for label, message in errors.values():
        assert f"{path}: {label}: {message}" in cli.stderr


@pytest.mark.parametrize("body, message", [
    (b'{"a": ', "line 1 column 7: malformed JSON: Expecting value"),
    (b"", "the case is empty; expected a JSON object"),
    (b'{"a": 1, "a": 2}', "the key 'a' appears twice in one object"),
    (b"\x90\x00", "not UTF-8 text (byte 0x90 at offset 0); send the case as UTF-8"),
    (b"[" * 50000, "the JSON is nested too deeply"),
])
def test_malformed_bodies_get_400_with_the_case_readers_message(server, body, message):
    status, headers, data = server.post("/v1/decide?lang=en", body)
    assert status == 400 and headers["X-Engine-Version"] == __version__
    problem = json.loads(data)
    assert [{k: e[k] for k in ("field", "message")} for e in problem["errors"]] == [{"field": None, "message": message}]
    assert problem["code"] == ("not_utf8" if body.startswith(b"\x90") else "malformed_json")


def test_bad_query_parameters_get_400(server):
    status, _, body = server.post_json("/v1/decide?lang=fr", SMALL.read_text(encoding="utf-8"))  # an unknown lang: Japanese
    assert (status, body["errors"]) == (400, [{"field": "?lang", "got": "fr", "expected": "ja, en",
                                               "message": "'fr' は使えません。ja か en を指定してください"}])
    status, _, body = server.post_json("/v1/decide?trace=maybe&lang=en", SMALL.read_text(encoding="utf-8"))
    assert (status, body["errors"]) == (400, [{"field": "?trace", "got": "maybe", "expected": "true, false",
                                               "message": "got 'maybe', expected true or false"}])
    status, _, body = server.post_json("/v1/decide?lang=en&frame=" + quote("通常"), SMALL.read_text(encoding="utf-8"))
    assert status == 422 and body["errors"][0]["field"] == "?frame"
    assert body["errors"][0]["message"].startswith("unknown frame 通常 (did you mean 通常枠?)")
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    status, _, body = server.post_json("/v1/decide", dict(case, frame="通常"))  # the case's own "frame"
    assert status == 422 and body["errors"][0]["field"] == "frame"
    # a misspelt parameter is not silently ignored, nor a repeated one silently overridden
    for query, field, message in (
            ("whatif=false", "?whatif", "unknown query parameter (did you mean what_if?); the parameters are: frame, form, lang, trace, what_if, year"),
            ("year=2024&year=2025", "?year", "given 2 times; give it once"),
            ("year=", "?year", "got '', expected a policy year such as 2024 (or leave it out: the case's date picks it)")):
        for path in ("/v1/decide", "/v1/batch"):
            status, _, body = server.post_json(f"{path}?{query}&lang=en", SMALL.read_text(encoding="utf-8"))
            assert (status, body["code"], [(e["field"], e["message"]) for e in body["errors"]]) == (400, "bad_query", [(field, message)]), (path, query)


def test_a_body_over_the_limit_gets_413(server):
    status, _, data = server.post("/v1/decide?lang=en", b"{" + b" " * 70000 + b"}")
    assert status == 413
    assert json.loads(data)["detail"] == ("the request body is larger than 65,536 bytes; "
                                          "send one case per request, or fewer cases per batch")
    assert json.loads(data)["limit_bytes"] == 65536


def test_wrong_method_and_unknown_path(server):
    assert server.get("/v1/decide")[0] == 405
    assert server.get("/v1/nothing")[0] == 404


def test_batch_answers_every_case_in_order_with_an_error_per_bad_case(server):
    good = json.loads(SMALL.read_text(encoding="utf-8"))
    normal = json.loads((EXAMPLES / "seed_normal_1m_software.json").read_text(encoding="utf-8"))
    status, _, body = server.post_json("/v1/batch?lang=en", {"cases": [good, {"申請日": "2024-07-01", "申請者": 5}, normal, "x"]})
    assert status == 200 and body["count"] == 4 and body["errors"] == 2
    r = body["results"]
    assert [x["index"] for x in r] == [0, 1, 2, 3] and [x["ok"] for x in r] == [True, False, True, False]
    assert r[0]["decision"]["best_frame"] == "インボイス対応類型" and r[2]["decision"]["best_frame"] == "通常枠"
    assert r[0]["decision"]["policy"]["year"] == 2024 and r[0]["decision"]["decision_id"] != r[2]["decision"]["decision_id"]
    assert r[1]["status"] == 422
    assert {"field": "申請者", "got": "5", "expected": "an object with fields 組織形態, 業種, 資本金, 従業員数, 賃上げ特例", "label": "申請者",
            "code": "wrong_type", "accepts": {"type": "object", "fields": ["組織形態", "業種", "資本金", "従業員数", "賃上げ特例"]},
            "message": "got 5, expected an object with fields 組織形態, 業種, 資本金, 従業員数, 賃上げ特例"} in r[1]["errors"]
    assert r[3]["status"] == 422 and r[3]["code"] == "invalid_case" and r[3]["errors"] == [
        {"field": None, "label": "the case", "code": "wrong_type", "got": '"x"', "expected": "a JSON object", "accepts": {"type": "object"},
         "message": 'got "x", expected a JSON object'}]
    assert r[3]["detail"] == 'the case: got "x", expected a JSON object'  # as the command line says it
    status, _, body = server.post_json("/v1/batch", {"cases": 3})
    assert status == 400 and body["errors"][0]["field"] == "cases"


def test_policies_schema_and_openapi_come_from_the_policy_files(server):
    _, _, body = server.post_json("/v1/decide?form=summary", SMALL.read_text(encoding="utf-8"))
    status, _, data = server.get("/v1/policies")
    years = json.loads(data)["years"]
    assert [(y["year"], y["in_force"]) for y in years] == [(2023, ["2023-01-01", "2024-02-15"]), (2024, ["2024-02-16", "2024-10-15"]),
                                                          (2025, ["2025-03-31", "2025-12-31"])]  # rules-2024.md §7 C-12
    assert all(len(y["content_hash"]) == 64 for y in years) and len({y["content_hash"] for y in years}) == 3
    status, headers, data = server.get("/v1/schema/2024")
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "schema", "--policy", "policies/2024"], cwd=ROOT, capture_output=True, text=True)
    assert status == 200 and json.loads(data) == json.loads(cli.stdout) and headers["X-Policy-Year"] == "2024"
    assert server.get("/v1/schema/1999")[0] == 404
    _, _, data = server.get("/v1/schema")
    assert sorted(json.loads(data)["years"]) == ["2023", "2024", "2025"]
    _, _, data = server.get("/openapi.json")
    doc = json.loads(data)
    assert doc["openapi"] == "3.1.0" and [n for n in doc["components"]["schemas"] if n.startswith("Case")] == ["Case2023", "Case2024", "Case2025"]
    assert doc["components"]["schemas"]["Case2024"]["properties"]["申請者"]["properties"]["業種"]["enum"][0] == "製造業"
    from engine.serve.app import ROUTES

    served = {r.path for r in ROUTES} - {"/static/{name}", "/favicon.ico"}
    assert served == set(doc["paths"])  # every route the service answers is documented, and only those
    # the request body, with the components it refers to, accepts the seeds' case (valid under every year)
    import jsonschema

    body = doc["paths"]["/v1/decide"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**body, "components": doc["components"]})
    case = json.loads(SMALL.read_text(encoding="utf-8"))
    assert validator.is_valid({k: v for k, v in case.items() if k not in ("description", "expected")})
    assert not validator.is_valid({"申請者": 5})
    for path, method in (("/v1/decide", "post"), ("/v1/explain", "post"), ("/page/check", "post")):
        assert {p["name"] for p in doc["paths"][path][method]["parameters"]} == {"year", "lang", "trace", "what_if", "form", "frame"}


def test_health_and_readiness(server):
    status, _, data = server.get("/healthz")
    assert status == 200 and json.loads(data)["status"] == "ok"
    status, _, data = server.get("/readyz")
    assert status == 200 and json.loads(data)["years"] == [2023, 2024, 2025]


def _metric(text: str, line_start: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(line_start))


def test_metrics_count_decisions_per_programme_and_frame_errors_and_latency(server):
    before = server.get("/metrics")[2].decode()
    server.post("/v1/decide", SMALL.read_bytes())
    server.post("/v1/decide", b"{")
    after = server.get("/metrics")[2].decode()
    key = 'policy_decisions_total{frame="インボイス対応類型",programme="IT導入補助金2024",status="eligible",year="2024"}'
    assert _metric(after, key) - _metric(before, key) == 1
    key = 'policy_errors_total{route="/v1/decide",status="400"}'
    assert _metric(after, key) - _metric(before, key) == 1
    key = 'policy_http_request_duration_seconds_count{route="/v1/decide"}'
    assert _metric(after, key) - _metric(before, key) == 2
    assert f'policy_year_info{{content_hash="{hash_of(server, 2024)}",engine_version="{__version__}",year="2024"}} 1.0' in after
    assert _metric(after, "process_resident_memory_bytes") > 0  # prometheus_client's process metrics (one worker)


def test_every_decision_is_logged_with_personal_fields_masked(server):
    _, _, body = server.post_json("/v1/decide", SMALL.read_text(encoding="utf-8"))
    records = [json.loads(line) for line in server.log.read_text(encoding="utf-8").splitlines()]
    mine = [r for r in records if r["decision_id"] == body["decision_id"]]
    assert len(mine) == 1
    r = mine[0]
    assert r["year"] == 2024 and r["content_hash"] == body["policy"]["content_hash"] and r["engine_version"] == __version__
    assert r["case"]["申請者"]["資本金"] == "***" and r["case"]["description"] == "***"
    assert r["case"]["申請者"]["従業員数"] == 5 and r["case"]["経費"] == [{"区分": "ソフトウェア", "金額": 1000000}]
    assert {f["frame"]: f["subsidy"] for f in r["frames"]} == {"通常枠": 500000, "インボイス対応類型": 750000, "電子取引類型": 0,
                                                               "複数社連携IT導入枠": 0, "セキュリティ対策推進枠": 0}
    assert "10000000" not in json.dumps(r, ensure_ascii=False)
    ids = [x["decision_id"] for x in records]
    assert len(ids) == len(set(ids))


def test_a_worker_whose_metrics_folder_vanished_makes_it_again(tmp_path):
    from engine.serve.metrics import Metrics

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    metrics = Metrics(str(run_dir), worker=1)
    metrics.inc("policy_http_requests_total", {"route": "/healthz", "status": "200"})
    run_dir.rmdir()  # a /tmp cleaner took it
    metrics.save(force=True)
    saved = json.loads((run_dir / "metrics-1.json").read_text(encoding="utf-8"))
    assert list(saved["counters"].values()) == [1]
    assert 'policy_http_requests_total{route="/healthz",status="200"} 1.0\n' in Metrics(str(run_dir), worker=0).render([])


def test_the_json_encoder_writes_the_standard_librarys_bytes():
    """orjson (the fast path) and json.dumps(ensure_ascii=False, compact) give the same bytes for what
    the service writes: Japanese text, control characters, nested lists, an integer past 64 bits."""
    from decimal import Decimal

    from engine.explain.json_text import compact as dump_json
    from engine.serve.log import _plain

    body = json.loads(json.dumps(cli_json(str(SMALL), "--trace")))
    from engine.explain import json_text

    assert json_text.orjson is not None  # the serve extra declares it
    odd = {"text": "改行\n\tタブ\u0001\u001f\u007f\"引用\" \\ \u2028 é", "max": 2**64 - 1, "min": -(2**63), "none": None,
           "flag": True, "list": [[], {}, [1, [2, {"a": "b"}]]], "decimal": Decimal("1.50")}
    big = {"past 64 bits": 2**70, "below": -(2**63) - 1}  # orjson refuses these: the standard library writes them
    for value in (body, odd, big):
        assert dump_json(value, default=_plain) == json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_plain).encode()


def test_unknown_routes_and_methods_get_a_json_problem(server):
    status, headers, data = server.get("/nosuch?lang=en")
    assert (status, headers["Content-Type"], json.loads(data)["errors"]) == (
        404, "application/problem+json", [{"field": None, "got": None, "expected": None,
                                           "message": "no such route /nosuch; the routes are listed in /openapi.json and /docs"}])
    status, headers, data = server.get("/v1/decide?lang=en")
    assert (status, headers["Allow"], json.loads(data)["detail"]) == (405, "POST", "/v1/decide takes POST, not GET")
    status, headers, data = server.post("/v1/schema/2024", b"{}")  # a route with a parameter
    assert (status, headers["Allow"], json.loads(data)["detail"]) == (405, "GET", "/v1/schema/2024 は GET を受け付けます（POST ではなく）")
    # no redirect for a trailing slash: its Location would be built from the client's Host header
    status, _, data = server.request("GET", "/healthz/?lang=en", headers={"Host": "evil.example"})
    assert status == 404 and json.loads(data)["detail"].startswith("no such route /healthz/")


def test_a_client_that_hangs_up_mid_body_is_counted_as_499_not_as_a_bug(server):
    import socket

    def count(text: str, status: str) -> int:
        line = next((li for li in text.splitlines() if li.startswith(f'policy_http_requests_total{{route="/v1/decide",status="{status}"}}')), None)
        return int(float(line.split()[-1])) if line else 0

    before = server.get("/metrics")[2].decode()
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as conn:
        conn.sendall(b"POST /v1/decide HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n{\"a\":")
        time.sleep(0.2)
    for _ in range(50):
        after = server.get("/metrics")[2].decode()
        if count(after, "499") > count(before, "499"):
            break
        time.sleep(0.1)
    assert count(after, "499") == count(before, "499") + 1 and count(after, "500") == count(before, "500") == 0


def test_a_log_that_cannot_be_written_refuses_decisions_and_readiness(tmp_path):
    """No decision is given unlogged: with the log failing (a full disk: /dev/full), a decision is a
    503 and /readyz says why it is not ready, so a load balancer stops sending decisions here."""
    from test_serve_support import Server

    server = Server("--workers", "1", "--log", "/dev/full")
    try:
        message = "the decision log /dev/full cannot be written (No space left on device); the decision was not given"
        status, _, data = server.post("/v1/decide?lang=en", SMALL.read_bytes())
        assert (status, json.loads(data)["detail"], json.loads(data)["code"]) == (503, message, "log_unavailable")
        status, _, data = server.get("/readyz")
        body = json.loads(data)
        assert (status, body["status"], body["reason"]) == (
            503, "not ready", "the decision log /dev/full cannot be written (No space left on device)")
    finally:
        server.stop()
    cli = subprocess.run([sys.executable, "-m", "engine.cli", "serve", "--port", "0", "--log", str(tmp_path / "no" / "log.jsonl")],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert (cli.returncode, cli.stderr) == (2, f"cannot write the decision log {tmp_path / 'no' / 'log.jsonl'}: No such file or directory\n")


def test_a_batch_with_a_bad_query_fails_once_not_per_case(server):
    cases = [json.loads(SMALL.read_text(encoding="utf-8"))] * 3
    status, _, body = server.post_json("/v1/batch?year=2099&lang=en", cases)
    assert (status, body["errors"]) == (422, [{"field": "?year", "got": "2099", "expected": "2023, 2024, 2025",
                                               "message": "no policy year 2099; the years available are: 2023, 2024, 2025"}])
    status, _, body = server.post_json("/v1/batch?lang=en&frame=" + quote("通常"), cases)
    assert status == 422 and body["errors"][0]["field"] == "?frame"
    assert body["errors"][0]["message"].startswith("unknown frame 通常 (did you mean 通常枠?)")
    status, _, body = server.post_json("/v1/batch?frame=" + quote("通常枠"), cases)
    assert status == 200 and body["errors"] == 0 and [len(r["decision"]["frames"]) for r in body["results"]] == [1, 1, 1]


def test_answers_of_1_kib_or_more_are_gzipped_when_accepted(server):
    import gzip

    body = SMALL.read_bytes()
    status, headers, plain = server.post("/v1/decide", body)
    assert status == 200 and headers.get("Content-Encoding") is None  # not asked for: as it is
    status, headers, packed = server.post("/v1/decide?trace=true", body, headers={"Accept-Encoding": "gzip"})
    assert (status, headers["Content-Encoding"], headers["Vary"]) == (200, "gzip", "Accept-Encoding")
    traced = json.loads(gzip.decompress(packed))
    assert traced["best_frame"] == "インボイス対応類型" and len(packed) * 5 < len(gzip.decompress(packed))
    status, headers, packed = server.post("/v1/decide", body, headers={"Accept-Encoding": "gzip"})
    strip = lambda d: {k: v for k, v in d.items() if k != "decision_id"}  # noqa: E731
    assert strip(json.loads(gzip.decompress(packed))) == strip(json.loads(plain))
    status, headers, small = server.request("GET", "/healthz", headers={"Accept-Encoding": "gzip"})
    assert len(small) < 1024 and headers.get("Content-Encoding") is None and json.loads(small)["status"] == "ok"
    status, headers, page = server.request("GET", "/docs", headers={"Accept-Encoding": "gzip, deflate"})  # HTML too
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(page).startswith(b"<!DOCTYPE html>")
    status, headers, problem = server.request("POST", "/v1/decide", b"{" + b" " * 70000 + b"}", headers={"Accept-Encoding": "gzip"})
    assert status == 413 and headers["Content-Type"] == "application/problem+json"  # a problem under 1 KiB: as it is
    assert headers.get("Content-Encoding") is None and json.loads(problem)["code"] == "body_too_large"


def test_metrics_are_summed_across_workers():
    """Each worker answers /metrics with every worker's counts: its own live, the others' from their files."""
    from test_serve_support import Server

    server = Server("--policies", str(ROOT / "policies"), "--workers", "2")
    try:
        for _ in range(12):
            assert server.get("/healthz")[0] == 200
        for _ in range(50):
            text = server.get("/metrics")[2].decode()
            total = _metric(text, 'policy_http_requests_total{route="/healthz",status="200"}')
            workers = {w for w in ("0", "1") if f'process_resident_memory_bytes{{worker="{w}"}}' in text}
            if total >= 12 and len(workers) == 2:
                break
            time.sleep(0.2)
        assert total == 12  # every worker's answers, each counted once
        assert _metric(text, 'policy_http_request_duration_seconds_count{route="/healthz"}') >= 12
        assert workers == {"0", "1"}  # each worker's own process metrics, labelled
        assert _metric(text, 'process_resident_memory_bytes{worker="1"}') > 1e6
    finally:
        server.stop()
