"""`/openapi.json` is a valid OpenAPI 3.1 document whose response schemas are the answers' real
shapes: the examples' decisions (full, traced, English, summary), a batch, the policies, health and
readiness, the page's call and every problem validate against the schema the document declares for
that route, status and content type, with unknown keys refused; and a client generated from it
(datamodel-code-generator) has typed decision fields and reads a real decision."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import typing
from typing import Literal

import attrs
import jsonschema
import pytest
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from conftest import EXAMPLES, ROOT
from engine.serve.app import Settings, create_app
from engine.serve import typed
from engine.serve.registry import Registry

SMALL = (EXAMPLES / "seed_invoice_small_1m.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def client():
    settings = Settings(Registry(ROOT / "policies"), request_timeout=None, max_batch=5)
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def document(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


_VALIDATORS: dict = {}


def check(document: dict, method: str, path: str, response) -> dict:
    """The answer validates against the schema the document declares for its route, status and type."""
    ctype = response.headers["content-type"].split(";")[0]
    where = (id(document), path, method, str(response.status_code), ctype)
    validator = _VALIDATORS.get(where)
    if validator is None:
        declared = document["paths"][path][method]["responses"][str(response.status_code)]["content"][ctype]["schema"]
        validator = _VALIDATORS[where] = jsonschema.Draft202012Validator({**declared, "components": document["components"]})
    body = response.json()
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, f"{method} {path} {response.status_code}: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5])
    return body


def test_a_key_the_models_do_not_name_fails_the_check(client, document):
    """The check can fail: the schemas refuse a key they do not declare, and a wrong type."""
    response = client.post("/v1/decide", content=SMALL.encode())
    body = response.json()
    body["frames"][0]["amount"]["surprise"] = 1
    body["frames"][1]["subsidy"] = "750000"
    ok = document["paths"]["/v1/decide"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**ok, "components": document["components"]})
    assert not validator.is_valid(body)
    decision = {"$ref": "#/components/schemas/Decision", "components": document["components"]}
    messages = {e.message for e in jsonschema.Draft202012Validator(decision).iter_errors(body)}
    assert messages == {"Additional properties are not allowed ('surprise' was unexpected)", "'750000' is not of type 'integer'"}


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)  # raises on an invalid document
    assert document["openapi"] == "3.1.0"


def test_every_route_is_documented(document):
    from engine.serve.app import ROUTES

    served = {r.path for r in ROUTES} - {"/static/{name}", "/favicon.ico"}
    assert served == set(document["paths"])


def test_decision_responses_are_typed_not_bare_objects(document):
    ok = document["paths"]["/v1/decide"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"anyOf": [{"$ref": "#/components/schemas/Decision"}, {"$ref": "#/components/schemas/SummaryDecision"}]}
    frame = document["components"]["schemas"]["FrameDecision"]
    assert frame["properties"]["subsidy"] == {"type": "integer", "description": "the subsidy in yen (0 when not eligible)"}
    assert frame["properties"]["status"] == {"enum": ["eligible", "eligible_after_steps", "not_eligible"]}
    assert frame["properties"]["source"] == {"$ref": "#/components/schemas/Cite"}
    assert document["components"]["schemas"]["Cite"]["required"] == ["key", "title", "detail"]  # the policy's own class
    problem = document["paths"]["/v1/decide"]["post"]["responses"]["422"]
    assert set(problem["content"]) == {"application/problem+json"}
    assert problem["description"] == ("`invalid_case`: The case does not fit the policy; `no_year_in_force`: No policy year is in force on "
                                      "the date; `unknown_frame`: No such frame; `unknown_year`: No such policy year")


# every example in the summary form; the full form (its validation takes ~70 ms a decision) on
# every other one, and a quarter of them in English and without what-ifs
@pytest.mark.parametrize("query, every", [("", 2), ("lang=en", 4), ("form=summary", 1), ("form=summary&lang=en", 1), ("what_if=false", 4)])
def test_every_examples_decision_fits_its_schema(client, document, query, every):
    for path in sorted(EXAMPLES.glob("*.json"))[::every]:
        response = client.post(f"/v1/decide?{query}", content=path.read_bytes())
        check(document, "post", "/v1/decide", response)


def test_traced_decisions_fit_their_schema(client, document):
    for path in sorted(EXAMPLES.glob("*.json"))[::7]:
        response = client.post("/v1/decide?trace=true", content=path.read_bytes())
        check(document, "post", "/v1/decide", response)


def test_batches_policies_health_and_the_pages_call_fit_their_schemas(client, document):
    case = json.loads(SMALL)
    body = check(document, "post", "/v1/batch", client.post("/v1/batch", json=[case, "x", dict(case, 申請日="2031-01-01")]))
    assert [r["ok"] for r in body["results"]] == [True, False, False]
    check(document, "post", "/v1/batch", client.post("/v1/batch?form=full", json=[case]))
    check(document, "get", "/v1/policies", client.get("/v1/policies"))
    check(document, "get", "/healthz", client.get("/healthz"))
    check(document, "get", "/readyz", client.get("/readyz"))
    check(document, "post", "/page/relevant", client.post("/page/relevant", json={"申請日": "2024-07-01"}))
    for year in ("2023", "2024", "2025"):
        body = check(document, "get", "/v1/rules", client.get(f"/v1/rules?year={year}"))
        for name in {d["name"] for d in body["definitions"]}:
            check(document, "get", "/v1/rules/{name}", client.get(f"/v1/rules/{name}?year={year}"))


@pytest.mark.parametrize("method, path, route, content", [
    ("post", "/v1/decide", "/v1/decide", b"{"),
    ("post", "/v1/decide?year=2030", "/v1/decide", SMALL.encode()),
    ("post", "/v1/decide?frame=x", "/v1/decide", SMALL.encode()),
    ("post", "/v1/decide", "/v1/decide", json.dumps({"申請日": "2024-07-01"}).encode()),
    ("post", "/v1/batch", "/v1/batch", b"[" + b",".join([SMALL.encode()] * 6) + b"]"),
    ("post", "/v1/batch", "/v1/batch", b"3"),
    ("get", "/v1/schema/1999", "/v1/schema/{year}", None),
    ("get", "/v1/decide", "/v1/decide", None),
])
def test_problems_fit_the_documented_schema(client, document, method, path, route, content):
    response = client.request(method.upper(), path, content=content)
    assert response.status_code >= 400
    check(document, "post" if route == "/v1/decide" else method, route, response)  # 405 is documented on the route's own method


def test_a_generated_client_gets_typed_decision_fields(client, document, tmp_path):
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "policy_client.py"
    run = subprocess.run([sys.executable, "-m", "datamodel_code_generator", "--input", str(spec), "--input-file-type", "openapi",
                          "--output", str(out), "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "black"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    module_spec = importlib.util.spec_from_file_location("policy_client", out)
    generated = importlib.util.module_from_spec(module_spec)
    sys.modules["policy_client"] = generated
    try:
        module_spec.loader.exec_module(generated)
        frame = generated.FrameDecision
        hints = typing.get_type_hints(frame)
        assert hints["subsidy"] is int and hints["eligible"] is bool and hints["frame"] is str
        assert {m.value for m in hints["status"]} == {"eligible", "eligible_after_steps", "not_eligible"}
        assert typing.get_type_hints(generated.Decision)["frames"] == list[frame]
        assert typing.get_type_hints(generated.Cap)["limit"] is int
        decision = generated.Decision.model_validate(client.post("/v1/decide", content=SMALL.encode()).json())
        by_frame = {f.frame: f for f in decision.frames}
        assert by_frame["インボイス対応類型"].subsidy == 750000 and isinstance(by_frame["インボイス対応類型"].amount, generated.Amount)
        problem = generated.Problem.model_validate(client.post("/v1/decide?lang=en", content=b"{").json())
        assert problem.code.value == "malformed_json" and problem.errors[0].field is None
    finally:
        sys.modules.pop("policy_client", None)



@typed.model
class Item:
    """An item."""

    count: int = typed.field("how many")
    share: typed.Rational = typed.field()
    when: typed.Date | None = typed.field()
    kind: Literal["a", "b"] = typed.field(optional=True)
    from_: str = typed.field(json="from")
    children: list[Item] = typed.field(optional=True)


def test_the_schema_generator_types_attrs_fields_and_refuses_a_name_twice():
    """typed.py alone: annotations become JSON Schema; an optional key is not required; two classes of one name are an error."""
    schemas = typed.Schemas()
    assert schemas.ref(Item) == {"$ref": "#/components/schemas/Item"}
    item = schemas.named["Item"]
    assert item["description"] == "An item." and item["required"] == ["count", "share", "when", "from"]
    assert item["properties"]["count"] == {"type": "integer", "description": "how many"}
    assert item["properties"]["when"] == {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]}
    assert item["properties"]["kind"] == {"enum": ["a", "b"]}
    assert item["properties"]["children"] == {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
    assert item["additionalProperties"] is False
    other = attrs.make_class("Item", {"x": attrs.field(type=int)})
    with pytest.raises(TypeError, match="two response models are named Item"):
        schemas.ref(other)
