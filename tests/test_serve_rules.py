"""`/v1/rules` and `/v1/rules/{name}` list what a policy year is made of (as OpenFisca's /variables
and /parameters): every input, rule, value, exclusion, step, table and frame with both labels, its
kind, type, unit, place and citation, exactly as the compiled policy has them."""

from __future__ import annotations

from collections import Counter

import pytest
from starlette.testclient import TestClient

from conftest import ROOT
from engine.compile.pipeline import load_policy
from engine.serve.app import Settings, create_app
from engine.serve.registry import Registry


@pytest.fixture(scope="module")
def client():
    return TestClient(create_app(Settings(Registry(ROOT / "policies"), request_timeout=None)), raise_server_exceptions=False)


def test_every_definition_of_the_year_is_listed_with_labels_kind_and_source(client):
    response = client.get("/v1/rules?year=2024")
    assert response.status_code == 200 and response.headers["x-policy-year"] == "2024"
    body = response.json()
    policy = load_policy(ROOT / "policies" / "2024").policy
    kinds = Counter(d["kind"] for d in body["definitions"])
    declared = Counter(d.kind for d in policy.definitions.values())
    assert {k: kinds[k] for k in declared} == dict(declared)
    assert kinds["table"] == len(policy.tables) and kinds["frame"] == len(policy.frames)
    by_name = {(d["kind"], d["name"]): d for d in body["definitions"]}
    assert by_name[("rule", "中小企業")] == {
        "name": "中小企業", "kind": "rule", "label": {"ja": "中小企業・小規模事業者等に該当する", "en": "is an SME"}, "type": "bool", "unit": None,
        "source": {"key": "it-hojo", "title": "IT導入補助金事務局 it-hojo.jp/overview「補助対象者」の表（2023年の事務局ページ, 2024年も同じ表; rules-2024.md R-SME-1）",
                   "detail": "資本金・従業員規模の一方が、右記以下の場合対象（個人事業を含む）; 2025年交付規程の表も同じ"},
        "at": "applicants.rules:18"}
    capital = next(d for d in body["definitions"] if d.get("path") == "申請者.資本金")
    assert policy.groups[0].fields[2].name == "資本金"
    assert (capital["type"], capital["unit"], capital["label"]["ja"], capital["optional"]) == ("yen", "円", policy.groups[0].fields[2].label.ja, policy.groups[0].fields[2].optional)
    amount = next(d for d in body["definitions"] if d.get("path") == "経費[].金額")
    assert amount["label"] == {"ja": "金額（税抜）", "en": "amount excluding tax"}
    form = next(d for d in body["definitions"] if d.get("path") == "申請者.組織形態")
    assert form["members"][0] == {"name": "会社", "label": {"ja": "株式会社・合同会社等の会社", "en": "company"}}
    table = by_name[("table", "中小企業の範囲")]
    assert table["key"] == "業種" and table["columns"] == [{"name": "資本金上限", "type": "yen", "unit": "円"},
                                                           {"name": "従業員上限", "type": "count", "unit": "人"}]
    assert "rows" not in table  # the listing is light; one name's answer has the rows
    frame = by_name[("frame", "通常枠")]
    assert frame["label"] == {"ja": "通常枠", "en": "normal frame"} and frame["requires"][0] == "中小企業"


def test_one_name_gives_its_rows_and_text(client):
    body = client.get("/v1/rules/中小企業の範囲?year=2024").json()
    [table] = body["definitions"]
    assert table["rows"]["製造業"] == [300000000, 300] and table["at"] == "applicants.rules:3"
    [rule] = client.get("/v1/rules/中小企業?year=2024").json()["definitions"]
    assert rule["text"] == load_policy(ROOT / "policies" / "2024").policy.definitions["中小企業"].origin.text
    [by_path] = client.get("/v1/rules/申請者.資本金?year=2024").json()["definitions"]
    assert by_path["name"] == "資本金"


def test_a_later_year_lists_what_it_inherits_where_it_is_written(client):
    [table] = client.get("/v1/rules/中小企業の範囲?year=2025").json()["definitions"]
    assert table["at"] == "../2024/applicants.rules:3"


def test_unknown_names_years_and_parameters_are_problems(client):
    response = client.get("/v1/rules/ない?year=2024")
    assert (response.status_code, response.json()["code"]) == (404, "unknown_definition")
    assert response.json()["detail"] == "name: 2024 年度の制度に ない はありません。一覧は /v1/rules にあります"
    response = client.get("/v1/rules?year=1999")
    assert (response.status_code, response.json()["code"]) == (422, "unknown_year")
    response = client.get("/v1/rules?years=2024&lang=en")
    assert (response.status_code, response.json()["errors"][0]["field"]) == (400, "?years")
