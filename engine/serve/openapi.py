"""The OpenAPI 3.1 document, generated: the request bodies from the policies' input declarations (one
case schema per year, engine/authoring/schema.py, so next year's inputs are documented the day its
policy is loaded), every response from the typed models (models.py, through typed.py), every error
from the problem catalogue (problems.py). Nothing here restates a shape by hand."""

from __future__ import annotations

from engine import __version__
from engine.authoring import schema
from engine.serve import models, service_models
from engine.serve.problems import KINDS, MEDIA_TYPE
from engine.serve.registry import Snapshot
from engine.serve.typed import Schemas

# the kinds of error each family of routes can answer (every route also answers 404/405 and 500)
_BODY = ("not_utf8", "malformed_json", "bad_query", "body_too_large", "body_timeout", "decision_timeout", "internal_error")
_CASE = _BODY + ("invalid_case", "unknown_year", "no_year_in_force", "unknown_frame", "log_unavailable")
_DECIDE = _CASE + ("trace_too_large",)
_BATCH = _BODY + ("bad_batch", "batch_too_large", "unknown_year", "unknown_frame", "log_unavailable")


def _param(name: str, description: str, schema_: dict, many: bool = False) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": schema_} if many else schema_, **({"explode": True} if many else {})}


def _json(ref: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref}}}


def _errors(problem: dict, codes: tuple[str, ...], year_in_path: bool = False) -> dict:
    """One response per status, naming the kinds of error (`code`) it may carry."""
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(KINDS[code].status, []).append(code)
    if "unknown_year" in codes and not year_in_path:  # asked by ?year=: 422 (a year in the path is 404)
        by_status.setdefault(422, []).append("unknown_year")
        by_status[404].remove("unknown_year")
        if not by_status[404]:
            del by_status[404]
    return {str(status): {"description": "; ".join(f"`{c}`: {KINDS[c].title.en}" for c in found),
                          "content": {MEDIA_TYPE: {"schema": problem}}}
            for status, found in sorted(by_status.items())}


