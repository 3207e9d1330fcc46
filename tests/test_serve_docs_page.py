"""`/docs`, the API reference written from /openapi.json, renders in real headless Chromium from a
real `policy serve` with nothing fetched but the page itself; and `/problems/{code}`, where a
problem's `type` leads, describes its kind."""

from __future__ import annotations

import json

import pytest

from browser_support import browser_only, start_chromium
from conftest import ROOT
from test_serve_support import Server


@pytest.fixture(scope="module")
def server():
    s = Server("--policies", str(ROOT / "policies"), "--workers", "1")
    yield s
    s.stop()


@browser_only
def test_docs_render_in_chromium_without_the_network(server, tmp_path):
    from selenium.webdriver.common.by import By

    document = json.loads(server.get("/openapi.json")[2])
    operations = sum(len(ops) for ops in document["paths"].values())
    browser = start_chromium(tmp_path / "profile", 1200, 1800, performance_log=True)
    try:
        browser.get(server.url + "/docs")
        assert browser.find_element(By.TAG_NAME, "h1").text == "policy serve — API リファレンス"
        assert len(browser.find_elements(By.CSS_SELECTOR, "section.route")) == operations
        decide = browser.find_element(By.ID, "route-post-/v1/decide")
        assert "One case in, the explained decision out" in decide.text
        # the decision's type links to its schema, whose fields are typed
        decide.find_element(By.CSS_SELECTOR, 'a[href="#schema-Decision"]').click()
        frame = browser.find_element(By.ID, "schema-FrameDecision")
        row = next(r for r in frame.find_elements(By.TAG_NAME, "tr") if r.text.startswith("subsidy"))
        assert row.text == "subsidy integer 必須 the subsidy in yen (0 when not eligible)"
        case = browser.find_element(By.ID, "schema-Case2024")  # the case's fields, from the year's input declarations
        row = next(r for r in case.find_elements(By.TAG_NAME, "tr") if r.text.startswith("経費[].金額"))
        assert row.text == "経費[].金額 integer 必須 金額（税抜） amount excluding tax"
        problem = browser.find_element(By.ID, "problem-invalid_case")
        assert problem.text.startswith("invalid_case — ケースが制度の入力に合いません\nHTTP 422 · type /problems/invalid_case")
        visible = browser.execute_script("return document.body.scrollHeight > 2000 && getComputedStyle(document.body).fontFamily")
        assert visible  # laid out with its own style, not an empty or unstyled page
        browser.get(server.url + "/docs?lang=en")
        assert browser.find_element(By.TAG_NAME, "h1").text == "policy serve — API reference"
        fetched = set()
        for entry in browser.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                fetched.add(message["params"]["request"]["url"])
        fetched = {u for u in fetched if u.startswith(("http:", "https:", "ws:", "wss:"))}  # not the browser's own chrome:// pages
        assert fetched == {server.url + "/docs", server.url + "/docs?lang=en", server.url + "/favicon.ico"}, fetched
    finally:
        browser.quit()


def test_a_problems_type_leads_to_its_description(server):
    status, headers, data = server.post("/v1/decide", b"{")
    kind = json.loads(data)["type"]
    status, headers, data = server.get(kind)
    html = data.decode()
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h3><code>malformed_json</code> — 本文が JSON として読めません</h3>" in html
    assert '<a href="/docs?lang=ja#problem-malformed_json">' in html
    status, _, data = server.get("/problems/malformed_json?lang=en")
    assert "<h3><code>malformed_json</code> — The body is not valid JSON</h3>" in data.decode()
    status, headers, data = server.get("/problems/nothing?lang=en")
    assert (status, headers["Content-Type"], json.loads(data)["detail"]) == (404, "application/problem+json", "code: no kind of error nothing")


def test_the_opa_envelope_is_read_as_the_case(server):
    case = json.loads((ROOT / "examples" / "seed_invoice_small_1m.json").read_text(encoding="utf-8"))
    plain = server.post_json("/v1/decide?form=summary", case)[2]
    wrapped = server.post_json("/v1/decide?form=summary", {"input": case})[2]
    assert wrapped["frames"] == plain["frames"] and wrapped["best_frame"] == "インボイス対応類型"
    status, _, body = server.post_json("/v1/decide?lang=en", {"input": {"申請日": "2024-07-01"}})  # the case inside is read, and refused
    assert status == 422 and "経費" in {e["field"] for e in body["errors"]}
    status, _, data = server.post("/v1/explain", json.dumps({"input": case}, ensure_ascii=False).encode())
    assert status == 200 and "750,000円" in data.decode()
    batch = server.post_json("/v1/batch", [{"input": case}, case])[2]
    assert [r["decision"]["frames"] for r in batch["results"]][0] == plain["frames"]
