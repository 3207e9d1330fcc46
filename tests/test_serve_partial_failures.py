"""Issue 26, fault 4's general case and fault 6's trace limit beyond /v1/decide: in a batch, one case
that fails (a bug of ours, the decision log failing) is that case's result, never a 500 for a request
whose earlier decisions were already logged; a traced batch and the explanation page are held to
--max-trace like a traced decision, refused before they are logged. The application runs in process
(Starlette's test client) so that a fault can be injected into exactly one case."""

from __future__ import annotations

import json
import os

import pytest
from conftest import EXAMPLES, ROOT
from engine.serve import app as app_module
from engine.serve.app import Settings, create_app
from engine.serve.log import DecisionLog
from engine.serve.registry import Registry

# Starlette's test client warns that it will move from httpx to httpx2; httpx is what the test extra has
pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient` is deprecated")

SMALL = json.loads((EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def registry():
    return Registry(ROOT / "policies")


def _client(registry, tmp_path, **settings):
    from starlette.testclient import TestClient

    log = DecisionLog(str(tmp_path / "decisions.jsonl"))
    return TestClient(create_app(Settings(registry, log=log, **settings)), raise_server_exceptions=False), log


def _logged(log: DecisionLog) -> list[str]:
    text = open(log.path, encoding="utf-8").read()
    return [json.loads(line)["decision_id"] for line in text.splitlines()]


def _cases(n: int) -> list[dict]:
    return [{**SMALL, "description": f"case {i}"} for i in range(n)]


def test_a_batch_case_hitting_a_bug_is_its_own_500_and_the_others_are_answered(registry, tmp_path, monkeypatch, capsys):
    real = app_module.decide

    def decide_failing_on_case_1(snapshot, raw, opts, masker):  # a bug that one case alone meets
        if raw.get("description") == "case 1":
            raise ZeroDivisionError("division by zero")
        return real(snapshot, raw, opts, masker)

    monkeypatch.setattr(app_module, "decide", decide_failing_on_case_1)
    client, log = _client(registry, tmp_path)
    response = client.post("/v1/batch", json=_cases(3))
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["errors"], [r["ok"] for r in body["results"]]) == (3, 1, [True, False, True])
    failed = body["results"][1]
    # the case's RFC 9457 problem (engine/serve/problems.py)
    assert (failed["index"], failed["status"], failed["code"], [e["message"] for e in failed["errors"]]) == (
        1, 500, "internal_error", ["サーバー内部のエラーです（ZeroDivisionError）"])  # in the batch's language, as a single case's
    answered = [r["decision"]["decision_id"] for r in body["results"] if r["ok"]]
    assert _logged(log) == answered  # every answered decision logged once; the failed case not at all
    assert "internal error on /v1/batch: ZeroDivisionError: division by zero" in capsys.readouterr().err
    metrics = client.get("/metrics").text
    assert 'policy_errors_total{route="/v1/batch#case",status="500"} 1' in metrics


def test_a_batch_whose_log_fails_midway_answers_what_was_logged_and_503_for_the_rest(registry, tmp_path, monkeypatch):
    client, log = _client(registry, tmp_path)
    real_write = DecisionLog.write

    def write_then_fill_the_disk(self, record):  # the disk fills up after the first record
        real_write(self, record)
        os.close(self.fd)
        self.fd = os.open("/dev/full", os.O_WRONLY)

    monkeypatch.setattr(DecisionLog, "write", write_then_fill_the_disk)
    response = client.post("/v1/batch", json=_cases(3))
    assert response.status_code == 200
    results = response.json()["results"]
    message = (f"判定記録に書き込めないため、判定を返していません（the decision log {log.path} cannot be written "
               "(No space left on device); the decision was not given）")  # as a single case's 503 says it
    assert [(r["ok"], r.get("status"), r.get("code"), r["errors"][0]["message"] if "errors" in r else None) for r in results] == [
        (True, None, None, None), (False, 503, "log_unavailable", message), (False, 503, "log_unavailable", message)]
    monkeypatch.undo()
    with open(tmp_path / "decisions.jsonl", encoding="utf-8") as f:
        assert [json.loads(line)["decision_id"] for line in f] == [results[0]["decision"]["decision_id"]]


def _traced_size(registry, tmp_path) -> int:
    (tmp_path / "probe").mkdir()
    client, _ = _client(registry, tmp_path / "probe", max_trace=0)  # 0: no limit
    response = client.post("/v1/decide?trace=true", json=SMALL)
    assert response.status_code == 200
    return len(response.content)


def test_a_traced_batch_stays_within_max_trace_case_by_case(registry, tmp_path):
    one = _traced_size(registry, tmp_path)  # the bytes of one traced decision (its decision id's length is fixed)
    client, log = _client(registry, tmp_path, max_trace=one * 2 + one // 2)
    response = client.post("/v1/batch?trace=true&form=full&lang=en", json=_cases(4))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["ok"] for r in results] == [True, True, False, False]
    assert [r["status"] for r in results[2:]] == [413, 413]
    message = results[2]["errors"][0]["message"]
    assert message.startswith("the batch's traced decisions up to this one come to ")
    assert message.endswith(f"bytes, more than {one * 2 + one // 2:,} (--max-trace); send the rest of the cases in another request, "
                            "or ask without trace=true")
    assert _logged(log) == [r["decision"]["decision_id"] for r in results[:2]]  # the refused cases are not logged
    untraced = client.post("/v1/batch?form=full", json=_cases(4)).json()
    assert untraced["errors"] == 0  # the limit is the trace's


def test_a_traced_batch_case_past_max_trace_alone_gets_413(registry, tmp_path):
    one = _traced_size(registry, tmp_path)
    limit = one * 3  # room for the small cases together; not for one of 300 expenses
    client, log = _client(registry, tmp_path, max_trace=limit)
    big = {**SMALL, "経費": SMALL["経費"][:1] * 300}
    results = client.post("/v1/batch?trace=true&form=full&lang=en", json=[SMALL, big, SMALL]).json()["results"]
    assert [r["ok"] for r in results] == [True, False, True]
    assert results[1]["status"] == 413
    assert results[1]["errors"][0]["message"].startswith("the decision with its trace is ")
    assert results[1]["errors"][0]["message"].endswith(f"bytes, more than {limit:,} (--max-trace); ask without trace=true, or with fewer items")
    assert len(_logged(log)) == 2


def test_an_explanation_page_past_max_trace_gets_413_and_is_not_logged(registry, tmp_path):
    # the page's trace is a tree of rules, not of values: about 31 KB for one expense, 81 KB for 300
    client, log = _client(registry, tmp_path, max_trace=60_000)
    big = {**SMALL, "経費": SMALL["経費"][:1] * 300}
    response = client.post("/v1/explain?lang=en", json=big)
    assert response.status_code == 413
    error = response.json()["errors"][0]["message"]
    assert error.startswith("the explanation page with its trace is ")
    assert error.endswith("bytes, more than 60,000 (--max-trace); ask /v1/decide without trace=true, or with fewer items")
    assert _logged(log) == []
    page = client.post("/v1/explain", json=SMALL)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert _logged(log) == [page.headers["X-Decision-Id"]]