def document(snapshot: Snapshot) -> dict:
    schemas = Schemas()
    ref = schemas.ref
    problem = ref(service_models.Problem)
    cases = {f"Case{y.policy.year}": {k: v for k, v in schema.case_schema(y.policy).items() if k != "$schema"} for y in snapshot.years}
    # anyOf, not oneOf: a case valid under two years' schemas (most are) must not fail validation
    case_ref = {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name in cases]}
    # the OPA-style envelope {"input": case} is read as the case itself
    case_body = {"anyOf": [case_ref, {"type": "object", "required": ["input"], "properties": {"input": case_ref},
                                      "additionalProperties": False}]}
    params = [
        _param("year", "pin the policy year (default: the year in force on the case's application date)",
               {"type": "string", "enum": [str(y.policy.year) for y in snapshot.years]}),
        _param("lang", "language of labels, messages and errors", {"type": "string", "enum": ["ja", "en"], "default": "ja"}),
        _param("trace", "every rule's trace with the values it saw (as `policy eval --format json`)", {"type": "boolean", "default": False}),
        _param("what_if", "the verified changes that would change the outcome", {"type": "boolean", "default": True}),
        _param("form", "full: the explained decision of `policy eval --format json`; summary: status, subsidy and reasons per frame (fast)",
               {"type": "string", "enum": ["full", "summary"]}),
        _param("frame", "evaluate only this frame (repeatable): its name or its label, e.g. "
               + ", ".join(sorted({f.name for y in snapshot.years for f in y.policy.frames})), {"type": "string"}, many=True),
    ]
    lang_only = [p for p in params if p["name"] == "lang"]
    page_params = [p for p in params if p["name"] in ("year", "lang")]
    html = {"description": "the page", "content": {"text/html": {"schema": {"type": "string"}}}}
    either = {"anyOf": [ref(models.Decision), ref(models.SummaryDecision)]}
    any_json = {"type": "object", "description": "a JSON Schema (draft 2020-12)"}
    years_path = {"name": "year", "in": "path", "required": True, "schema": {"type": "string"}}
    none = _errors(problem, ("internal_error",))
    rules_params = [_param("year", "the policy year (default: the year in force today, else the latest served)",
                           {"type": "string", "enum": [str(y.policy.year) for y in snapshot.years]}), *lang_only]

    def post(summary: str, body: dict, ok: dict, codes: tuple[str, ...], parameters=params) -> dict:
        return {"post": {"summary": summary, "parameters": parameters,
                         "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                         "responses": {"200": ok, **_errors(problem, codes)}}}

    def get(summary: str, ok: dict, codes: tuple[str, ...] = ("internal_error",), parameters=None) -> dict:
        return {"get": {"summary": summary, **({"parameters": parameters} if parameters else {}),
                        "responses": {"200": ok, **_errors(problem, codes, year_in_path=True)}}}

    paths = {
        "/v1/decide": post("One case in, the explained decision out", case_body,
                           _json(either, "the decision: the full form, or the summary form with form=summary"), _DECIDE),
        "/v1/batch": post("Many cases in, one result per case in order (form defaults to summary)",
                          {"oneOf": [{"type": "array", "items": case_ref},
                                     {"type": "object", "properties": {"cases": {"type": "array", "items": case_ref}}}]},
                          _json(ref(service_models.Batch), "results in order"), _BATCH),
        "/v1/explain": post("The explanation page (HTML) of `policy explain`", case_body, html | {"description": "the explanation page"}, _CASE),
        "/v1/policies": get("The policy years served: effective dates, content hashes, frames", _json(ref(service_models.Policies), "the years")),
        "/v1/schema": get("The case JSON Schema of every year", _json({"type": "object", "properties": {
            "engine_version": {"type": "string"}, "years": {"type": "object", "additionalProperties": {
                "type": "object", "properties": {"policy": ref(models.PolicyRef), "schema": any_json}}}}}, "schemas by year")),
        "/v1/schema/{year}": get("The case JSON Schema of one year", _json(any_json, "JSON Schema 2020-12"), ("unknown_year", "internal_error"),
                                 [years_path, *lang_only]),
        "/v1/rules": get("Every input, rule, value, exclusion, step, table and frame of a year, with labels (ja, en), kind, type, unit "
                         "and source (?year=: by default the year in force today, else the latest)",
                         _json(ref(service_models.Rules), "the definitions"), ("unknown_year", "bad_query", "internal_error"), rules_params),
        "/v1/rules/{name}": get("One name's definitions, with a table's rows and a definition's text", _json(ref(service_models.Rules), "the definitions"),
                                ("unknown_definition", "unknown_year", "bad_query", "internal_error"),
                                [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}, *rules_params]),
        "/healthz": get("The process answers", _json(ref(service_models.Health), "ok")),
        "/readyz": {"get": {"summary": "Policies compiled, the last reload's result, the decision log writable",
                            "responses": {"200": _json(ref(service_models.Ready), "ready"), "503": _json(ref(service_models.Ready), "not ready"), **none}}},
        "/metrics": get("Prometheus metrics", {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}),
        "/openapi.json": get("This document", _json({"type": "object", "description": "OpenAPI 3.1"}, "OpenAPI 3.1")),
        "/docs": get("This document as a page", html),
        "/problems/{code}": get("What a kind of error means (the `type` of a problem)", html, ("no_route", "internal_error"),
                                [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "enum": list(KINDS)}}, *lang_only]),
        "/": get("The self-check page, generated from the year's input declarations", html, ("unknown_year", "internal_error"), page_params),
        "/page/relevant": post("The page's call: which questions can still change the result", {"type": "object"},
                               _json(ref(service_models.Relevant), "the questions to ask"), _CASE),
        "/page/check": post("The page's result panel for the questions asked", {"type": "object"}, html, _CASE),
        "/page/result": post("The page's result panel for a whole case", case_ref, html, _CASE),
    }
    for route in paths.values():  # every route: an unknown path or method is a problem too
        for operation in route.values():
            operation["responses"].setdefault("404", _errors(problem, ("no_route",))["404"])
            operation["responses"]["405"] = _errors(problem, ("method_not_allowed",))["405"]
    return {
        "openapi": "3.1.0",
        "info": {"title": "policy serve", "version": __version__,
                 "description": "Decisions of " + ", ".join(f"{y.policy.programme} ({y.content_hash[:12]})" for y in snapshot.years)
                 + ". Every error is an RFC 9457 problem (application/problem+json) with a `code`; see /docs."},
        "paths": paths,
        "components": {"schemas": {**cases, **schemas.named}},
    }
