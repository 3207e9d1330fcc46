"""The OpenAPI 3.1 document, generated from the policies' input declarations: one case schema per
year (engine/authoring/schema.py), so next year's inputs are documented the day its policy is loaded."""

from __future__ import annotations

from engine import __version__
from engine.authoring import schema
from engine.serve.registry import Snapshot

_ERROR = {"type": "object", "required": ["error", "errors"], "properties": {
    "error": {"type": "string"},
    "errors": {"type": "array", "items": {"type": "object", "properties": {
        "field": {"type": ["string", "null"], "description": "the field path, e.g. 申請者.従業員数 or 経費[0].金額"},
        "message": {"type": "string"}}}},
    "years_available": {"type": "array", "items": {"type": "integer"}}}}


def _param(name: str, description: str, schema_: dict, many: bool = False) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": schema_} if many else schema_, **({"explode": True} if many else {})}


def document(snapshot: Snapshot) -> dict:
    cases = {f"Case{y.policy.year}": {k: v for k, v in schema.case_schema(y.policy).items() if k != "$schema"} for y in snapshot.years}
    # anyOf, not oneOf: a case valid under two years' schemas (most are) must not fail validation
    case_ref = {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name in cases]}
    params = [
        _param("year", "pin the policy year (default: the year in force on the case's application date)",
               {"type": "string", "enum": [str(y.policy.year) for y in snapshot.years]}),
        _param("lang", "language of labels and messages", {"type": "string", "enum": ["ja", "en"], "default": "ja"}),
        _param("trace", "every rule's trace with the values it saw (as `policy eval --format json`)", {"type": "boolean", "default": False}),
        _param("what_if", "the verified changes that would change the outcome", {"type": "boolean", "default": True}),
        _param("form", "full: the explained decision of `policy eval --format json`; summary: status, subsidy and reasons per frame (fast)",
               {"type": "string", "enum": ["full", "summary"]}),
        _param("frame", "evaluate only this frame (repeatable): its name or its label, e.g. "
               + ", ".join(sorted({f.name for y in snapshot.years for f in y.policy.frames})), {"type": "string"}, many=True),
    ]
    errors = {str(code): {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
              for code, text in ((400, "malformed JSON, not UTF-8, or a bad, unknown or repeated query parameter"),
                                 (408, "the body did not arrive within the request time limit (the connection is closed)"),
                                 (413, "the body is larger than the limit"),
                                 (422, "the case does not fit the policy (each error names its field), or no such year or frame"),
                                 (500, "a bug of the engine: a one-line message, never a traceback"),
                                 (503, "the decision log cannot be written: no decision is given unlogged"),
                                 (504, "the decision was not made within the request time limit"))}
    html = {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}
    page_params = [p for p in params if p["name"] in ("year", "lang")]
    json_ok = {"description": "JSON", "content": {"application/json": {"schema": {"type": "object"}}}}
    decision = {"type": "object", "description": "`policy eval --format json` (subsidy-decision/1) plus decision_id, policy and selected_policy",
                "required": ["decision_id", "policy", "engine_version", "best_frame", "frames"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "policy serve", "version": __version__,
                 "description": "Decisions of " + ", ".join(f"{y.policy.programme} ({y.content_hash[:12]})" for y in snapshot.years)},
        "paths": {
            "/v1/decide": {"post": {"summary": "One case in, the explained decision out", "parameters": params,
                                    "requestBody": {"required": True, "content": {"application/json": {"schema": case_ref}}},
                                    "responses": {"200": {"description": "the decision", "content": {"application/json": {"schema": decision}}}, **errors}}},
            "/v1/batch": {"post": {"summary": "Many cases in, one result per case in order (form defaults to summary)", "parameters": params,
                                   "requestBody": {"required": True, "content": {"application/json": {"schema": {
                                       "oneOf": [{"type": "array", "items": case_ref},
                                                 {"type": "object", "properties": {"cases": {"type": "array", "items": case_ref}}}]}}}},
                                   "responses": {"200": {"description": "results in order", "content": {"application/json": {"schema": {
                                       "type": "object", "required": ["count", "errors", "results"], "properties": {
                                           "count": {"type": "integer"}, "errors": {"type": "integer"},
                                           "results": {"type": "array", "items": {"type": "object", "required": ["index", "ok"], "properties": {
                                               "index": {"type": "integer"}, "ok": {"type": "boolean"}, "decision": decision,
                                               "status": {"type": "integer"}, "errors": _ERROR["properties"]["errors"]}}}}}}}}, **errors}}},
            "/v1/explain": {"post": {"summary": "The explanation page (HTML) of `policy explain`", "parameters": params,
                                     "requestBody": {"required": True, "content": {"application/json": {"schema": case_ref}}},
                                     "responses": {"200": html | {"description": "the explanation page"}, **errors}}},
            "/v1/policies": {"get": {"summary": "The policy years served: effective dates, content hashes, frames",
                                     "responses": {"200": {"description": "years"}}}},
            "/v1/schema": {"get": {"summary": "The case JSON Schema of every year", "responses": {"200": {"description": "schemas by year"}}}},
            "/v1/schema/{year}": {"get": {"summary": "The case JSON Schema of one year",
                                          "parameters": [{"name": "year", "in": "path", "required": True, "schema": {"type": "string"}}],
                                          "responses": {"200": {"description": "JSON Schema 2020-12"}, "404": errors["413"] | {"description": "no such year"}}}},
            "/healthz": {"get": {"summary": "The process answers", "responses": {"200": {"description": "ok"}}}},
            "/readyz": {"get": {"summary": "Policies compiled and serving", "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Prometheus text format",
                                                                                        "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"summary": "This document", "responses": {"200": json_ok}}},
            "/": {"get": {"summary": "The self-check page, generated from the year's input declarations",
                          "parameters": page_params, "responses": {"200": html, "404": errors["422"] | {"description": "no such year"}}}},
            "/page/relevant": {"post": {"summary": "The page's call: which questions can still change the result",
                                        "parameters": params, "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                                        "responses": {"200": json_ok, **errors}}},
            "/page/check": {"post": {"summary": "The page's result panel for the questions asked",
                                     "parameters": params, "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                                     "responses": {"200": html, **errors}}},
            "/page/result": {"post": {"summary": "The page's result panel for a whole case",
                                      "parameters": params, "requestBody": {"required": True, "content": {"application/json": {"schema": case_ref}}},
                                      "responses": {"200": html, **errors}}},
        },
        "components": {"schemas": {**cases, "Error": _ERROR}},
    }
